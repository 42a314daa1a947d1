//! SDK integrity against the real relay: sizes checked before sending, a
//! queue holding what the relay cannot take recovers, and a room whose
//! snapshot is longer than a frame is joined by a fresh client.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use coinop::{Error, ErrorCode, Identity, MemoryReplicaStore, Reliability, SizeOf};
use coinop_relay::{Relay, RelayConfig};
use common::{base_url, builder, builder_as, error_codes, eventually, join};
use std::sync::Arc;
use std::time::Duration;

const R: Reliability = Reliability::Reliable;

async fn relay_with(config: RelayConfig) -> Relay {
    Relay::start(config).await.expect("relay starts")
}

/// A relay that takes changes of at most 16 KiB in frames of at most 64 KiB.
fn small_limits() -> RelayConfig {
    RelayConfig {
        max_frame_bytes: 64 * 1024,
        max_change_bytes: 16 * 1024,
        ..RelayConfig::for_tests()
    }
}

fn text(len: usize, seed: u64) -> String {
    // Printable, and random enough that deflate keeps most of it.
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b' ' + (x % 95) as u8)
        })
        .collect()
}

#[tokio::test]
async fn the_relays_limits_reach_the_sdk_and_oversized_writes_fail_at_the_call() {
    let relay = relay_with(small_limits()).await;
    let url = base_url(&relay);
    let (a, _ta) = join(builder(&url, "limits", "a")).await;
    assert_eq!(a.limits().max_change_bytes, 16 * 1024);
    assert_eq!(a.limits().max_frame_bytes, 64 * 1024);
    let e = a.set_state("big", &text(20_000, 1), R).unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::CHANGE_TOO_LARGE), "{e}");
    let e = a
        .set_state("cursor", &text(70_000, 2), Reliability::Unreliable)
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::VALUE_TOO_LARGE), "{e}");
    let e = a
        .send_rpc(coinop::RpcTarget::All, "f", &text(70_000, 3))
        .unwrap_err();
    assert!(matches!(
        e,
        Error::TooLarge {
            what: SizeOf::RpcPayload,
            ..
        }
    ));
    // Nothing was queued that the relay cannot take, and the room works on.
    tokio::time::timeout(Duration::from_secs(5), a.saved())
        .await
        .expect("saved in time")
        .unwrap();
    a.set_state("small", &1, R).unwrap();
    let (b, _tb) = join(builder(&url, "limits", "b")).await;
    eventually("b sees the small write", || {
        b.get_state::<i32>("small") == Some(1)
    })
    .await;
    assert_eq!(b.get_state::<String>("big"), None);
    relay.shutdown().await;
}

#[tokio::test]
async fn a_replica_holding_a_change_over_the_frame_limit_recovers() {
    let relay = relay_with(small_limits()).await;
    let url = base_url(&relay);
    let store = Arc::new(MemoryReplicaStore::default());
    let me = Identity::generate().unwrap();
    {
        // Offline (the driver never runs): checked against the defaults,
        // so a change larger than this relay's frames is queued.
        let (a, _driver) = builder_as(&url, "replica", "a", me.clone())
            .replica_store(store.clone())
            .build()
            .unwrap();
        a.set_state("before", &1, R).unwrap();
        a.set_state("big", &text(100_000, 4), R).unwrap();
        a.set_state("after", &2, R).unwrap();
        assert!(!a.is_saved());
    }
    for start in 0..2 {
        let (a, driver) = builder_as(&url, "replica", "a", me.clone())
            .replica_store(store.clone())
            .build()
            .unwrap();
        let mut events = a.events();
        let task = tokio::spawn(driver);
        tokio::time::timeout(Duration::from_secs(10), a.ready())
            .await
            .expect("ready in time")
            .expect("joined, start {start}");
        eventually("saved", || a.is_saved()).await;
        let errors = error_codes(&mut events);
        if start == 0 {
            assert_eq!(errors, [ErrorCode::CHANGE_TOO_LARGE], "reported once");
        } else {
            assert!(errors.is_empty(), "the replica was repaired: {errors:?}");
        }
        assert_eq!(a.get_state::<i32>("before"), Some(1));
        assert_eq!(a.get_state::<String>("big"), None);
        a.set_state(&format!("next{start}"), &start, R).unwrap();
        a.saved().await.unwrap();
        a.leave();
        let _ = task.await;
    }
    let (b, _tb) = join(builder(&url, "replica", "b")).await;
    eventually("b sees what a could send", || {
        b.get_state::<i32>("before") == Some(1) && b.get_state::<i32>("next1") == Some(1)
    })
    .await;
    relay.shutdown().await;
}

#[tokio::test]
async fn a_room_whose_snapshot_exceeds_a_frame_is_joined_by_a_fresh_client() {
    // 48 changes of 480 KiB of random text: a snapshot of about 20 MiB,
    // over what a native client reads in one frame (16 MiB).
    const CHANGES: usize = 48;
    let relay = relay_with(RelayConfig {
        compact_entries: CHANGES,
        compact_bytes: u64::MAX,
        ..RelayConfig::for_tests()
    })
    .await;
    let url = base_url(&relay);
    let (a, _ta) = join(builder(&url, "huge", "a")).await;
    for i in 0..CHANGES {
        a.set_state(&format!("k{i}"), &text(480 * 1024, i as u64), R)
            .unwrap();
    }
    a.saved().await.unwrap();
    // Compaction folds the log off the hot path.
    tokio::time::sleep(Duration::from_secs(3)).await;
    // A debug build on a busy machine takes a while to load 20 MiB.
    let (b, driver) = builder(&url, "huge", "b").build().unwrap();
    let _tb = tokio::spawn(driver);
    tokio::time::timeout(Duration::from_secs(120), b.ready())
        .await
        .expect("the fresh client joins in time")
        .unwrap();
    for i in [0, CHANGES - 1] {
        assert_eq!(
            b.get_state::<String>(&format!("k{i}")).map(|s| s.len()),
            Some(480 * 1024)
        );
    }
    // Dropped, not shut down: unloading the room would fold it once more.
    drop(relay);
}
