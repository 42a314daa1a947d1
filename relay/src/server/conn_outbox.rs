//! A connection's outgoing queue: reliable frames first, unreliable frames
//! coalesced by key, bounded.

use crate::core::{CoalesceKey, close_code};
use crate::metrics::Metrics;
use coinop_protocol::{Bytes, ErrorCode, RelayMessage};
use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{Notify, watch};

/// Most distinct unreliable keys queued for one connection; beyond it the
/// oldest is dropped (it is stale anyway).
const MAX_UNRELIABLE: usize = 256;

/// What the writer sends next.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Reliable(Bytes),
    Unreliable(Bytes),
    Close(u16, String),
}

#[derive(Default)]
struct State {
    reliable: VecDeque<Bytes>,
    /// Bytes of the queued reliable frames.
    reliable_bytes: usize,
    unreliable: VecDeque<(CoalesceKey, Bytes)>,
    close: Option<(u16, String)>,
    close_sent: bool,
}

/// One connection's outgoing queue, shared between its room task
/// (the producer) and the connection's writer. Not the SDK's outbox of
/// unacknowledged changes.
pub(crate) struct ConnOutbox {
    state: Mutex<State>,
    wake: Notify,
    closed: watch::Sender<bool>,
    max_bytes: usize,
    metrics: Arc<Metrics>,
}

impl ConnOutbox {
    pub(crate) fn new(max_bytes: usize, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            closed: watch::channel(false).0,
            max_bytes,
            metrics,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the queue in a state
        // worse than "some frames missing", so poisoning is ignored.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a reliable frame. A connection whose queue overflows is
    /// closed with SLOW_CONSUMER: reliable frames are never dropped silently.
    pub(crate) fn push_reliable(&self, frame: Bytes) {
        self.push(frame, false);
    }

    /// Queues a catch-up frame (welcome, snapshot, catch-up changes). They
    /// count against the cap like any other, so a joiner that does not read
    /// its catch-up is closed by the next frame the room sends it, but they
    /// never overflow it themselves: a large room's catch-up goes whole to
    /// a reader that keeps up. Their total is bounded by the room's size,
    /// and a joiner that takes none of it is cut by the write timeout.
    pub(crate) fn push_catch_up(&self, frame: Bytes) {
        self.push(frame, true);
    }

    /// A frame is queued while the queue holds less than the cap (so one
    /// frame larger than the cap still goes to a reader that keeps up).
    fn push(&self, frame: Bytes, catch_up: bool) {
        let overflow = {
            let mut s = self.lock();
            if s.close.is_some() {
                return;
            }
            if !catch_up && s.reliable_bytes >= self.max_bytes {
                true
            } else {
                s.reliable_bytes += frame.len();
                s.reliable.push_back(frame);
                false
            }
        };
        if overflow {
            self.metrics.fatal_closes.fetch_add(1, Relaxed);
            self.fatal(
                ErrorCode::SLOW_CONSUMER,
                "the connection reads too slowly",
                close_code::POLICY,
                true,
            );
        } else {
            self.wake.notify_one();
        }
    }

    /// Queues an unreliable frame, replacing a queued one with the same key.
    pub(crate) fn push_unreliable(&self, key: CoalesceKey, frame: Bytes) {
        {
            let mut s = self.lock();
            if s.close.is_some() {
                return;
            }
            if let Some(slot) = s.unreliable.iter_mut().find(|(k, _)| *k == key) {
                slot.1 = frame;
                self.metrics.unreliable_dropped.fetch_add(1, Relaxed);
            } else {
                if s.unreliable.len() >= MAX_UNRELIABLE {
                    s.unreliable.pop_front();
                    self.metrics.unreliable_dropped.fetch_add(1, Relaxed);
                }
                s.unreliable.push_back((key, frame));
            }
        }
        self.wake.notify_one();
    }

    /// Sends a fatal error frame then closes. With `discard`, frames queued
    /// before it are dropped (the receiver is too slow to get them anyway).
    pub(crate) fn fatal(&self, code: ErrorCode, message: &str, close: u16, discard: bool) {
        let frame = RelayMessage::Error {
            code,
            message: message.to_owned(),
            fatal: true,
            client_ref: None,
        }
        .encode();
        {
            let mut s = self.lock();
            if s.close.is_some() {
                return;
            }
            if discard {
                s.reliable.clear();
                s.reliable_bytes = 0;
            }
            let frame = Bytes::from(frame);
            s.reliable_bytes += frame.len();
            s.reliable.push_back(frame);
        }
        self.close(close, code.name());
    }

    /// Closes after the queued reliable frames; later pushes are ignored.
    pub(crate) fn close(&self, code: u16, reason: &str) {
        {
            let mut s = self.lock();
            if s.close.is_some() {
                return;
            }
            s.close = Some((code, reason.to_owned()));
            s.unreliable.clear();
        }
        self.closed.send_replace(true);
        self.wake.notify_one();
    }

    /// Resolves once a close is requested.
    pub(crate) fn closed(&self) -> watch::Receiver<bool> {
        self.closed.subscribe()
    }

    /// The next item without waiting.
    pub(crate) fn try_next(&self) -> Option<Outgoing> {
        let mut s = self.lock();
        if let Some(frame) = s.reliable.pop_front() {
            s.reliable_bytes = s.reliable_bytes.saturating_sub(frame.len());
            return Some(Outgoing::Reliable(frame));
        }
        if let Some((_, frame)) = s.unreliable.pop_front() {
            return Some(Outgoing::Unreliable(frame));
        }
        match &s.close {
            Some((code, reason)) if !s.close_sent => {
                let item = Outgoing::Close(*code, reason.clone());
                s.close_sent = true;
                Some(item)
            }
            _ => None,
        }
    }

    /// Waits until something may be queued.
    pub(crate) async fn wait(&self) {
        self.wake.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(len: usize) -> Bytes {
        Bytes::from(vec![0; len])
    }

    fn drain(outbox: &ConnOutbox) -> Vec<usize> {
        std::iter::from_fn(|| outbox.try_next())
            .map(|o| match o {
                Outgoing::Reliable(f) | Outgoing::Unreliable(f) => f.len(),
                Outgoing::Close(code, _) => usize::from(code),
            })
            .collect()
    }

    #[test]
    fn catch_up_frames_count_against_the_cap() {
        let outbox = ConnOutbox::new(100, Arc::new(Metrics::default()));
        // A catch-up larger than the cap is queued whole.
        for _ in 0..5 {
            outbox.push_catch_up(frame(60));
        }
        assert_eq!(drain(&outbox), [60; 5]);
        // Unread, it leaves no room for the next frame the room sends.
        outbox.push_catch_up(frame(60));
        outbox.push_catch_up(frame(60));
        outbox.push_reliable(frame(10));
        let sent = drain(&outbox);
        assert_eq!(sent.last(), Some(&usize::from(close_code::POLICY)));
        assert_eq!(
            sent.len(),
            2,
            "only the error frame and the close: {sent:?}"
        );
        outbox.push_catch_up(frame(1));
        assert!(outbox.try_next().is_none(), "closed");
    }

    #[test]
    fn one_frame_over_the_cap_goes_to_a_reader_that_keeps_up() {
        let outbox = ConnOutbox::new(100, Arc::new(Metrics::default()));
        outbox.push_reliable(frame(500));
        assert_eq!(drain(&outbox), [500]);
        outbox.push_reliable(frame(50));
        outbox.push_reliable(frame(50));
        outbox.push_reliable(frame(50));
        assert_eq!(drain(&outbox).len(), 2, "error frame and close");
    }
}
