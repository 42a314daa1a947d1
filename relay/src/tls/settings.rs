//! What the relay is told about TLS ([`crate::RelayConfig::tls`]).

use std::path::PathBuf;
use std::time::Duration;

/// Let's Encrypt's production ACME directory, the default of
/// `--acme-directory`.
pub const LETS_ENCRYPT_PRODUCTION: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// Where the relay's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSettings {
    /// A certificate chain and its private key in PEM files, read again
    /// when either file changes and on [`crate::Relay::reload_tls`]
    /// (SIGHUP for the binary).
    Files {
        /// The certificate chain, leaf first.
        cert: PathBuf,
        /// The private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
    /// A certificate obtained and renewed from an ACME directory.
    Acme(AcmeSettings),
}

/// Automatic certificates (ACME, RFC 8555), validated with the TLS-ALPN-01
/// challenge on the relay's own TLS port: the domain must resolve to this
/// machine and port 443 reach the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeSettings {
    /// The domain the certificate is for.
    pub domain: String,
    /// A contact address given to the ACME directory (`mailto:` is added).
    pub email: Option<String>,
    /// The ACME directory URL.
    pub directory: String,
    /// A PEM CA certificate to trust for the directory's own HTTPS, for a
    /// private or test ACME server; `None` trusts the system's roots.
    pub directory_ca: Option<PathBuf>,
    /// Where the account and the certificate are kept (`acme/` in the data
    /// directory), so that a restart does not ask for a new certificate.
    pub cache_dir: PathBuf,
    /// Renew once the certificate has less than this left.
    pub renew_before: Duration,
    /// How often the expiry is checked (and a failed attempt retried).
    pub check_every: Duration,
}

impl AcmeSettings {
    /// Let's Encrypt production for `domain`, renewing 30 days before
    /// expiry, cached in `cache_dir`.
    pub fn new(domain: impl Into<String>, cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            domain: domain.into(),
            email: None,
            directory: LETS_ENCRYPT_PRODUCTION.to_owned(),
            directory_ca: None,
            cache_dir: cache_dir.into(),
            renew_before: Duration::from_secs(30 * 24 * 3600),
            check_every: Duration::from_secs(3600),
        }
    }
}
