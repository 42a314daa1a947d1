//! The SDK joins a relay serving `wss://` with a certificate from a
//! private CA, once told to trust that CA; without it, it never connects.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use coinop::{Error, Reliability, Status};
use coinop_harness::TestCa;
use coinop_relay::tls::TlsSettings;
use coinop_relay::{Relay, RelayConfig};
use common::{builder, eventually, join};
use std::time::Duration;

#[tokio::test]
async fn the_sdk_joins_over_wss_trusting_a_given_root() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("coinop test CA");
    let (cert, key) = ca.issue().write(dir.path());
    let relay = Relay::start(RelayConfig {
        tls: Some(TlsSettings::Files { cert, key }),
        ..RelayConfig::for_tests()
    })
    .await
    .unwrap();
    let url = format!("wss://localhost:{}", relay.local_addr().port());

    let (a, _ta) = join(builder(&url, "SAFE", "a").tls_root_certificate(ca.pem())).await;
    let (b, _tb) = join(builder(&url, "SAFE", "b").tls_root_certificate(ca.pem())).await;
    a.set_state("secret", &42, Reliability::Reliable).unwrap();
    eventually("b reads a's write over wss", || {
        b.get_state::<i32>("secret") == Some(42)
    })
    .await;

    // The public roots alone do not vouch for a private CA.
    let (stranger, driver) = builder(&url, "SAFE", "c").build().unwrap();
    let _driver = tokio::spawn(driver);
    let waited = tokio::time::timeout(Duration::from_secs(2), stranger.ready()).await;
    assert!(waited.is_err(), "joined without trusting the CA");
    assert_ne!(stranger.status(), Status::Connected);

    // Not a certificate: the builder says so.
    let bad = builder(&url, "SAFE", "d")
        .tls_root_certificate("not PEM")
        .build();
    assert!(matches!(bad, Err(Error::InvalidCertificate(_))));
}
