//! The PostgreSQL schema and the numbered steps that bring an older
//! database up to it.
//!
//! The version lives in the one-row table `coinop_schema`. Each step runs
//! in its own transaction, which first locks that row (`FOR UPDATE`): nodes
//! started together upgrade the database once, without advisory locks, so
//! CockroachDB and YugabyteDB run the same SQL. Every table is prefixed
//! `coinop_`, so the relay can share a database with other software.

use super::error::StorageError;
use postgres::Client;

/// The schema version this relay writes and reads.
pub const PG_SCHEMA_VERSION: i64 = 4;

/// Version 1: what the SQLite backend stores, plus the room leases, the
/// cluster's shared token and its nodes.
const V1: &str = "
CREATE TABLE IF NOT EXISTS coinop_rooms (
    code TEXT PRIMARY KEY, epoch BIGINT NOT NULL, max_players INT NOT NULL,
    grace_ms BIGINT NOT NULL, created_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS coinop_log (
    room TEXT NOT NULL, seq BIGINT NOT NULL, sender TEXT NOT NULL, change BYTEA NOT NULL,
    PRIMARY KEY (room, seq));
CREATE TABLE IF NOT EXISTS coinop_snapshots (
    room TEXT PRIMARY KEY, upto BIGINT NOT NULL, doc BYTEA NOT NULL, clock BYTEA, view BYTEA);
CREATE TABLE IF NOT EXISTS coinop_players (
    id TEXT PRIMARY KEY, secret_hash BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS coinop_player_rooms (
    player TEXT NOT NULL, room TEXT NOT NULL, host BOOLEAN NOT NULL,
    last_joined_ms BIGINT NOT NULL, PRIMARY KEY (player, room));
CREATE TABLE IF NOT EXISTS coinop_leases (
    room TEXT PRIMARY KEY, owner TEXT NOT NULL, addr TEXT NOT NULL,
    epoch BIGINT NOT NULL, expires_at TIMESTAMPTZ NOT NULL);
CREATE INDEX IF NOT EXISTS coinop_leases_owner ON coinop_leases (owner);
CREATE TABLE IF NOT EXISTS coinop_cluster (id INT PRIMARY KEY, token TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS coinop_nodes (
    node TEXT PRIMARY KEY, addr TEXT NOT NULL, seen_at TIMESTAMPTZ NOT NULL);
";

/// Version 2, part 1: the room lifecycle's columns, table and indexes.
/// Each room gets its owner (unknown for the rooms already stored) and
/// the time it was last used, which expiry reads; kicks are kept in a
/// table of their own; index rows can be found by room, to delete them
/// with it. Every statement can run again (an interrupted upgrade).
const V2_SCHEMA: &str = "
ALTER TABLE coinop_rooms ADD COLUMN IF NOT EXISTS owner TEXT;
ALTER TABLE coinop_rooms ADD COLUMN IF NOT EXISTS touched_ms BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS coinop_rooms_touched ON coinop_rooms (touched_ms);
CREATE INDEX IF NOT EXISTS coinop_player_rooms_room ON coinop_player_rooms (room);
CREATE TABLE IF NOT EXISTS coinop_room_bans (
    room TEXT NOT NULL, player TEXT NOT NULL, PRIMARY KEY (room, player));
";

/// Version 2, part 2: a stored room was last used when it was created or
/// last joined. In a transaction of its own: CockroachDB does not let a
/// transaction write a column it added.
const V2_TOUCHED: &str = "
UPDATE coinop_rooms SET touched_ms = GREATEST(touched_ms, created_ms, COALESCE(
    (SELECT MAX(last_joined_ms) FROM coinop_player_rooms WHERE room = coinop_rooms.code), 0));
";

/// Version 3: each room's write rules (`NULL`: the default rules), and
/// players' persistent data (one row per key holding one value, `pos` -1,
/// or per entry of a list, `pos` 0, 1, ...).
const V3: &str = "
ALTER TABLE coinop_rooms ADD COLUMN IF NOT EXISTS rules BYTEA;
CREATE TABLE IF NOT EXISTS coinop_persistent (
    player TEXT NOT NULL, key TEXT NOT NULL, pos BIGINT NOT NULL, value BYTEA NOT NULL,
    PRIMARY KEY (player, key, pos));
";

/// Version 4: the roster a draining node hands over with a room's lease
/// (`NULL`: none), taken by the next node that claims the lease.
const V4: &str = "
ALTER TABLE coinop_leases ADD COLUMN IF NOT EXISTS handoff BYTEA;
";

/// Every step; step N brings version N-1 to N, running its parts in
/// transactions of their own, one after the other (the last one records
/// the version).
const STEPS: &[(i64, &[&str])] = &[
    (1, &[V1]),
    (2, &[V2_SCHEMA, V2_TOUCHED]),
    (3, &[V3]),
    (4, &[V4]),
];

/// Creates the version table if needed, then runs the steps the database
/// lacks. Refuses a database a newer relay wrote.
pub fn migrate_pg(client: &mut Client) -> Result<(), StorageError> {
    // Two nodes creating the version table at once may collide in the
    // catalog; the loser finds it there on the next try.
    let mut tries = 0;
    loop {
        let created = client.batch_execute(
            "CREATE TABLE IF NOT EXISTS coinop_schema (id INT PRIMARY KEY, version BIGINT NOT NULL);
             INSERT INTO coinop_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;",
        );
        match created {
            Ok(()) => break,
            Err(_) if tries < 5 => tries += 1,
            Err(e) => return Err(e.into()),
        }
    }
    for (version, parts) in STEPS {
        for (part, sql) in parts.iter().enumerate() {
            let last = part + 1 == parts.len();
            run_step(client, *version, sql, last)?;
        }
    }
    Ok(())
}

/// Runs one part of step `version` unless the database is already there;
/// the last part records the version.
fn run_step(client: &mut Client, version: i64, sql: &str, last: bool) -> Result<(), StorageError> {
    let mut tx = client.transaction()?;
    let found: i64 = tx
        .query_one(
            "SELECT version FROM coinop_schema WHERE id = 1 FOR UPDATE",
            &[],
        )?
        .get(0);
    if found > PG_SCHEMA_VERSION {
        return Err(StorageError::SchemaTooNew {
            found,
            supported: PG_SCHEMA_VERSION,
        });
    }
    if found >= version {
        return Ok(());
    }
    tx.batch_execute(sql)?;
    if last {
        tx.execute(
            "UPDATE coinop_schema SET version = $1 WHERE id = 1",
            &[&version],
        )?;
    }
    tx.commit()?;
    if last {
        tracing::info!(from = version - 1, to = version, "database schema upgraded");
    }
    Ok(())
}

/// The database's schema version.
pub fn pg_schema_version(client: &mut Client) -> Result<i64, StorageError> {
    Ok(client
        .query_one("SELECT version FROM coinop_schema WHERE id = 1", &[])?
        .get(0))
}
