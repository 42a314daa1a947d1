//! # coinop-reliability
//!
//! Tools for the reliability tests in `tests/`: they start the real relay
//! (the `relay-under-test` binary of this package, or in process) on
//! loopback and attack it with real sockets. The raw client, the relay as a
//! child process and the fault proxy come from `coinop-harness`; what is
//! here serves these tests alone:
//!
//! * [`raw_ws`]: hand-written WebSocket frames over plain TCP, for what a
//!   well-behaved library refuses to send (oversized and endless frames).
//! * [`LatencyProbe`]: two players in a quiet room measuring publish→ack
//!   round trips, to show that an attack on one room leaves others alone.
//! * [`SdkClient`], [`within`], [`converged`], [`replicas_of`]: the real SDK
//!   as a client.
//! * [`on_own_thread`]: attackers that cannot take a core from the relay.
//! * [`next_error`]: the relay's answer to a refused message.
//! * [`Scale`]: CI sizes by default, bigger ones with
//!   `COINOP_RELIABILITY_SCALE=full`.

mod latencies;
mod next_error;
mod own_thread;
mod probe;
pub mod raw_ws;
mod scale;
mod sdk;
mod serial;

pub use latencies::Latencies;
pub use next_error::next_error;
pub use own_thread::on_own_thread;
pub use probe::LatencyProbe;
pub use scale::Scale;
pub use sdk::{SdkClient, converged, replicas_of, within};
pub use serial::serial;
