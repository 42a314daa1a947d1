//! # coinop-harness
//!
//! The one copy of each test tool, used by the relay's tests, the
//! reliability tests and the load tool:
//!
//! * [`Client`]: a raw-protocol WebSocket client — exactly the frames a test
//!   asks for, with helpers to join ([`join_msg`]), read the catch-up into
//!   [`Joined`] (snapshot, protocol-3 state view, log tail), publish and
//!   wait for the ack, and expect a fatal error or silence.
//! * [`RelayProcess`]: a relay binary as a child process on a data
//!   directory, so tests can SIGKILL, SIGSTOP and restart it; [`relay_bin`]
//!   and [`sibling_binary`] find the binary.
//! * [`FaultProxy`]: a TCP proxy between clients and the relay that adds
//!   latency and jitter, caps bandwidth, splits writes into tiny chunks,
//!   stalls, and cuts connections on demand. The kernel here has no netem,
//!   so faults are injected in user space, on loopback.
//! * [`Doc`], [`doc_from`], [`big_change`]: real automerge change bytes.
//! * [`http_request`], [`http_get`], [`metric`]: raw HTTP/1.1 to the relay.
//! * [`Postgres`]: a throwaway PostgreSQL server (cluster mode's database).
//! * [`ChildServer`]: another server (nginx, pebble) as a child process.
//! * [`TestCa`]: a throwaway CA issuing server certificates, for TLS tests
//!   ([`Client::try_connect_tls`] joins over `wss://` trusting it).
//!
//! This crate does not depend on the relay library: the relay's own tests
//! use it as a dev-dependency and start the relay by path.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use coinop_harness::{Client, Doc, FaultProxy, Faults, RelayProcess, join_msg, relay_bin};
//! use std::time::Duration;
//!
//! let relay = RelayProcess::start(relay_bin("target/debug/coinop-relay"), &[])?;
//! let (mut alice, joined) = Client::join(&relay.ws_url(), join_msg("GAME", "alice")).await;
//! assert!(joined.entries.is_empty());
//! alice.publish(1, vec![Doc::new().change("round", 1)]).await;
//!
//! let proxy = FaultProxy::start(relay.addr(), 7).await?;
//! proxy.set(Faults { latency: Duration::from_millis(50), chunk_bytes: Some(1), ..Faults::default() });
//! // point clients at proxy.addr() ... then:
//! proxy.cut_all();
//! proxy.set(Faults::default());
//! # Ok(()) }
//! ```

mod binaries;
mod child_server;
mod client;
mod doc;
mod event;
mod fault_proxy;
mod faults;
mod http;
mod identities;
mod joined;
mod postgres;
mod proc_stats;
mod relay_builder;
mod relay_process;
mod room_doc;
mod tls;

pub use binaries::{RELAY_BIN_ENV, free_port, relay_bin, sibling_binary};
pub use child_server::{ChildServer, installed};
pub use client::{Client, WAIT, Ws};
pub use doc::{Doc, big_change, doc_from, noise};
pub use event::Event;
pub use fault_proxy::FaultProxy;
pub use faults::Faults;
pub use http::{HttpAnswer, http_get, http_request, metric};
pub use identities::{bearer_for, join_msg, pid, secret_for};
pub use joined::Joined;
pub use postgres::{PG_BIN_ENV, Postgres};
pub use proc_stats::{cpu_time, rss_kib};
pub use relay_builder::RelayBuilder;
pub use relay_process::RelayProcess;
pub use room_doc::RoomDoc;
pub use tls::{Issued, TestCa, client_config_trusting, server_certificate, wait_for_certificate};
