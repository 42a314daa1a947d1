//! The data directory's schema version and the numbered steps that bring
//! an older directory up to it.
//!
//! The version is SQLite's `PRAGMA user_version`. Directories written
//! before it was kept have version 0, whatever columns they have. Each step
//! runs in its own transaction that also sets the version, so an
//! interrupted upgrade resumes at the step it stopped in. A relay refuses a
//! directory newer than it knows ([`StorageError::TooNew`]): it could not
//! tell what the newer relay stored there.

use super::error::StorageError;
use crate::core::{ActorClock, state_view};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use std::path::Path;

/// The schema version this relay writes and reads.
pub const SCHEMA_VERSION: i64 = 6;

/// One upgrade step: from `version - 1` to `version`.
struct Step {
    version: i64,
    what: &'static str,
    apply: fn(&Transaction<'_>) -> Result<(), StorageError>,
}

/// Every step, in order; step N brings version N-1 to N.
const STEPS: &[Step] = &[
    Step {
        version: 1,
        what: "tables, and snapshots' clock and view columns",
        apply: tables,
    },
    Step {
        version: 2,
        what: "state views and clocks for snapshots stored without them",
        apply: snapshot_views,
    },
    Step {
        version: 3,
        what: "rooms' write rules",
        apply: room_rules,
    },
    Step {
        version: 4,
        what: "room owners, bans and last-use times (room lifecycle)",
        apply: room_lifecycle,
    },
    Step {
        version: 5,
        what: "players' persistent data",
        apply: persistent_data,
    },
    Step {
        version: 6,
        what: "tables where new log entries wait, in arrival order, to join the log",
        apply: recent_log,
    },
];

/// Step 6: the tables log entries are committed to and moved from
/// ([`super::log_fold`]).
fn recent_log(tx: &Transaction<'_>) -> Result<(), StorageError> {
    tx.execute_batch(&super::log_fold::tables_sql())?;
    Ok(())
}

/// Step 5: one row per persistent key holding one value (`pos` -1), or
/// per entry of a persistent list (`pos` 0, 1, ...).
fn persistent_data(tx: &Transaction<'_>) -> Result<(), StorageError> {
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS persistent (
            player TEXT NOT NULL, key TEXT NOT NULL, pos INTEGER NOT NULL, value BLOB NOT NULL,
            PRIMARY KEY (player, key, pos)) WITHOUT ROWID;",
    )?;
    Ok(())
}

/// The tables of version 1. `IF NOT EXISTS`: a version-0 directory may
/// hold any of them already.
const TABLES: &str = "
CREATE TABLE IF NOT EXISTS log (
    room TEXT NOT NULL, seq INTEGER NOT NULL, sender TEXT NOT NULL, change BLOB NOT NULL,
    PRIMARY KEY (room, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    room TEXT PRIMARY KEY, upto INTEGER NOT NULL, doc BLOB NOT NULL, clock BLOB, view BLOB);
CREATE TABLE IF NOT EXISTS players (
    id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY, epoch INTEGER NOT NULL, max_players INTEGER NOT NULL,
    grace_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS player_rooms (
    player TEXT NOT NULL, room TEXT NOT NULL, host INTEGER NOT NULL,
    last_joined_ms INTEGER NOT NULL, PRIMARY KEY (player, room)) WITHOUT ROWID;
";

/// The database's schema version.
pub fn schema_version(conn: &Connection) -> Result<i64, StorageError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Refuses a database newer than this relay.
pub fn check_not_newer(conn: &Connection, path: &Path) -> Result<i64, StorageError> {
    let found = schema_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StorageError::TooNew {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Brings the database at `path` to [`SCHEMA_VERSION`], step by step, and
/// says so in the log; creates the tables of a new one.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StorageError> {
    let found = check_not_newer(conn, path)?;
    let fresh: bool = conn.query_row("SELECT count(*) = 0 FROM sqlite_master", [], |r| r.get(0))?;
    for step in STEPS.iter().filter(|s| s.version > found) {
        // IMMEDIATE: two relays started on one directory at once upgrade it
        // once; the second sees the new version and skips the step.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if schema_version(&tx)? >= step.version {
            continue;
        }
        if !fresh {
            tracing::info!(
                db = %path.display(),
                from = step.version - 1,
                to = step.version,
                "upgrading the data directory: {}",
                step.what
            );
        }
        (step.apply)(&tx)?;
        tx.pragma_update(None, "user_version", step.version)?;
        tx.commit()?;
    }
    if fresh {
        tracing::info!(db = %path.display(), version = SCHEMA_VERSION, "new data directory");
    } else if found < SCHEMA_VERSION {
        tracing::info!(
            db = %path.display(),
            from = found,
            to = SCHEMA_VERSION,
            "data directory upgraded"
        );
    }
    Ok(())
}

/// Step 1: the tables, and the snapshot columns that directories from
/// before snapshots carried their clock and view lack.
fn tables(tx: &Transaction<'_>) -> Result<(), StorageError> {
    tx.execute_batch(TABLES)?;
    for column in ["clock", "view"] {
        let present = tx
            .prepare("SELECT 1 FROM pragma_table_info('snapshots') WHERE name = ?1")?
            .exists([column])?;
        if !present {
            tx.execute_batch(&format!("ALTER TABLE snapshots ADD COLUMN {column} BLOB"))?;
        }
    }
    Ok(())
}

/// Step 2: snapshots stored without a state view (or a clock) get them
/// now, so a joiner reads the room's state at once from the first load,
/// not only after the room's next compaction. Parses each such document
/// once. A document that does not load is left as it is: its room is
/// quarantined when it loads, as before.
fn snapshot_views(tx: &Transaction<'_>) -> Result<(), StorageError> {
    let rooms: Vec<String> = tx
        .prepare("SELECT room FROM snapshots WHERE view IS NULL OR clock IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut added = 0;
    for room in &rooms {
        let doc: Vec<u8> = tx.query_row(
            "SELECT doc FROM snapshots WHERE room = ?1",
            params![room],
            |r| r.get(0),
        )?;
        // automerge's parser can panic on malformed input.
        let loaded = std::panic::catch_unwind(|| automerge::Automerge::load(&doc));
        let Ok(Ok(doc)) = loaded else {
            tracing::warn!(%room, "stored snapshot does not load; left without a state view");
            continue;
        };
        let clock = ActorClock::of_doc(&doc).encode();
        let view = state_view(&doc).map(|v| v.to_vec());
        tx.execute(
            "UPDATE snapshots SET clock = COALESCE(clock, ?2), view = COALESCE(view, ?3)
             WHERE room = ?1",
            params![room, clock, view],
        )?;
        added += 1;
    }
    tracing::info!(snapshots = added, of = rooms.len(), "state views added");
    Ok(())
}

/// Step 4: the room lifecycle. Each room gets its owner (unknown for the
/// rooms already stored) and the time it was last used, which expiry reads
/// (for stored rooms: their creation or latest join); kicks are kept in a
/// table of their own; index rows can be found by room, to delete them
/// with it.
fn room_lifecycle(tx: &Transaction<'_>) -> Result<(), StorageError> {
    // Column by column: an interrupted or repeated step finds some there.
    for (column, ty) in [
        ("owner", "TEXT"),
        ("touched_ms", "INTEGER NOT NULL DEFAULT 0"),
    ] {
        let present = tx
            .prepare("SELECT 1 FROM pragma_table_info('rooms') WHERE name = ?1")?
            .exists([column])?;
        if !present {
            tx.execute_batch(&format!("ALTER TABLE rooms ADD COLUMN {column} {ty}"))?;
        }
    }
    tx.execute_batch(
        "UPDATE rooms SET touched_ms = MAX(touched_ms, created_ms, COALESCE(
             (SELECT MAX(last_joined_ms) FROM player_rooms WHERE room = rooms.code), 0));
         CREATE INDEX IF NOT EXISTS rooms_touched ON rooms (touched_ms);
         CREATE INDEX IF NOT EXISTS player_rooms_room ON player_rooms (room);
         CREATE TABLE IF NOT EXISTS room_bans (
             room TEXT NOT NULL, player TEXT NOT NULL,
             PRIMARY KEY (room, player)) WITHOUT ROWID;",
    )?;
    Ok(())
}

/// Step 3 (write rules): each room keeps the rules its creator chose, as
/// [`coinop_protocol::RoomRules::to_bytes`]; rooms stored before have none
/// (`NULL`), which reads as the default rules.
fn room_rules(tx: &Transaction<'_>) -> Result<(), StorageError> {
    let present = tx
        .prepare("SELECT 1 FROM pragma_table_info('rooms') WHERE name = 'rules'")?
        .exists([])?;
    if !present {
        tx.execute_batch("ALTER TABLE rooms ADD COLUMN rules BLOB")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use automerge::transaction::Transactable;

    fn open(dir: &Path) -> (Connection, std::path::PathBuf) {
        let path = dir.join("coinop.db");
        (Connection::open(&path).unwrap(), path)
    }

    fn view_of(conn: &Connection, room: &str) -> Option<Vec<u8>> {
        conn.query_row("SELECT view FROM snapshots WHERE room = ?1", [room], |r| {
            r.get(0)
        })
        .unwrap()
    }

    #[test]
    fn a_new_database_gets_every_step_and_a_current_one_none() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = open(dir.path());
        migrate(&mut conn, &path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION);
        // A second run is a no-op, even with a row it would have changed.
        conn.execute(
            "INSERT INTO snapshots (room, upto, doc) VALUES ('R', 1, x'00')",
            [],
        )
        .unwrap();
        migrate(&mut conn, &path).unwrap();
        assert_eq!(view_of(&conn, "R"), None);
    }

    #[test]
    fn an_upgrade_resumes_at_the_step_it_stopped_in() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = open(dir.path());
        migrate(&mut conn, &path).unwrap();
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "score", 7).unwrap();
        conn.execute(
            "INSERT INTO snapshots (room, upto, doc) VALUES ('R', 1, ?1), ('BAD', 1, x'00')",
            [doc.save()],
        )
        .unwrap();
        // As if stopped after step 1: step 2 runs again, and only it.
        conn.pragma_update(None, "user_version", 1).unwrap();
        migrate(&mut conn, &path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION);
        let (view, clock): (Vec<u8>, Vec<u8>) = conn
            .query_row(
                "SELECT view, clock FROM snapshots WHERE room = 'R'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let view = automerge::Automerge::load(&view).unwrap();
        assert_eq!(view.hydrate(None), doc.document().hydrate(None));
        assert!(ActorClock::decode(&clock).is_some());
        // A snapshot that does not load is left alone.
        assert_eq!(view_of(&conn, "BAD"), None);
    }

    #[test]
    fn a_newer_database_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = open(dir.path());
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = migrate(&mut conn, &path).unwrap_err();
        assert!(matches!(err, StorageError::TooNew { found, .. } if found == SCHEMA_VERSION + 1));
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}
