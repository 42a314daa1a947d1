//! Seats, host, presence, RPC.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::core::*;
use coinop_protocol::*;

#[test]
fn grace_period_hides_short_drops_and_then_player_leaves() {
    let mut room = room_with(&["alice", "bob"]);
    let fx = room.handle(Input::Disconnected { conn: ConnId(2) }, T0 + 10);
    assert!(sent_to(&fx, 1).is_empty());
    assert_eq!(room.next_deadline(), Some(T0 + 5_010));
    // Reconnect inside the grace period: no leave, no join.
    let fx = room.handle(
        Input::Join {
            conn: ConnId(3),
            join: join("bob", None),
        },
        T0 + 1_000,
    );
    assert!(sent_to(&fx, 1).is_empty());
    room.handle(Input::Disconnected { conn: ConnId(3) }, T0 + 2_000);
    let fx = room.handle(Input::Tick, T0 + 6_999);
    assert!(sent_to(&fx, 1).is_empty());
    let fx = room.handle(Input::Tick, T0 + 7_000);
    assert_eq!(
        sent_to(&fx, 1),
        [RelayMessage::PlayerLeft { player: pid("bob") }]
    );
}

#[test]
fn same_player_on_a_new_connection_replaces_the_old_one() {
    let mut room = room_with(&["alice"]);
    let fx = room.handle(
        Input::Join {
            conn: ConnId(9),
            join: join("alice", None),
        },
        T0,
    );
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Error { code, fatal: true, .. }] if *code == ErrorCode::REPLACED)
    );
    assert_eq!(closes(&fx), [(1, close_code::POLICY)]);
    assert!(matches!(sent_to(&fx, 9)[0], RelayMessage::Welcome(_)));
}

#[test]
fn room_full_refuses_new_players_but_not_seated_ones() {
    let mut room = RoomState::new(meta(1, 5_000), RoomLimits::default());
    room.handle(
        Input::Join {
            conn: ConnId(1),
            join: join("alice", None),
        },
        T0,
    );
    let fx = room.handle(
        Input::Join {
            conn: ConnId(2),
            join: join("bob", None),
        },
        T0,
    );
    assert!(
        matches!(&sent_to(&fx, 2)[..], [RelayMessage::Error { code, .. }] if *code == ErrorCode::ROOM_FULL)
    );
    assert_eq!(closes(&fx), [(2, close_code::POLICY)]);
    room.handle(Input::Disconnected { conn: ConnId(1) }, T0);
    let fx = room.handle(
        Input::Join {
            conn: ConnId(3),
            join: join("alice", None),
        },
        T0,
    );
    assert!(matches!(sent_to(&fx, 3)[0], RelayMessage::Welcome(_)));
}

#[test]
fn host_transfer_kick_and_reelection() {
    let mut room = room_with(&["alice", "bob", "carol"]);
    let fx = room.handle(msg(2, ClientMessage::TransferHost { to: pid("carol") }), T0);
    assert!(
        matches!(&sent_to(&fx, 2)[..], [RelayMessage::Error { code, .. }] if *code == ErrorCode::NOT_HOST)
    );
    let fx = room.handle(msg(1, ClientMessage::TransferHost { to: pid("carol") }), T0);
    assert_eq!(
        sent_to(&fx, 2),
        [RelayMessage::HostChanged {
            host: Some(pid("carol"))
        }]
    );
    let fx = room.handle(msg(3, ClientMessage::Kick { player: pid("bob") }), T0);
    assert!(
        matches!(&sent_to(&fx, 2)[..], [RelayMessage::Error { code, fatal: true, .. }] if *code == ErrorCode::KICKED)
    );
    assert_eq!(
        sent_to(&fx, 1),
        [RelayMessage::PlayerLeft { player: pid("bob") }]
    );
    let fx = room.handle(msg(3, ClientMessage::Leave), T0);
    assert_eq!(
        sent_to(&fx, 1),
        [
            RelayMessage::PlayerLeft {
                player: pid("carol")
            },
            RelayMessage::HostChanged {
                host: Some(pid("alice"))
            },
        ]
    );
    assert_eq!(closes(&fx), [(3, close_code::NORMAL)]);
}

#[test]
fn rpc_routes_by_target_and_answers_for_absent_players() {
    let mut room = room_with(&["alice", "bob"]);
    let rpc = |target, want_reply| ClientMessage::Rpc {
        call: CallId(1),
        target,
        name: "hi".into(),
        payload: Bytes::new(),
        want_reply,
    };
    let fx = room.handle(msg(2, rpc(RpcTarget::Host, true)), T0);
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Rpc { from, .. }] if *from == pid("bob"))
    );
    let fx = room.handle(msg(2, rpc(RpcTarget::All, false)), T0);
    assert_eq!((sent_to(&fx, 1).len(), sent_to(&fx, 2).len()), (1, 1));
    let fx = room.handle(msg(2, rpc(RpcTarget::Others, false)), T0);
    assert_eq!((sent_to(&fx, 1).len(), sent_to(&fx, 2).len()), (1, 0));
    let fx = room.handle(msg(1, rpc(RpcTarget::Player(pid("zed")), true)), T0);
    assert!(matches!(
        &sent_to(&fx, 1)[..],
        [RelayMessage::RpcReply {
            outcome: RpcOutcome::Err(_),
            ..
        }]
    ));
    let reply = ClientMessage::RpcReply {
        call: CallId(1),
        to: pid("bob"),
        outcome: RpcOutcome::Ok(Bytes::new()),
    };
    let fx = room.handle(msg(1, reply), T0);
    assert!(
        matches!(&sent_to(&fx, 2)[..], [RelayMessage::RpcReply { from, .. }] if *from == pid("alice"))
    );
}

#[test]
fn unreliable_values_are_kept_forwarded_and_cleared_on_leave() {
    let mut room = room_with(&["alice", "bob"]);
    let set = ClientMessage::Unreliable {
        target: StateTarget::Player(pid("bob")),
        key: "pos".into(),
        value: Bytes::from_static(b"1"),
    };
    let fx = room.handle(msg(2, set), T0);
    assert!(matches!(
        &fx[..],
        [Effect::Send {
            conn: ConnId(1),
            delivery: Delivery::Unreliable(_),
            ..
        }]
    ));
    let fx = room.handle(
        Input::Join {
            conn: ConnId(3),
            join: join("carol", None),
        },
        T0,
    );
    assert!(matches!(&sent_to(&fx, 3)[0], RelayMessage::Welcome(w) if w.unreliable.len() == 1));
    room.handle(msg(2, ClientMessage::Leave), T0);
    let fx = room.handle(
        Input::Join {
            conn: ConnId(4),
            join: join("dave", None),
        },
        T0,
    );
    assert!(matches!(&sent_to(&fx, 4)[0], RelayMessage::Welcome(w) if w.unreliable.is_empty()));
    let bad = ClientMessage::Unreliable {
        target: StateTarget::Player(pid("zed")),
        key: "k".into(),
        value: Bytes::new(),
    };
    let fx = room.handle(msg(1, bad), T0);
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Error { code, .. }] if *code == ErrorCode::NO_SUCH_PLAYER)
    );
}

#[test]
fn second_join_is_unexpected_and_fatal() {
    let mut room = room_with(&["alice"]);
    let fx = room.handle(msg(1, ClientMessage::Join(join("alice", None))), T0);
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Error { code, fatal: true, .. }] if *code == ErrorCode::UNEXPECTED_MESSAGE)
    );
    assert_eq!(closes(&fx), [(1, close_code::POLICY)]);
}

#[test]
fn unreliable_values_keep_first_write_order_and_are_bounded() {
    let limits = RoomLimits {
        max_unreliable_values: 2,
        max_key_bytes: 4,
        ..RoomLimits::default()
    };
    let mut room = room_with_alice(limits);
    let set = |key: &str, v: &'static [u8]| ClientMessage::Unreliable {
        target: StateTarget::Room,
        key: key.into(),
        value: Bytes::from_static(v),
    };
    for (key, v) in [("b", &b"1"[..]), ("a", b"2"), ("b", b"3")] {
        assert!(sent_to(&room.handle(msg(1, set(key, v)), T0), 1).is_empty());
    }
    let fx = room.handle(msg(1, set("c", b"4")), T0);
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Error { code, .. }] if *code == ErrorCode::INVALID_FIELD)
    );
    let fx = room.handle(msg(1, set("toolong", b"5")), T0);
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Error { code, .. }] if *code == ErrorCode::INVALID_FIELD)
    );
    let fx = room.handle(
        Input::Join {
            conn: ConnId(2),
            join: join("bob", None),
        },
        T0,
    );
    let RelayMessage::Welcome(w) = &sent_to(&fx, 2)[0] else {
        panic!()
    };
    let got: Vec<(&str, &[u8])> = w
        .unreliable
        .iter()
        .map(|v| (v.key.as_str(), &v.value[..]))
        .collect();
    assert_eq!(got, [("b", &b"3"[..]), ("a", b"2")]);
}
