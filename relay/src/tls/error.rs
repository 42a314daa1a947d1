//! Why a certificate could not be loaded or obtained.

use std::path::PathBuf;

/// A TLS certificate problem.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("cannot read {path}: {reason}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate and key do not fit together, or rustls refused them.
    #[error("unusable certificate: {0}")]
    Certificate(#[source] rustls::Error),
    /// The ACME directory refused or failed a step.
    #[error("ACME: {0}")]
    Acme(#[source] instant_acme::Error),
    /// An ACME authorization ended other than valid.
    #[error("ACME: {0}")]
    Challenge(String),
    /// The ACME cache could not be read or written.
    #[error("ACME cache {path}: {source}")]
    Cache {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A certificate could not be made (the TLS-ALPN-01 answer).
    #[error("cannot make a certificate: {0}")]
    Generate(#[source] rcgen::Error),
}

impl From<instant_acme::Error> for TlsError {
    fn from(e: instant_acme::Error) -> Self {
        TlsError::Acme(e)
    }
}

impl From<rcgen::Error> for TlsError {
    fn from(e: rcgen::Error) -> Self {
        TlsError::Generate(e)
    }
}
