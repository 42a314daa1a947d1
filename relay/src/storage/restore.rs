//! Restore: a backup file back into a data directory, for a relay to start
//! on.

use super::backup::{BackupSummary, copy_database, same_file};
use super::dir_lock::{DirLock, LOCK_FILE};
use super::error::StorageError;
use super::schema::check_not_newer;
use super::sqlite::DB_FILE;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// The tables every coinop database has.
const TABLES: [&str; 3] = ["log", "snapshots", "rooms"];

/// Puts the backup `from` into `data_dir` as its database.
///
/// Refuses a file that is not a coinop database or was written by a newer
/// relay, a directory that a relay (or a backup) has open, and, unless
/// `force`, a directory that holds anything. With `force` the directory's
/// database is replaced; its other files stay. An older backup is upgraded
/// by the relay that next opens the directory.
pub fn restore(from: &Path, data_dir: &Path, force: bool) -> Result<BackupSummary, StorageError> {
    if same_file(from, &data_dir.join(DB_FILE)) {
        return Err(StorageError::NotABackup {
            path: from.to_owned(),
            reason: "it is the database it would replace".into(),
        });
    }
    let src = open_backup(from)?;
    std::fs::create_dir_all(data_dir).map_err(|source| StorageError::Io {
        path: data_dir.to_owned(),
        source,
    })?;
    // Held until the database is in place: a relay starting meanwhile
    // refuses the directory instead of creating an empty database in it.
    let _lock = DirLock::exclusive(data_dir)?;
    let occupied = std::fs::read_dir(data_dir)
        .map_err(|source| StorageError::Io {
            path: data_dir.to_owned(),
            source,
        })?
        .filter_map(Result::ok)
        .any(|e| e.file_name() != LOCK_FILE);
    if occupied && !force {
        return Err(StorageError::NotEmpty(data_dir.to_owned()));
    }
    // The old WAL would be replayed into the restored database.
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = data_dir.join(format!("{DB_FILE}{suffix}"));
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(StorageError::Io { path, source: e });
            }
            _ => {}
        }
    }
    copy_database(&src, &data_dir.join(DB_FILE))
}

/// Opens `path` read-only after checking that it is a coinop database this
/// relay can read.
fn open_backup(path: &Path) -> Result<Connection, StorageError> {
    let not_backup = |reason: String| StorageError::NotABackup {
        path: path.to_owned(),
        reason,
    };
    if !path.is_file() {
        return Err(not_backup("no such file".into()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| not_backup(e.to_string()))?;
    if check != "ok" {
        return Err(not_backup(format!("it fails SQLite's check: {check}")));
    }
    for table in TABLES {
        let present = conn
            .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")?
            .exists([table])?;
        if !present {
            return Err(not_backup(format!("it has no {table} table")));
        }
    }
    check_not_newer(&conn, path)?;
    Ok(conn)
}
