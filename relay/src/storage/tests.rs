//! One suite, run against every storage implementation.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::core::ActorClock;
use crate::core::{RoomMeta, Snapshot};
use coinop_protocol::Bytes;
use coinop_protocol::{LogEntry, PlayerId, RoomCode, Seq};

pub(super) fn code(s: &str) -> RoomCode {
    RoomCode::new(s).unwrap()
}

pub(super) fn entry(seq: u64, byte: u8) -> LogEntry {
    LogEntry {
        seq: Seq(seq),
        sender: PlayerId::new("p").unwrap(),
        change: Bytes::from(vec![byte; 3]),
    }
}

pub(super) fn suite(s: &mut dyn Storage) {
    let (a, b) = (code("AAAA"), code("BBBB"));
    // One batch for two rooms.
    s.append(&[
        Append {
            room: a.clone(),
            entries: vec![entry(1, 1), entry(2, 2)],
        },
        Append {
            room: b.clone(),
            entries: vec![entry(1, 9)],
        },
    ])
    .unwrap();
    s.append(&[Append {
        room: a.clone(),
        entries: vec![entry(3, 3)],
    }])
    .unwrap();
    let tail = s.read_tail(&a, Seq(1)).unwrap();
    assert_eq!(tail, vec![entry(2, 2), entry(3, 3)]);
    assert_eq!(s.read_tail(&b, Seq(0)).unwrap(), vec![entry(1, 9)]);

    assert_eq!(s.read_snapshot(&a).unwrap(), None);
    let snap = Snapshot {
        upto: Seq(2),
        doc: Bytes::from_static(b"doc"),
        clock: Some(ActorClock::default()),
        view: Some(Bytes::from_static(b"view")),
    };
    s.write_snapshot(&a, &snap).unwrap();
    assert_eq!(s.read_snapshot(&a).unwrap(), Some(snap.clone()));
    // A joiner given the state before this snapshot (none) may still be
    // reading the log after it: the log is trimmed up to the snapshot a
    // snapshot replaces, not up to itself.
    assert_eq!(
        s.read_tail(&a, Seq(0)).unwrap(),
        vec![entry(1, 1), entry(2, 2), entry(3, 3)],
        "a first snapshot trims nothing"
    );
    let next = Snapshot {
        upto: Seq(3),
        ..snap.clone()
    };
    s.write_snapshot(&a, &next).unwrap();
    assert_eq!(s.read_snapshot(&a).unwrap(), Some(next));
    assert_eq!(
        s.read_tail(&a, Seq(0)).unwrap(),
        vec![entry(3, 3)],
        "log trimmed up to the snapshot replaced"
    );
    assert_eq!(s.read_tail(&a, Seq(2)).unwrap(), vec![entry(3, 3)]);

    let p = PlayerId::new("alice").unwrap();
    assert_eq!(s.secret_hash(&p).unwrap(), None);
    s.put_secret_hash(&p, [5; 32]).unwrap();
    assert_eq!(s.secret_hash(&p).unwrap(), Some([5; 32]));

    let meta = RoomMeta {
        code: a.clone(),
        epoch: u64::MAX - 3,
        max_players: 8,
        grace_ms: 5000,
        created_ms: 77,
        owner: None,
        rules: Default::default(),
    };
    assert_eq!(s.room_meta(&a).unwrap(), None);
    s.put_room_meta(&meta).unwrap();
    assert_eq!(s.room_meta(&a).unwrap(), Some(meta.clone()));
    assert_eq!(s.list_rooms().unwrap(), vec![meta]);

    let update = |room: &RoomCode, host, at_ms| PlayerRoomUpdate {
        player: p.clone(),
        room: room.clone(),
        host,
        at_ms,
    };
    s.record_player_rooms(&[update(&a, false, 10), update(&b, true, 20)])
        .unwrap();
    s.record_player_rooms(&[update(&a, true, 30), update(&b, false, 5)])
        .unwrap();
    let rows = s.player_rooms(&p).unwrap();
    assert_eq!(
        rows,
        vec![
            PlayerRoom {
                room: a,
                host: true,
                last_joined_ms: 30
            },
            PlayerRoom {
                room: b,
                host: true,
                last_joined_ms: 20
            },
        ]
    );
}

#[test]
fn memory_storage_passes_the_suite() {
    suite(&mut MemoryStorage::new());
}

#[test]
fn sqlite_storage_passes_the_suite_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    suite(&mut SqliteStorage::open(dir.path()).unwrap());
    let mut reopened = SqliteStorage::open(dir.path()).unwrap();
    assert_eq!(
        reopened.read_tail(&code("AAAA"), Seq(0)).unwrap(),
        vec![entry(3, 3)]
    );
}

#[test]
fn sqlite_batch_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    batch_is_all_or_nothing(&mut SqliteStorage::open(dir.path()).unwrap());
}

pub(super) fn batch_is_all_or_nothing(s: &mut dyn Storage) {
    let a = code("AAAA");
    s.append(&[Append {
        room: a.clone(),
        entries: vec![entry(1, 1)],
    }])
    .unwrap();
    // Seq 1 again is refused: the whole batch must roll back.
    let bad = s.append(&[
        Append {
            room: code("BBBB"),
            entries: vec![entry(1, 2)],
        },
        Append {
            room: a.clone(),
            entries: vec![entry(1, 3)],
        },
    ]);
    assert!(bad.is_err());
    assert!(s.read_tail(&code("BBBB"), Seq(0)).unwrap().is_empty());
}

fn meta(i: u64) -> RoomMeta {
    RoomMeta {
        code: code(&format!("R{i:03}")),
        epoch: i,
        max_players: 4,
        grace_ms: 0,
        created_ms: 1,
        owner: None,
        rules: Default::default(),
    }
}

#[test]
fn a_failed_group_creates_no_room() {
    let dir = tempfile::tempdir().unwrap();
    failed_group_creates_no_room(&mut SqliteStorage::open(dir.path()).unwrap());
}

pub(super) fn failed_group_creates_no_room(s: &mut dyn Storage) {
    s.append(&[Append {
        room: code("AAAA"),
        entries: vec![entry(1, 1)],
    }])
    .unwrap();
    let dup = [Append {
        room: code("AAAA"),
        entries: vec![entry(1, 2)],
    }];
    let failing = Group {
        rooms: vec![meta(1)],
        secrets: vec![(PlayerId::new("ann").unwrap(), [1; 32])],
        appends: dup.to_vec(),
        index: Vec::new(),
        at_ms: 0,
    };
    assert!(s.commit_group(&failing).is_err());
    assert!(s.room_meta(&code("R001")).unwrap().is_none());
    assert!(
        s.secret_hash(&PlayerId::new("ann").unwrap())
            .unwrap()
            .is_none()
    );
    let group = Group {
        rooms: vec![meta(1), meta(2)],
        ..Group::default()
    };
    s.commit_group(&group).unwrap();
    assert_eq!(s.list_rooms().unwrap().len(), 2);
}

#[test]
fn a_bound_secret_is_never_rebound() {
    bound_secret_is_never_rebound(&mut MemoryStorage::new());
    let dir = tempfile::tempdir().unwrap();
    bound_secret_is_never_rebound(&mut SqliteStorage::open(dir.path()).unwrap());
}

pub(super) fn bound_secret_is_never_rebound(s: &mut dyn Storage) {
    let ann = PlayerId::new("ann").unwrap();
    let bind = |hash| Group {
        secrets: vec![(ann.clone(), hash)],
        ..Group::default()
    };
    s.commit_group(&bind([1; 32])).unwrap();
    s.commit_group(&bind([2; 32])).unwrap();
    assert_eq!(s.secret_hash(&ann).unwrap(), Some([1; 32]));
}

/// Occupies the storage thread until the returned sender is dropped or
/// sent to, so that what is sent meanwhile queues up behind it.
pub(super) fn hold(handle: &StorageHandle) -> std::sync::mpsc::Sender<()> {
    let (release, held) = std::sync::mpsc::channel::<()>();
    let handle = handle.clone();
    tokio::spawn(async move {
        handle
            .call(move |_| {
                let _ = held.recv_timeout(std::time::Duration::from_secs(5));
                Ok(())
            })
            .await
    });
    release
}

/// A storage thread over SQLite in a temporary directory (kept while the
/// directory lives), with its metrics.
fn sqlite_thread() -> (
    tempfile::TempDir,
    std::sync::Arc<crate::metrics::Metrics>,
    StorageHandle,
) {
    let dir = tempfile::tempdir().unwrap();
    let metrics = std::sync::Arc::new(crate::metrics::Metrics::default());
    let storage = SqliteStorage::open(dir.path()).unwrap();
    let handle = StorageHandle::spawn(Box::new(storage), metrics.clone()).unwrap();
    (dir, metrics, handle)
}

#[tokio::test]
async fn writes_queued_together_share_one_commit() {
    use std::time::Duration;

    let (_dir, metrics, handle) = sqlite_thread();
    let player = |i: u64| PlayerId::new(format!("p{i}")).unwrap();

    // First joins of 20 players, then 20 new rooms: each wave queued behind
    // a busy storage thread commits once.
    let release = hold(&handle);
    let binds: Vec<_> = (0..20)
        .map(|i| {
            let handle = handle.clone();
            tokio::spawn(async move { handle.check_or_bind(player(i), [7; 32]).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = metrics.storage_commit.count();
    release.send(()).unwrap();
    for bind in binds {
        bind.await.unwrap().unwrap();
    }
    assert_eq!(
        metrics.storage_commit.count() - before,
        1,
        "20 bindings, 1 commit"
    );

    let release = hold(&handle);
    let creations: Vec<_> = (0..20)
        .map(|i| {
            let handle = handle.clone();
            tokio::spawn(async move { handle.create_room(meta(i)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = metrics.storage_commit.count();
    release.send(()).unwrap();
    for created in creations {
        created.await.unwrap().unwrap();
    }
    assert_eq!(
        metrics.storage_commit.count() - before,
        1,
        "20 rooms, 1 commit"
    );

    let listed = handle.call(|s| s.list_rooms()).await.unwrap();
    assert_eq!(listed.len(), 20);
    let bound = handle
        .call(move |s| s.secret_hash(&player(19)))
        .await
        .unwrap();
    assert_eq!(bound, Some([7; 32]));
    handle.stop().await;
}

#[tokio::test]
async fn a_first_binding_answers_with_the_hash_that_committed_first() {
    use std::time::Duration;

    let (_dir, metrics, handle) = sqlite_thread();
    let alice = || PlayerId::new("alice").unwrap();

    // Two first joins of one id with different secrets, queued together.
    let release = hold(&handle);
    let joins: Vec<_> = [[1; 32], [2; 32]]
        .into_iter()
        .map(|hash| {
            let handle = handle.clone();
            tokio::spawn(async move { handle.check_or_bind(alice(), hash).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    release.send(()).unwrap();
    let mut answers = Vec::new();
    for join in joins {
        answers.push(join.await.unwrap().unwrap());
    }
    assert_eq!(answers[0], answers[1], "both see the one binding stored");
    assert!(answers[0] == [1; 32] || answers[0] == [2; 32]);

    // Bound: answered from storage with no commit, whatever hash is offered.
    let before = metrics.storage_commit.count();
    let again = handle.check_or_bind(alice(), [3; 32]).await.unwrap();
    assert_eq!(again, answers[0]);
    assert_eq!(metrics.storage_commit.count(), before, "no commit to check");
    handle.stop().await;
}

/// Memory storage that counts index writes made on their own, outside a
/// group's transaction, and calls of a maintenance that always fails.
struct CountingIndex {
    inner: MemoryStorage,
    alone: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    maintained: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Storage for CountingIndex {
    fn append(&mut self, batch: &[Append]) -> Result<(), StorageError> {
        self.inner.append(batch)
    }
    fn read_tail(&mut self, room: &RoomCode, after: Seq) -> Result<Vec<LogEntry>, StorageError> {
        self.inner.read_tail(room, after)
    }
    fn read_snapshot(&mut self, room: &RoomCode) -> Result<Option<Snapshot>, StorageError> {
        self.inner.read_snapshot(room)
    }
    fn write_snapshot(&mut self, room: &RoomCode, snapshot: &Snapshot) -> Result<(), StorageError> {
        self.inner.write_snapshot(room, snapshot)
    }
    fn secret_hash(&mut self, player: &PlayerId) -> Result<Option<[u8; 32]>, StorageError> {
        self.inner.secret_hash(player)
    }
    fn put_secret_hash(&mut self, player: &PlayerId, hash: [u8; 32]) -> Result<(), StorageError> {
        self.inner.put_secret_hash(player, hash)
    }
    fn room_meta(&mut self, room: &RoomCode) -> Result<Option<RoomMeta>, StorageError> {
        self.inner.room_meta(room)
    }
    fn put_room_meta(&mut self, meta: &RoomMeta) -> Result<(), StorageError> {
        self.inner.put_room_meta(meta)
    }
    fn commit_group(&mut self, group: &Group) -> Result<(), StorageError> {
        self.inner.commit_group(group)
    }
    fn list_rooms(&mut self) -> Result<Vec<RoomMeta>, StorageError> {
        self.inner.list_rooms()
    }
    fn record_player_rooms(&mut self, rows: &[PlayerRoomUpdate]) -> Result<(), StorageError> {
        self.alone.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.record_player_rooms(rows)
    }
    fn player_rooms(&mut self, player: &PlayerId) -> Result<Vec<PlayerRoom>, StorageError> {
        self.inner.player_rooms(player)
    }
    fn banned(&mut self, room: &RoomCode) -> Result<Vec<PlayerId>, StorageError> {
        self.inner.banned(room)
    }
    fn set_banned(&mut self, room: &RoomCode, p: &PlayerId, b: bool) -> Result<(), StorageError> {
        self.inner.set_banned(room, p, b)
    }
    fn touch_rooms(&mut self, rooms: &[RoomCode], at_ms: u64) -> Result<(), StorageError> {
        self.inner.touch_rooms(rooms, at_ms)
    }
    fn untouched_rooms(&mut self, before: u64, n: usize) -> Result<Vec<RoomCode>, StorageError> {
        self.inner.untouched_rooms(before, n)
    }
    fn delete_room(&mut self, room: &RoomCode) -> Result<bool, StorageError> {
        self.inner.delete_room(room)
    }
    fn persistent_get(
        &mut self,
        player: &PlayerId,
        key: &str,
    ) -> Result<Option<coinop_protocol::PersistentValue>, StorageError> {
        self.inner.persistent_get(player, key)
    }
    fn persistent_key_count(&mut self, player: &PlayerId) -> Result<usize, StorageError> {
        self.inner.persistent_key_count(player)
    }
    fn persistent_put(
        &mut self,
        player: &PlayerId,
        key: &str,
        value: Option<&coinop_protocol::PersistentValue>,
    ) -> Result<(), StorageError> {
        self.inner.persistent_put(player, key, value)
    }
    fn maintain(&mut self) -> Result<(), StorageError> {
        self.maintained
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Err(StorageError::Injected)
    }
}

#[tokio::test]
async fn failed_maintenance_rests_instead_of_running_after_every_commit() {
    use crate::metrics::Metrics;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    let maintained = Arc::new(AtomicUsize::new(0));
    let storage = CountingIndex {
        inner: MemoryStorage::new(),
        alone: Arc::default(),
        maintained: maintained.clone(),
    };
    let handle = StorageHandle::spawn(Box::new(storage), Arc::new(Metrics::default())).unwrap();
    let started = std::time::Instant::now();
    for seq in 1..=20 {
        let append = Append {
            room: code("AAAA"),
            entries: vec![entry(seq, 1)],
        };
        handle.append(append).await.unwrap();
    }
    if started.elapsed() < std::time::Duration::from_millis(900) {
        assert_eq!(maintained.load(SeqCst), 1, "20 commits, one failed try");
    }
    handle.stop().await;
}

#[tokio::test]
async fn index_rows_ride_the_group_commit() {
    use crate::metrics::Metrics;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    let alone = Arc::new(AtomicUsize::new(0));
    let storage = CountingIndex {
        inner: MemoryStorage::new(),
        alone: alone.clone(),
        maintained: Arc::default(),
    };
    let handle = StorageHandle::spawn(Box::new(storage), Arc::new(Metrics::default())).unwrap();
    let player = PlayerId::new("p").unwrap();
    let update = |i: u64| PlayerRoomUpdate {
        player: player.clone(),
        room: meta(i).code,
        host: i == 0,
        at_ms: i,
    };
    // New rooms and their joins, queued together: one group, no index
    // write of its own.
    let release = hold(&handle);
    let creations: Vec<_> = (0..5)
        .map(|i| {
            let handle = handle.clone();
            tokio::spawn(async move { handle.create_room(meta(i)).await })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    for i in 0..5 {
        handle.index_player(update(i));
    }
    release.send(()).unwrap();
    for created in creations {
        created.await.unwrap().unwrap();
    }
    let p = player.clone();
    let rooms = handle.call(move |s| s.player_rooms(&p)).await.unwrap();
    assert_eq!(rooms.len(), 5);
    assert_eq!(
        alone.load(SeqCst),
        0,
        "index rows were written on their own"
    );
    // With nothing else queued, index rows are still written.
    handle.index_player(update(9));
    let p = player.clone();
    let rooms = handle.call(move |s| s.player_rooms(&p)).await.unwrap();
    assert_eq!(rooms.len(), 6);
    assert_eq!(alone.load(SeqCst), 1);
    handle.stop().await;
}
