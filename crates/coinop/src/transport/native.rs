//! Native transport: tokio-tungstenite, tokio timers, the system clock.

use super::{FrameSink, FrameStream, Transport};
use crate::error::Error;
use futures_util::{SinkExt, StreamExt};
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::Message;

/// WebSockets over tokio.
pub(crate) struct NativeTransport;

/// Whom `wss://` trusts: the bundled Mozilla roots (webpki-roots: the same
/// on every machine, no system store needed) and the app's own roots.
#[derive(Clone)]
pub(crate) struct TlsTrust(Arc<ClientConfig>);

impl TlsTrust {
    /// The bundled roots plus every certificate in each PEM of `pem`.
    pub(crate) fn with_roots(pem: &[Vec<u8>]) -> Result<Self, Error> {
        let bad = |e: &dyn std::fmt::Display| Error::InvalidCertificate(e.to_string());
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for file in pem {
            let certs = CertificateDer::pem_slice_iter(file)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(&e))?;
            if certs.is_empty() {
                return Err(bad(&"no certificate in the PEM text"));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| bad(&e))?;
            }
        }
        // ring: builds with a C compiler alone, unlike aws-lc-rs (rustls
        // deprecated it for lacking post-quantum key exchange).
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(&e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TlsTrust(Arc::new(config)))
    }
}

impl Transport for NativeTransport {
    type Trust = TlsTrust;

    async fn connect(url: &str, tls: &TlsTrust) -> Result<(FrameSink, FrameStream), Error> {
        // Nagle off: small frames (cursors, acks) must not wait for company.
        let connector = Connector::Rustls(tls.0.clone());
        let (ws, _) =
            tokio_tungstenite::connect_async_tls_with_config(url, None, true, Some(connector))
                .await
                .map_err(|e| Error::Transport(e.to_string()))?;
        let (sink, stream) = ws.split();
        let sink = sink
            .sink_map_err(|e| Error::Transport(e.to_string()))
            .with(|frame: Vec<u8>| async move { Ok::<_, Error>(Message::Binary(frame.into())) });
        let stream = stream
            .take_while(|m| std::future::ready(!matches!(m, Ok(Message::Close(_)))))
            .filter_map(|m| async move {
                match m {
                    Ok(Message::Binary(b)) => Some(Ok(b.to_vec())),
                    Ok(_) => None,
                    Err(e) => Some(Err(Error::Transport(e.to_string()))),
                }
            });
        Ok((Box::pin(sink), Box::pin(stream)))
    }
}

/// Sleeps for `ms` milliseconds.
pub(crate) async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Nothing to wait for natively: the frames that arrived together are
/// already in the socket's buffer, where the driver reads them at once.
pub(crate) async fn let_io_arrive() {}

/// Wall-clock milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Runs `f` on tokio's blocking pool. `None` if it panicked.
pub(crate) fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> super::OffThread<T> {
    Box::pin(async move { tokio::task::spawn_blocking(f).await.ok() })
}
