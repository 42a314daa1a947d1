//! The relay binary as a child process, for crash and pause tests.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `coinop-relay` child process on a fixed port and data directory, which
/// survive kills and restarts. Killed when dropped.
pub struct RelayProcess {
    bin: PathBuf,
    args: Vec<String>,
    addr: SocketAddr,
    data_dir: PathBuf,
    _owned_dir: Option<tempfile::TempDir>,
    child: Option<Child>,
}

impl RelayProcess {
    /// Starts `bin` on a free loopback port with a fresh temporary data
    /// directory and `args` appended; returns once it accepts connections.
    pub fn start(bin: impl AsRef<Path>, args: &[&str]) -> io::Result<RelayProcess> {
        let dir = tempfile::Builder::new().prefix("coinop-relay-").tempdir()?;
        let data_dir = dir.path().to_owned();
        let mut relay = Self::start_in(bin, &data_dir, args)?;
        relay._owned_dir = Some(dir);
        Ok(relay)
    }

    /// Like [`RelayProcess::start`] on a data directory the caller owns.
    pub fn start_in(
        bin: impl AsRef<Path>,
        data_dir: &Path,
        args: &[&str],
    ) -> io::Result<RelayProcess> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut relay = RelayProcess {
            bin: bin.as_ref().to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            data_dir: data_dir.to_owned(),
            _owned_dir: None,
            child: None,
        };
        relay.restart()?;
        Ok(relay)
    }

    /// The relay's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The relay's WebSocket URL.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: no flush, no goodbye. Waits until the process is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits up to `timeout` for a clean exit; returns whether
    /// it exited successfully in time (it is killed otherwise).
    pub fn terminate(&mut self, timeout: Duration) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    /// SIGSTOP: the process stays, frozen, its sockets open.
    pub fn pause(&self) {
        self.signal(Signal::SIGSTOP);
    }

    /// SIGCONT after [`RelayProcess::pause`].
    pub fn resume(&self) {
        self.signal(Signal::SIGCONT);
    }

    fn signal(&self, signal: Signal) {
        if let Some(pid) = self.pid() {
            let _ = kill(Pid::from_raw(pid as i32), signal);
        }
    }

    /// (Re)starts the process on the same port and data directory and waits
    /// until it accepts connections.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        let child = Command::new(&self.bin)
            .arg("--addr")
            .arg(self.addr.to_string())
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if std::net::TcpStream::connect(self.addr).is_ok() {
                return Ok(());
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                return Err(io::Error::other(format!("relay exited at start: {status}")));
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "relay did not start listening",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        // A paused process cannot die until it is continued.
        self.resume();
        self.kill();
    }
}
