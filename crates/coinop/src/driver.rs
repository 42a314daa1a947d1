//! The async driver: connects, feeds the core, runs its timers, reconnects.

use crate::core::LoadedSnapshot;
use crate::error::Error;
use crate::shared::{Shared, lock};
use crate::transport::{
    FrameSink, FrameStream, OffThread, Platform, TlsTrust, Transport, let_io_arrive, now_ms,
    off_thread, sleep_ms,
};
use futures_channel::mpsc::UnboundedReceiver;
use futures_util::future::{Fuse, FusedFuture};
use futures_util::stream::FusedStream;
use futures_util::{FutureExt, SinkExt, StreamExt, select_biased};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A connection attempt that takes longer than this counts as failed.
const CONNECT_TIMEOUT_MS: u64 = 10_000;
/// How long to sleep when the core has no timer (a wake or frame comes first).
const IDLE_MS: u64 = 60_000;

/// Why a session ended.
enum End {
    /// The connection closed or failed: reconnect.
    Closed,
    /// Every room handle is gone: stop.
    Abandoned,
}

/// Runs the room until it is left, refused for good, or every handle is
/// dropped. Returns the fatal error, if that is why it stopped.
pub(crate) async fn run(
    shared: Arc<Shared>,
    url: String,
    tls: TlsTrust,
    mut wake: UnboundedReceiver<()>,
) -> Result<(), Error> {
    loop {
        shared.pump();
        if gone(&wake) {
            return Ok(());
        }
        let (stopped, want, wakeup) = {
            let core = lock(&shared.core);
            let now = now_ms();
            (
                core.is_stopped(),
                core.want_connect(now),
                core.next_wakeup(),
            )
        };
        if stopped {
            return lock(&shared.core).fatal().cloned().map_or(Ok(()), Err);
        }
        if !want {
            let delay = wakeup.map_or(IDLE_MS, |t| t.saturating_sub(now_ms()));
            select_biased! {
                w = wake.next() => if w.is_none() { return Ok(()) } else { drain(&mut wake) },
                _ = sleep_ms(delay).fuse() => lock(&shared.core).tick(now_ms()),
            }
            continue;
        }
        let attempt = select_biased! {
            r = Platform::connect(&url, &tls).fuse() => r,
            _ = sleep_ms(CONNECT_TIMEOUT_MS).fuse() => Err(Error::Transport("connect timed out".into())),
        };
        match attempt {
            Err(e) => tracing::debug!("connecting to {url} failed: {e}"),
            Ok((sink, stream)) => {
                lock(&shared.core).connected(now_ms());
                let end = session(&shared, sink, stream, &mut wake).await;
                lock(&shared.core).load_abandoned();
                if let End::Abandoned = end {
                    lock(&shared.core).disconnected(now_ms());
                    shared.pump();
                    return Ok(());
                }
            }
        }
        lock(&shared.core).disconnected(now_ms());
    }
}

/// One connection's life: send what the core queues, feed it what arrives.
async fn session(
    shared: &Shared,
    mut sink: FrameSink,
    mut stream: FrameStream,
    wake: &mut UnboundedReceiver<()>,
) -> End {
    // A late joiner's snapshot document, loading while its view is shown.
    let mut load: Fuse<OffThread<Loaded>> = Fuse::terminated();
    let mut loading = 0;
    let mut timer = Timer::new(sleep_ms(IDLE_MS));
    loop {
        shared.pump();
        if gone(wake) {
            return End::Abandoned;
        }
        let (frames, stopped, dead, wakeup, job) = {
            let mut core = lock(&shared.core);
            let frames: Vec<Vec<u8>> = std::iter::from_fn(|| core.poll_transmit())
                .map(|m| m.encode())
                .collect();
            (
                frames,
                core.is_stopped(),
                core.link_is_dead(),
                core.next_wakeup(),
                core.pending_load(),
            )
        };
        if let Some((id, bytes)) = job {
            loading = id;
            load =
                off_thread(move || LoadedSnapshot::load(&bytes).map_err(|e| e.to_string())).fuse();
        }
        if dead {
            return End::Closed;
        }
        for frame in frames {
            if sink.feed(frame).await.is_err() {
                return End::Closed;
            }
        }
        if sink.flush().await.is_err() {
            return End::Closed;
        }
        if stopped {
            let _ = sink.close().await;
            return End::Closed;
        }
        timer.arm(wakeup, sleep_ms);
        select_biased! {
            frame = stream.next().fuse() => match frame {
                Some(Ok(bytes)) => {
                    // Take every frame already here too: the core applies a
                    // run of changes as one batch, so a busy client catches up
                    // in fewer, larger steps.
                    let_io_arrive().await;
                    let (frames, end) = ready_frames(bytes, &mut stream);
                    lock(&shared.core).handle_frames(now_ms(), &frames);
                    if let Some(end) = end {
                        return end;
                    }
                }
                Some(Err(e)) => {
                    tracing::debug!("connection failed: {e}");
                    return End::Closed;
                }
                None => return End::Closed,
            },
            w = wake.next() => if w.is_none() { return End::Abandoned } else { drain(wake) },
            done = load => {
                let result = done.unwrap_or_else(|| Err("loading panicked".into()));
                lock(&shared.core).loaded(now_ms(), loading, result);
            }
            _ = &mut timer.sleep => lock(&shared.core).tick(now_ms()),
        }
    }
}

/// The core's next wakeup as one sleep kept across the session's turns,
/// made again only when the wakeup moves or the sleep has ended. A busy
/// client turns hundreds of times a second while its wakeup stays put; in
/// the browser build a new sleep per turn was a `setTimeout` and a
/// `clearTimeout`, with their closures, every turn (about 3 % of the
/// 800-client bench's client process).
struct Timer<F> {
    /// The wakeup the sleep was made for (`None`: the idle sleep).
    at: Option<u64>,
    sleep: Pin<Box<Fuse<F>>>,
}

impl<F: Future<Output = ()>> Timer<F> {
    /// A timer running `sleep` as the idle sleep.
    fn new(sleep: F) -> Self {
        Timer {
            at: None,
            sleep: Box::pin(sleep.fuse()),
        }
    }

    /// Sleeps until `wakeup` (ms), or [`IDLE_MS`] when there is none, with
    /// `sleep(delay)`; keeps the running sleep if it is for that wakeup.
    fn arm(&mut self, wakeup: Option<u64>, sleep: impl FnOnce(u64) -> F) {
        if wakeup == self.at && !self.sleep.is_terminated() {
            return;
        }
        let delay = wakeup.map_or(IDLE_MS, |t| t.saturating_sub(now_ms()));
        self.at = wakeup;
        self.sleep.set(sleep(delay).fuse());
    }
}

/// At most this many frames are handed to the core at once.
const MAX_FRAMES_PER_TURN: usize = 256;

/// `first` and the frames that are ready without waiting; `Some(end)` when
/// the stream failed or ended behind them.
fn ready_frames(first: Vec<u8>, stream: &mut FrameStream) -> (Vec<Vec<u8>>, Option<End>) {
    let mut frames = vec![first];
    while frames.len() < MAX_FRAMES_PER_TURN {
        match stream.next().now_or_never() {
            Some(Some(Ok(bytes))) => frames.push(bytes),
            Some(Some(Err(e))) => {
                tracing::debug!("connection failed: {e}");
                return (frames, Some(End::Closed));
            }
            Some(None) => return (frames, Some(End::Closed)),
            None => break,
        }
    }
    (frames, None)
}

/// A snapshot document loaded off the driver.
type Loaded = Result<LoadedSnapshot, String>;

/// Swallows queued wake-ups: one pass of the loop serves them all.
///
/// Reading the channel's end here marks it terminated, and `select!` skips
/// terminated streams, so the loops check [`gone`] rather than wait for a
/// `None` that would never be polled.
fn drain(wake: &mut UnboundedReceiver<()>) {
    while wake.try_recv().is_ok() {}
}

/// Whether every [`crate::Room`] handle is gone.
fn gone(wake: &UnboundedReceiver<()>) -> bool {
    wake.is_terminated()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::{Ready, ready};

    #[test]
    fn the_timer_keeps_its_sleep_until_the_wakeup_moves_or_it_ends() {
        let made = std::cell::Cell::new(0);
        let sleep = |_delay: u64| -> Ready<()> {
            made.set(made.get() + 1);
            ready(())
        };
        let mut timer = Timer::new(ready(()));
        let far = now_ms() + 60_000;
        timer.arm(Some(far), sleep);
        timer.arm(Some(far), sleep);
        assert_eq!(made.get(), 1, "the same wakeup keeps the running sleep");
        timer.arm(Some(far + 1), sleep);
        assert_eq!(made.get(), 2, "a moved wakeup makes a new sleep");
        // The sleep ends: the same wakeup needs a new one.
        assert_eq!((&mut timer.sleep).now_or_never(), Some(()));
        timer.arm(Some(far + 1), sleep);
        assert_eq!(made.get(), 3, "an ended sleep is made again");
        timer.arm(None, sleep);
        assert_eq!(made.get(), 4, "no wakeup: the idle sleep");
    }
}
