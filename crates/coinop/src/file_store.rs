//! File-backed identity and replica stores (native only).

use crate::error::Error;
use crate::identity::{Identity, IdentityStore};
use crate::replica::{Replica, ReplicaStore};
use coinop_protocol::RoomCode;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The default data directory: `$XDG_DATA_HOME/coinop`, else
/// `$HOME/.local/share/coinop`, else `./.coinop`.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("coinop");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(home).join(".local/share/coinop");
    }
    PathBuf::from(".coinop")
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, synced, then renamed over the old one, so a crash leaves
/// either the old or the new content, never half of one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Unique per process and call, so concurrent saves never share a file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("coinop");
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The identity in a file (default: `identity` in [`default_data_dir`]).
#[derive(Debug, Clone)]
pub struct FileIdentityStore {
    path: PathBuf,
}

impl FileIdentityStore {
    /// A store at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileIdentityStore { path: path.into() }
    }
}

impl Default for FileIdentityStore {
    fn default() -> Self {
        Self::new(default_data_dir().join("identity"))
    }
}

impl IdentityStore for FileIdentityStore {
    fn load(&self) -> Result<Option<Identity>, Error> {
        let Some(bytes) = read_optional(&self.path)? else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::Corrupt("identity file is not UTF-8".into()))?;
        Identity::decode(&text).map(Some)
    }

    fn save(&self, identity: &Identity) -> Result<(), Error> {
        write_atomic(&self.path, identity.encode().as_bytes())
    }
}

/// One replica file per room, `<dir>/<room>.replica`.
#[derive(Debug, Clone)]
pub struct FileReplicaStore {
    dir: PathBuf,
}

impl FileReplicaStore {
    /// A store in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileReplicaStore { dir: dir.into() }
    }

    fn path(&self, room: &RoomCode) -> PathBuf {
        // Room codes are `[A-Za-z0-9_-]` only, so they are safe file names.
        self.dir.join(format!("{room}.replica"))
    }
}

impl ReplicaStore for FileReplicaStore {
    fn load(&self, room: &RoomCode) -> Result<Option<Replica>, Error> {
        read_optional(&self.path(room))?
            .map(|b| Replica::decode(&b))
            .transpose()
    }

    fn save(&self, room: &RoomCode, replica: &Replica) -> Result<(), Error> {
        write_atomic(&self.path(room), &replica.encode())
    }

    /// Renames the file to `<room>.replica.unreadable-<ms since the epoch>`.
    fn set_aside(&self, room: &RoomCode) -> Result<bool, Error> {
        let from = self.path(room);
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let to = self.dir.join(format!("{room}.replica.unreadable-{ms}"));
        std::fs::rename(&from, &to)?;
        tracing::warn!("set the unreadable replica {from:?} aside as {to:?}");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let ids = FileIdentityStore::new(dir.path().join("sub/identity"));
        assert!(ids.load().unwrap().is_none());
        let id = ids.load_or_create().unwrap();
        assert_eq!(
            FileIdentityStore::new(dir.path().join("sub/identity"))
                .load()
                .unwrap(),
            Some(id)
        );
        let reps = FileReplicaStore::new(dir.path());
        let room = RoomCode::new("ABCD").unwrap();
        assert!(reps.load(&room).unwrap().is_none());
        let r = Replica {
            doc: automerge::Automerge::new().save(),
            outbox: vec![bytes::Bytes::from_static(b"c")],
            cursor: None,
        };
        reps.save(&room, &r).unwrap();
        assert_eq!(reps.load(&room).unwrap(), Some(r));
        std::fs::write(dir.path().join("ABCD.replica"), b"\xff\xff\xff").unwrap();
        assert!(
            matches!(reps.load(&room), Err(Error::ReplicaCorrupt(_))),
            "corrupt replicas are errors, not panics"
        );
        assert!(reps.set_aside(&room).unwrap());
        assert!(reps.load(&room).unwrap().is_none(), "set aside");
        let kept = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy()
                    .starts_with("ABCD.replica.unreadable-")
            })
            .count();
        assert_eq!(kept, 1, "kept, not deleted");
    }
}
