//! Durable storage behind one trait, and the group-commit thread that owns it.
//!
//! Every storage call happens on one dedicated thread ([`StorageHandle`]),
//! which takes all pending appends from all rooms and commits them in one
//! transaction: many changes per fsync.
//!
//! Backends: SQLite (the default, one data directory), PostgreSQL (cluster
//! mode: [`PostgresStorage`], whose room writes are fenced by [`Leases`]),
//! and memory.

mod backend;
mod backup;
mod columns;
mod crash_point;
mod dir_lock;
mod error;
mod fence;
mod handle;
mod last_seqs;
mod leases;
#[cfg(test)]
mod lifecycle_tests;
mod log_fold;
mod memory;
mod pg_pool;
pub mod pg_schema;
mod pg_storage;
#[cfg(test)]
mod pg_tests;
#[cfg(test)]
mod recent_log_tests;
mod records;
mod restore;
pub mod schema;
mod sqlite;
#[cfg(test)]
mod tests;
mod touch_memo;

pub use backend::Storage;
pub use backup::{BackupSummary, backup};
pub use crash_point::{CRASH_POINT_ENV, CrashPoint};
pub use dir_lock::{DirLock, LOCK_FILE};
pub use error::StorageError;
pub use fence::Fence;
pub use handle::StorageHandle;
pub use leases::{Claim, LeaseRow, Leases};
pub use memory::MemoryStorage;
pub use pg_pool::{PgPool, connect_pg};
pub use pg_storage::PostgresStorage;
pub use records::{Append, Group, PlayerRoom, PlayerRoomUpdate};
pub use restore::restore;
pub use sqlite::{DB_FILE, SqliteStorage};
