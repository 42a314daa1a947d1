//! Requests the relay answers itself: persistent data and matchmaking.
//! Each gets a number from the RPC id space (one table of waiters serves
//! both) and ends in a completion, like an RPC call.

use super::room_core::RoomCore;
use crate::error::Error;
use bytes::Bytes;
use coinop_protocol::{CallId, ClientMessage, PersistentValue, ReplyOutcome};

impl RoomCore {
    /// Sends the request `make` builds from its number; errors when offline.
    /// Times out like an RPC.
    pub(crate) fn request(
        &mut self,
        now: u64,
        what: &'static str,
        make: impl FnOnce(u64) -> ClientMessage,
    ) -> Result<CallId, Error> {
        if !self.is_up() {
            return Err(Error::Offline);
        }
        let id = self.calls.fresh_id();
        self.requests.start(id, what, now + self.cfg.rpc_timeout_ms);
        self.out.send(make(id.0));
        Ok(id)
    }

    /// The relay answered request `request`: its result as JSON bytes
    /// (`null` for nothing), or the relay's refusal.
    pub(crate) fn on_reply(&mut self, request: u64, outcome: ReplyOutcome) {
        let id = CallId(request);
        if !self.requests.resolve(id) {
            return;
        }
        let result = match outcome {
            ReplyOutcome::Value(Some(PersistentValue::One(bytes))) => Ok(bytes),
            ReplyOutcome::Value(Some(PersistentValue::List(items))) => Ok(json_array(&items)),
            ReplyOutcome::Value(None) | ReplyOutcome::Done => Ok(Bytes::from_static(b"null")),
            ReplyOutcome::Refused { code, message } => Err(Error::Relay {
                code,
                message,
                fatal: false,
            }),
            other => {
                tracing::debug!("ignoring an unknown reply: {other:?}");
                return;
            }
        };
        self.out.complete(id, result);
    }
}

/// A list's entries (each one JSON value) as one JSON array.
fn json_array(items: &[Bytes]) -> Bytes {
    let mut out = Vec::with_capacity(2 + items.iter().map(|i| i.len() + 1).sum::<usize>());
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.push(b']');
    Bytes::from(out)
}
