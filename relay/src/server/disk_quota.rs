//! The data directory's quota: new rooms and writes are refused with
//! DISK_FULL once the directory holds `--max-data-bytes`, or once its disk
//! has less than `--min-free-disk-bytes` free, so the relay stops before
//! SQLite finds the disk full in the middle of a commit.
//!
//! Checking is an atomic load. The sizes are measured once a second by a
//! task of their own: one listing of the data directory (a few files: the
//! database, its WAL, the lock) and one `statvfs`, never a walk per write.
//! Between two measurements the relay may write a second's worth past the
//! line, which the free-space reserve absorbs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often the directory is measured.
const EVERY: Duration = Duration::from_secs(1);

/// Whether the data directory is full, kept current by a task.
#[derive(Debug, Default)]
pub(crate) struct DiskQuota {
    full: AtomicBool,
    used: AtomicU64,
}

/// What the directory may hold.
#[derive(Debug, Clone)]
struct Rule {
    dir: PathBuf,
    max_bytes: u64,
    min_free: u64,
}

impl DiskQuota {
    /// A quota that never fills (in-memory storage).
    pub(crate) fn none() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Measures `dir` now, then once a second while the quota is alive.
    /// Must run inside a tokio runtime. `max_bytes` and `min_free` of 0
    /// turn either check off.
    pub(crate) fn watch(dir: &Path, max_bytes: u64, min_free: u64) -> Arc<Self> {
        let quota = Self::none();
        if max_bytes == 0 && min_free == 0 {
            return quota;
        }
        let rule = Rule {
            dir: dir.to_owned(),
            max_bytes,
            min_free,
        };
        quota.measure(&rule);
        let weak = Arc::downgrade(&quota);
        tokio::spawn(keep_measuring(weak, rule));
        quota
    }

    /// Whether new rooms and writes must be refused.
    pub(crate) fn is_full(&self) -> bool {
        self.full.load(Ordering::Relaxed)
    }

    /// Bytes in the data directory at the last measurement.
    #[cfg(test)]
    pub(crate) fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    fn measure(&self, rule: &Rule) {
        let used = dir_bytes(&rule.dir);
        let over_quota = rule.max_bytes != 0 && used >= rule.max_bytes;
        let low_disk =
            rule.min_free != 0 && free_bytes(&rule.dir).is_some_and(|f| f < rule.min_free);
        let full = over_quota || low_disk;
        if full != self.full.swap(full, Ordering::Relaxed) {
            if full {
                tracing::warn!(
                    used,
                    over_quota,
                    low_disk,
                    "data directory full: new rooms and writes refused"
                );
            } else {
                tracing::info!(used, "data directory below its limits again");
            }
        }
        self.used.store(used, Ordering::Relaxed);
    }
}

async fn keep_measuring(quota: Weak<DiskQuota>, rule: Rule) {
    loop {
        tokio::time::sleep(EVERY).await;
        let Some(quota) = quota.upgrade() else {
            return;
        };
        let measured = quota.clone();
        let rule = rule.clone();
        let _ = tokio::task::spawn_blocking(move || measured.measure(&rule)).await;
    }
}

/// The bytes of the files directly in `dir` (the data directory has no
/// subdirectories of its own; backups go elsewhere).
fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Free bytes for unprivileged users on `dir`'s file system.
#[cfg(unix)]
fn free_bytes(dir: &Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_dir: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn full_past_the_quota_or_below_the_free_reserve() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), vec![0; 1000]).unwrap();
        let quota = DiskQuota::watch(dir.path(), 2000, 0);
        assert!(!quota.is_full());
        assert_eq!(quota.used(), 1000);
        std::fs::write(dir.path().join("b"), vec![0; 1000]).unwrap();
        let rule = Rule {
            dir: dir.path().to_owned(),
            max_bytes: 2000,
            min_free: 0,
        };
        quota.measure(&rule);
        assert!(quota.is_full());
        // A reserve larger than any disk.
        let reserve = DiskQuota::watch(dir.path(), 0, u64::MAX);
        assert!(reserve.is_full());
        assert!(!DiskQuota::watch(dir.path(), 0, 0).is_full());
    }
}
