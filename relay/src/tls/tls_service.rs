//! The relay's TLS side: the acceptor every connection goes through, and
//! the task that keeps its certificate current (file reloads or ACME).

use super::acme;
use super::cert_slot::{ACME_TLS_ALPN, CertSlot};
use super::error::TlsError;
use super::file_reload::FileReload;
use super::pem;
use super::settings::TlsSettings;
use rustls::ServerConfig;
use std::sync::Arc;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// TLS for one relay; stops its task when dropped.
pub(crate) struct TlsService {
    acceptor: TlsAcceptor,
    reload: Arc<Notify>,
    task: JoinHandle<()>,
}

impl TlsService {
    /// Loads the certificate (files) or the cached one (ACME, which may
    /// have none yet: handshakes then fail until the first is obtained),
    /// and starts the task that keeps it current.
    pub(crate) fn start(
        settings: &TlsSettings,
        shutdown: watch::Receiver<bool>,
    ) -> Result<TlsService, TlsError> {
        let slot = Arc::new(CertSlot::default());
        let reload = Arc::new(Notify::new());
        let mut alpn = vec![b"http/1.1".to_vec()];
        let task = match settings {
            TlsSettings::Files { cert, key } => {
                slot.set(pem::load_files(cert, key)?);
                let watcher = FileReload::new(cert.clone(), key.clone());
                tokio::spawn(watcher.run(slot.clone(), reload.clone(), shutdown))
            }
            TlsSettings::Acme(acme) => {
                alpn.push(ACME_TLS_ALPN.to_vec());
                let settings = acme.clone();
                tokio::spawn(acme::run(settings, slot.clone(), reload.clone(), shutdown))
            }
        };
        let mut config = ServerConfig::builder_with_provider(pem::provider())
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Certificate)?
            .with_no_client_auth()
            .with_cert_resolver(slot);
        config.alpn_protocols = alpn;
        Ok(TlsService {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            reload,
            task,
        })
    }

    /// The acceptor for new connections.
    pub(crate) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// Reads the certificate files again now (ACME: checks the expiry now).
    pub(crate) fn reload(&self) {
        self.reload.notify_one();
    }
}

impl Drop for TlsService {
    fn drop(&mut self) {
        self.task.abort();
    }
}
