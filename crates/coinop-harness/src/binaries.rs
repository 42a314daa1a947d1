//! Finding the relay binary to start.

use std::collections::BTreeSet;
use std::io;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

/// The environment variable naming a relay binary that replaces the one a
/// test was built with (to run a suite against another build).
pub const RELAY_BIN_ENV: &str = "COINOP_RELAY_BIN";

/// The relay binary for a test: `$COINOP_RELAY_BIN` when set, else `built`,
/// the test's own `env!("CARGO_BIN_EXE_<name>")`.
pub fn relay_bin(built: &str) -> PathBuf {
    std::env::var_os(RELAY_BIN_ENV).map_or_else(|| PathBuf::from(built), PathBuf::from)
}

/// A binary built next to the running one (the same cargo target
/// directory), for tools that are not tests and have no `CARGO_BIN_EXE_*`.
pub fn sibling_binary(name: &str) -> io::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let dir = me
        .parent()
        .ok_or_else(|| io::Error::other("the running binary has no directory"))?;
    // Tests run from `target/<profile>/deps`, tools from `target/<profile>`.
    [dir.join(name), dir.join("..").join(name)]
        .into_iter()
        .find(|candidate| candidate.exists())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{name} not found next to {}; build it first", me.display()),
            )
        })
}

/// A free loopback port (bound, then released), never one this process
/// was given before: tests in one binary run in parallel, and two of them
/// handed the same port would start servers that race to bind it.
pub fn free_port() -> io::Result<u16> {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    // The kernel rarely repeats a port soon; a few tries always suffice.
    for _ in 0..64 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut given = GIVEN.lock().unwrap_or_else(PoisonError::into_inner);
        if given.insert(port) {
            return Ok(port);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrNotAvailable,
        "no loopback port this process has not used already",
    ))
}
