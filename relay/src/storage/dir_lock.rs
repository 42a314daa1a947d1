//! The data directory's lock file, `coinop.lock`: a relay (and a backup)
//! holds it shared while it has the database open, a restore holds it
//! exclusively while it replaces the database. So a restore refuses a
//! directory a relay runs on, and a relay refuses one being restored.
//!
//! The lock is `flock(2)` on Unix: the kernel drops it when the process
//! dies, so a killed relay leaves nothing stale behind. Elsewhere there is
//! no lock (restore then cannot tell whether a relay runs).

use super::error::StorageError;
use std::fs::File;
use std::path::Path;

/// The lock file's name inside the data directory.
pub const LOCK_FILE: &str = "coinop.lock";

/// A held lock on a data directory; released when dropped.
#[derive(Debug)]
pub struct DirLock {
    // Held only for its lock; closing the file releases it.
    _file: File,
}

impl DirLock {
    /// Takes the lock shared (relays, backups), failing at once if a
    /// restore holds it.
    pub fn shared(dir: &Path) -> Result<DirLock, StorageError> {
        Self::take(dir, false, "a restore")
    }

    /// Takes the lock exclusively (restore), failing at once if a relay or
    /// a backup holds it.
    pub fn exclusive(dir: &Path) -> Result<DirLock, StorageError> {
        Self::take(dir, true, "a running relay (or a backup)")
    }

    fn take(dir: &Path, exclusive: bool, holder: &'static str) -> Result<DirLock, StorageError> {
        let path = dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StorageError::Io { path, source })?;
        if !try_lock(&file, exclusive) {
            return Err(StorageError::InUse {
                dir: dir.to_owned(),
                by: holder,
            });
        }
        Ok(DirLock { _file: file })
    }
}

#[cfg(unix)]
fn try_lock(file: &File, exclusive: bool) -> bool {
    use rustix::fs::{FlockOperation, flock};
    let op = if exclusive {
        FlockOperation::NonBlockingLockExclusive
    } else {
        FlockOperation::NonBlockingLockShared
    };
    match flock(file, op) {
        Ok(()) => true,
        Err(rustix::io::Errno::WOULDBLOCK) => false,
        // A file system without flock (some network mounts): run unlocked
        // rather than refuse to run.
        Err(e) => {
            tracing::warn!(error = %e, "cannot lock the data directory; running without its lock");
            true
        }
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File, _exclusive: bool) -> bool {
    true
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn relays_share_the_lock_and_a_restore_takes_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let a = DirLock::shared(dir.path()).unwrap();
        let b = DirLock::shared(dir.path()).unwrap();
        let refused = DirLock::exclusive(dir.path()).unwrap_err();
        assert!(refused.to_string().contains("running relay"), "{refused}");
        drop((a, b));
        let restore = DirLock::exclusive(dir.path()).unwrap();
        let refused = DirLock::shared(dir.path()).unwrap_err();
        assert!(refused.to_string().contains("a restore"), "{refused}");
        drop(restore);
        DirLock::shared(dir.path()).unwrap();
    }
}
