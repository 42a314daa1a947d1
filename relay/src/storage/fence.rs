//! The leases this node holds, as the PostgreSQL backend sees them: every
//! write of a room's log, snapshot or metadata names the lease epoch
//! recorded here, and the database refuses it when the room's lease has
//! another owner or epoch by then (fencing).

use coinop_protocol::RoomCode;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// This node's identity and the epochs of the room leases it holds.
#[derive(Debug)]
pub struct Fence {
    node: String,
    held: Mutex<HashMap<RoomCode, u64>>,
}

impl Fence {
    /// An empty book for node `node` (unique per process start, so a
    /// restarted node never mistakes its previous life's leases for its own).
    pub fn new(node: impl Into<String>) -> Self {
        Self {
            node: node.into(),
            held: Mutex::default(),
        }
    }

    /// The node's id, as stored in the lease table's `owner` column.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The epoch of this node's lease on `room`, if it holds one.
    pub fn epoch(&self, room: &RoomCode) -> Option<u64> {
        self.lock().get(room).copied()
    }

    /// Records a lease won at `epoch`.
    pub fn hold(&self, room: RoomCode, epoch: u64) {
        self.lock().insert(room, epoch);
    }

    /// Forgets the lease on `room`, if it is still the one at `epoch`.
    pub fn drop_lease(&self, room: &RoomCode, epoch: u64) -> bool {
        let mut held = self.lock();
        if held.get(room) == Some(&epoch) {
            held.remove(room);
            return true;
        }
        false
    }

    /// Every lease held, with its epoch.
    pub fn held(&self) -> Vec<(RoomCode, u64)> {
        self.lock()
            .iter()
            .map(|(room, epoch)| (room.clone(), *epoch))
            .collect()
    }

    /// How many leases are held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no lease is held.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RoomCode, u64>> {
        // The map stays consistent whatever panicked while holding it.
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
