//! The plugin under Bevy's `MinimalPlugins` against the real relay: two apps
//! in one test, driven frame by frame.
#![allow(elided_lifetimes_in_paths)]

use bevy::prelude::*;
use coinop_bevy::coinop::{
    MemoryIdentityStore, PlayerId, Profile, Reliability, RoomBuilder, Status,
};
use coinop_bevy::{CoinopPlugin, CoinopRoom, CoinopStatus, HostChanged, PlayerLeft, StateChanged};
use coinop_relay::{Relay, RelayConfig, StorageConfig};
use std::time::{Duration, Instant};

/// What a test app's systems saw, kept as a resource.
#[derive(Resource, Default)]
struct Seen {
    states: Vec<(String, Option<serde_json::Value>)>,
    left: Vec<PlayerId>,
    hosts: Vec<Option<PlayerId>>,
}

fn record(
    mut seen: ResMut<Seen>,
    mut states: MessageReader<StateChanged>,
    mut left: MessageReader<PlayerLeft>,
    mut hosts: MessageReader<HostChanged>,
) {
    for s in states.read() {
        seen.states.push((s.key.clone(), s.value.clone()));
    }
    for PlayerLeft(p) in left.read() {
        seen.left.push(p.clone());
    }
    for HostChanged(h) in hosts.read() {
        seen.hosts.push(h.clone());
    }
}

fn app(url: &str, name: &str) -> App {
    let builder = RoomBuilder::new(url)
        .room("ARENA")
        .profile(Profile {
            name: name.into(),
            ..Profile::default()
        })
        .identity_store(MemoryIdentityStore::default());
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(CoinopPlugin::new(builder))
        .init_resource::<Seen>()
        .add_systems(Update, record);
    app
}

/// Runs frames of every app until `done` holds, for at most 10 s.
async fn frames_until(
    apps: &mut [&mut App],
    what: &str,
    mut done: impl FnMut(&mut [&mut App]) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        for app in apps.iter_mut() {
            app.update();
        }
        if done(apps) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn status(app: &App) -> CoinopStatus {
    app.world().resource::<CoinopStatus>().clone()
}

fn me(app: &App) -> PlayerId {
    app.world().resource::<CoinopRoom>().me()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_set_in_one_app_reaches_the_other_apps_systems() {
    let relay = Relay::start(RelayConfig::for_tests()).await.expect("relay");
    let url = relay.ws_url();
    // Alice creates the room, so she owns it and is its host; bob joins
    // after her (started together, either could create it).
    let mut alice = app(&url, "alice");
    frames_until(&mut [&mut alice], "alice connected", |apps| {
        status(apps[0]).status == Some(Status::Connected)
    })
    .await;
    let mut bob = app(&url, "bob");
    frames_until(&mut [&mut alice, &mut bob], "both connected", |apps| {
        apps.iter()
            .all(|a| status(a).status == Some(Status::Connected))
    })
    .await;

    // A system of alice's app writes; bob's system sees the message.
    alice.add_systems(Update, |room: Res<CoinopRoom>| {
        if room.get_state::<i64>("round").is_none() {
            room.set_state("round", &1, Reliability::Reliable)
                .expect("set_state");
        }
    });
    frames_until(
        &mut [&mut alice, &mut bob],
        "bob's system to see round",
        |apps| {
            let seen = apps[1].world().resource::<Seen>();
            seen.states
                .contains(&("round".into(), Some(serde_json::json!(1))))
        },
    )
    .await;
    frames_until(&mut [&mut alice, &mut bob], "alice saved", |apps| {
        status(apps[0]).saved
    })
    .await;
    assert_eq!(
        bob.world()
            .resource::<CoinopRoom>()
            .get_state::<i64>("round"),
        Some(1)
    );

    // Host change and a player's quit reach systems: alice (the host) exits.
    let alice_id = me(&alice);
    let bob_id = me(&bob);
    assert_eq!(
        bob.world().resource::<CoinopRoom>().host(),
        Some(alice_id.clone())
    );
    alice.world_mut().write_message(AppExit::Success);
    alice.update();
    frames_until(
        &mut [&mut bob],
        "bob to see alice leave and take the host",
        |apps| {
            let seen = apps[0].world().resource::<Seen>();
            seen.left.contains(&alice_id) && seen.hosts.last() == Some(&Some(bob_id.clone()))
        },
    )
    .await;
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_keeps_running_while_the_relay_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = RelayConfig {
        storage: StorageConfig::Sqlite {
            dir: dir.path().to_path_buf(),
        },
        ..RelayConfig::for_tests()
    };
    let relay = Relay::start(config.clone()).await.expect("relay");
    let addr = relay.local_addr();
    let url = relay.ws_url();
    let mut alice = app(&url, "alice");
    frames_until(&mut [&mut alice], "connected", |apps| {
        status(apps[0]).status == Some(Status::Connected)
    })
    .await;
    relay.shutdown().await;

    // Frames keep running while the relay is gone; a write made meanwhile
    // is kept and delivered after the restart.
    frames_until(&mut [&mut alice], "reconnecting", |apps| {
        status(apps[0]).status == Some(Status::Reconnecting)
    })
    .await;
    let room = alice.world().resource::<CoinopRoom>();
    room.set_state("offline", &true, Reliability::Reliable)
        .expect("set_state");
    let started = Instant::now();
    for _ in 0..20 {
        alice.update();
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "frames blocked on the network"
    );
    assert!(!status(&alice).saved);

    let relay = Relay::start(RelayConfig { addr, ..config })
        .await
        .expect("relay again");
    frames_until(&mut [&mut alice], "saved after the restart", |apps| {
        let s = status(apps[0]);
        s.status == Some(Status::Connected) && s.saved
    })
    .await;
    let mut bob = app(&url, "bob");
    frames_until(&mut [&mut bob], "bob to read the offline write", |apps| {
        apps[0]
            .world()
            .resource::<CoinopRoom>()
            .get_state::<bool>("offline")
            == Some(true)
    })
    .await;
    relay.shutdown().await;
}
