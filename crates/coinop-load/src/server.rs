//! Starting relays as child processes and reading their CPU time and memory.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A relay running as a child process; killed on drop.
pub struct Server {
    child: Child,
    /// `host:port` it listens on.
    pub addr: String,
    _data_dir: Option<tempfile::TempDir>,
}

/// Which relay to start.
pub enum Kind {
    /// The coinop relay, durable unless `memory`.
    Coinop {
        /// Run without storage.
        memory: bool,
    },
    /// The forward-only baseline.
    Baseline,
}

impl Server {
    /// Starts a relay and waits until it accepts connections.
    pub fn start(kind: &Kind, bin: &Path) -> anyhow::Result<Server> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(bin);
        let mut data_dir = None;
        match kind {
            Kind::Coinop { memory } => {
                cmd.arg("--addr").arg(&addr).env("RUST_LOG", "warn");
                if *memory {
                    cmd.arg("--memory");
                } else {
                    let dir = tempfile::Builder::new().prefix("coinop-load-").tempdir()?;
                    cmd.arg("--data-dir").arg(dir.path());
                    data_dir = Some(dir);
                }
            }
            Kind::Baseline => {
                cmd.arg(&addr);
            }
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let server = Server {
            child,
            addr,
            _data_dir: data_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&server.addr).is_err() {
            if Instant::now() > deadline {
                bail!(
                    "{} did not start listening on {}",
                    bin.display(),
                    server.addr
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// CPU time (user + system) the process has used so far.
    pub fn cpu_time(&self) -> Duration {
        proc_cpu_time(self.child.id()).unwrap_or_default()
    }

    /// Resident memory now, in bytes.
    pub fn rss_bytes(&self) -> u64 {
        proc_rss(self.child.id()).unwrap_or_default()
    }

    /// Sends SIGKILL and reaps the child.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Finds a binary built next to this one (same cargo target directory).
pub fn sibling_binary(name: &str) -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let dir = me.parent().context("binary has no directory")?;
    for candidate in [dir.join(name), dir.join("..").join(name)] {
        if candidate.exists() {
            return Ok(candidate);
        }
    }
    bail!(
        "{name} not found next to {}; build it (cargo build --release -p coinop-relay -p coinop-load) or pass its path",
        me.display()
    )
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn proc_cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line, in clock ticks (100 Hz on Linux).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn proc_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
