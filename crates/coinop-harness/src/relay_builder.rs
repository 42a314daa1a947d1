//! How a [`RelayProcess`](crate::RelayProcess) is started: binary, flags, environment, data
//! directory, port and log.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where the relay keeps its data.
#[derive(Debug, Clone)]
pub(crate) enum DataDir {
    /// A fresh temporary directory, removed with the process.
    Temporary,
    /// A directory the caller owns.
    At(PathBuf),
    /// No `--data-dir` flag (an in-memory relay, or another server).
    Omitted,
}

/// Settings for a [`RelayProcess`](crate::RelayProcess); made by
/// [`RelayProcess::builder`](crate::RelayProcess::builder).
///
/// The binary is started as `BIN --addr 127.0.0.1:PORT [--data-dir DIR]
/// ARGS...`.
#[derive(Debug, Clone)]
pub struct RelayBuilder {
    pub(crate) bin: PathBuf,
    pub(crate) args: Vec<OsString>,
    pub(crate) envs: Vec<(OsString, OsString)>,
    pub(crate) data_dir: DataDir,
    pub(crate) port: Option<u16>,
    pub(crate) log: Option<PathBuf>,
}

impl RelayBuilder {
    pub(crate) fn new(bin: impl AsRef<Path>) -> RelayBuilder {
        RelayBuilder {
            bin: bin.as_ref().to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
            data_dir: DataDir::Temporary,
            port: None,
            log: None,
        }
    }

    /// Appends one flag or value.
    pub fn arg(mut self, arg: impl Into<OsString>) -> RelayBuilder {
        self.args.push(arg.into());
        self
    }

    /// Appends flags and values.
    pub fn args<I, S>(mut self, args: I) -> RelayBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the process.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> RelayBuilder {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Uses `dir` (which the caller owns) instead of a temporary directory.
    pub fn data_dir(mut self, dir: impl AsRef<Path>) -> RelayBuilder {
        self.data_dir = DataDir::At(dir.as_ref().to_owned());
        self
    }

    /// Passes no `--data-dir` (with `--memory`, or for another server).
    pub fn without_data_dir(mut self) -> RelayBuilder {
        self.data_dir = DataDir::Omitted;
        self
    }

    /// Listens on this loopback port instead of a free one.
    pub fn port(mut self, port: u16) -> RelayBuilder {
        self.port = Some(port);
        self
    }

    /// Appends the process's stderr (its log) to `path` instead of the
    /// test's stderr, for [`RelayProcess::log_text`](crate::RelayProcess::log_text).
    pub fn log_file(mut self, path: impl AsRef<Path>) -> RelayBuilder {
        self.log = Some(path.as_ref().to_owned());
        self
    }

    // `start` is in relay_process.rs: the settings know nothing of the
    // process they start.
}
