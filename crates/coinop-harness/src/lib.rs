//! # coinop-harness
//!
//! Tools for tests that need the real thing to misbehave:
//!
//! * [`FaultProxy`]: a TCP proxy between clients and the relay that adds
//!   latency and jitter, caps bandwidth, splits writes into tiny chunks, stalls,
//!   and cuts connections on demand. The kernel here has no netem, so faults
//!   are injected in user space, on loopback.
//! * [`RelayProcess`]: the `coinop-relay` binary as a child process on a data
//!   directory, so tests can SIGKILL, SIGSTOP and restart it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use coinop_harness::{FaultProxy, Faults};
//! use std::time::Duration;
//!
//! let proxy = FaultProxy::start("127.0.0.1:8787".parse().unwrap(), 7).await?;
//! proxy.set(Faults { latency: Duration::from_millis(50), chunk_bytes: Some(1), ..Faults::default() });
//! // point clients at proxy.addr() ... then:
//! proxy.cut_all();
//! proxy.set(Faults::default());
//! # Ok(()) }
//! ```

mod fault_proxy;
mod faults;
mod relay_process;

pub use fault_proxy::FaultProxy;
pub use faults::Faults;
pub use relay_process::RelayProcess;
