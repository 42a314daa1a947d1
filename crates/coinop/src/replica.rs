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

impl Replica {
    /// Encodes the replica as bytes (postcard).
    pub fn encode(&self) -> Vec<u8> {
        // Our own plain struct into a Vec: postcard cannot fail here.
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// Decodes bytes made by [`Replica::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        postcard::from_bytes(bytes).map_err(|e| Error::Corrupt(format!("replica: {e}")))
    }
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
}
