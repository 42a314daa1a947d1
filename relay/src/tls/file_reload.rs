//! Keeps a certificate loaded from PEM files current: the files are
//! checked every [`POLL`] and read again when either changed, or at once
//! when asked (SIGHUP). A bad pair is logged and the old certificate kept,
//! so a half-written renewal never takes the relay's TLS down.

use super::cert_slot::CertSlot;
use super::pem;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{Notify, watch};

/// How often the files' modification times are looked at.
pub(crate) const POLL: Duration = Duration::from_secs(1);

/// The two files and what was last seen of them.
pub(crate) struct FileReload {
    cert: PathBuf,
    key: PathBuf,
    seen: (Option<SystemTime>, Option<SystemTime>),
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl FileReload {
    /// Starts watching after the first load (made by the caller).
    pub(crate) fn new(cert: PathBuf, key: PathBuf) -> Self {
        let seen = (modified(&cert), modified(&key));
        Self { cert, key, seen }
    }

    /// Runs until `shutdown`: reloads on change and on `asked`.
    pub(crate) async fn run(
        mut self,
        slot: Arc<CertSlot>,
        asked: Arc<Notify>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            let forced = tokio::select! {
                _ = tokio::time::sleep(POLL) => false,
                _ = asked.notified() => true,
                _ = shutdown.wait_for(|s| *s) => return,
            };
            let now = (modified(&self.cert), modified(&self.key));
            if !forced && now == self.seen {
                continue;
            }
            self.seen = now;
            match pem::load_files(&self.cert, &self.key) {
                Ok(cert) => {
                    slot.set(cert);
                    tracing::info!(cert = %self.cert.display(), forced, "TLS certificate reloaded");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "TLS certificate not reloaded; keeping the old one")
                }
            }
        }
    }
}
