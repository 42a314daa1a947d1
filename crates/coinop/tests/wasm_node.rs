//! The SDK compiled to wasm32 and run in Node (no browser needed):
//! identity, document, state, events and the driver's timers all work on
//! the web target. Node 20 has no `WebSocket`, so the driver's connection
//! attempts fail, which exercises the reconnect loop.
//!
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p coinop --target wasm32-unknown-unknown --test wasm_node`

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use coinop::{Event, MemoryIdentityStore, Reliability, RoomBuilder, Status};
use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

fn room() -> (coinop::Room, coinop::Driver) {
    RoomBuilder::new("ws://127.0.0.1:9")
        .room("WASM")
        .default_state("round", &1)
        .identity_store(MemoryIdentityStore::default())
        .build()
        .expect("builds on wasm")
}

#[wasm_bindgen_test]
fn state_and_events_work_offline() {
    let (room, _driver) = room();
    let mut events = room.events();
    room.set_state("board", &json!({"cells": [1, 2]}), Reliability::Reliable)
        .unwrap();
    assert_eq!(room.get_state_json("board"), Some(json!({"cells": [1, 2]})));
    assert_eq!(room.get_state::<i32>("round"), Some(1));
    assert_eq!(room.increment("n", 2).unwrap(), 2);
    assert!(!room.is_saved(), "the changes wait in the outbox");
    assert_eq!(room.status(), Status::Connecting);
    let keys: Vec<String> = events
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            Event::StateChanged { key, .. } => Some(key),
            _ => None,
        })
        .collect();
    assert_eq!(keys, ["board", "n"]);
    assert!(
        room.server_time_ms() > 1_600_000_000_000,
        "Date.now() works"
    );
}

#[wasm_bindgen_test]
async fn the_driver_retries_and_stops_when_the_room_is_dropped() {
    let (room, driver) = room();
    let (done_tx, done_rx) = futures_channel::oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = done_tx.send(driver.await);
    });
    gloo_timers::future::TimeoutFuture::new(700).await;
    assert_eq!(room.status(), Status::Connecting, "still trying");
    room.set_state("k", &1, Reliability::Reliable).unwrap();
    drop(room);
    let result = done_rx.await.expect("the driver reports");
    assert!(result.is_ok(), "{result:?}");
}
