//! The game's logic headless: three Bevy apps (no terminal, no canvas) play
//! against the real relay for a few hundred frames, steered by the bot
//! steering, then a late joiner sees the game as it is.
#![allow(elided_lifetimes_in_paths)]

use bevy::prelude::*;
use bevy_arena::{
    ArenaConfig, ArenaPlugin, ArenaView, Me, Steering, coin_of, round_of, steer_to_coin,
};
use coinop_bevy::coinop::{MemoryIdentityStore, Profile, RoomBuilder, Status};
use coinop_bevy::{CoinopPlugin, CoinopRoom};
use coinop_relay::{Relay, RelayConfig};
use std::time::{Duration, Instant};

fn chase(room: Option<Res<CoinopRoom>>, me: Res<Me>, mut steering: ResMut<Steering>) {
    if let Some(room) = room {
        *steering = steer_to_coin(&room, &me);
    }
}

fn player(url: &str, room: Option<&str>, name: &str) -> App {
    let mut builder = RoomBuilder::new(url)
        .profile(Profile {
            name: name.into(),
            ..Profile::default()
        })
        .identity_store(MemoryIdentityStore::default());
    if let Some(code) = room {
        builder = builder.room(code);
    }
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(CoinopPlugin::new(builder))
        .add_plugins(ArenaPlugin {
            // Fast players on a small arena: points come within seconds.
            config: ArenaConfig {
                width: 12.0,
                height: 8.0,
                speed: 30.0,
                ..ArenaConfig::default()
            },
        })
        .add_systems(PreUpdate, chase);
    app
}

fn view(app: &App) -> ArenaView {
    let room = app.world().resource::<CoinopRoom>();
    ArenaView::read(room, app.world().resource::<Me>())
}

fn scores(app: &App) -> Vec<(String, i64)> {
    view(app)
        .players
        .into_iter()
        .map(|p| (p.name, p.score))
        .collect()
}

/// Runs frames (about 100 a second) until `done`, for at most `limit` frames.
async fn frames_until(apps: &mut [App], limit: usize, what: &str, done: impl Fn(&[App]) -> bool) {
    let started = Instant::now();
    for _ in 0..limit {
        for app in apps.iter_mut() {
            app.update();
        }
        if done(apps) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no {what} after {limit} frames ({:?})", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_players_race_for_the_coin_and_a_late_joiner_sees_the_game() {
    let relay = Relay::start(RelayConfig::for_tests()).await.expect("relay");
    let url = relay.ws_url();
    let mut apps = vec![player(&url, None, "ann")];
    frames_until(&mut apps, 300, "room code", |a| {
        a[0].world().resource::<CoinopRoom>().room_code().is_some()
    })
    .await;
    let code = apps[0]
        .world()
        .resource::<CoinopRoom>()
        .room_code()
        .expect("code")
        .to_string();
    apps.push(player(&url, Some(&code), "ben"));
    apps.push(player(&url, Some(&code), "cat"));
    frames_until(&mut apps, 300, "three connected players", |a| {
        a.iter()
            .all(|app| view(app).status == Status::Connected && view(app).players.len() == 3)
    })
    .await;

    // The host (ann, first in) starts round 1 and places the coin; bots
    // chase it; the host awards points.
    frames_until(&mut apps, 600, "five points scored", |a| {
        scores(&a[0]).iter().map(|(_, s)| s).sum::<i64>() >= 5
    })
    .await;
    // Everyone agrees on the scores, the coin and the round once settled.
    frames_until(&mut apps, 300, "agreement", |a| {
        let (s0, c0) = (
            scores(&a[0]),
            coin_of(a[0].world().resource::<CoinopRoom>()),
        );
        a.iter()
            .all(|app| scores(app) == s0 && coin_of(app.world().resource::<CoinopRoom>()) == c0)
    })
    .await;
    let round = round_of(apps[0].world().resource::<CoinopRoom>()).expect("round");
    assert_eq!(round.number, 1);

    // A late joiner sees the round, the scores and everyone's position.
    let before = scores(&apps[0]);
    let mut late = vec![player(&url, Some(&code), "dan")];
    frames_until(&mut late, 300, "the late joiner's view", |a| {
        let v = view(&a[0]);
        v.round.as_ref() == Some(&round)
            && v.players.len() == 4
            && v.players
                .iter()
                .filter(|p| !p.is_me)
                .all(|p| p.pos.is_some())
    })
    .await;
    let seen: Vec<(String, i64)> = scores(&late[0])
        .into_iter()
        .filter(|(n, _)| n != "dan")
        .collect();
    let mut expected = before.clone();
    expected.retain(|(n, _)| n != "dan");
    // Points may have been scored meanwhile: never fewer than before.
    let total = |s: &[(String, i64)]| s.iter().map(|(_, p)| p).sum::<i64>();
    assert!(
        total(&seen) >= total(&expected),
        "late joiner sees {seen:?}, before {expected:?}"
    );

    // The host leaves; the next host keeps refereeing from the same state.
    apps[0].world_mut().write_message(AppExit::Success);
    apps[0].update();
    let mut rest: Vec<App> = apps.drain(1..).collect();
    rest.extend(late);
    let total_now = total(&scores(&rest[0]));
    frames_until(&mut rest, 600, "a point awarded by the new host", |a| {
        let v = view(&a[0]);
        v.players.len() == 3
            && total(&scores(&a[0])) > total_now
            && v.players.iter().any(|p| p.is_host)
    })
    .await;
    relay.shutdown().await;
}
