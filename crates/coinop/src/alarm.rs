//! The driver's timer, kept across the loop's turns.
//!
//! A turn that only handles frames leaves the next deadline where it was;
//! making a new timer every turn (in the browser a `setTimeout` and a
//! `clearTimeout` per received batch) is measurable work on a busy client.

use crate::transport::{OffThread, sleep_ms};
use futures_util::FutureExt;
use futures_util::future::{Fuse, FusedFuture};

/// A timer armed for an absolute time, re-armed only when it must fire
/// sooner or has fired.
pub(crate) struct Alarm {
    at: u64,
    sleep: Fuse<OffThread<()>>,
}

impl Alarm {
    /// An alarm that is not armed.
    pub(crate) fn new() -> Self {
        Self {
            at: u64::MAX,
            sleep: Fuse::terminated(),
        }
    }

    /// Makes the alarm fire at `at` (ms since the epoch) or sooner. Firing
    /// early is harmless: the core's `tick` checks its own deadlines.
    pub(crate) fn arm(&mut self, at: u64, now: u64) {
        if !self.sleep.is_terminated() && self.at <= at {
            return;
        }
        self.at = at;
        let ms = at.saturating_sub(now);
        let sleep: OffThread<()> = Box::pin(async move {
            sleep_ms(ms).await;
            Some(())
        });
        self.sleep = sleep.fuse();
    }

    /// The future that completes when the alarm fires.
    pub(crate) fn fired(&mut self) -> &mut Fuse<OffThread<()>> {
        &mut self.sleep
    }
}
