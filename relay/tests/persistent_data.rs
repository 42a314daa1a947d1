//! Persistent data against the real relay: per player, across rooms and
//! relay restarts, bound to the player's secret, with its limits' codes.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use coinop_relay::core::PersistentLimits;
use coinop_relay::{Relay, RelayConfig};
use support::*;

/// Sends a request and returns the reply to it.
async fn ask(c: &mut Client, msg: ClientMessage, request: u64) -> ReplyOutcome {
    c.send(&msg).await;
    match c
        .recv_until(|m| matches!(m, RelayMessage::Reply { request: r, .. } if *r == request))
        .await
    {
        RelayMessage::Reply { outcome, .. } => outcome,
        _ => unreachable!(),
    }
}

async fn get(c: &mut Client, key: &str) -> Option<PersistentValue> {
    let msg = ClientMessage::PersistentGet {
        request: 1,
        key: key.into(),
    };
    match ask(c, msg, 1).await {
        ReplyOutcome::Value(v) => v,
        other => panic!("expected a value, got {other:?}"),
    }
}

async fn set(c: &mut Client, key: &str, value: Option<&'static [u8]>) -> ReplyOutcome {
    let value = value.map(Bytes::from_static);
    let msg = ClientMessage::PersistentSet {
        request: 2,
        key: key.into(),
        value,
    };
    ask(c, msg, 2).await
}

async fn insert(c: &mut Client, key: &str, value: &'static [u8]) -> ReplyOutcome {
    let msg = ClientMessage::PersistentInsert {
        request: 3,
        key: key.into(),
        value: Bytes::from_static(value),
    };
    ask(c, msg, 3).await
}

fn refused(outcome: ReplyOutcome) -> ErrorCode {
    match outcome {
        ReplyOutcome::Refused { code, .. } => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn persistent_data_follows_the_player_across_rooms_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (relay, url, mut alice) =
        relay_with_player(sqlite_config(dir.path()), "ONE", "alice").await;
    assert_eq!(get(&mut alice, "coins").await, None);
    assert_eq!(
        set(&mut alice, "coins", Some(b"42")).await,
        ReplyOutcome::Done
    );
    assert_eq!(insert(&mut alice, "runs", b"1").await, ReplyOutcome::Done);
    assert_eq!(insert(&mut alice, "runs", b"2").await, ReplyOutcome::Done);
    // Another player, even in the same room, sees only their own.
    let (mut bob, _) = Client::join(&url, join_msg("ONE", "bob")).await;
    assert_eq!(get(&mut bob, "coins").await, None);
    drop((alice, bob));
    relay.shutdown().await;

    let relay = Relay::start(sqlite_config(dir.path())).await.unwrap();
    let (mut alice, _) = Client::join(&relay.ws_url(), join_msg("TWO", "alice")).await;
    let coins = PersistentValue::One(Bytes::from_static(b"42"));
    assert_eq!(get(&mut alice, "coins").await, Some(coins));
    let runs = PersistentValue::List(vec![Bytes::from_static(b"1"), Bytes::from_static(b"2")]);
    assert_eq!(get(&mut alice, "runs").await, Some(runs));
    // Deleting: a key set to nothing reads as unset.
    assert_eq!(set(&mut alice, "coins", None).await, ReplyOutcome::Done);
    assert_eq!(get(&mut alice, "coins").await, None);
    relay.shutdown().await;
}

#[tokio::test]
async fn each_persistent_limit_refuses_with_its_code() {
    let config = RelayConfig {
        persistent: PersistentLimits {
            max_value_bytes: 8,
            max_keys: 2,
            max_list_len: 2,
            ..PersistentLimits::DEFAULT
        },
        ..RelayConfig::for_tests()
    };
    let (relay, _url, mut c) = relay_with_player(config, "LIM", "carol").await;
    let too_big = set(&mut c, "a", Some(b"123456789")).await;
    assert_eq!(refused(too_big), ErrorCode::PERSISTENT_VALUE_TOO_LARGE);
    assert_eq!(set(&mut c, "a", Some(b"1")).await, ReplyOutcome::Done);
    assert_eq!(insert(&mut c, "b", b"1").await, ReplyOutcome::Done);
    assert_eq!(insert(&mut c, "b", b"2").await, ReplyOutcome::Done);
    let long = insert(&mut c, "b", b"3").await;
    assert_eq!(refused(long), ErrorCode::PERSISTENT_LIST_TOO_LONG);
    let third = set(&mut c, "c", Some(b"1")).await;
    assert_eq!(refused(third), ErrorCode::TOO_MANY_PERSISTENT_KEYS);
    let onto_one = insert(&mut c, "a", b"2").await;
    assert_eq!(refused(onto_one), ErrorCode::INVALID_FIELD);
    let long_key = "k".repeat(300);
    assert_eq!(
        refused(set(&mut c, &long_key, Some(b"1")).await),
        ErrorCode::INVALID_FIELD
    );
    // Nothing refused was stored; the connection goes on.
    let b = PersistentValue::List(vec![Bytes::from_static(b"1"), Bytes::from_static(b"2")]);
    assert_eq!(get(&mut c, "b").await, Some(b));
    relay.shutdown().await;
}
