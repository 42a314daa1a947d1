//! A certificate chain and key, from PEM, as rustls serves them.

use super::error::TlsError;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// Reads the chain from `cert` and the key from `key`.
pub(crate) fn load_files(cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>, TlsError> {
    let bad = |path: &Path, reason: String| TlsError::Pem {
        path: path.to_owned(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(cert, e.to_string()))?;
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, e.to_string()))?;
    if chain.is_empty() {
        return Err(bad(cert, "no certificate in it".into()));
    }
    certified(chain, key_der)
}

/// Parses a chain and a key given as PEM text (the ACME cache).
pub(crate) fn from_pem(chain: &str, key: &str) -> Result<Arc<CertifiedKey>, TlsError> {
    let bad = |what: &str, reason: String| TlsError::Pem {
        path: what.into(),
        reason,
    };
    let chain = CertificateDer::pem_slice_iter(chain.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("certificate", e.to_string()))?;
    let key =
        PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|e| bad("key", e.to_string()))?;
    certified(chain, key)
}

/// A certificate and key as they are, unchecked: for the TLS-ALPN-01
/// answer, whose critical acmeIdentifier extension the check (webpki)
/// refuses to parse, and which only the ACME validator ever sees.
pub(crate) fn unchecked(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let signing = provider()
        .key_provider
        .load_private_key(key)
        .map_err(TlsError::Certificate)?;
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

/// Checks that the key signs for the leaf certificate.
fn certified(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<CertifiedKey>, TlsError> {
    CertifiedKey::from_der(chain, key, &provider())
        .map(Arc::new)
        .map_err(TlsError::Certificate)
}

/// rustls with ring: builds with a C compiler alone, unlike aws-lc-rs
/// (rustls 0.23.48 deprecated ring's provider for lacking post-quantum key
/// exchange; classical key exchange is what browsers fall back to).
#[allow(deprecated)]
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}
