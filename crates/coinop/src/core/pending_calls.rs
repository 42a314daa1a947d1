//! RPC calls waiting for a reply, with deadlines in injected time.

use coinop_protocol::CallId;
use std::collections::HashMap;

/// Outstanding calls: id → (handler name, deadline in ms).
#[derive(Debug, Default)]
pub(crate) struct PendingCalls {
    calls: HashMap<CallId, (String, u64)>,
    next: u64,
}

impl PendingCalls {
    /// Registers a call that times out at `deadline`.
    pub(crate) fn start(&mut self, name: String, deadline: u64) -> CallId {
        let id = self.fresh_id();
        self.calls.insert(id, (name, deadline));
        id
    }

    /// An id for a call that waits for nothing (fire and forget).
    pub(crate) fn fresh_id(&mut self) -> CallId {
        self.next += 1;
        CallId(self.next)
    }

    /// A reply came; returns whether the call was still waiting (only the
    /// first reply resolves a call).
    pub(crate) fn resolve(&mut self, id: CallId) -> bool {
        self.calls.remove(&id).is_some()
    }

    /// Removes and returns the calls whose deadline passed.
    pub(crate) fn expire(&mut self, now: u64) -> Vec<(CallId, String)> {
        let gone: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, (_, d))| *d <= now)
            .map(|(id, _)| *id)
            .collect();
        gone.into_iter()
            .filter_map(|id| self.calls.remove(&id).map(|(name, _)| (id, name)))
            .collect()
    }

    /// The earliest deadline, if any call waits.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.calls.values().map(|(_, d)| *d).min()
    }
}
