//! Hostile players against the SDK's integrity, with the real relay
//! binary: a room a hostile player stuffed until its join reply is longer
//! than a frame stays joinable by every honest client (the relay sends it
//! in parts).
#![allow(clippy::unwrap_used)]

mod support;

use coinop_harness::{Client, join_msg};
use coinop_protocol::{Bytes, ClientMessage, RelayMessage, StateTarget};
use coinop_reliability::{SdkClient, serial};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_stuffed_with_unreliable_values_stays_joinable() {
    let _serial = serial().await;
    // Limits raised so far that values alone outgrow a frame (the
    // defaults keep a welcome under one: 256 KiB of values a room).
    let relay = support::start_relay(
        &[],
        &[
            "--max-unreliable-value-bytes",
            "1048576",
            "--max-unreliable-bytes",
            "33554432",
        ],
    );
    let url = relay.ws_url();
    let (mut mallory, _) = Client::join(&url, join_msg("STUFFED", "mallory")).await;
    // 20 values of almost a frame each, kept by the relay for late
    // joiners: the next welcome is about 20 MB, more than a native client
    // reads in one frame (16 MiB). On one frame, nobody could join.
    let mut value = vec![b'x'; 1_000_000];
    value[0] = b'"';
    value[999_999] = b'"';
    let value = Bytes::from(value);
    for i in 0..20 {
        mallory
            .send(&ClientMessage::Unreliable {
                target: StateTarget::Room,
                key: format!("junk{i}"),
                value: value.clone(),
            })
            .await;
    }
    // The room handles a connection's messages in order: after the pong
    // it holds every value.
    mallory.send(&ClientMessage::Ping { client_time: 1 }).await;
    mallory
        .recv_until(|m| matches!(m, RelayMessage::Pong { .. }))
        .await;
    let honest = tokio::time::timeout(Duration::from_secs(60), SdkClient::join(&url, "STUFFED"))
        .await
        .expect("an honest client joins the stuffed room");
    assert_eq!(honest.room.players().len(), 2);
    assert_eq!(
        honest.room.get_state::<String>("junk19").map(|s| s.len()),
        Some(999_998)
    );
}
