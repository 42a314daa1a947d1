//! A relay binary as a child process, for crash, pause and load tests.

use crate::RelayBuilder;
use crate::binaries::free_port;
use crate::proc_stats;
use crate::relay_builder::DataDir;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a relay may take to start listening.
const START_WAIT: Duration = Duration::from_secs(30);

/// How many free ports a relay started without one is tried on.
const START_TRIES: u32 = 3;

/// A relay child process on a fixed port and data directory, which survive
/// kills and restarts. Killed when dropped.
///
/// ```no_run
/// # fn demo() -> std::io::Result<()> {
/// use coinop_harness::RelayProcess;
///
/// let mut relay = RelayProcess::builder("target/debug/coinop-relay")
///     .args(["--compact-entries", "50"])
///     .start()?;
/// // ... clients on relay.ws_url() ...
/// relay.kill();
/// relay.restart()?;
/// # Ok(()) }
/// ```
pub struct RelayProcess {
    settings: RelayBuilder,
    addr: SocketAddr,
    data_dir: Option<PathBuf>,
    _owned_dir: Option<tempfile::TempDir>,
    child: Option<Child>,
}

impl RelayBuilder {
    /// Starts the process and waits until it accepts connections.
    pub fn start(self) -> io::Result<RelayProcess> {
        if let Some(port) = self.port {
            return RelayProcess::launch(self, port);
        }
        // Another program may take a free port before the relay binds it
        // (an outgoing connection's local port, say): try another one.
        let mut tries = 0;
        loop {
            tries += 1;
            match RelayProcess::launch(self.clone(), free_port()?) {
                Err(e) if tries < START_TRIES && e.kind() == io::ErrorKind::AddrInUse => continue,
                started => return started,
            }
        }
    }
}

impl RelayProcess {
    /// Settings to start `bin` with; see [`RelayBuilder`].
    pub fn builder(bin: impl AsRef<Path>) -> RelayBuilder {
        RelayBuilder::new(bin)
    }

    /// Starts `bin` on a free loopback port with a fresh temporary data
    /// directory and `args` appended; returns once it accepts connections.
    pub fn start(bin: impl AsRef<Path>, args: &[&str]) -> io::Result<RelayProcess> {
        RelayProcess::builder(bin).args(args).start()
    }

    pub(crate) fn launch(settings: RelayBuilder, port: u16) -> io::Result<RelayProcess> {
        let (data_dir, owned) = match &settings.data_dir {
            DataDir::Temporary => {
                let dir = tempfile::Builder::new().prefix("coinop-relay-").tempdir()?;
                (Some(dir.path().to_owned()), Some(dir))
            }
            DataDir::At(dir) => (Some(dir.clone()), None),
            DataDir::Omitted => (None, None),
        };
        let mut relay = RelayProcess {
            settings,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            data_dir,
            _owned_dir: owned,
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

    /// The data directory, unless started without one.
    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Resident memory of the running process, in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        proc_stats::rss_kib(self.pid()?)
    }

    /// CPU time (user + system) the running process has used so far.
    pub fn cpu_time(&self) -> Option<Duration> {
        proc_stats::cpu_time(self.pid()?)
    }

    /// Everything the process logged so far, when started with
    /// [`RelayBuilder::log_file`]; empty otherwise.
    pub fn log_text(&self) -> String {
        self.settings
            .log
            .as_ref()
            .and_then(|log| std::fs::read_to_string(log).ok())
            .unwrap_or_default()
    }

    /// SIGKILL: no flush, no goodbye. Waits until the process is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGTERM, then waits up to `timeout` for a clean exit; returns whether
    /// it exited successfully in time (it is killed otherwise).
    pub fn terminate(&mut self, timeout: Duration) -> bool {
        self.signal(Signal::SIGTERM);
        let exited = self.wait_exit(timeout);
        self.kill();
        exited.is_some_and(|status| status.success())
    }

    /// SIGSTOP: the process stays, frozen, its sockets open.
    pub fn pause(&self) {
        self.signal(Signal::SIGSTOP);
    }

    /// SIGCONT after [`RelayProcess::pause`].
    pub fn resume(&self) {
        self.signal(Signal::SIGCONT);
    }

    /// SIGHUP: the relay reads its TLS certificate files again.
    pub fn hangup(&self) {
        self.signal(Signal::SIGHUP);
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
        let s = &self.settings;
        let mut cmd = Command::new(&s.bin);
        cmd.arg("--addr").arg(self.addr.to_string());
        if let Some(dir) = &self.data_dir {
            cmd.arg("--data-dir").arg(dir);
        }
        cmd.args(&s.args)
            .envs(s.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        match &s.log {
            Some(log) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)?;
                cmd.stderr(file)
            }
            None => cmd.stderr(Stdio::inherit()),
        };
        let mut child = cmd
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("starting {}: {e}", s.bin.display())))?;
        let listening = announced_address(child.stdout.take());
        self.child = Some(child);
        self.wait_listening(&listening)
    }

    /// Waits for the child's own "listening on ADDR" line: a connection that
    /// succeeds proves only that *something* listens on the port.
    fn wait_listening(&mut self, listening: &Receiver<SocketAddr>) -> io::Result<()> {
        let deadline = Instant::now() + START_WAIT;
        loop {
            match listening.recv_timeout(Duration::from_millis(20)) {
                Ok(addr) if addr.port() == self.addr.port() => return Ok(()),
                Ok(addr) => {
                    self.kill();
                    return Err(io::Error::other(format!(
                        "the relay listens on {addr}, not on {}",
                        self.addr
                    )));
                }
                Err(RecvTimeoutError::Timeout) => {}
                // Its stdout closed without the line: it exited (or will).
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                let log = self.log_text();
                // The relay's message for a port taken is "Address in use".
                let kind = if log.contains("in use") || self.port_taken() {
                    io::ErrorKind::AddrInUse
                } else {
                    io::ErrorKind::Other
                };
                return Err(io::Error::new(
                    kind,
                    format!("relay exited at start: {status} {log}"),
                ));
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("relay did not start listening on {}", self.addr),
                ));
            }
        }
    }

    /// Whether another program listens on this relay's port.
    fn port_taken(&self) -> bool {
        std::net::TcpStream::connect(self.addr).is_ok()
    }
}

/// Reads a child's stdout to its end on a thread of its own (so the child
/// never blocks on a full pipe) and sends the address of its first
/// "... listening on ADDR" line.
fn announced_address(stdout: Option<ChildStdout>) -> Receiver<SocketAddr> {
    let (tx, rx) = mpsc::channel();
    if let Some(stdout) = stdout {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let addr = line
                    .split_once("listening on ")
                    .and_then(|(_, addr)| addr.trim().parse::<SocketAddr>().ok());
                if let Some(addr) = addr {
                    let _ = tx.send(addr);
                }
            }
        });
    }
    rx
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        // A paused process cannot die until it is continued.
        self.resume();
        self.kill();
    }
}
