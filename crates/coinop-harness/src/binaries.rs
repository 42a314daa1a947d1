//! Finding the relay binary to start.

use std::io;
use std::path::PathBuf;

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

/// A free loopback port (bound, then released).
pub fn free_port() -> io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
