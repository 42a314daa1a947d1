//! # coinop-reliability
//!
//! Tools for the reliability tests in `tests/`: they start the real relay
//! (the `relay-under-test` binary of this package, or in process) on
//! loopback and attack it with real sockets.
//!
//! * [`Client`]: a raw-protocol WebSocket client (no SDK logic).
//! * [`raw_ws`]: hand-written WebSocket frames over plain TCP, for what a
//!   well-behaved library refuses to send (oversized and endless frames).
//! * [`LatencyProbe`]: two players in a quiet room measuring publish→ack
//!   round trips, to show that an attack on one room leaves others alone.
//! * [`ChildRelay`]: the relay binary with extra environment and captured
//!   logs (crash points); [`coinop_harness::RelayProcess`] covers the rest.
//! * [`rss_kib`], [`metric`]: what the relay uses, seen from outside.
//! * [`SdkClient`], [`within`], [`converged`]: the real SDK as a client.
//! * [`Scale`]: CI sizes by default, bigger ones with
//!   `COINOP_RELIABILITY_SCALE=full`.

mod child_relay;
mod client;
mod doc;
mod http;
mod latencies;
mod own_thread;
mod probe;
pub mod raw_ws;
mod rss;
mod scale;
mod sdk;
mod serial;

pub use child_relay::{ChildRelay, free_port};
pub use client::{Client, Event, Joined, WAIT, join_msg, secret_for};
pub use doc::{Doc, big_change, doc_from, noise};
pub use http::{http_get, metric};
pub use latencies::Latencies;
pub use own_thread::on_own_thread;
pub use probe::LatencyProbe;
pub use rss::rss_kib;
pub use scale::Scale;
pub use sdk::{SdkClient, converged, within};
pub use serial::serial;
