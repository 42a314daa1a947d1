//! HTTPS and WSS in the relay: a client joins over `wss://` with a
//! certificate from a test CA; a new certificate written over the files is
//! served to new connections (on change, and on SIGHUP for the binary)
//! while open connections go on; `--redirect-http` sends plain HTTP to
//! HTTPS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use automerge::ReadDoc;
use coinop_relay::tls::TlsSettings;
use coinop_relay::{Relay, RelayConfig, RelayError};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use support::*;

fn tls_config(dir: &Path, issued: &Issued) -> RelayConfig {
    let (cert, key) = issued.write(dir);
    RelayConfig {
        tls: Some(TlsSettings::Files { cert, key }),
        ..RelayConfig::for_tests()
    }
}

/// Waits until new handshakes get `expected`.
async fn wait_for_served(addr: SocketAddr, ca: &TestCa, expected: &Issued) {
    let der = expected.der();
    wait_for_certificate(
        addr,
        &ca.client_config(),
        |leaf| leaf == der,
        "the new certificate",
    )
    .await;
}

#[tokio::test]
async fn clients_join_over_wss_and_a_new_certificate_does_not_drop_them() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("coinop test CA");
    let first = ca.issue();
    let relay = Relay::start(tls_config(dir.path(), &first)).await.unwrap();
    let url = relay.ws_url();
    assert!(url.starts_with("wss://"), "{url}");

    let mut alice = Client::try_connect_tls(&url, ca.client_config())
        .await
        .expect("wss handshake with the test CA");
    alice
        .send(&coinop_protocol::ClientMessage::Join(join_msg(
            "TLS", "alice",
        )))
        .await;
    alice.read_catch_up().await;
    let mut doc = Doc::new();
    alice.publish(1, vec![doc.change("round", 1)]).await;

    // Plain WebSocket on the TLS port is no WebSocket at all.
    let plain = url.replace("wss://", "ws://");
    assert!(Client::try_connect(&plain).await.is_err());
    // A client that does not trust the CA refuses the relay.
    let other = TestCa::new("someone else");
    assert!(
        Client::try_connect_tls(&url, other.client_config())
            .await
            .is_err()
    );

    // Renewal: new files, served to new handshakes within the poll.
    let second = ca.issue();
    assert_ne!(first.der(), second.der());
    second.write(dir.path());
    wait_for_served(relay.local_addr(), &ca, &second).await;

    // Alice's connection (made with the first certificate) goes on.
    alice.publish(2, vec![doc.change("round", 2)]).await;
    let (_bob, joined) = {
        let mut bob = Client::try_connect_tls(&url, ca.client_config())
            .await
            .unwrap();
        bob.send(&coinop_protocol::ClientMessage::Join(join_msg(
            "TLS", "bob",
        )))
        .await;
        let joined = bob.read_catch_up().await;
        (bob, joined)
    };
    let doc = doc_from(&joined);
    let round = doc.get(automerge::ROOT, "round").unwrap();
    assert_eq!(round.and_then(|(v, _)| v.as_i64()), Some(2));

    // A broken pair (a key that does not fit) is refused; the last good
    // certificate stays.
    let third = ca.issue();
    std::fs::write(dir.path().join("cert.pem"), &third.cert_pem).unwrap();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let served = server_certificate(relay.local_addr(), "localhost", ca.client_config())
        .await
        .unwrap();
    assert_eq!(served, second.der());
    relay.shutdown().await;
}

#[tokio::test]
async fn a_relay_refuses_to_start_with_an_unusable_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("coinop test CA");
    let (a, b) = (ca.issue(), ca.issue());
    let (cert, _) = a.write(dir.path());
    let key = dir.path().join("other-key.pem");
    std::fs::write(&key, &b.key_pem).unwrap();
    let config = RelayConfig {
        tls: Some(TlsSettings::Files { cert, key }),
        ..RelayConfig::for_tests()
    };
    assert!(matches!(
        Relay::start(config).await,
        Err(RelayError::Tls(_))
    ));
    let config = RelayConfig {
        redirect_http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        ..RelayConfig::for_tests()
    };
    assert!(matches!(
        Relay::start(config).await,
        Err(RelayError::RedirectWithoutTls)
    ));
}

#[tokio::test]
async fn sighup_reloads_the_certificate_files() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("coinop test CA");
    let first = ca.issue();
    let (cert, key) = first.write(dir.path());
    let relay = RelayProcess::builder(relay_bin(env!("CARGO_BIN_EXE_coinop-relay")))
        .without_data_dir()
        .arg("--memory")
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .start()
        .unwrap();
    let addr = relay.addr();
    wait_for_served(addr, &ca, &first).await;
    let url = format!("wss://localhost:{}/ws", addr.port());
    let mut alice = Client::try_connect_tls(&url, ca.client_config())
        .await
        .unwrap();
    alice
        .send(&coinop_protocol::ClientMessage::Join(join_msg(
            "HUP", "alice",
        )))
        .await;
    alice.read_catch_up().await;

    // New content with the old modification times: only SIGHUP can tell.
    let times: Vec<_> = [&cert, &key]
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect();
    let second = ca.issue();
    second.write(dir.path());
    for (path, time) in [&cert, &key].iter().zip(times) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(time).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let served = server_certificate(addr, "localhost", ca.client_config())
        .await
        .unwrap();
    assert_eq!(served, first.der(), "reloaded without a change or a signal");

    relay.hangup();
    wait_for_served(addr, &ca, &second).await;
    // Still running, and the open connection still answers.
    let mut doc = Doc::new();
    alice.publish(1, vec![doc.change("after", 1)]).await;
}

#[tokio::test]
async fn redirect_http_sends_requests_to_the_same_path_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("coinop test CA");
    let config = RelayConfig {
        redirect_http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        ..tls_config(dir.path(), &ca.issue())
    };
    let relay = Relay::start(config).await.unwrap();
    let redirect = relay.redirect_addr().unwrap();
    let answer = http_request(redirect, "GET", "/game/?room=AB12", &[]).await;
    assert_eq!(answer.status, 308);
    let port = relay.local_addr().port();
    // The harness sends `Host: test`.
    assert_eq!(
        answer.header("location"),
        Some(format!("https://test:{port}/game/?room=AB12").as_str())
    );
    // The HTTPS side answers the same path.
    let served = server_certificate(relay.local_addr(), "localhost", ca.client_config()).await;
    assert!(served.is_ok());
    relay.shutdown().await;
}
