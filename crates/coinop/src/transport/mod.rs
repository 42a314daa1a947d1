//! The one private seam between the driver and the platform: opening a
//! WebSocket of binary frames, sleeping, reading the wall clock, and running
//! slow work off the driver. The
//! implementation is chosen once, here, by `cfg`; the rest of the crate is
//! identical on every target.

mod seam;
pub(crate) use seam::{FrameSink, FrameStream, OffThread, Transport};

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::{
    NativeTransport as Platform, TlsTrust, let_io_arrive, now_ms, off_thread, sleep_ms,
};

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
pub(crate) use web::{TlsTrust, WebTransport as Platform, now_ms, off_thread, sleep_ms};
#[cfg(target_arch = "wasm32")]
mod web_yield;
#[cfg(target_arch = "wasm32")]
pub(crate) use web_yield::let_io_arrive;
