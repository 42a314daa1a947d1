//! Persistent data, matchmaking and public rooms, stream screens and
//! spectators: the SDK against the real relay on 127.0.0.1:0.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use coinop::{Error, ErrorCode, Identity, Reliability, Role, public_rooms};
use common::{base_url, builder, builder_as, eventually, join, relay};
use std::collections::HashMap;
use std::time::Duration;

#[tokio::test]
async fn persistent_data_outlives_the_room_and_follows_the_identity() {
    let relay = relay().await;
    let url = base_url(&relay);
    let alice = Identity::generate().unwrap();
    let (room, _t) = join(builder_as(&url, "pd-one", "alice", alice.clone())).await;
    assert_eq!(
        room.get_persistent_data::<u32>("coins").await.unwrap(),
        None
    );
    room.set_persistent_data("coins", &42).await.unwrap();
    room.insert_persistent_data("scores", &7).await.unwrap();
    room.insert_persistent_data("scores", &9).await.unwrap();
    room.leave();

    // Another room, another session, the same identity: the same data.
    let (room, _t) = join(builder_as(&url, "pd-two", "alice", alice)).await;
    assert_eq!(
        room.get_persistent_data::<u32>("coins").await.unwrap(),
        Some(42)
    );
    let scores: Vec<u32> = room.get_persistent_data("scores").await.unwrap().unwrap();
    assert_eq!(scores, [7, 9]);
    room.delete_persistent_data("coins").await.unwrap();
    assert_eq!(
        room.get_persistent_data::<u32>("coins").await.unwrap(),
        None
    );
    // A limit's refusal carries its code.
    let big = "x".repeat(70 * 1024);
    let err = room.set_persistent_data("big", &big).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::PERSISTENT_VALUE_TOO_LARGE));

    // Someone else sees none of it.
    let (bob, _t) = join(builder(&url, "pd-two", "bob")).await;
    assert_eq!(
        bob.get_persistent_data::<Vec<u32>>("scores").await.unwrap(),
        None
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn fifty_players_matchmade_concurrently_fill_thirteen_rooms() {
    let relay = relay().await;
    let url = base_url(&relay);
    let joins = (0..50).map(|i| {
        let b = builder(&url, "ignored", &format!("p{i}"))
            .game("party")
            .max_players(4)
            .matchmaking(Duration::ZERO);
        tokio::spawn(join(b))
    });
    let mut rooms: HashMap<String, usize> = HashMap::new();
    let mut seated = Vec::new();
    for joined in futures_util::future::join_all(joins).await {
        let (room, task) = joined.unwrap();
        *rooms
            .entry(room.room_code().unwrap().to_string())
            .or_default() += 1;
        seated.push((room, task));
    }
    assert_eq!(rooms.len(), 13, "{rooms:?}");
    assert!(rooms.values().all(|n| *n <= 4), "{rooms:?}");
    for (room, _) in &seated {
        assert!(room.players().len() <= 4);
    }
    let listed = public_rooms(&url, "party").await.unwrap();
    assert_eq!(listed.len(), 13);
    assert!(
        listed
            .iter()
            .all(|r| r.players <= r.max_players && r.max_players == 4)
    );
    assert_eq!(
        listed.iter().map(|r| usize::from(r.players)).sum::<usize>(),
        50
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn start_matchmaking_opens_the_hosts_room_to_waiting_players() {
    let relay = relay().await;
    let url = base_url(&relay);
    let (host, _t) = join(builder(&url, "party-room", "host").game("quiz")).await;
    let waiting = tokio::spawn(join(
        builder(&url, "ignored", "guest")
            .game("quiz")
            .matchmaking(Duration::from_secs(5)),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    host.start_matchmaking().await.unwrap();
    let (guest, _t) = tokio::time::timeout(Duration::from_secs(3), waiting)
        .await
        .expect("seated before the wait ended")
        .unwrap();
    assert_eq!(guest.room_code().unwrap().as_str(), "party-room");
    let err = guest.start_matchmaking().await.unwrap_err();
    assert!(matches!(err, Error::NotHost));
    relay.shutdown().await;
}

#[tokio::test]
async fn a_stream_screen_and_a_spectator_are_in_the_roster_but_not_players() {
    let relay = relay().await;
    let url = base_url(&relay);
    let (tv, _t) = join(builder(&url, "tv", "tv").role(Role::StreamScreen)).await;
    assert!(tv.is_stream_screen());
    assert!(tv.is_host(), "the screen runs the show");
    let (phone, _t) = join(builder(&url, "tv", "phone")).await;
    let (watcher, _t) = join(builder(&url, "tv", "watcher").role(Role::Spectator)).await;
    eventually("everyone sees the three members", || {
        tv.members().len() == 3 && phone.members().len() == 3
    })
    .await;
    let roles: Vec<Role> = tv.members().iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::StreamScreen, Role::Player, Role::Spectator]);
    assert_eq!(tv.players().len(), 1, "only the phone is a player");
    assert!(!phone.is_stream_screen());

    // The spectator reads but may not write.
    tv.set_state("round", &1, Reliability::Reliable).unwrap();
    eventually("the spectator reads the round", || {
        watcher.get_state::<u32>("round") == Some(1)
    })
    .await;
    let err = watcher
        .set_state("round", &2, Reliability::Reliable)
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::READ_ONLY));
    assert!(watcher.is_saved());
    relay.shutdown().await;
}
