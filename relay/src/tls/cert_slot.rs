//! The certificate each TLS handshake gets: the relay's current one, or a
//! TLS-ALPN-01 challenge answer while an ACME directory validates the
//! domain.

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

/// The ALPN protocol of the TLS-ALPN-01 challenge (RFC 8737).
pub(crate) const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// The swappable certificate; rustls asks it at every handshake.
#[derive(Debug, Default)]
pub(crate) struct CertSlot {
    current: RwLock<Option<Arc<CertifiedKey>>>,
    challenges: RwLock<HashMap<String, Arc<CertifiedKey>>>,
}

impl CertSlot {
    /// Serves `cert` from the next handshake on.
    pub(crate) fn set(&self, cert: Arc<CertifiedKey>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(cert);
    }

    /// The certificate served now.
    pub(crate) fn current(&self) -> Option<Arc<CertifiedKey>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Answers TLS-ALPN-01 handshakes for `domain` with `cert`, or stops
    /// answering them (`None`).
    pub(crate) fn set_challenge(&self, domain: &str, cert: Option<Arc<CertifiedKey>>) {
        let mut challenges = self
            .challenges
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        match cert {
            Some(cert) => challenges.insert(domain.to_owned(), cert),
            None => challenges.remove(domain),
        };
    }
}

impl ResolvesServerCert for CertSlot {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let challenge = hello
            .alpn()
            .is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN));
        if challenge {
            let name = hello.server_name()?;
            return self
                .challenges
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .get(name)
                .cloned();
        }
        self.current()
    }
}
