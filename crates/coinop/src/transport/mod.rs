//! The one private seam between the driver and the platform: opening a
//! WebSocket of binary frames, sleeping, reading the wall clock, and running
//! slow work off the driver. The
//! implementation is chosen once, here, by `cfg`; the rest of the crate is
//! identical on every target.

use crate::error::Error;
use futures_util::{Sink, Stream};
use std::future::Future;
use std::pin::Pin;

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::{
    NativeTransport as Platform, TlsTrust, let_io_arrive, now_ms, off_thread, sleep_ms,
};

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
pub(crate) use web::{
    TlsTrust, WebTransport as Platform, let_io_arrive, now_ms, off_thread, sleep_ms,
};

/// Outgoing binary frames.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type FrameSink = Pin<Box<dyn Sink<Vec<u8>, Error = Error> + Send>>;
/// Incoming binary frames; ends when the connection closes.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type FrameStream = Pin<Box<dyn Stream<Item = Result<Vec<u8>, Error>> + Send>>;
/// Outgoing binary frames.
#[cfg(target_arch = "wasm32")]
pub(crate) type FrameSink = Pin<Box<dyn Sink<Vec<u8>, Error = Error>>>;
/// Incoming binary frames; ends when the connection closes.
#[cfg(target_arch = "wasm32")]
pub(crate) type FrameStream = Pin<Box<dyn Stream<Item = Result<Vec<u8>, Error>>>>;

/// Slow work running off the driver; `None` if it panicked.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type OffThread<T> = Pin<Box<dyn Future<Output = Option<T>> + Send>>;
/// Slow work running off the driver; `None` if it panicked.
#[cfg(target_arch = "wasm32")]
pub(crate) type OffThread<T> = Pin<Box<dyn Future<Output = Option<T>>>>;

/// Opens WebSocket connections carrying binary frames.
pub(crate) trait Transport {
    /// Connects to `url` (`ws://…/ws` or `wss://…/ws`), trusting `tls`'s
    /// roots for `wss://`.
    fn connect(
        url: &str,
        tls: &TlsTrust,
    ) -> impl Future<Output = Result<(FrameSink, FrameStream), Error>>;
}
