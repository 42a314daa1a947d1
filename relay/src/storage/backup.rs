//! Online backup: a consistent copy of a data directory's database, taken
//! while a relay runs and writes to it (SQLite's backup API).
//!
//! The copy is made in ONE backup step, inside one read transaction: in
//! WAL mode the relay's writers go on meanwhile, and the copy is the
//! database as of the moment that transaction began, so every change acked
//! before the backup started is in it. (Copying a few pages per step would
//! restart from the first page after each of the relay's commits, and
//! never finish under a steady write load.)

use super::dir_lock::DirLock;
use super::error::StorageError;
use super::schema::schema_version;
use super::sqlite::DB_FILE;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a backup step may keep finding the source busy (a writer
/// recovering the WAL) before it gives up.
const BUSY_RETRIES: u32 = 200;
const BUSY_PAUSE: Duration = Duration::from_millis(25);

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// The file written.
    pub path: PathBuf,
    /// Rooms in it.
    pub rooms: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its schema version ([`super::schema::SCHEMA_VERSION`] once a relay
    /// of this version opened the directory).
    pub schema_version: i64,
}

/// Copies `data_dir`'s database to the file `to` (replacing it), while a
/// relay may run on the directory. The file appears complete or not at all:
/// it is written beside `to` and renamed.
pub fn backup(data_dir: &Path, to: &Path) -> Result<BackupSummary, StorageError> {
    let db = data_dir.join(DB_FILE);
    if !db.is_file() {
        return Err(StorageError::Io {
            path: db,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no coinop database here"),
        });
    }
    if same_file(&db, to) {
        return Err(StorageError::Io {
            path: to.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the backup would replace the database it copies",
            ),
        });
    }
    // Shared, like the relay's: only a restore in progress stops a backup.
    let _lock = DirLock::shared(data_dir)?;
    let src = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    src.busy_timeout(Duration::from_secs(5))?;
    copy_database(&src, to)
}

/// Copies the database behind `src` into a new self-contained file (no WAL
/// beside it) at `to`, checks it, and makes it durable.
pub(super) fn copy_database(src: &Connection, to: &Path) -> Result<BackupSummary, StorageError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| StorageError::Io { path, source }
    };
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&partial)(e)),
        _ => {}
    }
    let written = write_checked(src, &partial, to).and_then(|summary| {
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(io(&partial))?;
        Ok(summary)
    });
    let summary = match written {
        Ok(summary) => summary,
        Err(e) => {
            // Nothing half-written is left behind.
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, to).map_err(io(to))?;
    sync_parent(to)?;
    Ok(BackupSummary {
        bytes: std::fs::metadata(to).map_err(io(to))?.len(),
        ..summary
    })
}

/// Copies `src` into the new file `path` and checks the copy; the summary
/// names `to`, where it will be.
fn write_checked(src: &Connection, path: &Path, to: &Path) -> Result<BackupSummary, StorageError> {
    let mut dst = Connection::open(path)?;
    copy_pages(src, &mut dst)?;
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    let check: String = dst.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(StorageError::Corrupt(format!(
            "the copy fails its check: {check}"
        )));
    }
    summarize(&dst, to)
}

/// Whether both paths name one existing file.
pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn copy_pages(src: &Connection, dst: &mut Connection) -> Result<(), StorageError> {
    let backup = Backup::new(src, dst)?;
    for _ in 0..BUSY_RETRIES {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            // -1 copies every page at once; `More` would mean SQLite
            // stopped early, and the next step goes on from there.
            StepResult::More => {}
            _ => std::thread::sleep(BUSY_PAUSE),
        }
    }
    Err(StorageError::Busy)
}

/// Rooms and schema version of a database (size filled in by the caller).
pub(super) fn summarize(conn: &Connection, path: &Path) -> Result<BackupSummary, StorageError> {
    let rooms: i64 = conn.query_row("SELECT count(*) FROM rooms", [], |r| r.get(0))?;
    Ok(BackupSummary {
        path: path.to_owned(),
        rooms: u64::try_from(rooms).unwrap_or(0),
        bytes: 0,
        schema_version: schema_version(conn)?,
    })
}

/// A renamed file survives a crash once its directory entry is on disk.
fn sync_parent(path: &Path) -> Result<(), StorageError> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    #[cfg(unix)]
    std::fs::File::open(parent)
        .and_then(|d| d.sync_all())
        .map_err(|source| StorageError::Io {
            path: parent.to_owned(),
            source,
        })?;
    Ok(())
}
