//! The relay binary as a child process with extra environment variables and
//! its log captured to a file (for crash points and log assertions).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A relay child process; killed when dropped.
pub struct ChildRelay {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl ChildRelay {
    /// Starts `bin --addr 127.0.0.1:PORT --data-dir DIR ARGS` with `envs`,
    /// its stderr appended to `DIR/../NAME.log`, and waits until it accepts.
    pub fn start(
        bin: &Path,
        data_dir: &Path,
        port: u16,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> ChildRelay {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = data_dir.with_extension("log");
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("open the relay log");
        let mut cmd = Command::new(bin);
        cmd.arg("--addr")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(data_dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn the relay");
        let mut relay = ChildRelay { child, addr, log };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = relay.child.try_wait() {
                panic!("relay exited at start ({status}): {}", relay.log_text());
            }
            assert!(Instant::now() < deadline, "relay did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
        relay
    }

    /// The relay's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The relay's WebSocket URL.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the relay logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildRelay {
    fn drop(&mut self) {
        self.kill();
    }
}
