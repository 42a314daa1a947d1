//! The HTTP side: health, metrics, the player room index, origins, shutdown.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use coinop_relay::{Relay, RelayConfig};
use std::time::Duration;
use support::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn healthz_metrics_and_unknown_paths() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let addr = relay.local_addr();
    assert_eq!(http_get(addr, "/healthz", &[]).await, (200, "ok".into()));
    let (mut a, _) = Client::join(&relay.ws_url(), join_msg("MET", "alice")).await;
    a.publish(1, vec![Doc::new().change("k", 1)]).await;
    let (status, body) = http_get(addr, "/metrics", &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("coinop_rooms 1"), "{body}");
    assert!(body.contains("coinop_connections 1"), "{body}");
    assert!(
        body.contains("coinop_ack_latency_seconds_count 1"),
        "{body}"
    );
    assert!(
        body.contains("coinop_frames_total{channel=\"reliable\",direction=\"in\"} 2"),
        "{body}"
    );
    assert!(
        body.contains("coinop_storage_commit_seconds_bucket"),
        "{body}"
    );
    assert_eq!(http_get(addr, "/nope", &[]).await.0, 404);
    relay.shutdown().await;
}

#[tokio::test]
async fn player_room_index_needs_the_secret() {
    let (relay, url, _a) = relay_with_player(RelayConfig::for_tests(), "IDXA", "alice").await;
    let (_b, _) = Client::join(&url, join_msg("IDXB", "bob")).await;
    let (_a2, _) = Client::join(&url, join_msg("IDXB", "alice")).await;
    let auth = format!("Bearer {}", hex(secret_for("alice").as_bytes()));
    // The index is written asynchronously; poll briefly, bounded.
    let mut rooms = serde_json::Value::Null;
    for _ in 0..50 {
        let (status, body) = http_get(
            relay.local_addr(),
            "/players/alice/rooms",
            &[("Authorization", &auth)],
        )
        .await;
        assert_eq!(status, 200);
        rooms = serde_json::from_str(&body).unwrap();
        if rooms.as_array().is_some_and(|r| r.len() == 2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let rooms = rooms.as_array().unwrap().clone();
    assert_eq!(rooms.len(), 2, "{rooms:?}");
    let host_of = |code: &str| {
        rooms
            .iter()
            .find(|r| r["room"] == code)
            .map(|r| r["host"].as_bool())
    };
    assert_eq!(host_of("IDXA"), Some(Some(true)));
    assert_eq!(host_of("IDXB"), Some(Some(false)));
    assert!(rooms[0]["last_joined_ms"].as_u64().unwrap() > 0);
    let wrong = format!("Bearer {}", hex(&[1u8; 16]));
    assert_eq!(
        http_get(
            relay.local_addr(),
            "/players/alice/rooms",
            &[("Authorization", &wrong)]
        )
        .await
        .0,
        401
    );
    assert_eq!(
        http_get(relay.local_addr(), "/players/alice/rooms", &[])
            .await
            .0,
        401
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn origin_allow_list() {
    let relay = Relay::start(game_origin_only()).await.unwrap();
    let addr = relay.local_addr();
    assert_eq!(
        http_get(addr, "/healthz", &[("Origin", "https://evil.example")])
            .await
            .0,
        403
    );
    assert_eq!(
        http_get(addr, "/healthz", &[("Origin", "https://game.example")])
            .await
            .0,
        200
    );
    let upgrade = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Origin", "https://evil.example"),
    ];
    assert_eq!(http_get(addr, "/ws", &upgrade).await.0, 403);
    // Native clients send no Origin and are let in.
    Client::join(&relay.ws_url(), join_msg("ORIG", "alice")).await;
    relay.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_sockets_with_1012() {
    let (relay, _, mut a) = relay_with_player(RelayConfig::for_tests(), "BYE", "alice").await;
    relay.shutdown().await;
    assert_eq!(
        a.expect_fatal().await,
        (Some(ErrorCode::SHUTTING_DOWN), Some(1012))
    );
}

#[tokio::test]
async fn oversized_heads_get_431_and_idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let addr = relay.local_addr();
    // Over the 16 KiB head limit: 431, then the connection closes.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let filler = format!("X-Filler: {}\r\n", "a".repeat(1000)).repeat(20);
    let req = format!("GET /healthz HTTP/1.1\r\nHost: test\r\n{filler}\r\n");
    let _ = s.write_all(req.as_bytes()).await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(WAIT, s.read_to_end(&mut reply)).await;
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");
    // A kept-alive connection that sends nothing more is closed after the
    // handshake timeout (2 s here), like one that never sent a request.
    let started = std::time::Instant::now();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(8), s.read_to_end(&mut reply))
        .await
        .expect("closed in time")
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1500));
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.ends_with("ok"),
        "{reply}"
    );
    relay.shutdown().await;
}
