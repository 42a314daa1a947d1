//! RPC calls waiting for a reply, with deadlines in injected time.
//!
//! Call ids are unguessable (a keyed hash of a counter), and a reply only
//! resolves a call when it comes from a player the call went to: another
//! player in the room cannot answer someone else's call.

use coinop_protocol::{CallId, PlayerId, RpcTarget};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const JS_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A call waiting for its reply.
#[derive(Debug)]
struct Waiting {
    name: String,
    deadline: u64,
    target: RpcTarget,
    /// The host when the call was made (a `Host` call may be answered by
    /// it even if the role moved since).
    host_then: Option<PlayerId>,
}

/// Outstanding calls by id.
#[derive(Debug)]
pub(crate) struct PendingCalls {
    calls: HashMap<CallId, Waiting>,
    key: u64,
    next: u64,
}

impl PendingCalls {
    /// No calls yet; ids are derived from `key`, a secret of this client.
    pub(crate) fn new(key: u64) -> Self {
        PendingCalls {
            calls: HashMap::new(),
            key,
            next: 0,
        }
    }

    /// Registers a call to `target` that times out at `deadline`; `host`
    /// is the host now.
    pub(crate) fn start(
        &mut self,
        name: String,
        deadline: u64,
        target: RpcTarget,
        host: Option<PlayerId>,
    ) -> CallId {
        let id = self.fresh_id();
        let waiting = Waiting {
            name,
            deadline,
            target,
            host_then: host,
        };
        self.calls.insert(id, waiting);
        id
    }

    /// An id for a call that waits for nothing (fire and forget).
    pub(crate) fn fresh_id(&mut self) -> CallId {
        self.next += 1;
        let mut h = Sha256::new();
        h.update(b"coinop rpc call id");
        h.update(self.key.to_le_bytes());
        h.update(self.next.to_le_bytes());
        let mut id = [0; 8];
        id.copy_from_slice(&h.finalize()[..8]);
        // 53 bits: ids travel through JavaScript numbers (the JS package
        // answers calls by id), which hold integers exactly only up to 2^53.
        CallId(u64::from_le_bytes(id) & JS_SAFE_INTEGER)
    }

    /// A reply came from `from` (`host` is the host now, `me` this
    /// player); returns whether it resolved a waiting call. Only the first
    /// reply from a player the call went to counts.
    pub(crate) fn resolve(
        &mut self,
        id: CallId,
        from: &PlayerId,
        host: Option<&PlayerId>,
        me: &PlayerId,
    ) -> bool {
        let Some(waiting) = self.calls.get(&id) else {
            return false;
        };
        let allowed = match &waiting.target {
            RpcTarget::Player(p) => p == from,
            RpcTarget::Host => host == Some(from) || waiting.host_then.as_ref() == Some(from),
            RpcTarget::Others => from != me,
            _ => true,
        };
        if !allowed {
            tracing::debug!(?id, %from, "ignoring a reply from a player the call did not go to");
            return false;
        }
        self.calls.remove(&id).is_some()
    }

    /// Removes and returns the calls whose deadline passed.
    pub(crate) fn expire(&mut self, now: u64) -> Vec<(CallId, String)> {
        let gone: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, w)| w.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        gone.into_iter()
            .filter_map(|id| self.calls.remove(&id).map(|w| (id, w.name)))
            .collect()
    }

    /// The earliest deadline, if any call waits.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.calls.values().map(|w| w.deadline).min()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pid(s: &str) -> PlayerId {
        PlayerId::new(s).unwrap()
    }

    #[test]
    fn ids_are_keyed_and_replies_come_only_from_whom_the_call_went_to() {
        let (me, bob, eve) = (pid("me"), pid("bob"), pid("eve"));
        let mut a = PendingCalls::new(1);
        let mut b = PendingCalls::new(2);
        let first = a.fresh_id();
        assert_ne!(first, b.fresh_id(), "another key, other ids");
        assert_ne!(
            a.fresh_id(),
            CallId(first.0.wrapping_add(1)),
            "not a counter"
        );
        for _ in 0..100 {
            assert!(a.fresh_id().0 <= JS_SAFE_INTEGER, "exact as a JS number");
        }

        let to_bob = a.start("roll".into(), 100, RpcTarget::Player(bob.clone()), None);
        assert!(
            !a.resolve(to_bob, &eve, None, &me),
            "eve cannot answer bob's call"
        );
        assert!(a.resolve(to_bob, &bob, None, &me));
        assert!(!a.resolve(to_bob, &bob, None, &me), "one reply counts");

        let to_host = a.start("roll".into(), 100, RpcTarget::Host, Some(bob.clone()));
        assert!(!a.resolve(to_host, &eve, Some(&bob), &me));
        assert!(
            a.resolve(to_host, &bob, Some(&eve), &me),
            "the host when called"
        );
        let to_host = a.start("roll".into(), 100, RpcTarget::Host, Some(bob.clone()));
        assert!(a.resolve(to_host, &eve, Some(&eve), &me), "the host now");

        let to_others = a.start("vote".into(), 100, RpcTarget::Others, None);
        assert!(!a.resolve(to_others, &me, None, &me));
        assert!(a.resolve(to_others, &eve, None, &me));
        assert!(!a.resolve(CallId(7), &bob, None, &me), "unknown call");
    }
}
