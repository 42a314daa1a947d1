//! The relay's error type.

use crate::storage::StorageError;
use crate::tls::TlsError;

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The storage backend could not be opened.
    #[error("cannot open storage: {0}")]
    Storage(#[from] StorageError),
    /// Cluster mode: other nodes could not reach this one at its listening
    /// address.
    #[error("listening on {0}, which other nodes cannot reach: give --node-addr HOST:PORT")]
    NodeAddr(std::net::SocketAddr),
    /// The storage thread could not be started.
    #[error("cannot start the storage thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The TLS certificate could not be loaded.
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    /// `redirect_http` asks for HTTPS redirects from a relay without TLS.
    #[error("redirecting HTTP to HTTPS needs TLS (--tls-cert/--tls-key or --acme-domain)")]
    RedirectWithoutTls,
}
