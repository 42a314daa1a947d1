//! The pool of PostgreSQL connections a node shares between its storage
//! thread, its lease heartbeat and its health check.

use super::error::StorageError;
use super::pg_schema::migrate_pg;
use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::postgres::{Config, NoTls};
use std::time::Duration;

/// Pooled synchronous connections (`postgres` crate; the storage thread
/// is a plain thread, so blocking calls are what it wants).
pub type PgPool = r2d2_postgres::r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// Most connections a node opens: the storage thread, the heartbeat, lease
/// claims and health checks, with room to spare.
const MAX_CONNECTIONS: u32 = 8;

/// How long to wait for a connection before a call fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to `url` (`postgres://user@host:port/db`) and brings the schema
/// up to date. Blocking: call it off the async runtime.
pub fn connect_pg(url: &str) -> Result<PgPool, StorageError> {
    let mut config: Config = url.parse()?;
    config.connect_timeout(CONNECT_TIMEOUT);
    config.application_name("coinop-relay");
    let manager = PostgresConnectionManager::new(config, NoTls);
    let pool = r2d2_postgres::r2d2::Pool::builder()
        .max_size(MAX_CONNECTIONS)
        .min_idle(Some(1))
        .connection_timeout(CONNECT_TIMEOUT)
        // A checkout costs no extra round trip; a connection broken by a
        // database restart fails one call and is then replaced.
        .test_on_check_out(false)
        // The callers log what failed, once per call, not per attempt.
        .error_handler(Box::new(r2d2_postgres::r2d2::NopErrorHandler))
        .build(manager)?;
    migrate_pg(&mut *pool.get()?)?;
    Ok(pool)
}
