//! Bot seats: never the host, and handed to a new host with a fresh grace.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::core::*;
use coinop_protocol::*;

/// Hands `join` on connection `conn` to the room at `at`.
fn seat(room: &mut RoomState, conn: u64, join: Join, at: u64) -> Vec<Effect> {
    room.handle(
        Input::Join {
            conn: ConnId(conn),
            join,
        },
        at,
    )
}

/// Alice (conn 1, host) and Bob (conn 2), then a bot Alice runs (conn 3).
fn room_with_bot() -> RoomState {
    let mut room = room_with(&["alice", "bob"]);
    let bot = join("robo", None).with_bot_of(pid("alice"));
    let fx = seat(&mut room, 3, bot, T0 + 5);
    assert!(matches!(sent_to(&fx, 3)[0], RelayMessage::Welcome(_)));
    room
}

#[test]
fn a_bot_seat_is_flagged_and_only_the_connected_host_runs_one() {
    let mut room = room_with_bot();
    let players = room.players();
    assert_eq!(
        players.iter().map(|p| p.bot).collect::<Vec<_>>(),
        [false, false, true]
    );
    // Bob is not the host: his bot is refused.
    let other = join("robo2", None).with_bot_of(pid("bob"));
    let fx = seat(&mut room, 4, other, T0 + 6);
    assert!(
        matches!(&sent_to(&fx, 4)[..], [RelayMessage::Error { code, fatal: true, .. }] if *code == ErrorCode::BOT_OWNER_NOT_HOST)
    );
    // A seat keeps its kind.
    let fx = seat(&mut room, 5, join("robo", None), T0 + 7);
    assert!(
        matches!(&sent_to(&fx, 5)[..], [RelayMessage::Error { code, .. }] if *code == ErrorCode::NOT_A_BOT_SEAT)
    );
    assert_eq!(room.players().len(), 3);
}

#[test]
fn when_the_host_expires_its_bots_wait_a_grace_period_for_the_new_host() {
    let mut room = room_with_bot();
    // Alice's page closes: her connection and her bot's drop together.
    room.handle(Input::Disconnected { conn: ConnId(1) }, T0 + 100);
    room.handle(Input::Disconnected { conn: ConnId(3) }, T0 + 100);
    let fx = room.handle(Input::Tick, T0 + 5_100);
    // Bob, not the bot, is the new host; the bot is still seated.
    assert_eq!(
        sent_to(&fx, 2),
        [
            RelayMessage::PlayerLeft {
                player: pid("alice")
            },
            RelayMessage::HostChanged {
                host: Some(pid("bob"))
            },
        ]
    );
    // Bob's client takes the bot over within the renewed grace period:
    // no leave, no join for anyone.
    let take_over = join("robo", None).with_bot_of(pid("bob"));
    let fx = seat(&mut room, 4, take_over, T0 + 9_000);
    assert!(sent_to(&fx, 2).is_empty());
    assert!(matches!(sent_to(&fx, 4)[0], RelayMessage::Welcome(_)));
    let fx = room.handle(Input::Tick, T0 + 20_000);
    assert!(sent_to(&fx, 2).is_empty());
    assert_eq!(room.players().len(), 2);
}
