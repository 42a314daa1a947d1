//! What each platform provides, in a file of its own so that `native.rs`
//! and `web.rs` implement it without importing the module that picks one
//! of them.

use crate::error::Error;
use futures_util::{Sink, Stream};
use std::future::Future;
use std::pin::Pin;

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
    /// The roots a `wss://` connection trusts (each platform's `TlsTrust`).
    type Trust;

    /// Connects to `url` (`ws://…/ws` or `wss://…/ws`), trusting `tls`'s
    /// roots for `wss://`.
    fn connect(
        url: &str,
        tls: &Self::Trust,
    ) -> impl Future<Output = Result<(FrameSink, FrameStream), Error>>;
}
