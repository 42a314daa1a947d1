//! Durability of the real relay binary: SIGKILL (abort) in the middle of a
//! compaction, a corrupted stored snapshot, and a full disk. Every acked
//! change survives; nothing is acked that was not stored.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_harness::{
    Client, Doc, Event, Joined, RelayBuilder, RelayProcess, big_change, doc_from, http_get,
    join_msg, metric,
};
use coinop_protocol::{Bytes, ErrorCode, RelayMessage};
use coinop_reliability::serial;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The relay on `data` (kept across restarts) with `args`, its log in
/// `data`'s sibling file `data.log`.
fn relay_on(data: &Path, args: &[&str]) -> RelayBuilder {
    support::relay_under_test()
        .data_dir(data)
        .args(args)
        .log_file(data.with_extension("log"))
}

fn hash_of(change: &Bytes) -> automerge::ChangeHash {
    automerge::Change::from_bytes(change.to_vec())
        .unwrap()
        .hash()
}

/// Publishes one change; `None` when the connection ended first.
async fn try_publish(
    c: &mut Client,
    client_ref: u64,
    change: Bytes,
) -> Option<Result<(), ErrorCode>> {
    let answer = c.publish_unless_closed(client_ref, vec![change]).await?;
    Some(answer.map(drop))
}

/// Joins `room` and checks that every change in `acked` is in its
/// document, that no change is stored twice, and returns the catch-up.
async fn assert_all_present(url: &str, room: &str, acked: &[Bytes]) -> Joined {
    let (_c, joined) = Client::join(url, join_msg(room, "auditor")).await;
    let mut doc = doc_from(&joined);
    for (i, change) in acked.iter().enumerate() {
        let h = hash_of(change);
        assert!(
            doc.get_change_by_hash(&h).is_some(),
            "acked change {i} of {} is lost",
            acked.len()
        );
    }
    let mut seen = HashSet::new();
    for e in &joined.entries {
        assert!(
            seen.insert(hash_of(&e.change)),
            "seq {} is a duplicate",
            e.seq.0
        );
    }
    for (i, e) in joined.entries.iter().enumerate() {
        let first = joined.snapshot.as_ref().map_or(0, |(upto, _)| upto.0);
        assert_eq!(e.seq.0, first + 1 + i as u64, "seqs are consecutive");
    }
    joined
}

/// Waits for the relay to abort, and checks its log says where: `text`.
fn assert_aborted_at(relay: &mut RelayProcess, text: &str) {
    let status = relay.wait_exit(Duration::from_secs(10));
    let log = relay.log_text();
    assert!(
        status.is_some_and(|s| !s.success()),
        "the relay did not abort: {status:?}"
    );
    assert!(log.contains(text), "aborted elsewhere: {log}");
}

async fn crash_during_compaction(point: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let args = ["--compact-entries", "50"];
    let mut relay = relay_on(&data, &args)
        .env("COINOP_CRASH_POINT", point)
        .start()
        .unwrap();
    let url = relay.ws_url();
    let (mut c, _) = Client::join(&url, join_msg("CRASH", "writer")).await;
    let mut doc = Doc::new();
    let mut acked = Vec::new();
    for i in 0..200u64 {
        let change = doc.change("n", i as i64);
        match try_publish(&mut c, i, change.clone()).await {
            Some(Ok(())) => acked.push(change),
            Some(Err(code)) => panic!("publish {i} refused: {code:?}"),
            None => break,
        }
    }
    assert_aborted_at(&mut relay, "crash point");
    assert!(
        acked.len() >= 50 && acked.len() < 200,
        "{} acked",
        acked.len()
    );
    let relay = relay_on(&data, &args).start().unwrap();
    let joined = assert_all_present(&relay.ws_url(), "CRASH", &acked).await;
    eprintln!(
        "{point}: {} changes acked before the abort; after restart: snapshot up to {:?}, {} log entries, head {}",
        acked.len(),
        joined.snapshot.as_ref().map(|(u, _)| u.0),
        joined.entries.len(),
        joined.head.0
    );
    // Every acked change is there; the one in flight at the abort may be
    // too (stored, its ack lost: the client would resend it, deduplicated).
    let acked_n = acked.len() as u64;
    assert!(
        joined.head.0 == acked_n || joined.head.0 == acked_n + 1,
        "head {} for {acked_n} acked",
        joined.head.0
    );
    // The document reads the same: the last stored value.
    let doc = doc_from(&joined);
    let n = automerge::ReadDoc::get(&doc, automerge::ROOT, "n").unwrap();
    let want = joined.head.0 as i64 - 1;
    assert!(
        matches!(n, Some((automerge::Value::Scalar(s), _)) if s.as_ref() == &automerge::ScalarValue::Int(want))
    );
    match point {
        "after-snapshot-commit" => {
            assert!(joined.snapshot.is_some(), "the committed snapshot is used")
        }
        _ => assert!(
            joined.snapshot.is_none(),
            "the uncommitted snapshot is gone"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_before_compaction_commit_loses_nothing() {
    let _serial = serial().await;
    crash_during_compaction("after-snapshot-write").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_after_compaction_commit_loses_nothing() {
    let _serial = serial().await;
    crash_during_compaction("after-snapshot-commit").await;
}

/// Entries are committed to a table in arrival order and moved to the
/// room-ordered log in bulk, every 4,096: an abort in the middle of that
/// move loses nothing, and the restart finishes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_while_moving_recent_entries_loses_nothing() {
    let _serial = serial().await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // No compaction: its trims would keep the recent entries below 4,096.
    let args = ["--compact-entries", "100000"];
    let mut relay = relay_on(&data, &args)
        .env("COINOP_CRASH_POINT", "before-fold-commit")
        .start()
        .unwrap();
    let (mut c, _) = Client::join(&relay.ws_url(), join_msg("FOLD", "writer")).await;
    let mut doc = Doc::new();
    let mut acked = Vec::new();
    const PER_PUBLISH: u64 = 32;
    for i in 0..400u64 {
        let changes: Vec<Bytes> = (0..PER_PUBLISH)
            .map(|j| doc.change("n", (i * PER_PUBLISH + j) as i64))
            .collect();
        match c.publish_unless_closed(i, changes.clone()).await {
            Some(Ok(_)) => acked.extend(changes),
            Some(Err(code)) => panic!("publish {i} refused: {code:?}"),
            None => break,
        }
    }
    assert_aborted_at(&mut relay, "crash point BeforeFoldCommit");
    assert!(acked.len() >= 4_000, "{} acked", acked.len());
    let relay = relay_on(&data, &args).start().unwrap();
    let joined = assert_all_present(&relay.ws_url(), "FOLD", &acked).await;
    let acked_n = acked.len() as u64;
    assert!(
        (acked_n..=acked_n + PER_PUBLISH).contains(&joined.head.0),
        "head {} for {acked_n} acked",
        joined.head.0
    );
    let db = rusqlite::Connection::open(data.join("coinop.db")).unwrap();
    let recent: i64 = db
        .query_row("SELECT count(*) FROM log_recent", [], |r| r.get(0))
        .unwrap();
    assert_eq!(recent, 0, "the restart moved the recent entries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_snapshot_quarantines_only_that_room() {
    let _serial = serial().await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let args = ["--compact-entries", "20"];
    let mut relay = relay_on(&data, &args).start().unwrap();
    let url = relay.ws_url();
    let mut good_acked = Vec::new();
    for room in ["BROKEN", "GOOD"] {
        let (mut c, _) = Client::join(&url, join_msg(room, "writer")).await;
        let mut doc = Doc::new();
        for i in 0..30u64 {
            let change = doc.change("n", i as i64);
            c.publish(i, vec![change.clone()]).await;
            if room == "GOOD" {
                good_acked.push(change);
            }
        }
    }
    for _ in 0..100 {
        if metric(relay.addr(), "coinop_compactions_total").await >= Some(2.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    relay.kill();
    // Flip bytes in the middle of BROKEN's stored snapshot.
    let db = rusqlite::Connection::open(data.join("coinop.db")).unwrap();
    let mut doc: Vec<u8> = db
        .query_row("SELECT doc FROM snapshots WHERE room = 'BROKEN'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mid = doc.len() / 2;
    for b in &mut doc[mid..mid + 8] {
        *b ^= 0xA5;
    }
    db.execute(
        "UPDATE snapshots SET doc = ?1 WHERE room = 'BROKEN'",
        [&doc],
    )
    .unwrap();
    drop(db);
    let relay = relay_on(&data, &args).start().unwrap();
    let url = relay.ws_url();
    for attempt in 0..5 {
        let (mut c, first) = Client::try_join(&url, join_msg("BROKEN", "reader")).await;
        let refused = matches!(first, Event::Frame(RelayMessage::Error { code, fatal: true, .. })
            if code == ErrorCode::ROOM_UNAVAILABLE);
        assert!(refused, "attempt {attempt}: {first:?}");
        let (_, close) = c.expect_fatal().await;
        assert!(close.is_some(), "closed cleanly");
    }
    let joined = assert_all_present(&url, "GOOD", &good_acked).await;
    assert!(joined.snapshot.is_some());
    assert_eq!(http_get(relay.addr(), "/healthz", &[]).await.0, 200);
    let reported = metric(relay.addr(), "coinop_rooms_unavailable_total").await;
    assert!(reported >= Some(1.0), "metric: {reported:?}");
    let log = relay.log_text();
    assert!(log.contains("quarantined"), "no log line: {log}");
    drop(relay);
    let db = rusqlite::Connection::open(data.join("coinop.db")).unwrap();
    let stored: Vec<u8> = db
        .query_row("SELECT doc FROM snapshots WHERE room = 'BROKEN'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stored, doc, "the corrupted snapshot was replaced");
}

/// A tmpfs mount, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the file system holding `path` until all but `keep` bytes are used.
fn fill(path: &Path, keep: u64) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0xEEu8; 64 * 1024];
    let mut written = 0u64;
    // Bounded: a tmpfs of a few MiB fills in a few hundred chunks.
    for _ in 0..100_000 {
        if f.write_all(&chunk).and_then(|()| f.sync_all()).is_err() {
            break;
        }
        written += chunk.len() as u64;
    }
    f.set_len(written.saturating_sub(keep)).unwrap();
    f.sync_all().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_refuses_without_ack_and_recovers() {
    let _serial = serial().await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let Some(_mount) = Tmpfs::mount(&data, "2m") else {
        eprintln!(
            "SKIPPED full_disk_refuses_without_ack_and_recovers: cannot mount a tmpfs (needs root)"
        );
        return;
    };
    // The free-space reserve (DISK_FULL) is off: this is about a disk
    // that fills up under SQLite anyway.
    let args = [
        "--compact-entries",
        "100000",
        "--compact-bytes",
        "100000000",
        "--min-free-disk-bytes",
        "0",
    ];
    let mut relay = relay_on(&data, &args).start().unwrap();
    let url = relay.ws_url();
    let (mut c, _) = Client::join(&url, join_msg("FULL", "writer")).await;
    let filler = data.join("filler");
    fill(&filler, 256 * 1024);
    let mut acked = Vec::new();
    let mut outbox = Vec::new();
    let mut refusal = None;
    for i in 0..200u64 {
        let change = big_change(16 * 1024, i);
        match try_publish(&mut c, i, change.clone()).await {
            Some(Ok(())) => acked.push(change),
            Some(Err(code)) => {
                refusal = Some(code);
                outbox.push(change);
                break;
            }
            None => panic!("the relay closed the writer"),
        }
    }
    eprintln!(
        "disk full after {} acked changes of 16 KiB: {refusal:?}",
        acked.len()
    );
    assert_eq!(refusal, Some(ErrorCode::STORAGE_UNAVAILABLE));
    assert!(refusal.is_some_and(|c| c.is_retryable()));
    // Still full: a resend is refused again, the relay stays up.
    for i in 0..3u64 {
        let change = big_change(16 * 1024, 1_000 + i);
        let r = try_publish(&mut c, 1_000 + i, change.clone()).await;
        assert_eq!(r, Some(Err(ErrorCode::STORAGE_UNAVAILABLE)));
        outbox.push(change);
    }
    assert_eq!(http_get(relay.addr(), "/healthz", &[]).await.0, 200);
    // Space comes back: the kept changes are stored and acked.
    std::fs::remove_file(&filler).unwrap();
    for (i, change) in outbox.iter().enumerate() {
        let r = try_publish(&mut c, 2_000 + i as u64, change.clone()).await;
        assert_eq!(r, Some(Ok(())), "resend {i}");
        acked.push(change.clone());
    }
    relay.kill();
    let relay = relay_on(&data, &args).start().unwrap();
    assert_all_present(&relay.ws_url(), "FULL", &acked).await;
    drop(relay);
}
