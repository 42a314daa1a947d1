//! Automatic certificates against Debian's `pebble`, the ACME test server,
//! started here: the relay obtains a certificate for `localhost` (pebble
//! validates TLS-ALPN-01 on the relay's own port), serves `wss://` with
//! it, serves it again from its cache after a restart without asking, and
//! renews it when due.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use coinop_protocol::ClientMessage;
use coinop_relay::tls::{AcmeSettings, TlsSettings};
use coinop_relay::{Relay, RelayConfig};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// pebble, validating TLS-ALPN-01 on one port.
struct Pebble {
    directory: String,
    management: SocketAddr,
    /// Trusts pebble's own listeners (not the certificates it issues).
    ca_file: PathBuf,
    ca: TestCa,
    _server: ChildServer,
}

impl Pebble {
    /// Starts pebble validating TLS-ALPN-01 on `tls_port`; `None` when it
    /// is not installed.
    async fn start(tls_port: u16) -> Option<Pebble> {
        let bin = installed(&["/usr/bin/pebble"])?;
        let dir = tempfile::tempdir().unwrap();
        // pebble's listeners need a certificate the package does not ship.
        let ca = TestCa::new("pebble listener CA");
        let (cert, key) = ca.issue().write(dir.path());
        let ca_file = dir.path().join("listener-ca.pem");
        ca.write(&ca_file);
        let (port, management) = (free_port().unwrap(), free_port().unwrap());
        let config = serde_json::json!({ "pebble": {
            "listenAddress": format!("127.0.0.1:{port}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": cert, "privateKey": key,
            "httpPort": free_port().unwrap(), "tlsPort": tls_port,
            "ocspResponderURL": "", "externalAccountBindingRequired": false,
        }});
        let config_path = dir.path().join("pebble.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let mut command = Command::new(bin);
        command
            .arg("-config")
            .arg(&config_path)
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let server = ChildServer::start(command, dir, addr)
            .await
            .expect("pebble starts");
        Some(Pebble {
            directory: format!("https://localhost:{port}/dir"),
            management: SocketAddr::from(([127, 0, 0, 1], management)),
            ca_file,
            ca,
            _server: server,
        })
    }

    /// A client config trusting the root pebble signs certificates with
    /// (random per start, from its management interface).
    async fn issued_trust(&self) -> Arc<ClientConfig> {
        let tcp = TcpStream::connect(self.management).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let connector = tokio_rustls::TlsConnector::from(self.ca.client_config());
        let mut tls = connector.connect(name, tcp).await.unwrap();
        let req = "GET /roots/0 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        tls.write_all(req.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let _ = tls.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer);
        let body = &answer[answer.find("-----BEGIN").expect("a PEM root")..];
        client_config_trusting(body.as_bytes())
    }

    /// ACME settings for `localhost` at this pebble, cached in `cache`.
    fn settings(&self, cache: &Path, renew_before: Duration) -> TlsSettings {
        TlsSettings::Acme(AcmeSettings {
            email: Some("ops@coinop.test".into()),
            directory: self.directory.clone(),
            directory_ca: Some(self.ca_file.clone()),
            renew_before,
            ..AcmeSettings::new("localhost", cache)
        })
    }
}

/// A relay on `port` with `tls`.
async fn relay_on(port: u16, tls: TlsSettings) -> Relay {
    Relay::start(RelayConfig {
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        tls: Some(tls),
        ..RelayConfig::for_tests()
    })
    .await
    .unwrap()
}

/// Waits until the relay presents a certificate that `trust` accepts and
/// that is not `other`; returns it.
async fn served(addr: SocketAddr, trust: &Arc<ClientConfig>, other: Option<&[u8]>) -> Vec<u8> {
    let new = |leaf: &[u8]| Some(leaf) != other;
    wait_for_certificate(addr, trust, new, "a (new) ACME certificate").await
}

#[tokio::test]
async fn the_relay_gets_serves_caches_and_renews_a_certificate_from_pebble() {
    let port = free_port().unwrap();
    let Some(pebble) = Pebble::start(port).await else {
        return eprintln!("skipped: pebble is not installed (.ci/setup-deps installs it)");
    };
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let trust = pebble.issued_trust().await;
    let cache = tempfile::tempdir().unwrap();
    let never = Duration::ZERO;

    // First start: nothing cached, a certificate is obtained.
    let relay = relay_on(port, pebble.settings(cache.path(), never)).await;
    let addr = relay.local_addr();
    let first = served(addr, &trust, None).await;
    let url = format!("wss://localhost:{port}/ws");
    let mut alice = Client::try_connect_tls(&url, trust.clone()).await.unwrap();
    alice
        .send(&ClientMessage::Join(join_msg("ACME", "alice")))
        .await;
    alice.read_catch_up().await;
    alice.publish(1, vec![Doc::new().change("round", 1)]).await;
    drop(alice);
    relay.shutdown().await;
    assert!(cache.path().join("cert.pem").exists());
    assert!(cache.path().join("account.json").exists());

    // Restart: the cached certificate is served at once.
    let relay = relay_on(port, pebble.settings(cache.path(), never)).await;
    let leaf = server_certificate(addr, "localhost", trust.clone())
        .await
        .unwrap();
    assert_eq!(leaf, first, "the cache was not used");
    relay.shutdown().await;

    // Renewal due (pebble's certificates last years: ask for renewal
    // long before expiry): a new certificate replaces the cached one.
    let early = Duration::from_secs(100 * 365 * 24 * 3600);
    let relay = relay_on(port, pebble.settings(cache.path(), early)).await;
    let renewed = served(addr, &trust, Some(&first)).await;
    assert_ne!(renewed, first);
    let mut bob = Client::try_connect_tls(&url, trust.clone()).await.unwrap();
    bob.send(&ClientMessage::Join(join_msg("ACME", "bob")))
        .await;
    bob.read_catch_up().await;
    relay.shutdown().await;
}
