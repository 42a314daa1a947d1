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
pub const PG_SCHEMA_VERSION: i64 = 1;

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

/// Every step; step N brings version N-1 to N.
const STEPS: &[(i64, &str)] = &[(1, V1)];

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
    for (version, sql) in STEPS {
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
        if found >= *version {
            continue;
        }
        tx.batch_execute(sql)?;
        tx.execute(
            "UPDATE coinop_schema SET version = $1 WHERE id = 1",
            &[version],
        )?;
        tx.commit()?;
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
