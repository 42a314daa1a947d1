//! Moving log entries from the tables they are committed to into `log`.
//!
//! Group commits put entries in `log_recent`, in arrival order: about one
//! page of the file per commit, whichever rooms they belong to. Once
//! [`FOLD_ROWS`] wait there, the table is frozen (renamed `log_moving`; a
//! new, empty `log_recent` takes the commits) and its rows move into `log`
//! in room order, a slice of whole rooms at a time, each slice its own
//! short transaction that also records the last room moved
//! (`log_fold.moved_through`). A room's rows are so in exactly one place
//! at every moment: `log`, `log_recent`, or `log_moving` while its room
//! sorts after `moved_through`. Reads follow the same rule
//! ([`TAIL_SQL`]); a slice never makes a commit wait longer than its own
//! few milliseconds, and many entries of a room move together, so `log`'s
//! pages are each written about once per move instead of once per commit.

use super::crash_point::CrashPoint;
use super::error::StorageError;
use rusqlite::{Connection, OptionalExtension, params};

/// Entries in `log_recent` that freeze it for moving. Reads of a room's
/// tail scan `log_recent` and `log_moving` (they have no index, which
/// would scatter each commit over pages again), so this also bounds what
/// a read scans there.
pub const FOLD_ROWS: u64 = 4096;

/// Entries a slice moves, at least (it ends at a room's last entry).
pub const SLICE_ROWS: usize = 256;

/// A room's entries after a seq, wherever they are (`?1` room, `?2` seq).
pub const TAIL_SQL: &str = "
    SELECT seq, sender, change FROM log WHERE room = ?1 AND seq > ?2
    UNION ALL
    SELECT seq, sender, change FROM log_recent WHERE room = ?1 AND seq > ?2
    UNION ALL
    SELECT seq, sender, change FROM log_moving WHERE room = ?1 AND seq > ?2
      AND ?1 > (SELECT moved_through FROM log_fold)
    ORDER BY seq";

/// A room's last seq, wherever it is (`?1` room).
pub const LAST_SEQ_SQL: &str = "
    SELECT max(s) FROM (
      SELECT max(seq) AS s FROM log WHERE room = ?1
      UNION ALL SELECT max(seq) FROM log_recent WHERE room = ?1
      UNION ALL SELECT max(seq) FROM log_moving WHERE room = ?1
        AND ?1 > (SELECT moved_through FROM log_fold))";

/// The columns of `log_recent` and `log_moving`: entries in arrival order.
const ENTRY_COLUMNS: &str = "(id INTEGER PRIMARY KEY, room TEXT NOT NULL, \
    seq INTEGER NOT NULL, sender TEXT NOT NULL, change BLOB NOT NULL)";

/// The tables' definitions (schema step 6). `moved_through` is '' (no
/// room code sorts before it) when nothing of `log_moving` moved yet.
pub fn tables_sql() -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS log_recent {ENTRY_COLUMNS};
         CREATE TABLE IF NOT EXISTS log_moving {ENTRY_COLUMNS};
         CREATE TABLE IF NOT EXISTS log_fold (
             one INTEGER PRIMARY KEY CHECK (one = 0), moved_through TEXT NOT NULL);
         INSERT OR IGNORE INTO log_fold (one, moved_through) VALUES (0, '');"
    )
}

/// The rows of `log_moving` left to move, in room order: `(id, room)`.
#[derive(Debug, Default)]
pub struct Moving {
    rows: Vec<(i64, String)>,
    next: usize,
}

impl Moving {
    /// What is left of `log_moving` to move (nothing: empty).
    pub fn read(conn: &Connection) -> Result<Self, StorageError> {
        let mut stmt = conn.prepare(
            "SELECT id, room FROM log_moving
             WHERE room > (SELECT moved_through FROM log_fold) ORDER BY room, seq",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { rows, next: 0 })
    }

    /// Whether every row is moved.
    pub fn is_done(&self) -> bool {
        self.next >= self.rows.len()
    }

    /// Moves the next slice into `log`, in one transaction; once the last
    /// is moved, empties `log_moving`.
    pub fn step(
        &mut self,
        conn: &mut Connection,
        crash: Option<CrashPoint>,
    ) -> Result<(), StorageError> {
        let tx = conn.transaction()?;
        if self.is_done() {
            tx.execute("DELETE FROM log_moving", [])?;
            tx.execute("UPDATE log_fold SET moved_through = ''", [])?;
            tx.commit()?;
            return Ok(());
        }
        let mut end = (self.next + SLICE_ROWS).min(self.rows.len());
        while end < self.rows.len() && self.rows[end].1 == self.rows[end - 1].1 {
            end += 1;
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO log (room, seq, sender, change)
                 SELECT room, seq, sender, change FROM log_moving WHERE id = ?1",
            )?;
            for (id, _) in &self.rows[self.next..end] {
                insert.execute(params![id])?;
            }
        }
        tx.execute(
            "UPDATE log_fold SET moved_through = ?1",
            params![self.rows[end - 1].1],
        )?;
        CrashPoint::BeforeFoldCommit.hit(crash);
        tx.commit()?;
        self.next = end;
        Ok(())
    }
}

/// Freezes `log_recent` as `log_moving` (which must be empty) and gives
/// a fresh `log_recent` to the commits: one short transaction.
pub fn freeze(conn: &mut Connection) -> Result<Moving, StorageError> {
    let tx = conn.transaction()?;
    let left: Option<i64> = tx
        .query_row("SELECT 1 FROM log_moving LIMIT 1", [], |r| r.get(0))
        .optional()?;
    if left.is_some() {
        return Err(StorageError::Corrupt("log_moving is not empty".into()));
    }
    tx.execute_batch(&format!(
        "DROP TABLE log_moving;
         ALTER TABLE log_recent RENAME TO log_moving;
         CREATE TABLE log_recent {ENTRY_COLUMNS};
         UPDATE log_fold SET moved_through = '';"
    ))?;
    let moving = Moving::read(&tx)?;
    tx.commit()?;
    Ok(moving)
}
