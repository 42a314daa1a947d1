//! What the reliability tests share: the relay under test, this package's
//! `relay-under-test` binary (or `$COINOP_RELAY_BIN`).
#![allow(dead_code)]

use coinop_harness::{RelayBuilder, RelayProcess, relay_bin};

/// The relay under test, not started yet.
pub fn relay_under_test() -> RelayBuilder {
    RelayProcess::builder(relay_bin(env!("CARGO_BIN_EXE_relay-under-test")))
}

/// The relay under test with a data directory of its own and the flags
/// `defaults`, then `extra`; started.
pub fn start_relay(defaults: &[&str], extra: &[&str]) -> RelayProcess {
    relay_under_test()
        .args(defaults)
        .args(extra)
        .start()
        .expect("start the relay")
}

/// The relay under test without message rate limits, with `extra` flags;
/// started. For attacks whose subject is not the rate limit.
pub fn start_unlimited_relay(extra: &[&str]) -> RelayProcess {
    let unlimited = [
        "--reliable-per-sec",
        "1000000",
        "--reliable-burst",
        "1000000",
        "--unreliable-per-sec",
        "1000000",
        "--unreliable-burst",
        "1000000",
    ];
    start_relay(&unlimited, extra)
}
