//! How a storage backend fails.

/// A storage backend failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error (cluster mode).
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    /// No PostgreSQL connection could be had from the pool in time.
    #[error("postgres connection: {0}")]
    Pool(#[from] r2d2_postgres::r2d2::Error),
    /// This node no longer holds the lease of these rooms: another node
    /// took them over, and nothing of the write was stored.
    #[error("not the owner of room(s) {}", .0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "))]
    Fenced(Vec<coinop_protocol::RoomCode>),
    /// A newer relay wrote the PostgreSQL schema.
    #[error(
        "the database has schema version {found}, newer than this relay's {supported}: \
         run the newer coinop-relay that wrote it"
    )]
    SchemaTooNew {
        /// Its schema version.
        found: i64,
        /// The newest this relay reads.
        supported: i64,
    },
    /// A file or directory could not be created, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The data directory is locked by another process.
    #[error("data directory {dir} is in use by {by}")]
    InUse {
        /// The directory.
        dir: std::path::PathBuf,
        /// Who holds it.
        by: &'static str,
    },
    /// A newer relay wrote this database.
    #[error(
        "{path} has schema version {found}, newer than this relay's {supported}: \
         run the newer coinop-relay that wrote it (or restore a backup made before the upgrade)"
    )]
    TooNew {
        /// The database file.
        path: std::path::PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this relay reads.
        supported: i64,
    },
    /// A restore would overwrite a data directory that holds data.
    #[error("data directory {0} is not empty (restore --force replaces its database)")]
    NotEmpty(std::path::PathBuf),
    /// A file given as a backup is not a coinop database.
    #[error("{path} is not a coinop backup: {reason}")]
    NotABackup {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The database stayed locked by its writers for too long.
    #[error("the database stayed busy; try again")]
    Busy,
    /// Stored data did not have the expected shape.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// A group commit failed; nothing of it was stored.
    #[error("commit failed: {0}")]
    Commit(String),
    /// The storage thread is gone (the relay is shutting down).
    #[error("the storage thread stopped")]
    Stopped,
    /// An injected failure (tests).
    #[error("storage failure injected for testing")]
    Injected,
}
