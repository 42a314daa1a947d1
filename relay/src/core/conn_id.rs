//! Connection identifiers.

use std::fmt;

/// Names one client connection. The shell picks them; they must be unique
/// for the life of a room (a reconnect is a new `ConnId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}
