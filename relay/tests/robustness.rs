//! Bad clients, slow clients, failing storage: the relay and everyone else go on.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use coinop_relay::metrics::Metrics;
use coinop_relay::storage::MemoryStorage;
use coinop_relay::{Relay, RelayConfig};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::*;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn wrong_version_gets_unsupported_version() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let j = join_msg("VER", "alice").with_version(PROTOCOL_VERSION + 1);
    let mut c = Client::connect(&relay.ws_url()).await;
    c.send(&ClientMessage::Join(j)).await;
    assert_eq!(
        c.expect_fatal().await,
        (Some(ErrorCode::UNSUPPORTED_VERSION), Some(1008))
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn first_frame_must_be_a_join() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let mut c = Client::connect(&relay.ws_url()).await;
    c.send(&ClientMessage::Ping { client_time: 1 }).await;
    assert_eq!(c.expect_fatal().await.0, Some(ErrorCode::BAD_HANDSHAKE));
    let mut c = Client::connect(&relay.ws_url()).await;
    c.send_raw(Message::Text("hello".into())).await;
    assert_eq!(c.expect_fatal().await.0, Some(ErrorCode::BAD_HANDSHAKE));
    relay.shutdown().await;
}

#[tokio::test]
async fn garbage_closes_only_that_connection() {
    let (relay, url, mut other) = relay_with_player(RelayConfig::for_tests(), "CALM", "olga").await;
    let (mut bad, _) = Client::join(&url, join_msg("NOISY", "mallory")).await;
    bad.send_raw(Message::Binary(vec![0xFF; 64].into())).await;
    assert_eq!(
        bad.expect_fatal().await,
        (Some(ErrorCode::MALFORMED), Some(1008))
    );
    let mut garbage_first = Client::connect(&url).await;
    garbage_first
        .send_raw(Message::Binary(vec![0x00, 0xFF, 0xFF, 0xFF].into()))
        .await;
    assert_eq!(
        garbage_first.expect_fatal().await.0,
        Some(ErrorCode::BAD_HANDSHAKE)
    );
    // A second join is out of order.
    let (mut twice, _) = Client::join(&url, join_msg("NOISY", "trent")).await;
    twice
        .send(&ClientMessage::Join(join_msg("NOISY", "trent")))
        .await;
    assert_eq!(
        twice.expect_fatal().await.0,
        Some(ErrorCode::UNEXPECTED_MESSAGE)
    );
    // Everyone else is unaffected.
    assert_eq!(
        other.publish(1, vec![Doc::new().change("k", 1)]).await,
        Seq(1)
    );
    other.send(&ClientMessage::Ping { client_time: 5 }).await;
    assert!(matches!(
        other.recv().await,
        RelayMessage::Pong { client_time: 5, .. }
    ));
    relay.shutdown().await;
}

#[tokio::test]
async fn oversized_frame_gets_frame_too_large() {
    let config = RelayConfig {
        max_frame_bytes: 64 * 1024,
        ..RelayConfig::for_tests()
    };
    let (relay, _, mut c) = relay_with_player(config, "BIG", "alice").await;
    c.send_raw(Message::Binary(vec![0u8; 100 * 1024].into()))
        .await;
    assert_eq!(
        c.expect_fatal().await,
        (Some(ErrorCode::FRAME_TOO_LARGE), Some(1009))
    );
    let (_c2, _) = Client::join(&relay.ws_url(), join_msg("BIG", "bob")).await;
    relay.shutdown().await;
}

#[tokio::test]
async fn handshake_and_idle_timeouts_close() {
    let config = RelayConfig {
        handshake_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(400),
        ..RelayConfig::for_tests()
    };
    let relay = Relay::start(config).await.unwrap();
    let mut silent = Client::connect(&relay.ws_url()).await;
    assert_eq!(
        silent.expect_fatal().await.0,
        Some(ErrorCode::HANDSHAKE_TIMEOUT)
    );
    let (mut idle, _) = Client::join(&relay.ws_url(), join_msg("IDLE", "alice")).await;
    assert_eq!(idle.expect_fatal().await.0, Some(ErrorCode::IDLE_TIMEOUT));
    relay.shutdown().await;
}

#[tokio::test]
async fn storage_failure_refuses_without_ack_and_recovers() {
    let storage = MemoryStorage::new();
    let fail = storage.failure_switch();
    let relay = Relay::start_with_storage(
        RelayConfig::for_tests(),
        Box::new(storage),
        Arc::new(Metrics::default()),
    )
    .await
    .unwrap();
    let url = relay.ws_url();
    let (mut a, _) = Client::join(&url, join_msg("FAIL", "alice")).await;
    let (mut b, _) = Client::join_seen_by(&url, join_msg("FAIL", "bob"), &mut a).await;
    let change = Doc::new().change("k", 1);
    fail.store(true, Ordering::SeqCst);
    a.send(&ClientMessage::Publish {
        client_ref: 7,
        changes: vec![change.clone()],
    })
    .await;
    let got = a.recv().await;
    assert!(
        matches!(got, RelayMessage::Error { code, client_ref: Some(7), fatal: false, .. } if code == ErrorCode::STORAGE_UNAVAILABLE),
        "{got:?}"
    );
    fail.store(false, Ordering::SeqCst);
    assert_eq!(a.publish(8, vec![change]).await, Seq(1));
    // bob saw only the stored change.
    assert!(
        matches!(b.recv().await, RelayMessage::Changes { entries } if entries.len() == 1 && entries[0].seq == Seq(1))
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn slow_receiver_gets_coalesced_unreliable_and_every_reliable_frame() {
    let config = unreliable_unlimited();
    let (relay, url, mut fast) = relay_with_player(config, "SLOW", "fast").await;
    let (mut slow, _) = Client::join_seen_by(&url, join_msg("SLOW", "slow"), &mut fast).await;
    // `slow` stops reading now. Flood it with one key's values, far more
    // than socket buffers hold, then publish reliable changes.
    const FLOOD: u32 = 3000;
    for i in 0..FLOOD {
        let mut value = vec![0u8; 8 * 1024];
        value[..4].copy_from_slice(&i.to_le_bytes());
        fast.send(&ClientMessage::Unreliable {
            target: StateTarget::Room,
            key: "pos".into(),
            value: value.into(),
        })
        .await;
    }
    let mut doc = Doc::new();
    for i in 1..=20u64 {
        assert_eq!(
            fast.publish(i, vec![doc.change("k", i as i64)]).await,
            Seq(i)
        );
    }
    // Now read: every reliable change arrives, in order; unreliable ones
    // were coalesced, and the latest value is the last one received.
    let mut seqs = Vec::new();
    let mut unreliable = 0u32;
    let mut last = None;
    while seqs.len() < 20 || last != Some(FLOOD - 1) {
        match slow.recv().await {
            RelayMessage::Changes { entries } => seqs.extend(entries.iter().map(|e| e.seq.0)),
            RelayMessage::Unreliable(v) => {
                unreliable += 1;
                last = Some(u32::from_le_bytes(v.value[..4].try_into().unwrap()));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(unreliable <= FLOOD);
    }
    assert_eq!(seqs, (1..=20).collect::<Vec<_>>());
    assert!(
        unreliable < FLOOD,
        "nothing was coalesced ({unreliable} of {FLOOD})"
    );
    assert!(relay.metrics().unreliable_dropped.load(Ordering::Relaxed) > 0);
    relay.shutdown().await;
}

#[tokio::test]
async fn reader_that_never_reads_is_closed_as_slow_consumer() {
    let config = RelayConfig {
        max_outbox_bytes: 256 * 1024,
        ..RelayConfig::for_tests()
    };
    let (relay, url, mut fast) = relay_with_player(config, "HOG", "fast").await;
    let mut slow = Client::connect_small(&url).await;
    slow.send(&ClientMessage::Join(join_msg("HOG", "slow")))
        .await;
    slow.read_catch_up().await;
    fast.recv_until(|m| matches!(m, RelayMessage::PlayerJoined(_)))
        .await;
    // 4 MiB of forwards: more than the slow socket's buffers plus the
    // outbox cap. One small document per change keeps building them cheap.
    for i in 0..40u64 {
        let change = big_change(100 * 1024, i);
        assert_eq!(fast.publish(i + 1, vec![change]).await, Seq(i + 1));
    }
    assert_eq!(slow.expect_fatal().await.0, Some(ErrorCode::SLOW_CONSUMER));
    // The room and the fast player are fine.
    assert_eq!(
        fast.publish(1000, vec![Doc::new().change("k", 1)]).await,
        Seq(41)
    );
    relay.shutdown().await;
}
