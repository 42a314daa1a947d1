//! What the relay's integration tests share: the harness's raw client and
//! helpers (`coinop-harness`, the same copy the reliability tests and the
//! load tool use), and setups of the relay itself.
#![allow(dead_code, unused_imports)]

pub use coinop_harness::*;
