//! A throwaway PostgreSQL server for tests: its own cluster in a temporary
//! directory, listening on a free loopback port (and a unix socket in that
//! directory), stopped when dropped.
//!
//! `initdb` and `postgres` refuse to run as root; as root (CI) they run as
//! the `postgres` system user, which owns the temporary directory. A
//! missing PostgreSQL is an error, never a skip: CI installs it
//! (`.ci/setup-deps`).

use crate::binaries::free_port;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where to look for the server binaries when `COINOP_PG_BIN` is unset.
const PG_LIB: &str = "/usr/lib/postgresql";

/// The environment variable naming the directory of `initdb` and `pg_ctl`.
pub const PG_BIN_ENV: &str = "COINOP_PG_BIN";

/// The role the tests connect as (trusted, no password).
const USER: &str = "coinop";

/// A PostgreSQL server of a test's own.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    stopped: bool,
}

impl Postgres {
    /// Creates a cluster in a fresh temporary directory and starts it
    /// (about 2 s). Fails with a message naming what to install when
    /// PostgreSQL is missing.
    pub fn start() -> io::Result<Self> {
        let bin = bin_dir()?;
        let dir = tempfile::Builder::new().prefix("coinop-pg-").tempdir()?;
        if is_root() {
            checked(
                Command::new("chown")
                    .arg("postgres:")
                    .arg(dir.path())
                    .output()?,
                "chown",
            )?;
        }
        let data = dir.path().join("data");
        let initdb = run_as_owner(&bin.join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                USER,
                "-E",
                "UTF8",
                "--no-locale",
                "-N",
                "-D",
            ])
            .arg(&data)
            .output()?;
        checked(initdb, "initdb")?;
        let mut pg = Self {
            bin,
            port: free_port()?,
            dir,
            stopped: true,
        };
        pg.ctl_start()?;
        pg.stopped = false;
        Ok(pg)
    }

    /// The URL of the default database, `postgres://coinop@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// The URL of database `name` on this server.
    pub fn url_of(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database and returns its URL: several tests can
    /// share one server without seeing each other's rows.
    pub fn create_database(&self, name: &str) -> io::Result<String> {
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                USER,
                name,
            ])
            .output()?;
        checked(out, "createdb")?;
        Ok(self.url_of(name))
    }

    /// The TCP port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory of its unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops the server at once (`immediate`: like a crash of PostgreSQL;
    /// committed transactions survive), for tests of an unreachable database.
    pub fn stop(&mut self) -> io::Result<()> {
        if !self.stopped {
            self.stopped = true;
            let out = run_as_owner(&self.bin.join("pg_ctl"))
                .args(["stop", "-m", "immediate", "-w", "-D"])
                .arg(self.data())
                .output()?;
            checked(out, "pg_ctl stop")?;
        }
        Ok(())
    }

    /// Starts it again on the same port after [`Postgres::stop`].
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop()?;
        self.ctl_start()?;
        self.stopped = false;
        Ok(())
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn ctl_start(&self) -> io::Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        let out = run_as_owner(&self.bin.join("pg_ctl"))
            .args(["start", "-w", "-t", "30", "-o", &options, "-l"])
            .arg(self.dir.path().join("server.log"))
            .arg("-D")
            .arg(self.data())
            .output()?;
        checked(out, "pg_ctl start").map_err(|e| {
            let log = std::fs::read_to_string(self.dir.path().join("server.log"));
            io::Error::other(format!("{e}; server log: {}", log.unwrap_or_default()))
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A server left running outlives the test process.
        let _ = self.stop();
    }
}

/// `COINOP_PG_BIN`, else the newest version under /usr/lib/postgresql.
fn bin_dir() -> io::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(PG_BIN_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(PG_LIB)
        .map_err(|e| missing(&format!("{PG_LIB}: {e}")))?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| missing(&format!("no {PG_LIB}/*/bin/initdb")))
}

fn missing(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "PostgreSQL is not installed ({what}): apt-get install postgresql, \
             or set {PG_BIN_ENV} to the directory of initdb and pg_ctl"
        ),
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// The command, run as the `postgres` user when we are root.
fn run_as_owner(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn checked(out: Output, what: &str) -> io::Result<()> {
    if out.status.success() {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )))
}
