//! A relay binary as a child process, for crash, pause and load tests.

use crate::RelayBuilder;
use crate::binaries::free_port;
use crate::proc_stats;
use crate::relay_builder::DataDir;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a relay may take to start listening.
const START_WAIT: Duration = Duration::from_secs(30);

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
        let port = match self.port {
            Some(port) => port,
            None => free_port()?,
        };
        RelayProcess::launch(self, port)
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
            .stdout(Stdio::null());
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
        let child = cmd
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("starting {}: {e}", s.bin.display())))?;
        self.child = Some(child);
        self.wait_listening()
    }

    fn wait_listening(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + START_WAIT;
        loop {
            if std::net::TcpStream::connect(self.addr).is_ok() {
                return Ok(());
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                let log = self.log_text();
                return Err(io::Error::other(format!(
                    "relay exited at start: {status} {log}"
                )));
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("relay did not start listening on {}", self.addr),
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
