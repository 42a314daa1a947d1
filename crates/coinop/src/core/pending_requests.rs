//! Requests to the relay (persistent data, matchmaking) waiting for their
//! reply, with deadlines in injected time.

use coinop_protocol::CallId;
use std::collections::HashMap;

/// Outstanding requests by number: what they were and until when.
#[derive(Debug, Default)]
pub(crate) struct PendingRequests {
    waiting: HashMap<CallId, (&'static str, u64)>,
}

impl PendingRequests {
    /// Registers request `id` (named `what` in a timeout) until `deadline`.
    pub(crate) fn start(&mut self, id: CallId, what: &'static str, deadline: u64) {
        self.waiting.insert(id, (what, deadline));
    }

    /// Whether `id` was waiting (it no longer is).
    pub(crate) fn resolve(&mut self, id: CallId) -> bool {
        self.waiting.remove(&id).is_some()
    }

    /// Removes and returns the requests whose deadline passed.
    pub(crate) fn expire(&mut self, now: u64) -> Vec<(CallId, String)> {
        let gone: Vec<CallId> = self
            .waiting
            .iter()
            .filter(|(_, (_, deadline))| *deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        gone.into_iter()
            .filter_map(|id| {
                self.waiting
                    .remove(&id)
                    .map(|(what, _)| (id, what.to_owned()))
            })
            .collect()
    }

    /// Removes every request (the connection they were sent on is gone).
    pub(crate) fn take_all(&mut self) -> Vec<CallId> {
        self.waiting.drain().map(|(id, _)| id).collect()
    }

    /// The earliest deadline, if any request waits.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.waiting.values().map(|(_, deadline)| *deadline).min()
    }
}
