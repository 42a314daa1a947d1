//! The RPCs the relay forwarded that wait for replies: who called, who may
//! answer, until when.
//!
//! A reply reaches its caller only when it answers a call the relay
//! forwarded to the replier, once per replier, before the call expires. So
//! nobody can answer a call that was not sent to them, or spray replies at
//! a player's guessed call ids. Bounded: a caller has at most
//! `max_per_caller` calls waiting, and a caller's calls are forgotten when
//! it leaves the room.

use coinop_protocol::{CallId, PlayerId};
use std::collections::HashMap;

/// One forwarded call.
#[derive(Debug)]
struct Waiting {
    /// The players it was sent to that have not answered yet.
    answerers: Vec<PlayerId>,
    /// When replies stop being accepted, in ms since the Unix epoch.
    expires_at: u64,
}

/// Every caller's waiting calls.
#[derive(Debug, Default)]
pub(crate) struct RpcCalls {
    by_caller: HashMap<PlayerId, HashMap<CallId, Waiting>>,
}

impl RpcCalls {
    /// Records `caller`'s `call`, sent to `answerers`, answerable until
    /// `expires_at`. False (nothing recorded) when the caller already has
    /// `max_per_caller` unexpired calls waiting.
    pub(crate) fn track(
        &mut self,
        caller: &PlayerId,
        call: CallId,
        answerers: Vec<PlayerId>,
        now: u64,
        expires_at: u64,
        max_per_caller: usize,
    ) -> bool {
        let calls = self.by_caller.entry(caller.clone()).or_default();
        if calls.len() >= max_per_caller && !calls.contains_key(&call) {
            calls.retain(|_, w| w.expires_at > now);
            if calls.len() >= max_per_caller {
                return false;
            }
        }
        calls.insert(
            call,
            Waiting {
                answerers,
                expires_at,
            },
        );
        true
    }

    /// Whether `from` may answer `caller`'s `call` now. A yes is used up:
    /// each player the call went to answers once.
    pub(crate) fn answer(
        &mut self,
        caller: &PlayerId,
        call: CallId,
        from: &PlayerId,
        now: u64,
    ) -> bool {
        let Some(calls) = self.by_caller.get_mut(caller) else {
            return false;
        };
        let Some(waiting) = calls.get_mut(&call) else {
            return false;
        };
        let may = waiting.expires_at > now && waiting.answerers.contains(from);
        waiting.answerers.retain(|p| p != from);
        if waiting.answerers.is_empty() || waiting.expires_at <= now {
            calls.remove(&call);
            if calls.is_empty() {
                self.by_caller.remove(caller);
            }
        }
        may
    }

    /// Forgets the calls of a player who left the room: their replies
    /// could reach nobody.
    pub(crate) fn forget_caller(&mut self, caller: &PlayerId) {
        self.by_caller.remove(caller);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn p(s: &str) -> PlayerId {
        PlayerId::new(s).unwrap()
    }

    #[test]
    fn only_a_player_the_call_went_to_answers_once_before_it_expires() {
        let mut calls = RpcCalls::default();
        let (alice, bob, carol) = (p("alice"), p("bob"), p("carol"));
        assert!(calls.track(
            &alice,
            CallId(7),
            vec![bob.clone(), carol.clone()],
            0,
            100,
            4
        ));
        assert!(!calls.answer(&alice, CallId(8), &bob, 1), "another call id");
        assert!(!calls.answer(&bob, CallId(7), &bob, 1), "another caller");
        assert!(
            !calls.answer(&alice, CallId(7), &alice, 1),
            "not sent to alice"
        );
        assert!(calls.answer(&alice, CallId(7), &bob, 1));
        assert!(
            !calls.answer(&alice, CallId(7), &bob, 1),
            "bob answered once"
        );
        assert!(!calls.answer(&alice, CallId(7), &carol, 100), "expired");
        assert!(calls.by_caller.is_empty());
    }

    #[test]
    fn a_caller_has_a_bounded_number_of_calls_waiting() {
        let mut calls = RpcCalls::default();
        let (alice, bob) = (p("alice"), p("bob"));
        for i in 0..3 {
            assert!(calls.track(&alice, CallId(i), vec![bob.clone()], 0, 100, 3));
        }
        assert!(!calls.track(&alice, CallId(3), vec![bob.clone()], 50, 150, 3));
        assert!(calls.answer(&alice, CallId(0), &bob, 50));
        assert!(calls.track(&alice, CallId(3), vec![bob.clone()], 50, 150, 3));
        // Expired calls make room.
        assert!(calls.track(&alice, CallId(4), vec![bob.clone()], 100, 200, 3));
        calls.forget_caller(&alice);
        assert!(!calls.answer(&alice, CallId(4), &bob, 101));
    }
}
