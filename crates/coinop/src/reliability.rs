//! Delivery guarantees, as data.

/// How a write travels. The rule, per kind:
///
/// | | persisted | resent after reconnect | coalesced | dropped |
/// |---|---|---|---|---|
/// | [`Reliable`](Reliability::Reliable) | yes, in the room document and the relay's log | yes, until acked | the `set_state` calls of one turn (until the driver next runs), or of every turn while a publish waits for its ack, become one change, latest value per key; pending changes are sent in one frame | never |
/// | [`Unreliable`](Reliability::Unreliable) | no | no | latest value per (target, key) wins, in the client queue (paced to 60 frames/s) and at the relay | when offline, or when a receiver is slow |
///
/// A reliable `set_state` is visible to reads and reported at once; it is
/// committed to the document, with the turn's other writes, when the driver
/// next runs (at once when offline, and before any other edit or any
/// received change that writes the same key or more than state, so it
/// merges exactly as if committed when made). Reliable changes are
/// published one batch per round trip: writes made while a publish waits
/// for its ack are committed together as one change when it comes, and
/// travel in the next one.
///
/// A key written both ways follows one rule: **the most recent write as
/// seen by this client wins locally.** An unreliable write sets a *shadow*
/// value that [`crate::Room::get_state`] returns over the document's value; a
/// reliable write to that key (local or remote) clears the shadow; a shadow
/// disappears when the player who wrote it leaves. A player's reliable write
/// also *retracts* its own unreliable value at the relay (it sends an empty
/// value, which receivers treat as "no value"), so a client that reconnects
/// later is not shown the stale value again. Replicas therefore agree on
/// reliable values, while unreliable values are best effort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Reliability {
    /// Part of the shared document: merged, persisted, resent until acked.
    #[default]
    Reliable,
    /// Latest value wins, never persisted: cursors, positions, aim.
    Unreliable,
}
