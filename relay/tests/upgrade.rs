//! Upgrades: a data directory written by the release before schema
//! versions (the fixture `tests/fixtures/schema-v0`) is upgraded in place
//! and keeps every change; a directory from a newer relay is refused.
#![allow(clippy::unwrap_used)]

mod support;

use automerge::ReadDoc;
use coinop_protocol::*;
use coinop_relay::storage::schema::{SCHEMA_VERSION, schema_version};
use coinop_relay::{Relay, RelayConfig, StorageConfig};
use std::path::Path;
use std::sync::{Arc, Mutex};
use support::*;

/// A copy of the fixture in a fresh temporary directory (the fixture itself
/// is never opened: SQLite would write beside it).
fn v0_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-v0/coinop.db");
    std::fs::copy(fixture, dir.path().join("coinop.db")).unwrap();
    dir
}

fn sql(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("coinop.db")).unwrap()
}

fn config(dir: &Path) -> RelayConfig {
    RelayConfig {
        storage: StorageConfig::Sqlite {
            dir: dir.to_owned(),
        },
        ..RelayConfig::for_tests()
    }
}

/// Log lines written while `f` runs on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn start(&self) -> tracing::subscriber::DefaultGuard {
        let me = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || me.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// What a joiner of `room` reads: (state, whether a view came with the
/// snapshot, head).
async fn read_room(url: &str, room: &str) -> (automerge::AutoCommit, bool, Seq) {
    let (_c, joined) = Client::join(url, join_msg(room, "reader")).await;
    (doc_from(&joined), joined.view.is_some(), joined.head)
}

fn int(doc: &automerge::AutoCommit, key: &str) -> Option<i64> {
    doc.get(automerge::ROOT, key)
        .unwrap()
        .and_then(|(v, _)| v.as_i64())
}

/// What the fixture's README says it holds.
fn assert_fixture_rooms(folded: &automerge::AutoCommit, tail: &automerge::AutoCommit) {
    // k{i % 5} = i for i in 0..24: the last write of each key wins.
    let last = [20, 21, 22, 23, 19];
    for (k, v) in last.into_iter().enumerate() {
        assert_eq!(int(folded, &format!("k{k}")), Some(v));
    }
    assert_eq!(int(tail, "n"), Some(2));
}

#[tokio::test]
async fn a_directory_of_the_previous_release_is_upgraded_in_place_and_says_so() {
    let dir = v0_copy();
    assert_eq!(schema_version(&sql(dir.path())).unwrap(), 0);
    let logs = Captured::default();
    let relay = {
        let _logs = logs.start();
        Relay::start(config(dir.path())).await.unwrap()
    };
    let log = logs.text();
    assert!(log.contains("upgrading the data directory"), "{log}");
    assert!(log.contains("data directory upgraded"), "{log}");
    assert_eq!(schema_version(&sql(dir.path())).unwrap(), SCHEMA_VERSION);

    let url = relay.ws_url();
    let (folded, view, head) = read_room(&url, "FOLDED").await;
    assert_eq!(head, Seq(24));
    assert!(
        !view,
        "a view is sent only when nothing follows the snapshot"
    );
    let (tail, _, head) = read_room(&url, "TAIL").await;
    assert_eq!(head, Seq(3));
    assert_fixture_rooms(&folded, &tail);
    // The upgraded room takes new changes after its stored ones.
    let (mut alice, _) = Client::join(&url, join_msg("TAIL", "bob")).await;
    let seq = alice.publish(99, vec![Doc::new().change("m", 1)]).await;
    assert_eq!(seq, Seq(4));
    relay.shutdown().await;

    // Opening it again is no upgrade.
    let logs = Captured::default();
    let relay = {
        let _logs = logs.start();
        Relay::start(config(dir.path())).await.unwrap()
    };
    assert!(!logs.text().contains("upgrading"), "{}", logs.text());
    relay.shutdown().await;
}

/// A snapshot stored before snapshots carried a view (and a clock) gets
/// them at the upgrade: the first joiner already reads the view.
#[tokio::test]
async fn old_snapshots_get_their_state_views_on_load() {
    let dir = v0_copy();
    let db = sql(dir.path());
    db.execute_batch(
        "UPDATE snapshots SET view = NULL, clock = NULL;
         DELETE FROM log WHERE room = 'FOLDED' AND seq > 20;",
    )
    .unwrap();
    drop(db);
    let relay = Relay::start(config(dir.path())).await.unwrap();
    let (_c, joined) = Client::join(&relay.ws_url(), join_msg("FOLDED", "reader")).await;
    assert_eq!(joined.head, Seq(20));
    let mut doc = doc_from(&joined);
    let view = joined.view.expect("the snapshot came with a view");
    let mut view = automerge::AutoCommit::load(&view).unwrap();
    assert_eq!(view.document().hydrate(None), doc.document().hydrate(None));
    assert_eq!(int(&view, "k4"), Some(19));
    relay.shutdown().await;
    let stored: (Option<Vec<u8>>, Option<Vec<u8>>) = sql(dir.path())
        .query_row(
            "SELECT view, clock FROM snapshots WHERE room = 'FOLDED'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        stored.0.is_some() && stored.1.is_some(),
        "stored, not recomputed per load"
    );
}

#[tokio::test]
async fn a_directory_from_a_newer_relay_is_refused_with_a_clear_message() {
    let dir = v0_copy();
    let newer = SCHEMA_VERSION + 1;
    sql(dir.path())
        .pragma_update(None, "user_version", newer)
        .unwrap();
    let err = Relay::start(config(dir.path()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "schema version {newer}, newer than this relay's {SCHEMA_VERSION}"
        )),
        "{err}"
    );
    // The binary exits with the message instead of serving.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coinop-relay"))
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("newer than this relay"), "{stderr}");
    // Nothing was changed.
    assert_eq!(schema_version(&sql(dir.path())).unwrap(), newer);
}
