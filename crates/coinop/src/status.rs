//! The connection status shown to users.

/// Where the room stands with the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The first connection attempt is under way.
    Connecting,
    /// Joined; live updates flow both ways.
    Connected,
    /// The connection dropped; the room reconnects with backoff and keeps
    /// local edits in its outbox meanwhile.
    Reconnecting,
    /// The room stopped for good: it was left, or the relay refused it with
    /// a fatal error. Local reads still work.
    Offline,
}
