//! SQLite storage: one `coinop.db` in the data directory, WAL mode,
//! `synchronous=FULL` so a committed transaction survives power loss.
//!
//! Log entries are committed to a table in arrival order and moved into
//! `log`, ordered by room, in slices ([`super::log_fold`]).

use super::backend::Storage;
use super::columns::{
    corrupt, from_sql, persistent_rows, persistent_value, player_id, room_code, to_sql,
};
use super::crash_point::CrashPoint;
use super::dir_lock::DirLock;
use super::error::StorageError;
use super::last_seqs::LastSeqs;
use super::log_fold::{LAST_SEQ_SQL, Moving, TAIL_SQL, freeze};
use super::records::{Append, Group, PlayerRoom, PlayerRoomUpdate};
use super::schema::migrate;
use super::touch_memo::TouchMemo;
use crate::core::{ActorClock, RoomMeta, Snapshot};
use coinop_protocol::{Bytes, LogEntry, PersistentValue, PlayerId, RoomCode, RoomRules, Seq};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// The database's file name inside the data directory.
pub const DB_FILE: &str = "coinop.db";

pub use super::log_fold::FOLD_ROWS;

/// SQLite-backed storage in one data directory.
#[derive(Debug)]
pub struct SqliteStorage {
    conn: Connection,
    /// Held while open: a restore must not replace the database under us.
    _lock: DirLock,
    /// Read once at open: where to abort (durability tests only).
    crash_point: Option<CrashPoint>,
    /// Rooms whose stored last-use time is recent enough to leave alone.
    touched: TouchMemo,
    /// Rows in `log_recent` (an estimate only if a statement failed).
    recent: u64,
    /// What is left to move of `log_moving`, while a move runs.
    moving: Option<Moving>,
    /// Each room's last stored seq: a repeated one fails its commit.
    last_seqs: LastSeqs,
}

impl SqliteStorage {
    /// Opens (creating if needed) `dir/coinop.db`, upgrading an older
    /// directory in place ([`super::schema`]). Refuses a directory a newer
    /// relay wrote, or one a restore is writing.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let lock = DirLock::shared(dir)?;
        let path = dir.join(DB_FILE);
        let mut conn = Connection::open(&path)?;
        // Another process (a backup, an inspector) may hold a lock briefly.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate(&mut conn, &path)?;
        let recent: i64 = conn.query_row("SELECT count(*) FROM log_recent", [], |r| r.get(0))?;
        let mut me = Self {
            conn,
            _lock: lock,
            crash_point: CrashPoint::from_env(),
            touched: TouchMemo::default(),
            recent: from_sql(recent),
            moving: None,
            last_seqs: LastSeqs::default(),
        };
        // Rooms load fastest from `log` alone: finish a move an earlier
        // run left, and move what it committed since.
        let left = Moving::read(&me.conn)?;
        me.move_all(left)?;
        if me.recent > 0 {
            let moving = freeze(&mut me.conn)?;
            me.recent = 0;
            me.move_all(moving)?;
        }
        Ok(me)
    }

    /// Moves every row of `log_moving` now, and empties it.
    fn move_all(&mut self, mut moving: Moving) -> Result<(), StorageError> {
        while !moving.is_done() {
            moving.step(&mut self.conn, self.crash_point)?;
        }
        moving.step(&mut self.conn, self.crash_point)
    }
}

/// The room's last stored seq, in whichever log table it is.
fn last_stored(conn: &Connection, room: &RoomCode) -> Result<Option<u64>, StorageError> {
    let seq: Option<i64> = conn
        .prepare_cached(LAST_SEQ_SQL)?
        .query_row(params![room.as_str()], |r| r.get(0))?;
    Ok(seq.map(from_sql))
}

/// How many entries `batch` puts in `log_recent`.
fn entry_count(batch: &[Append]) -> u64 {
    batch.iter().map(|a| a.entries.len() as u64).sum()
}

/// Writes a room's metadata (on its own, or inside a group's transaction).
fn insert_room_meta(conn: &Connection, meta: &RoomMeta) -> Result<(), StorageError> {
    conn.execute(
        "INSERT OR REPLACE INTO rooms
           (code, epoch, max_players, grace_ms, created_ms, owner, touched_ms, rules)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?7)",
        params![
            meta.code.as_str(),
            to_sql(meta.epoch),
            i64::from(meta.max_players),
            to_sql(meta.grace_ms),
            to_sql(meta.created_ms),
            meta.owner.as_ref().map(PlayerId::as_str),
            meta.rules.to_bytes(),
        ],
    )?;
    Ok(())
}

/// Inserts log entries into `log_recent` (inside the caller's transaction).
fn insert_entries(conn: &Connection, batch: &[Append]) -> Result<(), StorageError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO log_recent (room, seq, sender, change) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for append in batch {
        for e in &append.entries {
            let change: &[u8] = &e.change;
            stmt.execute(params![
                append.room.as_str(),
                to_sql(e.seq.0),
                e.sender.as_str(),
                change
            ])?;
        }
    }
    Ok(())
}

/// Upserts per-player room index rows (inside the caller's transaction).
fn insert_player_rooms(
    conn: &Connection,
    updates: &[PlayerRoomUpdate],
) -> Result<(), StorageError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO player_rooms (player, room, host, last_joined_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (player, room) DO UPDATE SET
           host = MAX(host, excluded.host),
           last_joined_ms = MAX(last_joined_ms, excluded.last_joined_ms)",
    )?;
    for u in updates {
        stmt.execute(params![
            u.player.as_str(),
            u.room.as_str(),
            u.host,
            to_sql(u.at_ms)
        ])?;
        touch_room(conn, &u.room, u.at_ms)?;
    }
    Ok(())
}

/// Moves the room's last-use time forward to `at_ms` (inside the caller's
/// transaction).
fn touch_room(conn: &Connection, room: &RoomCode, at_ms: u64) -> Result<(), StorageError> {
    // Compared as stored (bit-for-bit i64): times stay below i64::MAX.
    conn.prepare_cached("UPDATE rooms SET touched_ms = MAX(touched_ms, ?2) WHERE code = ?1")?
        .execute(params![room.as_str(), to_sql(at_ms)])?;
    Ok(())
}

impl Storage for SqliteStorage {
    fn append(&mut self, batch: &[Append]) -> Result<(), StorageError> {
        let tx = self.conn.transaction()?;
        let last = self.last_seqs.check(batch, |room| last_stored(&tx, room))?;
        insert_entries(&tx, batch)?;
        tx.commit()?;
        self.recent += entry_count(batch);
        self.last_seqs.stored(last);
        Ok(())
    }

    fn commit_group(&mut self, group: &Group) -> Result<(), StorageError> {
        let tx = self.conn.transaction()?;
        for meta in &group.rooms {
            insert_room_meta(&tx, meta)?;
        }
        for (player, hash) in &group.secrets {
            tx.prepare_cached("INSERT OR IGNORE INTO players (id, secret_hash) VALUES (?1, ?2)")?
                .execute(params![player.as_str(), &hash[..]])?;
        }
        let last = self
            .last_seqs
            .check(&group.appends, |room| last_stored(&tx, room))?;
        insert_entries(&tx, &group.appends)?;
        let due = self
            .touched
            .due(group.appends.iter().map(|a| &a.room), group.at_ms);
        for room in &due {
            touch_room(&tx, room, group.at_ms)?;
        }
        insert_player_rooms(&tx, &group.index)?;
        tx.commit()?;
        self.recent += entry_count(&group.appends);
        self.last_seqs.stored(last);
        self.touched.stored(due, group.at_ms);
        Ok(())
    }

    fn maintain(&mut self) -> Result<(), StorageError> {
        // One slice per call: no commit waits for more than a slice.
        if let Some(moving) = &mut self.moving {
            let done = moving.is_done();
            moving.step(&mut self.conn, self.crash_point)?;
            if done {
                self.moving = None;
            }
        } else if self.recent >= FOLD_ROWS {
            self.moving = Some(freeze(&mut self.conn)?);
            self.recent = 0;
        }
        Ok(())
    }

    fn read_tail(&mut self, room: &RoomCode, after: Seq) -> Result<Vec<LogEntry>, StorageError> {
        let mut stmt = self.conn.prepare_cached(TAIL_SQL)?;
        let rows = stmt.query_map(params![room.as_str(), to_sql(after.0)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, sender, change) = row?;
            out.push(LogEntry {
                seq: Seq(from_sql(seq)),
                sender: player_id(sender)?,
                change: Bytes::from(change),
            });
        }
        Ok(out)
    }

    fn read_snapshot(&mut self, room: &RoomCode) -> Result<Option<Snapshot>, StorageError> {
        let row = self
            .conn
            .query_row(
                "SELECT upto, doc, clock, view FROM snapshots WHERE room = ?1",
                params![room.as_str()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, Option<Vec<u8>>>(2)?,
                        r.get::<_, Option<Vec<u8>>>(3)?,
                    ))
                },
            )
            .optional()?;
        let Some((upto, doc, clock, view)) = row else {
            return Ok(None);
        };
        // A damaged clock is recomputed from the document, like a missing one.
        let clock = clock.and_then(|c| ActorClock::decode(&c));
        Ok(Some(Snapshot {
            upto: Seq(from_sql(upto)),
            doc: Bytes::from(doc),
            clock,
            view: view.map(Bytes::from),
        }))
    }

    fn write_snapshot(&mut self, room: &RoomCode, snapshot: &Snapshot) -> Result<(), StorageError> {
        let tx = self.conn.transaction()?;
        let doc: &[u8] = &snapshot.doc;
        let clock = snapshot.clock.as_ref().map(ActorClock::encode);
        let view = snapshot.view.as_deref();
        // The log is trimmed up to the snapshot this one replaces, not up
        // to this one: see `Storage::write_snapshot`.
        let replaced: Option<i64> = tx
            .query_row(
                "SELECT upto FROM snapshots WHERE room = ?1",
                params![room.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "INSERT OR REPLACE INTO snapshots (room, upto, doc, clock, view)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![room.as_str(), to_sql(snapshot.upto.0), doc, clock, view],
        )?;
        let mut trimmed_recent = 0;
        if let Some(replaced) = replaced {
            tx.execute(
                "DELETE FROM log WHERE room = ?1 AND seq <= ?2",
                params![room.as_str(), replaced],
            )?;
            trimmed_recent = tx.execute(
                "DELETE FROM log_recent WHERE room = ?1 AND seq <= ?2",
                params![room.as_str(), replaced],
            )?;
            // A row gone from here before its slice moves is not moved.
            tx.execute(
                "DELETE FROM log_moving WHERE room = ?1 AND seq <= ?2",
                params![room.as_str(), replaced],
            )?;
        }
        CrashPoint::BeforeSnapshotCommit.hit(self.crash_point);
        tx.commit()?;
        CrashPoint::AfterSnapshotCommit.hit(self.crash_point);
        self.recent = self.recent.saturating_sub(trimmed_recent as u64);
        Ok(())
    }

    fn secret_hash(&mut self, player: &PlayerId) -> Result<Option<[u8; 32]>, StorageError> {
        let row: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT secret_hash FROM players WHERE id = ?1")?
            .query_row(params![player.as_str()], |r| r.get(0))
            .optional()?;
        row.map(|v| <[u8; 32]>::try_from(v).map_err(|_| corrupt("secret hash length")))
            .transpose()
    }

    fn put_secret_hash(&mut self, player: &PlayerId, hash: [u8; 32]) -> Result<(), StorageError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO players (id, secret_hash) VALUES (?1, ?2)",
            params![player.as_str(), &hash[..]],
        )?;
        Ok(())
    }

    fn room_meta(&mut self, room: &RoomCode) -> Result<Option<RoomMeta>, StorageError> {
        let row = self
            .conn
            .query_row(
                "SELECT epoch, max_players, grace_ms, created_ms, owner, rules FROM rooms
                 WHERE code = ?1",
                params![room.as_str()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<Vec<u8>>>(5)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(epoch, max, grace, created, owner, rules)| {
            let rules = match rules {
                Some(bytes) => RoomRules::from_bytes(&bytes).ok_or_else(|| corrupt("rules"))?,
                None => RoomRules::default(),
            };
            Ok(RoomMeta {
                code: room.clone(),
                epoch: from_sql(epoch),
                max_players: u16::try_from(max).map_err(|_| corrupt("max_players"))?,
                grace_ms: from_sql(grace),
                created_ms: from_sql(created),
                owner: owner.map(player_id).transpose()?,
                rules,
            })
        })
        .transpose()
    }

    fn put_room_meta(&mut self, meta: &RoomMeta) -> Result<(), StorageError> {
        insert_room_meta(&self.conn, meta)
    }

    fn list_rooms(&mut self) -> Result<Vec<RoomMeta>, StorageError> {
        let codes: Vec<String> = {
            let mut stmt = self.conn.prepare("SELECT code FROM rooms ORDER BY code")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut out = Vec::new();
        for code in codes {
            if let Some(meta) = self.room_meta(&room_code(code)?)? {
                out.push(meta);
            }
        }
        Ok(out)
    }

    fn record_player_rooms(&mut self, updates: &[PlayerRoomUpdate]) -> Result<(), StorageError> {
        let tx = self.conn.transaction()?;
        insert_player_rooms(&tx, updates)?;
        tx.commit()?;
        Ok(())
    }

    fn player_rooms(&mut self, player: &PlayerId) -> Result<Vec<PlayerRoom>, StorageError> {
        let mut stmt = self.conn.prepare(
            "SELECT room, host, last_joined_ms FROM player_rooms WHERE player = ?1
             ORDER BY last_joined_ms DESC",
        )?;
        let rows = stmt.query_map(params![player.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (room, host, at) = row?;
            out.push(PlayerRoom {
                room: room_code(room)?,
                host,
                last_joined_ms: from_sql(at),
            });
        }
        Ok(out)
    }

    fn banned(&mut self, room: &RoomCode) -> Result<Vec<PlayerId>, StorageError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT player FROM room_bans WHERE room = ?1 ORDER BY player")?;
        let rows = stmt.query_map(params![room.as_str()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(player_id(row?)?);
        }
        Ok(out)
    }

    fn set_banned(&mut self, room: &RoomCode, p: &PlayerId, on: bool) -> Result<(), StorageError> {
        let sql = if on {
            "INSERT OR IGNORE INTO room_bans (room, player) VALUES (?1, ?2)"
        } else {
            "DELETE FROM room_bans WHERE room = ?1 AND player = ?2"
        };
        self.conn.execute(sql, params![room.as_str(), p.as_str()])?;
        Ok(())
    }

    fn touch_rooms(&mut self, rooms: &[RoomCode], at_ms: u64) -> Result<(), StorageError> {
        let tx = self.conn.transaction()?;
        for room in rooms {
            touch_room(&tx, room, at_ms)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn untouched_rooms(&mut self, before: u64, n: usize) -> Result<Vec<RoomCode>, StorageError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT code FROM rooms WHERE touched_ms < ?1 ORDER BY touched_ms LIMIT ?2",
        )?;
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![to_sql(before), limit], |r| r.get(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(room_code(row?)?);
        }
        Ok(out)
    }

    fn delete_room(&mut self, room: &RoomCode) -> Result<bool, StorageError> {
        let tx = self.conn.transaction()?;
        let code = room.as_str();
        self.touched.forget(room);
        self.last_seqs.forget(room);
        let existed = tx.execute("DELETE FROM rooms WHERE code = ?1", params![code])? > 0;
        let recent = tx.execute("DELETE FROM log_recent WHERE room = ?1", params![code])?;
        for sql in [
            "DELETE FROM log WHERE room = ?1",
            "DELETE FROM log_moving WHERE room = ?1",
            "DELETE FROM snapshots WHERE room = ?1",
            "DELETE FROM room_bans WHERE room = ?1",
            "DELETE FROM player_rooms WHERE room = ?1",
        ] {
            tx.execute(sql, params![code])?;
        }
        tx.commit()?;
        self.recent = self.recent.saturating_sub(recent as u64);
        Ok(existed)
    }

    fn persistent_get(
        &mut self,
        player: &PlayerId,
        key: &str,
    ) -> Result<Option<PersistentValue>, StorageError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT pos, value FROM persistent WHERE player = ?1 AND key = ?2 ORDER BY pos",
        )?;
        let rows = stmt
            .query_map(params![player.as_str(), key], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(persistent_value(rows))
    }

    fn persistent_key_count(&mut self, player: &PlayerId) -> Result<usize, StorageError> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(DISTINCT key) FROM persistent WHERE player = ?1")?
            .query_row(params![player.as_str()], |r| r.get(0))?;
        usize::try_from(n).map_err(|_| corrupt("persistent key count"))
    }

    fn persistent_put(
        &mut self,
        player: &PlayerId,
        key: &str,
        value: Option<&PersistentValue>,
    ) -> Result<(), StorageError> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached("DELETE FROM persistent WHERE player = ?1 AND key = ?2")?
            .execute(params![player.as_str(), key])?;
        let rows = persistent_rows(value);
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO persistent (player, key, pos, value) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (pos, v) in rows {
                insert.execute(params![player.as_str(), key, pos, v])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
