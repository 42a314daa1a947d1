//! An RPC from another player, waiting for the application's handler.

use bytes::Bytes;
use coinop_protocol::{CallId, PlayerId};

/// A forwarded call for a handler of this client.
#[derive(Debug, Clone)]
pub(crate) struct IncomingRpc {
    /// The caller's call id.
    pub(crate) call: CallId,
    /// The caller, stamped by the relay.
    pub(crate) from: PlayerId,
    /// The handler's name.
    pub(crate) name: String,
    /// The JSON argument bytes.
    pub(crate) payload: Bytes,
    /// Whether the caller waits for a reply.
    pub(crate) want_reply: bool,
}
