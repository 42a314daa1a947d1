//! The optional local replica: what a client keeps on disk so that edits
//! made offline survive a crash or restart and are delivered later.

use crate::error::Error;
use bytes::Bytes;
use coinop_protocol::{RoomCode, RoomCursor};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// Everything needed to resume a room: the document, the unacknowledged
/// changes and the position in the room log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replica {
    /// The saved automerge document (`Automerge::save`).
    pub doc: Vec<u8>,
    /// Changes not yet acknowledged by the relay, oldest first.
    pub outbox: Vec<Bytes>,
    /// The last position in the room log this replica holds.
    pub cursor: Option<RoomCursor>,
}

/// What a versioned replica file starts with. An unversioned one (written
/// before versions, "version 0") starts with the length of its document,
/// never 0, so the two cannot be mistaken for each other.
const MAGIC: &[u8; 8] = b"\0coinopR";

/// The replica format this SDK writes, and the newest it reads.
///
/// * 0: no header, the postcard encoding of [`Replica`] (read, migrated on
///   the next save).
/// * 1: the 8 bytes `\0coinopR`, the version as a little-endian `u32`, then the same
///   postcard encoding.
pub const REPLICA_VERSION: u32 = 1;

impl Replica {
    /// Encodes the replica as bytes: a header naming the format version,
    /// then the replica (postcard).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.doc.len() + 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&REPLICA_VERSION.to_le_bytes());
        // Our own plain struct into a Vec: postcard cannot fail here.
        out.extend(postcard::to_stdvec(self).unwrap_or_default());
        out
    }

    /// Decodes bytes made by [`Replica::encode`], of this version or an
    /// older one. A newer version is [`Error::ReplicaTooNew`], anything
    /// unreadable [`Error::ReplicaCorrupt`].
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
            // Version 0: the same encoding without a header.
            return body(bytes);
        };
        let (version, body_bytes) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| Error::ReplicaCorrupt("the header is cut short".into()))?;
        match u32::from_le_bytes(*version) {
            1 => body(body_bytes),
            found => Err(Error::ReplicaTooNew {
                found,
                supported: REPLICA_VERSION,
            }),
        }
    }
}

fn body(bytes: &[u8]) -> Result<Replica, Error> {
    let (replica, rest) = postcard::take_from_bytes::<Replica>(bytes)
        .map_err(|e| Error::ReplicaCorrupt(e.to_string()))?;
    if !rest.is_empty() {
        return Err(Error::ReplicaCorrupt(format!(
            "{} bytes after the replica",
            rest.len()
        )));
    }
    Ok(replica)
}

/// Where replicas are kept, one per room. Implement it for your platform
/// (IndexedDB, a database); the SDK ships a file store and a memory store.
///
/// `save` is called after every batch of local changes, so it should be
/// atomic: a crash mid-save must leave the previous replica readable.
pub trait ReplicaStore: Send + Sync {
    /// The replica of `room`, if one was saved.
    fn load(&self, room: &RoomCode) -> Result<Option<Replica>, Error>;
    /// Replaces the replica of `room`.
    fn save(&self, room: &RoomCode, replica: &Replica) -> Result<(), Error>;

    /// For a store whose `save` only queues the write (the browser's
    /// IndexedDB): why its last write failed, until a later one succeeds.
    /// The room checks it whenever it runs and treats a failure as a failed
    /// `save`: reported (`REPLICA_NOT_SAVED`), tried again with backoff,
    /// `is_saved()` false until a write succeeds. Such a store's `save`
    /// should queue the newest replica and return this error while it
    /// stands. The default, for stores that write before `save` returns,
    /// is `None`.
    fn failing(&self) -> Option<Error> {
        None
    }

    /// For a store whose `save` only queues the write: called once as the
    /// room starts, with a function to call when a write fails, so that
    /// the room looks at [`ReplicaStore::failing`] at once rather than the
    /// next time it runs. The default drops it.
    fn on_write_failure(&self, wake: Box<dyn Fn() + Send + Sync>) {
        let _ = wake;
    }

    /// Moves the replica of `room` out of the way, keeping it, because it
    /// cannot be read ([`Error::ReplicaTooNew`], [`Error::ReplicaCorrupt`]):
    /// the room then starts without it (and reports why in an
    /// [`crate::Event::Error`]), and later saves do not overwrite it.
    /// Returns whether it was moved. The default moves nothing, and the
    /// room then fails to build with the load error.
    fn set_aside(&self, room: &RoomCode) -> Result<bool, Error> {
        let _ = room;
        Ok(false)
    }
}

/// Replicas kept in memory (tests, or sharing one process between rooms).
#[derive(Debug, Default)]
pub struct MemoryReplicaStore {
    rooms: Mutex<HashMap<RoomCode, Replica>>,
}

impl ReplicaStore for MemoryReplicaStore {
    fn load(&self, room: &RoomCode) -> Result<Option<Replica>, Error> {
        Ok(self
            .rooms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(room)
            .cloned())
    }

    fn save(&self, room: &RoomCode, replica: &Replica) -> Result<(), Error> {
        self.rooms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(room.clone(), replica.clone());
        Ok(())
    }
}

impl<T: ReplicaStore + ?Sized> ReplicaStore for std::sync::Arc<T> {
    fn load(&self, room: &RoomCode) -> Result<Option<Replica>, Error> {
        (**self).load(room)
    }
    fn save(&self, room: &RoomCode, replica: &Replica) -> Result<(), Error> {
        (**self).save(room, replica)
    }
    fn set_aside(&self, room: &RoomCode) -> Result<bool, Error> {
        (**self).set_aside(room)
    }
    fn failing(&self) -> Option<Error> {
        (**self).failing()
    }
    fn on_write_failure(&self, wake: Box<dyn Fn() + Send + Sync>) {
        (**self).on_write_failure(wake)
    }
}
