//! The inspector: `GET /api/rooms` and `GET /inspect`, and who may read them.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use coinop_relay::{Relay, RelayConfig};
use serde_json::Value;
use std::time::{Duration, Instant};
use support::*;

async fn rooms(addr: std::net::SocketAddr) -> Value {
    let (status, body) = http_get(addr, "/api/rooms", &[]).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Polls `/api/rooms` until `done` holds, for at most 5 s.
async fn rooms_until(addr: std::net::SocketAddr, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let v = rooms(addr).await;
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "never reached: {v:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn room<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn reports_rooms_players_sizes_and_rates() {
    let relay = Relay::start(unreliable_unlimited()).await.unwrap();
    let addr = relay.local_addr();
    let empty = rooms(addr).await;
    assert_eq!(empty["rooms"], serde_json::json!([]));
    assert_eq!(empty["totals"]["rooms"], 0);

    let url = relay.ws_url();
    let (mut alice, _) = Client::join(&url, join_msg("INSA", "alice")).await;
    let (_bob, _) = Client::join(&url, join_msg("INSA", "bob")).await;
    let (_carol, _) = Client::join(&url, join_msg("INSB", "carol")).await;
    alice.publish(1, vec![Doc::new().change("k", 1)]).await;
    for i in 0..30u8 {
        alice
            .send(&ClientMessage::Unreliable {
                target: StateTarget::Player(pid("alice")),
                key: "cursor".into(),
                value: Bytes::from(vec![i]),
            })
            .await;
    }
    let v = rooms_until(addr, |v| {
        let a = room(v, "INSA");
        a["unreliable_total"] == 30 && a["unreliable_per_sec"].as_f64().unwrap_or(0.0) > 0.0
    })
    .await;
    let a = room(&v, "INSA");
    let names: Vec<&str> = a["players"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(a["players"][0]["host"], true);
    assert_eq!(a["players"][0]["online"], true);
    assert_eq!(a["players"][1]["host"], false);
    assert_eq!(a["connections"], 2);
    assert_eq!(a["reliable_total"], 1);
    assert!(a["stored_bytes"].as_u64().unwrap() > 0, "{a}");
    assert_eq!(room(&v, "INSB")["players"][0]["id"], "carol");
    assert_eq!(room(&v, "INSB")["unreliable_total"], 0);
    let t = &v["totals"];
    assert_eq!(t["rooms"], 2);
    assert_eq!(t["connections"], 3);
    assert_eq!(t["players_online"], 3);
    assert!(t["unreliable_per_sec"].as_f64().unwrap() > 0.0, "{t}");

    // A player who drops shows as away during the grace period, then goes.
    drop(alice);
    rooms_until(addr, |v| room(v, "INSA")["players"][0]["online"] == false).await;
    rooms_until(addr, |v| {
        room(v, "INSA")["players"]
            .as_array()
            .is_some_and(|p| p.len() == 1 && p[0]["id"] == "bob")
    })
    .await;
    relay.shutdown().await;
}

#[tokio::test]
async fn page_is_self_contained_and_polls_the_api() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let (status, page) = http_get(relay.local_addr(), "/inspect", &[]).await;
    assert_eq!(status, 200);
    assert!(page.starts_with("<!doctype html>"), "{page}");
    assert!(page.contains("fetch(\"/api/rooms\""));
    // No external assets: everything is inline.
    for external in [
        "src=\"http",
        "href=\"http",
        "stylesheet",
        "src=\"//",
        "href=\"//",
    ] {
        assert!(!page.contains(external), "{external}");
    }
    relay.shutdown().await;
}

#[tokio::test]
async fn remote_peers_need_the_admin_token() {
    // Without a token, anything that is not a direct loopback peer gets
    // 403. A proxy header marks the request as not direct (tests only use
    // loopback, so that is how a remote peer is stood in for).
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let addr = relay.local_addr();
    let proxied = [("X-Forwarded-For", "203.0.113.9")];
    for path in ["/api/rooms", "/inspect"] {
        let (status, body) = http_get(addr, path, &proxied).await;
        assert_eq!(status, 403, "{path}");
        assert!(body.contains("--admin-token"), "{body}");
    }
    relay.shutdown().await;

    let config = RelayConfig {
        admin_token: Some("let-me-in".into()),
        ..RelayConfig::for_tests()
    };
    let relay = Relay::start(config).await.unwrap();
    let addr = relay.local_addr();
    let (status, body) = http_get(addr, "/api/rooms", &proxied).await;
    assert_eq!(status, 403);
    assert!(body.contains("Authorization: Bearer"), "{body}");
    let wrong = [proxied[0], ("Authorization", "Bearer let-me-out")];
    assert_eq!(http_get(addr, "/api/rooms", &wrong).await.0, 403);
    assert_eq!(
        http_get(addr, "/inspect?token=let-me-ou", &proxied).await.0,
        403
    );
    let right = [proxied[0], ("Authorization", "Bearer let-me-in")];
    let (status, body) = http_get(addr, "/api/rooms", &right).await;
    assert_eq!(status, 200);
    assert!(body.contains("\"totals\""), "{body}");
    assert_eq!(
        http_get(addr, "/inspect?token=let-me-in", &proxied).await.0,
        200
    );
    // Loopback peers still need nothing.
    assert_eq!(http_get(addr, "/api/rooms", &[]).await.0, 200);
    relay.shutdown().await;
}
