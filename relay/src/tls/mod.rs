//! HTTPS and WSS: the relay's TLS certificate, from PEM files (reloaded
//! when they change or on SIGHUP) or from an ACME directory such as Let's
//! Encrypt (obtained, cached in the data directory and renewed).
//!
//! The server side asks one certificate slot (`cert_slot.rs`) for the
//! certificate of each handshake; the tasks here fill it. Swapping the
//! certificate touches only new handshakes: connections already open keep
//! theirs.

mod acme;
mod acme_cache;
mod cert_info;
mod cert_slot;
mod error;
mod file_reload;
mod pem;
mod settings;
mod tls_service;

pub(crate) use cert_slot::ACME_TLS_ALPN;
pub use error::TlsError;
pub use settings::{AcmeSettings, LETS_ENCRYPT_PRODUCTION, TlsSettings};
pub(crate) use tls_service::TlsService;
