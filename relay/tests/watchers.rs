//! Stream screens and spectators against the real relay: in the roster
//! with their role, without a player seat; spectators read-only.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use coinop_relay::{Relay, RelayConfig};
use support::*;

#[tokio::test]
async fn watchers_take_no_player_seat_and_spectators_cannot_write() {
    let config = RelayConfig {
        max_watchers: 3,
        ..RelayConfig::for_tests()
    };
    let relay = Relay::start(config).await.unwrap();
    let url = relay.ws_url();
    let tv = join_msg("TV", "tv")
        .with_role(Role::StreamScreen)
        .with_max_players(1);
    let (mut tv, joined) = Client::join(&url, tv).await;
    assert_eq!(joined.welcome.players[0].role, Role::StreamScreen);
    // The screen is host (it runs the show) and the one player seat is free.
    assert_eq!(joined.welcome.host, Some(pid("tv")));
    let (_phone, joined) = Client::join_seen_by(&url, join_msg("TV", "phone"), &mut tv).await;
    let roles: Vec<Role> = joined.welcome.players.iter().map(|p| p.role).collect();
    assert_eq!(roles, [Role::StreamScreen, Role::Player]);

    let watcher = join_msg("TV", "watcher").with_role(Role::Spectator);
    let (mut watcher, joined) = Client::join(&url, watcher).await;
    assert_eq!(joined.welcome.players[2].role, Role::Spectator);
    let joined_msg = tv
        .recv_until(|m| matches!(m, RelayMessage::PlayerJoined(_)))
        .await;
    let RelayMessage::PlayerJoined(info) = joined_msg else {
        unreachable!()
    };
    assert_eq!(info.role, Role::Spectator);

    // A spectator's writes are refused with READ_ONLY; it stays connected.
    let change = Doc::new().change("score", 1);
    let refused = watcher.try_publish(1, vec![change]).await;
    assert_eq!(refused, Err(ErrorCode::READ_ONLY));
    watcher
        .send(&ClientMessage::Unreliable {
            target: StateTarget::Room,
            key: "cursor".into(),
            value: Bytes::from_static(b"1"),
        })
        .await;
    let error = watcher
        .recv_until(|m| matches!(m, RelayMessage::Error { .. }))
        .await;
    assert!(matches!(
        error,
        RelayMessage::Error {
            code: ErrorCode::READ_ONLY,
            fatal: false,
            ..
        }
    ));
    // Reads go on: the stream screen writes, the spectator receives it.
    tv.publish(1, vec![Doc::new().change("round", 1)]).await;
    watcher
        .recv_until(|m| matches!(m, RelayMessage::Changes { .. }))
        .await;

    // The room's one player seat is taken; watchers are capped separately.
    let mut late = Client::connect(&url).await;
    late.send(&ClientMessage::Join(join_msg("TV", "late")))
        .await;
    assert_eq!(late.expect_fatal().await.0, Some(ErrorCode::ROOM_FULL));
    let second = join_msg("TV", "second").with_role(Role::Spectator);
    let (_second, _) = Client::join(&url, second).await;
    let mut third = Client::connect(&url).await;
    let third_join = join_msg("TV", "third").with_role(Role::Spectator);
    third.send(&ClientMessage::Join(third_join)).await;
    assert_eq!(third.expect_fatal().await.0, Some(ErrorCode::WATCHERS_FULL));
    relay.shutdown().await;
}

#[tokio::test]
async fn a_spectator_is_never_host() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let url = relay.ws_url();
    let first = join_msg("EMPTY", "watcher").with_role(Role::Spectator);
    let (mut watcher, joined) = Client::join(&url, first).await;
    assert_eq!(
        joined.welcome.host, None,
        "alone, a spectator does not host"
    );
    let (mut player, joined) =
        Client::join_seen_by(&url, join_msg("EMPTY", "player"), &mut watcher).await;
    assert_eq!(joined.welcome.host, Some(pid("player")));
    player
        .send(&ClientMessage::TransferHost { to: pid("watcher") })
        .await;
    let refused = player
        .recv_until(|m| matches!(m, RelayMessage::Error { .. }))
        .await;
    assert!(matches!(
        refused,
        RelayMessage::Error {
            code: ErrorCode::INVALID_FIELD,
            ..
        }
    ));
    relay.shutdown().await;
}
