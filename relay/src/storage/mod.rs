//! Durable storage behind one trait, and the group-commit thread that owns it.
//!
//! Every storage call happens on one dedicated thread ([`StorageHandle`]),
//! which takes all pending appends from all rooms and commits them in one
//! transaction: many changes per fsync.

mod backend;
mod backup;
mod crash_point;
mod dir_lock;
mod error;
mod handle;
#[cfg(test)]
mod lifecycle_tests;
mod memory;
mod records;
mod restore;
pub mod schema;
mod sqlite;
#[cfg(test)]
mod tests;

pub use backend::Storage;
pub use backup::{BackupSummary, backup};
pub use crash_point::{CRASH_POINT_ENV, CrashPoint};
pub use dir_lock::{DirLock, LOCK_FILE};
pub use error::StorageError;
pub use handle::StorageHandle;
pub use memory::MemoryStorage;
pub use records::{Append, Group, PlayerRoom, PlayerRoomUpdate};
pub use restore::restore;
pub use sqlite::{DB_FILE, SqliteStorage};
