//! Seats carried over from a draining node: restored in grace, rejoined
//! silently, expired like any dropped seat.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::core::*;
use coinop_protocol::*;

#[test]
fn handed_over_seats_are_rejoined_silently_under_the_same_host() {
    let mut old = room_with(&["alice", "bob", "carol"]);
    old.handle(
        Input::Message {
            conn: ConnId(1),
            msg: ClientMessage::TransferHost { to: pid("bob") },
        },
        T0 + 10,
    );
    // Carol's connection dropped before the drain; the others' with it.
    old.handle(Input::Disconnected { conn: ConnId(3) }, T0 + 100);
    let handoff = old.handoff(T0 + 1_000).unwrap();
    let stored = Handoff::from_bytes(&handoff.to_bytes()).unwrap();
    assert_eq!(stored, handoff);

    let mut new = RoomState::new(meta(8, 5_000), RoomLimits::default());
    new.restore(stored, T0 + 1_200);
    assert_eq!(new.host(), Some(&pid("bob")));
    assert_eq!(new.public_game(), None, "a private room stays private");
    // Each seat's grace runs from when its connection dropped.
    assert_eq!(new.next_deadline(), Some(T0 + 5_100));
    let fx = new.handle(
        Input::Join {
            conn: ConnId(7),
            join: join("alice", None),
        },
        T0 + 1_300,
    );
    let RelayMessage::Welcome(w) = &sent_to(&fx, 7)[0] else {
        panic!("no welcome")
    };
    let seated: Vec<_> = w.players.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(seated, ["alice", "bob", "carol"]);
    assert_eq!(w.host, Some(pid("bob")));
    let fx = new.handle(
        Input::Join {
            conn: ConnId(8),
            join: join("bob", None),
        },
        T0 + 1_400,
    );
    assert!(sent_to(&fx, 7).is_empty(), "alice hears nothing of bob");
    // Carol never came back: she leaves when her grace runs out.
    let fx = new.handle(Input::Tick, T0 + 5_100);
    let left = RelayMessage::PlayerLeft {
        player: pid("carol"),
    };
    assert_eq!(sent_to(&fx, 7), std::slice::from_ref(&left));
    assert_eq!(sent_to(&fx, 8), [left]);
    assert_eq!(new.next_deadline(), None);
}

#[test]
fn expired_and_banned_seats_do_not_come_over() {
    let old = room_with(&["alice", "bob"]);
    let handoff = old.handoff(T0 + 1_000).unwrap();
    let mut new = RoomState::new(meta(8, 5_000), RoomLimits::default());
    // Loaded after the grace period of every seat.
    new.restore(handoff.clone(), T0 + 6_000);
    assert!(new.players().is_empty());
    assert_eq!(new.host(), None);
    let mut new = RoomState::new(meta(8, 5_000), RoomLimits::default()).with_banned([pid("alice")]);
    new.restore(handoff, T0 + 2_000);
    let seated: Vec<_> = new.players().into_iter().map(|p| p.id).collect();
    assert_eq!(seated, [pid("bob")]);
    assert_eq!(new.host(), Some(&pid("bob")));
    assert!(room_with(&[]).handoff(T0).is_none());
}

#[test]
fn a_public_room_stays_public_on_its_next_node() {
    let mut old = RoomState::new(meta(8, 5_000), RoomLimits::default());
    let join = join("alice", None)
        .with_game(Some("chess".into()))
        .with_matchmaking(Matchmaking {
            wait_before_creating_ms: 0,
        });
    old.handle(
        Input::Join {
            conn: ConnId(1),
            join,
        },
        T0,
    );
    assert_eq!(old.public_game(), Some("chess"));
    let handoff = Handoff::from_bytes(&old.handoff(T0 + 10).unwrap().to_bytes()).unwrap();
    let mut new = RoomState::new(meta(8, 5_000), RoomLimits::default());
    new.restore(handoff, T0 + 20);
    assert_eq!(new.public_game(), Some("chess"));
    assert_eq!(new.player_ids(), [pid("alice")]);
}
