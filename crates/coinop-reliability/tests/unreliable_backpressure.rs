//! Unreliable values for a receiver whose bandwidth is short are dropped
//! (coalesced to the latest per key) by the relay, not queued.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_harness::{Client, Event, FaultProxy, Faults, join_msg, metric};
use coinop_protocol::{Bytes, ClientMessage, RelayMessage, StateTarget};
use coinop_reliability::serial;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreliable_values_are_dropped_not_queued_when_bandwidth_is_short() {
    let _serial = serial().await;
    let unreliable = [
        "--unreliable-per-sec",
        "100000",
        "--unreliable-burst",
        "100000",
    ];
    let relay = support::start_relay(&unreliable, &[]);
    let proxy = FaultProxy::start(relay.addr(), 7).await.unwrap();
    let (mut sender, _) = Client::join(&relay.ws_url(), join_msg("NARROW", "sender")).await;
    let proxied = format!("ws://{}/ws", proxy.addr());
    let (mut receiver, _) = Client::join(&proxied, join_msg("NARROW", "receiver")).await;
    proxy.set(Faults {
        bandwidth: Some(64 * 1024),
        ..Faults::default()
    });
    let idle_rss = relay.rss_kib().unwrap();
    // 8 KiB values on 4 keys, as fast as the relay takes them, for 3 s.
    let started = Instant::now();
    let mut sent = 0u64;
    let mut last: HashMap<String, u64> = HashMap::new();
    while started.elapsed() < Duration::from_secs(3) && sent < 200_000 {
        let key = format!("pos{}", sent % 4);
        let mut value = vec![0u8; 8 * 1024];
        value[..8].copy_from_slice(&sent.to_le_bytes());
        let msg = ClientMessage::Unreliable {
            target: StateTarget::Room,
            key: key.clone(),
            value: Bytes::from(value),
        };
        let left = Duration::from_secs(3).saturating_sub(started.elapsed());
        if !matches!(
            tokio::time::timeout(left, sender.try_send(&msg)).await,
            Ok(true)
        ) {
            break;
        }
        last.insert(key, sent);
        sent += 1;
    }
    let peak_rss = relay.rss_kib().unwrap();
    proxy.set(Faults::default());
    // Drain what the receiver gets; the latest value of every key arrives.
    let mut received = 0u64;
    let mut latest: HashMap<String, u64> = HashMap::new();
    let drain_started = Instant::now();
    while drain_started.elapsed() < Duration::from_secs(30) {
        match receiver.event_within(Duration::from_secs(2)).await {
            Some(Event::Frame(RelayMessage::Unreliable(v))) => {
                received += 1;
                let n = u64::from_le_bytes(v.value[..8].try_into().unwrap());
                latest.insert(v.key, n);
            }
            Some(Event::Frame(_)) => {}
            Some(Event::Closed(code)) => panic!("receiver closed: {code:?}"),
            None => break,
        }
    }
    let dropped = metric(relay.addr(), "coinop_unreliable_dropped_total")
        .await
        .unwrap();
    eprintln!(
        "narrow receiver (64 KiB/s): {sent} values of 8 KiB sent, {received} received, {dropped} dropped by the relay; rss idle={idle_rss}KiB peak={peak_rss}KiB"
    );
    assert_eq!(latest, last, "the latest value of every key arrives");
    assert!(dropped > 0.0, "nothing was dropped");
    assert!(received * 2 < sent, "most values should have been dropped");
    assert!(
        peak_rss - idle_rss < 96 * 1024,
        "RSS grew by {} KiB",
        peak_rss - idle_rss
    );
}
