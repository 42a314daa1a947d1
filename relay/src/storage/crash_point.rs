//! Crash points for durability tests: `COINOP_CRASH_POINT` names a place in
//! the storage code where the process aborts, as a power cut would stop it.

/// The environment variable read once when SQLite storage opens.
pub const CRASH_POINT_ENV: &str = "COINOP_CRASH_POINT";

/// A place where the storage thread may be told to abort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// Compaction: the snapshot is written and the log trimmed inside the
    /// transaction, which is not yet committed.
    BeforeSnapshotCommit,
    /// Compaction: the transaction is committed; the room has not yet
    /// swapped its in-memory log for the snapshot.
    AfterSnapshotCommit,
    /// The move of recent log entries into the room-ordered log: both
    /// tables written inside the transaction, which is not yet committed.
    BeforeFoldCommit,
}

impl CrashPoint {
    /// The crash point named by [`CRASH_POINT_ENV`], if any. Unknown names
    /// are logged and ignored: a typo must not crash a production relay.
    pub fn from_env() -> Option<CrashPoint> {
        let name = std::env::var(CRASH_POINT_ENV).ok()?;
        let point = CrashPoint::parse(&name);
        match point {
            Some(p) => tracing::warn!(point = ?p, "crash point armed: the relay will abort there"),
            None if name.is_empty() => {}
            None => tracing::warn!(%name, "unknown crash point ignored"),
        }
        point
    }

    /// Parses a crash point name such as `after-snapshot-write`.
    pub fn parse(name: &str) -> Option<CrashPoint> {
        match name {
            // Writing the snapshot and trimming the log is one transaction:
            // "after the write, before the trim" is before its commit.
            "after-snapshot-write" | "before-snapshot-commit" => {
                Some(CrashPoint::BeforeSnapshotCommit)
            }
            "after-snapshot-commit" => Some(CrashPoint::AfterSnapshotCommit),
            "before-fold-commit" => Some(CrashPoint::BeforeFoldCommit),
            _ => None,
        }
    }

    /// Aborts the process when `armed` is this point.
    pub fn hit(self, armed: Option<CrashPoint>) {
        if armed == Some(self) {
            eprintln!("coinop-relay: crash point {self:?} reached, aborting");
            std::process::abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_unknown_names_are_ignored() {
        assert_eq!(
            CrashPoint::parse("after-snapshot-write"),
            Some(CrashPoint::BeforeSnapshotCommit)
        );
        assert_eq!(
            CrashPoint::parse("before-snapshot-commit"),
            Some(CrashPoint::BeforeSnapshotCommit)
        );
        assert_eq!(
            CrashPoint::parse("after-snapshot-commit"),
            Some(CrashPoint::AfterSnapshotCommit)
        );
        assert_eq!(
            CrashPoint::parse("before-fold-commit"),
            Some(CrashPoint::BeforeFoldCommit)
        );
        assert_eq!(CrashPoint::parse("typo"), None);
        // Not armed, or armed elsewhere: no abort.
        CrashPoint::AfterSnapshotCommit.hit(None);
        CrashPoint::AfterSnapshotCommit.hit(Some(CrashPoint::BeforeSnapshotCommit));
    }
}
