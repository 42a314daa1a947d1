//! The room lifecycle in storage (owners, bans, last use, deletion), run
//! against every implementation; and the upgrade of a directory written
//! before it.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::core::{RoomMeta, Snapshot};
use coinop_protocol::{Bytes, LogEntry, PlayerId, RoomCode, Seq};

fn code(s: &str) -> RoomCode {
    RoomCode::new(s).unwrap()
}

pub(super) fn pid(s: &str) -> PlayerId {
    PlayerId::new(s).unwrap()
}

pub(super) fn room(name: &str, created_ms: u64) -> RoomMeta {
    RoomMeta {
        code: code(name),
        epoch: 1,
        max_players: 4,
        grace_ms: 0,
        created_ms,
        owner: Some(pid("owner")),
        rules: Default::default(),
    }
}

fn append(name: &str, seq: u64) -> Append {
    Append {
        room: code(name),
        entries: vec![LogEntry {
            seq: Seq(seq),
            sender: pid("owner"),
            change: Bytes::from_static(b"change"),
        }],
    }
}

fn joined(player: &str, name: &str, at_ms: u64) -> PlayerRoomUpdate {
    PlayerRoomUpdate {
        player: pid(player),
        room: code(name),
        host: false,
        at_ms,
    }
}

pub(super) fn suite(s: &mut dyn Storage) {
    // Three rooms made at 100; OLD is never used again.
    let group = Group {
        rooms: vec![room("OLD", 100), room("WRIT", 100), room("JOIN", 100)],
        appends: vec![append("OLD", 1)],
        at_ms: 100,
        ..Group::default()
    };
    s.commit_group(&group).unwrap();
    assert_eq!(
        s.room_meta(&code("OLD")).unwrap().unwrap().owner,
        Some(pid("owner"))
    );
    // Used later: WRIT written at 500, JOIN joined at 600.
    let group = Group {
        appends: vec![append("WRIT", 1)],
        at_ms: 500,
        ..Group::default()
    };
    s.commit_group(&group).unwrap();
    s.record_player_rooms(&[joined("bob", "JOIN", 600), joined("bob", "OLD", 50)])
        .unwrap();
    assert_eq!(s.untouched_rooms(101, 10).unwrap(), [code("OLD")]);
    assert_eq!(
        s.untouched_rooms(550, 10).unwrap(),
        [code("OLD"), code("WRIT")]
    );
    assert_eq!(s.untouched_rooms(10_000, 1).unwrap(), [code("OLD")]);
    s.touch_rooms(&[code("OLD")], 700).unwrap();
    assert_eq!(
        s.untouched_rooms(650, 10).unwrap(),
        [code("WRIT"), code("JOIN")]
    );

    // Bans: per room, until lifted.
    s.set_banned(&code("OLD"), &pid("mallory"), true).unwrap();
    s.set_banned(&code("OLD"), &pid("mallory"), true).unwrap();
    s.set_banned(&code("OLD"), &pid("eve"), true).unwrap();
    assert_eq!(
        s.banned(&code("OLD")).unwrap(),
        [pid("eve"), pid("mallory")]
    );
    assert!(s.banned(&code("WRIT")).unwrap().is_empty());
    s.set_banned(&code("OLD"), &pid("eve"), false).unwrap();
    assert_eq!(s.banned(&code("OLD")).unwrap(), [pid("mallory")]);

    // Deleting removes log, snapshot, settings, bans and index rows, and
    // nothing of other rooms.
    let snap = Snapshot {
        upto: Seq(1),
        doc: Bytes::from_static(b"doc"),
        clock: None,
        view: None,
    };
    s.write_snapshot(&code("OLD"), &snap).unwrap();
    s.append(&[append("OLD", 2)]).unwrap();
    assert!(s.delete_room(&code("OLD")).unwrap());
    assert!(!s.delete_room(&code("OLD")).unwrap(), "deleted twice");
    assert_eq!(s.room_meta(&code("OLD")).unwrap(), None);
    assert_eq!(s.read_snapshot(&code("OLD")).unwrap(), None);
    assert!(s.read_tail(&code("OLD"), Seq(0)).unwrap().is_empty());
    assert!(s.banned(&code("OLD")).unwrap().is_empty());
    let rooms: Vec<RoomCode> = s
        .player_rooms(&pid("bob"))
        .unwrap()
        .into_iter()
        .map(|r| r.room)
        .collect();
    assert_eq!(rooms, [code("JOIN")]);
    assert_eq!(s.read_tail(&code("WRIT"), Seq(0)).unwrap().len(), 1);
    assert!(
        !s.untouched_rooms(u64::MAX, 10)
            .unwrap()
            .contains(&code("OLD"))
    );
    // The code is free again: a new room of that name starts empty.
    s.commit_group(&Group {
        rooms: vec![room("OLD", 900)],
        appends: vec![append("OLD", 1)],
        ..Group::default()
    })
    .unwrap();
    assert_eq!(s.read_tail(&code("OLD"), Seq(0)).unwrap().len(), 1);
}

#[test]
fn memory_keeps_the_room_lifecycle() {
    suite(&mut MemoryStorage::new());
}

#[test]
fn sqlite_moves_a_rooms_last_use_once_per_grain() {
    use super::touch_memo::TOUCH_GRAIN_MS;
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    let at = 10_000;
    let write = |s: &mut SqliteStorage, seq, at_ms| {
        let group = Group {
            appends: vec![append("BUSY", seq), append("BUSY", seq + 1)],
            at_ms,
            ..Group::default()
        };
        s.commit_group(&group).unwrap();
    };
    s.commit_group(&Group {
        rooms: vec![room("BUSY", 100)],
        at_ms: 100,
        ..Group::default()
    })
    .unwrap();
    write(&mut s, 1, at);
    assert!(s.untouched_rooms(at, 10).unwrap().is_empty());
    // Written again within the grain: the stored time stays.
    write(&mut s, 3, at + TOUCH_GRAIN_MS - 1);
    assert_eq!(s.untouched_rooms(at + 1, 10).unwrap(), [code("BUSY")]);
    // Past the grain it moves.
    write(&mut s, 5, at + TOUCH_GRAIN_MS);
    assert!(
        s.untouched_rooms(at + TOUCH_GRAIN_MS, 10)
            .unwrap()
            .is_empty()
    );
    // A reopened store touches the room at its first write.
    drop(s);
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    write(&mut s, 7, at + TOUCH_GRAIN_MS + 1);
    assert!(
        s.untouched_rooms(at + TOUCH_GRAIN_MS + 1, 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn sqlite_keeps_the_room_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    suite(&mut SqliteStorage::open(dir.path()).unwrap());
    // Owners and bans survive a reopen.
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    s.set_banned(&code("JOIN"), &pid("mallory"), true).unwrap();
    drop(s);
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    assert_eq!(s.banned(&code("JOIN")).unwrap(), [pid("mallory")]);
    assert_eq!(
        s.room_meta(&code("JOIN")).unwrap().unwrap().owner,
        Some(pid("owner"))
    );
}

#[test]
fn an_older_directory_gets_owners_bans_and_last_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        // As a version-2 relay left it: a room made at 100, joined at 400.
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        schema::migrate(&mut conn, &path).unwrap();
        conn.execute_batch(
            "DROP INDEX rooms_touched; ALTER TABLE rooms DROP COLUMN owner; ALTER TABLE rooms DROP COLUMN touched_ms;
             DROP INDEX player_rooms_room; DROP TABLE room_bans;
             INSERT INTO rooms (code, epoch, max_players, grace_ms, created_ms)
               VALUES ('AAAA', 1, 4, 0, 100), ('BBBB', 1, 4, 0, 200);
             INSERT INTO player_rooms VALUES ('bob', 'AAAA', 0, 400);
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    assert_eq!(s.room_meta(&code("AAAA")).unwrap().unwrap().owner, None);
    assert_eq!(s.untouched_rooms(300, 10).unwrap(), [code("BBBB")]);
    assert_eq!(
        s.untouched_rooms(401, 10).unwrap(),
        [code("BBBB"), code("AAAA")]
    );
    s.set_banned(&code("AAAA"), &pid("mallory"), true).unwrap();
}
