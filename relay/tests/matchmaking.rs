//! Matchmaking and public rooms against the real relay: concurrent players
//! fill the fullest open room first and never overfill one; rooms are
//! listed with their player counts; a host opens its room to matchmaking.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use coinop_relay::{Relay, RelayConfig};
use std::collections::HashMap;
use support::*;

fn matchmade(player: &str, game: &str, wait_ms: u32) -> Join {
    Join::new(RoomRequest::New, pid(player), secret_for(player))
        .with_game(game.to_owned())
        .with_matchmaking(Matchmaking {
            wait_before_creating_ms: wait_ms,
        })
}

/// Asks the relay to open `c`'s room to matchmaking; returns its answer.
async fn start_matchmaking(c: &mut Client) -> ReplyOutcome {
    let request = ClientMessage::StartMatchmaking {
        request: 5,
        game: None,
    };
    c.send(&request).await;
    match c
        .recv_until(|m| matches!(m, RelayMessage::Reply { request: 5, .. }))
        .await
    {
        RelayMessage::Reply { outcome, .. } => outcome,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn fifty_concurrent_players_fill_thirteen_rooms_of_four() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let url = relay.ws_url();
    let joins = (0..50).map(|i| {
        let url = url.clone();
        let join = matchmade(&format!("p{i}"), "party", 0).with_max_players(4);
        tokio::spawn(async move { Client::join(&url, join).await })
    });
    let mut clients = Vec::new();
    let mut rooms: HashMap<RoomCode, usize> = HashMap::new();
    for joined in futures_util::future::join_all(joins).await {
        let (client, joined) = joined.unwrap();
        let w = joined.welcome;
        assert_eq!(w.max_players, 4);
        assert!(w.players.len() <= 4, "{} over the cap", w.room);
        *rooms.entry(w.room).or_default() += 1;
        clients.push(client);
    }
    assert_eq!(rooms.len(), 13, "{rooms:?}");
    assert!(rooms.values().all(|n| *n <= 4));
    assert_eq!(rooms.values().filter(|n| **n == 4).count(), 12);

    // The listing shows them, fullest first; another game has none.
    let (status, body) = http_get(relay.local_addr(), "/games/party/rooms", &[]).await;
    assert_eq!(status, 200);
    let listed: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(listed.len(), 13);
    assert_eq!(listed[0]["players"], 4);
    assert_eq!(listed[0]["maxPlayers"], 4);
    assert_eq!(listed[12]["players"], 2);
    let (_, other) = http_get(relay.local_addr(), "/games/other/rooms", &[]).await;
    assert_eq!(other, "[]");
    relay.shutdown().await;
}

#[tokio::test]
async fn a_waiting_player_gets_the_room_a_host_opens_and_needs_a_game_id() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let url = relay.ws_url();
    let (mut host, _) =
        Client::join(&url, join_msg("PRIV", "host").with_game("quiz".to_owned())).await;
    // Waiting up to 5 s for a public room of "quiz"...
    let waiting = tokio::spawn({
        let url = url.clone();
        async move { Client::join(&url, matchmade("guest", "quiz", 5_000)).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // ...the host opens its private room, and the guest is seated there.
    assert_eq!(start_matchmaking(&mut host).await, ReplyOutcome::Done);
    let (_guest, joined) = tokio::time::timeout(std::time::Duration::from_secs(3), waiting)
        .await
        .expect("seated before the wait ended")
        .unwrap();
    assert_eq!(joined.welcome.room.as_str(), "PRIV");

    // Only the host may open a room.
    let (mut other, _) = Client::join(&url, join_msg("PRIV", "other")).await;
    let refused = start_matchmaking(&mut other).await;
    assert!(
        matches!(
            refused,
            ReplyOutcome::Refused {
                code: ErrorCode::NOT_HOST,
                ..
            }
        ),
        "{refused:?}"
    );

    // Matchmaking without a game id is refused at the join.
    let no_game = Join::new(RoomRequest::New, pid("lost"), secret_for("lost")).with_matchmaking(
        Matchmaking {
            wait_before_creating_ms: 0,
        },
    );
    let mut c = Client::connect(&url).await;
    c.send(&ClientMessage::Join(no_game)).await;
    assert_eq!(c.expect_fatal().await.0, Some(ErrorCode::GAME_ID_REQUIRED));
    relay.shutdown().await;
}
