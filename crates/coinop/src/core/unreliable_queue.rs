//! Client-side pacing of unreliable frames.

use bytes::Bytes;
use coinop_protocol::{ClientMessage, StateTarget};
use std::collections::VecDeque;

/// Frames per second sent at most, sustained; half the relay's default
/// limit, so that the relay never has to drop a frame from this client.
const PER_SEC: u64 = 60;
/// Frames that may go out at once after a quiet period.
const BURST: u64 = 60;
/// One token, in milli-tokens (the bucket refills `PER_SEC` milli-tokens per ms).
const TOKEN: u64 = 1000;

/// Unreliable values waiting for a send slot, one per (target, key): a newer
/// value replaces a queued one in place, so the latest value of every key
/// is always sent eventually while connected, however fast it is written.
#[derive(Debug)]
pub(crate) struct UnreliableQueue {
    pending: VecDeque<(StateTarget, String, Bytes)>,
    tokens: u64,
    last: u64,
}

impl Default for UnreliableQueue {
    fn default() -> Self {
        UnreliableQueue {
            pending: VecDeque::new(),
            tokens: BURST * TOKEN,
            last: 0,
        }
    }
}

impl UnreliableQueue {
    /// Queues a value, replacing a queued one for the same key.
    pub(crate) fn push(&mut self, target: StateTarget, key: &str, value: Bytes) {
        if let Some(slot) = self
            .pending
            .iter_mut()
            .find(|(t, k, _)| *t == target && k == key)
        {
            slot.2 = value;
        } else {
            self.pending.push_back((target, key.to_owned(), value));
        }
    }

    /// The frames that may be sent at `now`.
    pub(crate) fn take_ready(&mut self, now: u64) -> Vec<ClientMessage> {
        let elapsed = now.saturating_sub(self.last);
        self.tokens = (self.tokens + elapsed.saturating_mul(PER_SEC)).min(BURST * TOKEN);
        self.last = self.last.max(now);
        let mut out = Vec::new();
        while self.tokens >= TOKEN {
            let Some((target, key, value)) = self.pending.pop_front() else {
                break;
            };
            self.tokens -= TOKEN;
            out.push(ClientMessage::Unreliable { target, key, value });
        }
        out
    }

    /// When the next queued frame may go, if one waits.
    pub(crate) fn next_ready_at(&self) -> Option<u64> {
        if self.pending.is_empty() {
            return None;
        }
        let missing = TOKEN.saturating_sub(self.tokens);
        Some(self.last + missing.div_ceil(PER_SEC))
    }

    /// The connection dropped: queued values are dropped, by the rule.
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }
}
