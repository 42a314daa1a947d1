//! Backups: `coinop-relay backup` copies a data directory while the relay
//! runs and writes; `coinop-relay restore` brings the copy back, and a
//! fresh relay on it holds every change acked before the backup started.
#![allow(clippy::unwrap_used)]

mod support;

use automerge::ReadDoc;
use coinop_harness::RelayProcess;
use coinop_relay::storage::schema::SCHEMA_VERSION;
use coinop_relay::storage::{StorageError, restore};
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_coinop-relay");
const ROOMS: [&str; 3] = ["BAK1", "BAK2", "BAK3"];
/// Each writer's most changes: the load loop is bounded.
const MAX_WRITES: i64 = 2_000;

/// Runs `coinop-relay ARGS` to completion, off the async runtime.
async fn relay_command(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || std::process::Command::new(BIN).args(args).output())
        .await
        .unwrap()
        .unwrap()
}

fn args(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<String> {
    parts
        .iter()
        .map(|p| p.as_ref().to_string_lossy().into_owned())
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Publishes `k{i} = i` one change at a time into `room`, each awaited,
/// until `stop`; records every acked i.
async fn write_until(
    url: String,
    room: &'static str,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(usize, i64)>>>,
) {
    let r = ROOMS.iter().position(|x| *x == room).unwrap();
    let (mut c, _) = Client::join(&url, join_msg(room, "writer")).await;
    let mut doc = Doc::new();
    for i in 0..MAX_WRITES {
        if stop.load(Relaxed) {
            break;
        }
        let change = doc.change(&format!("k{i}"), i);
        c.publish(i as u64 + 1, vec![change]).await;
        acked.lock().unwrap().push((r, i));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_change_acked_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let file = tmp.path().join("coinop-backup.db");
    // Frequent compactions: the backup holds snapshots as well as logs.
    let mut relay = RelayProcess::builder(BIN)
        .data_dir(&live)
        .args(["--compact-entries", "50"])
        .start()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = ROOMS
        .iter()
        .map(|room| {
            tokio::spawn(write_until(
                relay.ws_url(),
                room,
                stop.clone(),
                acked.clone(),
            ))
        })
        .collect();
    // Under way: some changes acked (and compacted) in every room.
    for _ in 0..500 {
        if acked.lock().unwrap().len() >= 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = acked.lock().unwrap().clone();
    assert!(before.len() >= 300, "writers too slow: {}", before.len());
    let out = relay_command(args(&[&"backup", &"--data-dir", &live, &"--to", &file])).await;
    assert!(out.status.success(), "backup failed: {}", stderr(&out));
    let during = acked.lock().unwrap().len();
    // The writers kept going after the backup.
    for _ in 0..500 {
        if acked.lock().unwrap().len() >= during + 30 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let total = acked.lock().unwrap().len();
    assert!(total > before.len(), "no writes after the backup started");

    // A relay runs on `live`: restoring over it is refused, even with --force.
    let out = relay_command(args(&[
        &"restore",
        &"--from",
        &file,
        &"--data-dir",
        &live,
        &"--force",
    ]))
    .await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("in use"), "{}", stderr(&out));

    let fresh = tmp.path().join("restored");
    let out = relay_command(args(&[&"restore", &"--from", &file, &"--data-dir", &fresh])).await;
    assert!(out.status.success(), "restore failed: {}", stderr(&out));
    relay.kill();
    let restored = RelayProcess::builder(BIN).data_dir(&fresh).start().unwrap();
    let mut docs = Vec::new();
    for room in ROOMS {
        let (_c, joined) = Client::join(&restored.ws_url(), join_msg(room, "reader")).await;
        docs.push(doc_from(&joined));
    }
    for (r, i) in &before {
        let value = docs[*r].get(automerge::ROOT, format!("k{i}")).unwrap();
        assert_eq!(
            value.and_then(|(v, _)| v.as_i64()),
            Some(*i),
            "{} k{i} was acked before the backup and is missing",
            ROOMS[*r]
        );
    }
}

#[tokio::test]
async fn restore_refuses_a_full_directory_a_foreign_file_and_a_newer_backup() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let file = tmp.path().join("b.db");
    drop(coinop_relay::storage::SqliteStorage::open(&src).unwrap());
    coinop_relay::storage::backup(&src, &file).unwrap();

    // Not empty: refused without force, replaced with it.
    let target = tmp.path().join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("coinop.db"), b"old").unwrap();
    assert!(matches!(
        restore(&file, &target, false),
        Err(StorageError::NotEmpty(_))
    ));
    assert_eq!(std::fs::read(target.join("coinop.db")).unwrap(), b"old");
    let summary = restore(&file, &target, true).unwrap();
    assert_eq!(summary.schema_version, SCHEMA_VERSION);
    drop(coinop_relay::storage::SqliteStorage::open(&target).unwrap());
    // Neither copies a database onto itself.
    assert!(coinop_relay::storage::backup(&src, &src.join("coinop.db")).is_err());
    let own = target.join("coinop.db");
    assert!(matches!(
        restore(&own, &target, true),
        Err(StorageError::NotABackup { .. })
    ));
    drop(coinop_relay::storage::SqliteStorage::open(&target).unwrap());

    let junk = tmp.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just some bytes").unwrap();
    let empty = tmp.path().join("empty");
    assert!(matches!(
        restore(&junk, &empty, false),
        Err(StorageError::NotABackup { .. })
    ));
    assert!(matches!(
        restore(Path::new("/nonexistent/b.db"), &empty, false),
        Err(StorageError::NotABackup { .. })
    ));

    rusqlite::Connection::open(&file)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let err = restore(&file, &empty, false).unwrap_err();
    assert!(matches!(err, StorageError::TooNew { .. }), "{err}");
}
