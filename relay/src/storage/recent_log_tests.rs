//! SQLite's two log tables: entries committed to `log_recent` and moved
//! to `log` in bulk read the same wherever they are, in order, across a
//! reopen, a snapshot's trim and a room's deletion.
#![allow(clippy::unwrap_used)]

use super::sqlite::FOLD_ROWS;
use super::tests::{code, entry};
use super::*;
use crate::core::Snapshot;
use coinop_protocol::{Bytes, RoomCode, Seq};
use std::path::Path;

/// Rows of `table` for `room` (all rooms: `None`), read beside the storage.
fn rows(dir: &Path, table: &str, room: Option<&str>) -> i64 {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    let sql = format!("SELECT count(*) FROM {table} WHERE ?1 IS NULL OR room = ?1");
    conn.query_row(&sql, [room], |r| r.get(0)).unwrap()
}

/// One group of `n` entries per room, after `from`, as a room task sends.
fn group(rooms: &[RoomCode], from: u64, n: u64) -> Group {
    Group {
        appends: rooms
            .iter()
            .map(|room| Append {
                room: room.clone(),
                entries: (from + 1..=from + n).map(|s| entry(s, s as u8)).collect(),
            })
            .collect(),
        ..Group::default()
    }
}

fn seqs(s: &mut SqliteStorage, room: &RoomCode, after: u64) -> Vec<u64> {
    let tail = s.read_tail(room, Seq(after)).unwrap();
    tail.iter().map(|e| e.seq.0).collect()
}

#[test]
fn entries_read_the_same_in_any_table_while_they_move() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    let rooms = [code("AAAA"), code("BBBB"), code("CCCC")];
    // Groups of 3 rooms x 10 entries until the first move, then a few more.
    let per_group = 30;
    let groups = FOLD_ROWS / per_group + 3;
    let mut moved_at = None;
    for g in 0..groups {
        s.commit_group(&group(&rooms, g * 10, 10)).unwrap();
        s.maintain().unwrap();
        if moved_at.is_none() && rows(dir.path(), "log_recent", None) == 0 {
            moved_at = Some(g);
        }
    }
    let moved_at = moved_at.expect("the entries moved to the log");
    assert_eq!(
        moved_at,
        FOLD_ROWS.div_ceil(per_group) - 1,
        "once FOLD_ROWS came"
    );
    // Some entries in each table now: a read spans both, in seq order.
    let (old, new) = (
        rows(dir.path(), "log", None),
        rows(dir.path(), "log_recent", None),
    );
    assert!(old > 0 && new > 0, "log {old}, log_recent {new}");
    let all = groups * 10;
    for room in &rooms {
        assert_eq!(seqs(&mut s, room, 0), (1..=all).collect::<Vec<_>>());
        assert_eq!(
            seqs(&mut s, room, all - 15),
            (all - 14..=all).collect::<Vec<_>>()
        );
    }
    let tail = s.read_tail(&rooms[0], Seq(all - 1)).unwrap();
    assert_eq!(tail, vec![entry(all, all as u8)], "what was stored is read");
}

#[test]
fn a_repeated_seq_fails_wherever_the_first_one_is() {
    let dir = tempfile::tempdir().unwrap();
    let a = code("AAAA");
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    s.commit_group(&group(std::slice::from_ref(&a), 0, 5))
        .unwrap();
    // In `log_recent`, known to this storage.
    assert!(
        s.commit_group(&group(std::slice::from_ref(&a), 4, 1))
            .is_err()
    );
    drop(s);
    // In `log` (the reopen moved it), looked up in the database.
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    assert_eq!(rows(dir.path(), "log_recent", None), 0);
    assert!(
        s.commit_group(&group(std::slice::from_ref(&a), 3, 1))
            .is_err()
    );
    s.commit_group(&group(std::slice::from_ref(&a), 5, 1))
        .unwrap();
    assert_eq!(seqs(&mut s, &a, 0), vec![1, 2, 3, 4, 5, 6]);
    // A deleted room's code starts again at seq 1.
    assert!(s.delete_room(&a).is_ok());
    s.commit_group(&group(std::slice::from_ref(&a), 0, 1))
        .unwrap();
    assert_eq!(seqs(&mut s, &a, 0), vec![1]);
}

#[test]
fn a_reopen_keeps_recent_entries_and_moves_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = code("AAAA");
    {
        let mut s = SqliteStorage::open(dir.path()).unwrap();
        s.commit_group(&group(std::slice::from_ref(&a), 0, 7))
            .unwrap();
        s.maintain().unwrap();
        assert_eq!(rows(dir.path(), "log_recent", Some("AAAA")), 7);
    }
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    assert_eq!(rows(dir.path(), "log_recent", None), 0);
    assert_eq!(rows(dir.path(), "log", Some("AAAA")), 7);
    assert_eq!(seqs(&mut s, &a, 0), (1..=7).collect::<Vec<_>>());
}

#[test]
fn a_snapshot_trims_and_a_deletion_removes_both_tables() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (code("AAAA"), code("BBBB"));
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    s.commit_group(&group(&[a.clone(), b.clone()], 0, 4))
        .unwrap();
    drop(s);
    let mut s = SqliteStorage::open(dir.path()).unwrap(); // 1..=4 now in `log`
    s.commit_group(&group(&[a.clone(), b.clone()], 4, 4))
        .unwrap(); // 5..=8 recent
    let snap = |upto| Snapshot {
        upto: Seq(upto),
        doc: Bytes::from_static(b"doc"),
        clock: None,
        view: None,
    };
    // The second snapshot trims up to the first's `upto` (6): both tables.
    s.write_snapshot(&a, &snap(6)).unwrap();
    s.write_snapshot(&a, &snap(7)).unwrap();
    assert_eq!(seqs(&mut s, &a, 0), vec![7, 8]);
    assert_eq!(rows(dir.path(), "log", Some("AAAA")), 0);
    assert_eq!(
        seqs(&mut s, &b, 0),
        (1..=8).collect::<Vec<_>>(),
        "b untouched"
    );
    s.delete_room(&b).unwrap();
    assert_eq!(rows(dir.path(), "log", Some("BBBB")), 0);
    assert_eq!(rows(dir.path(), "log_recent", Some("BBBB")), 0);
    assert_eq!(seqs(&mut s, &a, 0), vec![7, 8], "a untouched");
}

#[test]
fn reads_are_exact_at_every_slice_of_a_move() {
    use super::log_fold::SLICE_ROWS;
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStorage::open(dir.path()).unwrap();
    let rooms: Vec<RoomCode> = (0..40).map(|i| code(&format!("R{i:03}"))).collect();
    // 40 rooms x 110 entries: past FOLD_ROWS after the 10th group.
    for g in 0..11 {
        s.commit_group(&group(&rooms, g * 10, 10)).unwrap();
    }
    assert_eq!(rows(dir.path(), "log_recent", None), 4400);
    s.maintain().unwrap(); // freezes
    assert_eq!(rows(dir.path(), "log_recent", None), 0);
    assert_eq!(rows(dir.path(), "log_moving", None), 4400);
    let mut slices = 0;
    let mut moved = 0;
    while rows(dir.path(), "log_moving", None) > 0 {
        s.maintain().unwrap();
        let now = rows(dir.path(), "log", None);
        if now > moved {
            let slice = (now - moved) as usize;
            assert!(slice >= SLICE_ROWS || now == 4400, "slice of {slice}");
            assert!(slice < SLICE_ROWS + 110, "whole rooms only: {slice}");
            slices += 1;
            moved = now;
        }
        for room in &rooms {
            assert_eq!(seqs(&mut s, room, 0), (1..=110).collect::<Vec<_>>());
        }
        // New commits meanwhile go to the fresh `log_recent`.
        assert!(slices < 20, "the move ends");
    }
    assert_eq!(moved, 4400);
    assert!(
        slices >= 4400 / (SLICE_ROWS as i64 + 110),
        "{slices} slices"
    );
    s.commit_group(&group(&rooms, 110, 1)).unwrap();
    assert_eq!(
        seqs(&mut s, &rooms[7], 105),
        vec![106, 107, 108, 109, 110, 111]
    );
}
