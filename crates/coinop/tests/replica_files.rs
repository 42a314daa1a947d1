//! Replica files: versioned, an old one migrated, a newer or corrupt one
//! set aside and reported, failed saves retried and surfaced. Against the
//! real relay.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use coinop::{
    Error, ErrorCode, FileReplicaStore, MemoryReplicaStore, REPLICA_VERSION, Reliability, Replica,
    ReplicaStore, RoomCode,
};
use common::{base_url, builder, error_codes, eventually, join, relay};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A replica as the SDK wrote it before files had a version: the room
/// `FIXTURE` holding `fixture = 42` and `words = ["a", "b"]`, written
/// offline (so still queued), with a cursor in an incarnation (epoch 7)
/// no relay has.
const V0: &[u8] = include_bytes!("fixtures/v0.replica");

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_unversioned_replica_is_read_delivered_and_rewritten_versioned() {
    let relay = relay().await;
    let url = base_url(&relay);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("FIXTURE.replica");
    std::fs::write(&file, V0).unwrap();
    let (a, _ta) =
        join(builder(&url, "FIXTURE", "a").replica_store(FileReplicaStore::new(dir.path()))).await;
    assert_eq!(a.get_state::<i32>("fixture"), Some(42));
    assert_eq!(a.replica_error().map(|e| e.to_string()), None);
    let (b, _tb) = join(builder(&url, "FIXTURE", "b")).await;
    eventually("b gets the replica's queued writes", || {
        b.get_state::<i32>("fixture") == Some(42)
            && b.get_state::<Vec<String>>("words") == Some(vec!["a".into(), "b".into()])
    })
    .await;
    a.saved().await.unwrap();
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        bytes.starts_with(b"\0coinopR"),
        "migrated to a versioned file"
    );
    assert_eq!(bytes[8..12], REPLICA_VERSION.to_le_bytes());
    assert!(Replica::decode(&bytes).unwrap().outbox.is_empty());
    relay.shutdown().await;
}

#[tokio::test]
async fn a_newer_or_corrupt_replica_is_set_aside_and_reported_never_dropped() {
    let relay = relay().await;
    let url = base_url(&relay);
    let mut newer = b"\0coinopR".to_vec();
    newer.extend_from_slice(&(REPLICA_VERSION + 1).to_le_bytes());
    newer.extend_from_slice(b"whatever a newer SDK writes");
    let cases = [
        ("NEWER", newer, ErrorCode::REPLICA_TOO_NEW),
        (
            "CORRUPT",
            vec![0xff, 0xff, 0x01],
            ErrorCode::REPLICA_CORRUPT,
        ),
    ];
    for (room, bytes, code) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(format!("{room}.replica")), &bytes).unwrap();
        let (a, driver) = builder(&url, room, "a")
            .replica_store(FileReplicaStore::new(dir.path()))
            .build()
            .unwrap();
        let mut events = a.events();
        let _t = tokio::spawn(driver);
        a.ready().await.unwrap();
        assert_eq!(error_codes(&mut events), [code], "reported as an event");
        assert_eq!(a.replica_error().and_then(|e| e.code()), Some(code));
        a.set_state("k", &1, Reliability::Reliable).unwrap();
        a.saved().await.unwrap();
        let names = file_names(dir.path());
        assert_eq!(names.len(), 2, "{names:?}");
        let aside = names.iter().find(|n| n.contains("unreadable")).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join(aside)).unwrap(),
            bytes,
            "kept as it was"
        );
        assert!(
            names.contains(&format!("{room}.replica")),
            "a fresh one is saved"
        );
    }
    relay.shutdown().await;
}

/// A store whose saves fail while `broken`.
#[derive(Default)]
struct FlakyStore {
    broken: AtomicBool,
    inner: MemoryReplicaStore,
}

impl ReplicaStore for FlakyStore {
    fn load(&self, room: &RoomCode) -> Result<Option<Replica>, Error> {
        self.inner.load(room)
    }
    fn save(&self, room: &RoomCode, replica: &Replica) -> Result<(), Error> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(std::io::Error::other("disk full").into());
        }
        self.inner.save(room, replica)
    }
}

#[tokio::test]
async fn a_failed_save_is_retried_and_surfaced_and_saved_stays_honest() {
    let relay = relay().await;
    let url = base_url(&relay);
    let store = Arc::new(FlakyStore::default());
    let (a, _ta) = join(builder(&url, "flaky", "a").replica_store(store.clone())).await;
    a.saved().await.unwrap();
    let mut events = a.events();
    store.broken.store(true, Ordering::SeqCst);
    a.set_state("k", &1, Reliability::Reliable).unwrap();
    let (b, _tb) = join(builder(&url, "flaky", "b")).await;
    eventually("the relay has the write", || {
        b.get_state::<i32>("k") == Some(1)
    })
    .await;
    unsaved_until_the_store_writes_again(&a, &mut events, &store.broken, &store.inner, "flaky")
        .await;
    relay.shutdown().await;
}

/// While `broken`: not saved (though acked), the failure held and reported
/// once. Once it is not: saved again, the kept replica's outbox empty.
async fn unsaved_until_the_store_writes_again(
    a: &coinop::Room,
    events: &mut coinop::Events,
    broken: &AtomicBool,
    inner: &MemoryReplicaStore,
    room: &str,
) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!a.is_saved(), "acked, but the replica is not saved");
    assert_eq!(
        a.replica_error().and_then(|e| e.code()),
        Some(ErrorCode::REPLICA_NOT_SAVED)
    );
    assert_eq!(
        error_codes(events),
        [ErrorCode::REPLICA_NOT_SAVED],
        "reported once"
    );
    broken.store(false, Ordering::SeqCst);
    tokio::time::timeout(Duration::from_secs(10), a.saved())
        .await
        .expect("a retry saves")
        .unwrap();
    assert!(a.replica_error().is_none());
    let kept = inner.load(&RoomCode::new(room).unwrap()).unwrap().unwrap();
    assert!(kept.outbox.is_empty());
}

/// What a store hands the room to wake it.
type Wake = Box<dyn Fn() + Send + Sync>;

/// A store whose `save` only queues, like the browser's IndexedDB one: a
/// writer task writes the newest queued replica later, failing while
/// `broken`, and wakes the room when a write fails.
#[derive(Default)]
struct QueuedStore {
    broken: AtomicBool,
    queued: std::sync::Mutex<Option<(RoomCode, Replica)>>,
    failure: std::sync::Mutex<Option<std::time::Instant>>,
    wake: std::sync::Mutex<Option<Wake>>,
    inner: MemoryReplicaStore,
}

impl QueuedStore {
    fn error() -> Error {
        std::io::Error::other("disk full").into()
    }

    /// The writer's turn: writes the newest queued replica, if any.
    fn write_queued(&self) {
        let Some((room, replica)) = self.queued.lock().unwrap().take() else {
            return;
        };
        if self.broken.load(Ordering::SeqCst) {
            let mut failure = self.failure.lock().unwrap();
            failure.get_or_insert_with(std::time::Instant::now);
            drop(failure);
            if let Some(wake) = &*self.wake.lock().unwrap() {
                wake();
            }
        } else {
            self.inner.save(&room, &replica).unwrap();
            *self.failure.lock().unwrap() = None;
        }
    }
}

impl ReplicaStore for QueuedStore {
    fn load(&self, room: &RoomCode) -> Result<Option<Replica>, Error> {
        self.inner.load(room)
    }
    fn save(&self, room: &RoomCode, replica: &Replica) -> Result<(), Error> {
        *self.queued.lock().unwrap() = Some((room.clone(), replica.clone()));
        match self.failing() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
    fn failing(&self) -> Option<Error> {
        self.failure.lock().unwrap().map(|_| Self::error())
    }
    fn on_write_failure(&self, wake: Wake) {
        *self.wake.lock().unwrap() = Some(wake);
    }
}

#[tokio::test]
async fn a_queued_write_that_fails_later_is_reported_at_once_and_saved_stays_honest() {
    let relay = relay().await;
    let url = base_url(&relay);
    let store = Arc::new(QueuedStore::default());
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            // Bounded: the test ends well within 30 s.
            for _ in 0..3_000 {
                store.write_queued();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let (a, driver) = join(builder(&url, "queued", "a").replica_store(store.clone())).await;
    a.saved().await.unwrap();
    let mut events = a.events();
    store.broken.store(true, Ordering::SeqCst);
    a.set_state("k", &1, Reliability::Reliable).unwrap();
    eventually("the queued write fails", || {
        store.failure.lock().unwrap().is_some()
    })
    .await;
    let failed_at = store.failure.lock().unwrap().unwrap();
    eventually("the room sees the failure", || a.replica_error().is_some()).await;
    // Woken by the store: not at its next ping or save, seconds later.
    let seen_after = failed_at.elapsed();
    assert!(
        seen_after < Duration::from_millis(500),
        "seen {seen_after:?} after the write failed"
    );
    unsaved_until_the_store_writes_again(&a, &mut events, &store.broken, &store.inner, "queued")
        .await;
    // The store holds the room's wake, but not the room: dropped, it stops.
    drop((a, events));
    tokio::time::timeout(Duration::from_secs(5), driver)
        .await
        .expect("the driver stops once every handle is dropped")
        .unwrap()
        .unwrap();
    writer.abort();
    relay.shutdown().await;
}
