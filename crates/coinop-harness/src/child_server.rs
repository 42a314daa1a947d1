//! A server other than the relay (nginx, pebble) run by a test as a child
//! process, with its configuration in a temporary directory: started,
//! waited for until it accepts connections, killed on drop.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::net::TcpStream;

/// A running child server; killed (and its directory removed) on drop.
pub struct ChildServer {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first of `paths` that exists: where a Debian package installs a
/// server. `None` when it is not installed.
pub fn installed(paths: &[&str]) -> Option<PathBuf> {
    paths.iter().map(PathBuf::from).find(|p| p.exists())
}

impl ChildServer {
    /// Spawns `command` (its output appended to `server.log` in `dir`) and
    /// waits up to 5 s until `addr` accepts connections.
    pub async fn start(
        mut command: Command,
        dir: tempfile::TempDir,
        addr: SocketAddr,
    ) -> io::Result<ChildServer> {
        let log = std::fs::File::create(dir.path().join("server.log"))?;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        for _ in 0..100 {
            if TcpStream::connect(addr).await.is_ok() {
                return Ok(ChildServer { child, dir });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
        Err(io::Error::other(format!("no server on {addr}: {log}")))
    }

    /// The server's temporary directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
