//! The room handle: what application code calls. State methods live here;
//! players, RPC and events have their own files.

use crate::core::RoomCore;
use crate::error::Error;
use crate::reliability::Reliability;
use crate::shared::{Shared, lock};
use crate::status::Status;
use crate::transport::now_ms;
use automerge::Automerge;
use automerge::transaction::Transaction;
use coinop_protocol::{Limits, PlayerId, RoomCode, StateTarget};
use futures_channel::mpsc::UnboundedSender;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A joined (or joining) room. Cheap to clone; every clone is the same room.
///
/// Reads are local and never wait; writes apply locally at once and travel
/// to the relay through the driver. The driver stops when every clone is
/// dropped (the seat is then kept for the relay's grace period) or after
/// [`Room::leave`].
#[derive(Clone)]
pub struct Room {
    pub(crate) shared: Arc<Shared>,
    /// Shared by the handles: once the last is dropped, the channel
    /// closes and the driver stops (a replica store's wake holds it weakly).
    pub(crate) wake: Arc<UnboundedSender<()>>,
}

impl std::fmt::Debug for Room {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Room")
            .field("me", &self.me())
            .field("room", &self.room_code())
            .finish_non_exhaustive()
    }
}

impl Room {
    /// Runs `f` on the core, then delivers its outputs and wakes the driver.
    pub(crate) fn with_core<R>(&self, f: impl FnOnce(&mut RoomCore) -> R) -> R {
        let out = f(&mut lock(&self.shared.core));
        self.shared.pump();
        let _ = self.wake.unbounded_send(()); // a stopped driver needs no wake
        out
    }

    /// Reads the core without side effects.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&RoomCore) -> R) -> R {
        f(&lock(&self.shared.core))
    }

    /// This player's id.
    pub fn me(&self) -> PlayerId {
        self.read(|c| c.me().clone())
    }

    /// The room code, once known (at once for a code given to the builder,
    /// after the welcome for a new room).
    pub fn room_code(&self) -> Option<RoomCode> {
        self.read(|c| c.room_code().cloned())
    }

    /// The connection status.
    pub fn status(&self) -> Status {
        self.read(|c| c.status())
    }

    /// Whether every local change is acknowledged by the relay (durably
    /// stored) and, when a replica store is set, the replica saves.
    pub fn is_saved(&self) -> bool {
        self.read(|c| c.is_saved())
    }

    /// Why the local replica is not fully kept, if it is not: the error of
    /// the last failed save (retried with backoff until one succeeds;
    /// [`Room::is_saved`] is false meanwhile), else the unreadable replica
    /// that was set aside at start ([`Error::ReplicaTooNew`],
    /// [`Error::ReplicaCorrupt`]). `None` when all is well or no store is set.
    pub fn replica_error(&self) -> Option<Error> {
        self.read(|c| c.replica_error().cloned())
    }

    /// The sizes the relay accepts, as its welcome said (its defaults until
    /// then). Writes, values, profiles and RPC payloads over them are
    /// refused at the call with [`Error::TooLarge`].
    pub fn limits(&self) -> Limits {
        self.read(|c| c.limits())
    }

    /// The estimated relay clock, in milliseconds since the Unix epoch:
    /// the same instant on every client, within a few milliseconds.
    pub fn server_time_ms(&self) -> u64 {
        self.read(|c| c.server_time(now_ms()))
    }

    /// Sets a room state key to a serializable value, replacing the old one
    /// as a whole. See [`Reliability`] for what each channel guarantees.
    pub fn set_state<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        reliability: Reliability,
    ) -> Result<(), Error> {
        self.set(StateTarget::Room, key, value, reliability)
    }

    pub(crate) fn set<T: Serialize + ?Sized>(
        &self,
        target: StateTarget,
        key: &str,
        value: &T,
        reliability: Reliability,
    ) -> Result<(), Error> {
        let json = serde_json::to_value(value)?;
        self.with_core(|c| c.set_state(now_ms(), target, key, json, reliability))
    }

    /// A room state key's value: the latest unreliable value if one shadows
    /// the key, else the document's, else the builder's default. `None` when
    /// absent or not convertible to `T`.
    pub fn get_state<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.get_state_json(key)
            .and_then(|v| serde_json::from_value(v).ok())
    }

    /// A room state key's value as JSON (see [`Room::get_state`]).
    pub fn get_state_json(&self, key: &str) -> Option<serde_json::Value> {
        self.read(|c| c.get_state(&StateTarget::Room, key))
    }

    /// Every room state key with a value, sorted.
    pub fn state_keys(&self) -> Vec<String> {
        self.read(|c| c.keys(&StateTarget::Room))
    }

    /// Removes a room state key (reliable).
    pub fn delete_state(&self, key: &str) -> Result<(), Error> {
        self.with_core(|c| c.delete_state(now_ms(), StateTarget::Room, key))
    }

    /// Adds `by` (may be negative) to a counter and returns its new local
    /// value. Concurrent increments from several players add up.
    ///
    /// A key that holds no counter yet becomes one, starting from its
    /// current number. Two players *creating* the same counter concurrently
    /// conflict like any concurrent write (one creation wins), so create
    /// counters up front (for example in a lobby, or with
    /// [`Room::reset_states`] after a `default_state`) when many players
    /// increment at once.
    pub fn increment(&self, key: &str, by: i64) -> Result<i64, Error> {
        self.with_core(|c| c.increment(now_ms(), StateTarget::Room, key, by))
    }

    /// Puts the room state back to the builder's defaults: keys without a
    /// default are removed. One reliable change.
    pub fn reset_states(&self) -> Result<(), Error> {
        self.reset_states_except(&[])
    }

    /// [`Room::reset_states`], leaving the keys in `keep` as they are
    /// (Playroom Kit's `resetStates(keysToExclude)`).
    pub fn reset_states_except(&self, keep: &[String]) -> Result<(), Error> {
        self.with_core(|c| c.reset_states(now_ms(), StateTarget::Room, keep))
    }

    /// The escape hatch: edit the automerge document directly (lists, text,
    /// nested maps) in one transaction, which becomes one change. The
    /// layout is documented on the crate; state keys live in the map at
    /// `ROOT["state"]`. If `f` returns an error the edit is rolled back.
    pub fn with_doc<R>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<R, automerge::AutomergeError>,
    ) -> Result<R, Error> {
        self.with_core(|c| c.edit(now_ms(), |tx| f(tx).map_err(Error::from)))
    }

    /// Reads the automerge document directly.
    ///
    /// Right after a late join the room's state may be shown from the
    /// relay's history-free view while the document loads in the
    /// background; this call then waits for that load (in this thread).
    pub fn read_doc<R>(&self, f: impl FnOnce(&Automerge) -> R) -> R {
        self.with_core(|c| f(c.settled_doc(now_ms())))
    }
}
