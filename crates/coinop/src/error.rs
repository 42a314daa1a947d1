//! The SDK's one user-facing error type.

use coinop_protocol::{ErrorCode, IdError};
use std::sync::Arc;

/// Everything that can go wrong when using a room.
///
/// Errors are `Clone` so that they can travel inside [`crate::Event`]s to
/// several listeners; sources are kept behind an [`Arc`].
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The relay refused something and said why. Fatal codes (see
    /// [`Error::is_fatal`]) stop the room from reconnecting.
    #[error("the relay answered {code}: {message}")]
    Relay {
        /// The relay's stable error code.
        code: ErrorCode,
        /// The relay's explanation.
        message: String,
        /// Whether the relay closed the connection after it.
        fatal: bool,
    },
    /// An RPC got no reply within its timeout.
    #[error("the rpc {name:?} got no reply in time")]
    RpcTimeout {
        /// The called handler's name.
        name: String,
    },
    /// The remote RPC handler returned an error (or had no handler by that name).
    #[error("the rpc failed remotely: {0}")]
    RpcFailed(String),
    /// The room is not connected, so an unreliable message could not be sent.
    #[error("the room is not connected to the relay")]
    Offline,
    /// The room was left, or its driver stopped.
    #[error("the room is closed")]
    Closed,
    /// Only the host may do that.
    #[error("only the host may do that")]
    NotHost,
    /// A value could not be converted to or from JSON.
    #[error("value conversion failed: {0}")]
    Json(#[source] Arc<serde_json::Error>),
    /// The automerge document refused an edit.
    #[error("document error: {0}")]
    Document(#[source] Arc<automerge::AutomergeError>),
    /// An identifier (room code, player id, secret) is invalid.
    #[error(transparent)]
    InvalidId(#[from] IdError),
    /// The relay URL is not a `ws://`, `wss://`, `http://` or `https://` URL.
    #[error("invalid relay url {0:?}")]
    InvalidUrl(String),
    /// Reading or writing the identity or replica store failed.
    #[error("storage error: {0}")]
    Storage(#[source] Arc<std::io::Error>),
    /// A stored identity or replica could not be decoded.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The WebSocket could not be opened or broke.
    #[error("transport error: {0}")]
    Transport(String),
    /// A root certificate given to [`crate::RoomBuilder::tls_root_certificate`]
    /// is not a PEM certificate rustls accepts.
    #[error("invalid root certificate: {0}")]
    InvalidCertificate(String),
    /// A write, value, profile or RPC payload is larger than the relay
    /// accepts (its [`coinop_protocol::Limits`]): refused at the call,
    /// nothing was sent or queued. A change in a restored replica that the
    /// relay's limits refuse is dropped from the queue with this error too.
    #[error("{what} has {size} bytes; the relay accepts at most {limit}")]
    TooLarge {
        /// What was too large.
        what: SizeOf,
        /// Its size in bytes (for a change, as automerge encodes it).
        size: usize,
        /// The relay's limit in bytes.
        limit: usize,
    },
    /// The stored replica was written by a newer version of the SDK. It was
    /// set aside (not read, not overwritten) and the room started without it.
    #[error("the stored replica has format version {found}; this SDK reads up to {supported}")]
    ReplicaTooNew {
        /// The file's format version.
        found: u32,
        /// The newest version this SDK reads.
        supported: u32,
    },
    /// The stored replica could not be decoded. It was set aside (not read,
    /// not overwritten) and the room started without it.
    #[error("the stored replica is corrupt: {0}")]
    ReplicaCorrupt(String),
    /// Saving the replica failed; the SDK keeps retrying with backoff, and
    /// [`crate::Room::is_saved`] is false until a save succeeds.
    #[error("the replica could not be saved (retrying): {0}")]
    ReplicaNotSaved(#[source] Arc<Error>),
}

/// What an [`Error::TooLarge`] was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SizeOf {
    /// A reliable write: the automerge change it makes.
    Change,
    /// A player's profile.
    Profile,
    /// An unreliable value (or the frame that carries it).
    UnreliableValue,
    /// An unreliable value's key.
    UnreliableKey,
    /// An RPC's argument (or the frame that carries it).
    RpcPayload,
}

impl std::fmt::Display for SizeOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SizeOf::Change => "the change",
            SizeOf::Profile => "the profile",
            SizeOf::UnreliableValue => "the unreliable value",
            SizeOf::UnreliableKey => "the unreliable key",
            SizeOf::RpcPayload => "the rpc payload",
        })
    }
}

impl Error {
    /// The protocol error code, when the relay sent one (or, for
    /// [`Error::RpcTimeout`], the client-side `RPC_TIMEOUT` code), so that
    /// Rust and JS clients can match on the same numbers.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Relay { code, .. } => Some(*code),
            Error::RpcTimeout { .. } => Some(ErrorCode::RPC_TIMEOUT),
            Error::NotHost => Some(ErrorCode::NOT_HOST),
            Error::TooLarge { what, .. } => Some(match what {
                SizeOf::Change => ErrorCode::CHANGE_TOO_LARGE,
                SizeOf::UnreliableKey => ErrorCode::INVALID_FIELD,
                _ => ErrorCode::VALUE_TOO_LARGE,
            }),
            Error::ReplicaTooNew { .. } => Some(ErrorCode::REPLICA_TOO_NEW),
            Error::ReplicaCorrupt(_) => Some(ErrorCode::REPLICA_CORRUPT),
            Error::ReplicaNotSaved(_) => Some(ErrorCode::REPLICA_NOT_SAVED),
            _ => None,
        }
    }

    /// Whether this error ends the room for good: no reconnect is attempted.
    pub fn is_fatal(&self) -> bool {
        match self {
            Error::Relay { code, fatal, .. } => *fatal && stops_reconnecting(*code),
            Error::Closed => true,
            _ => false,
        }
    }
}

/// Whether a fatal relay error with this code must stop reconnecting.
///
/// `ROOM_FULL` is retryable on the wire (a seat may free up), but an SDK that
/// silently retried forever would hide it from the player, so it stops too.
pub(crate) fn stops_reconnecting(code: ErrorCode) -> bool {
    !code.is_retryable() || code == ErrorCode::ROOM_FULL || code == ErrorCode::WATCHERS_FULL
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(Arc::new(e))
    }
}

impl From<automerge::AutomergeError> for Error {
    fn from(e: automerge::AutomergeError) -> Self {
        Error::Document(Arc::new(e))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Storage(Arc::new(e))
    }
}
