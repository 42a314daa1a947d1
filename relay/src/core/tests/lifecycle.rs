//! Kicks that stick, the room's owner, deleting a room.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::core::*;
use coinop_protocol::*;

/// A room owned by `owner`, with `players` seated in order (conns 1, 2, …).
fn owned_room(owner: &str, players: &[&str]) -> RoomState {
    let mut meta = meta(8, 0);
    meta.owner = Some(pid(owner));
    let mut room = RoomState::new(meta, RoomLimits::default());
    for (i, p) in players.iter().enumerate() {
        seat(&mut room, i as u64 + 1, p);
    }
    room
}

fn fatal_code(effects: &[Effect], conn: u64) -> Option<ErrorCode> {
    sent_to(effects, conn).into_iter().find_map(|m| match m {
        RelayMessage::Error {
            code, fatal: true, ..
        } => Some(code),
        _ => None,
    })
}

fn error_code(effects: &[Effect], conn: u64) -> Option<ErrorCode> {
    sent_to(effects, conn).into_iter().find_map(|m| match m {
        RelayMessage::Error { code, .. } => Some(code),
        _ => None,
    })
}

fn bans(effects: &[Effect]) -> Vec<(PlayerId, bool)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SetBanned { player, banned } => Some((player.clone(), *banned)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_kicked_player_stays_out_until_the_host_unbans_them() {
    let mut room = owned_room("alice", &["alice", "mallory"]);
    let kick = ClientMessage::Kick {
        player: pid("mallory"),
    };
    let fx = room.handle(msg(1, kick), T0);
    assert_eq!(bans(&fx), [(pid("mallory"), true)]);
    assert_eq!(fatal_code(&fx, 2), Some(ErrorCode::KICKED));
    // Straight back in: refused, seated nowhere.
    let fx = seat(&mut room, 3, "mallory");
    assert_eq!(fatal_code(&fx, 3), Some(ErrorCode::KICKED));
    assert_eq!(closes(&fx), [(3, close_code::POLICY)]);
    assert_eq!(room.players().len(), 1);
    // Only the host may unban.
    let bob = seat(&mut room, 4, "bob");
    assert!(fatal_code(&bob, 4).is_none());
    let unban = || ClientMessage::Unban {
        player: pid("mallory"),
    };
    let fx = room.handle(msg(4, unban()), T0);
    assert_eq!(error_code(&fx, 4), Some(ErrorCode::NOT_HOST));
    let fx = room.handle(msg(1, unban()), T0);
    assert_eq!(bans(&fx), [(pid("mallory"), false)]);
    let fx = seat(&mut room, 5, "mallory");
    assert!(matches!(sent_to(&fx, 5)[0], RelayMessage::Welcome(_)));
}

#[test]
fn bans_loaded_with_the_room_refuse_joins() {
    let mut room = RoomState::new(meta(8, 0), RoomLimits::default()).with_banned([pid("mallory")]);
    assert_eq!(room.banned().cloned().collect::<Vec<_>>(), [pid("mallory")]);
    let fx = seat(&mut room, 1, "mallory");
    assert_eq!(fatal_code(&fx, 1), Some(ErrorCode::KICKED));
}

#[test]
fn the_owner_takes_the_host_on_arrival_and_cannot_be_kicked() {
    // Mallory is first into the (re)loaded room: host for now.
    let mut room = owned_room("alice", &["mallory"]);
    assert_eq!(room.host(), Some(&pid("mallory")));
    let fx = seat(&mut room, 2, "alice");
    assert_eq!(room.host(), Some(&pid("alice")));
    assert!(sent_to(&fx, 1).contains(&RelayMessage::HostChanged {
        host: Some(pid("alice"))
    }));
    let welcome = sent_to(&fx, 2).into_iter().find_map(|m| match m {
        RelayMessage::Welcome(w) => Some(w),
        _ => None,
    });
    assert_eq!(welcome.unwrap().host, Some(pid("alice")));
    // The owner hands the host over; the new host cannot kick the owner.
    room.handle(
        msg(2, ClientMessage::TransferHost { to: pid("mallory") }),
        T0,
    );
    let kick = ClientMessage::Kick {
        player: pid("alice"),
    };
    let fx = room.handle(msg(1, kick), T0);
    assert_eq!(error_code(&fx, 1), Some(ErrorCode::NOT_OWNER));
    assert_eq!(room.players().len(), 2);
    // When the host leaves, the seated owner is elected before earlier seats.
    let mut room = owned_room("alice", &["mallory", "bob", "alice"]);
    room.handle(
        msg(3, ClientMessage::TransferHost { to: pid("mallory") }),
        T0,
    );
    room.handle(msg(1, ClientMessage::Leave), T0);
    assert_eq!(room.host(), Some(&pid("alice")));
}

#[test]
fn only_the_owner_deletes_and_everyone_is_closed() {
    let mut room = owned_room("alice", &["alice", "bob"]);
    let fx = room.handle(msg(2, ClientMessage::DeleteRoom), T0);
    assert_eq!(error_code(&fx, 2), Some(ErrorCode::NOT_OWNER));
    assert!(!room.is_deleted());
    let fx = room.handle(msg(1, ClientMessage::DeleteRoom), T0);
    assert_eq!(fatal_code(&fx, 1), Some(ErrorCode::ROOM_DELETED));
    assert_eq!(fatal_code(&fx, 2), Some(ErrorCode::ROOM_DELETED));
    assert_eq!(closes(&fx).len(), 2);
    assert!(fx.contains(&Effect::DeleteRoom));
    assert!(room.is_deleted() && room.is_idle());
    // A join that reaches the room before it unloads is refused.
    let fx = seat(&mut room, 3, "carol");
    assert_eq!(fatal_code(&fx, 3), Some(ErrorCode::ROOM_DELETED));
    // A room without an owner cannot be deleted from inside.
    let mut room = room_with(&["alice"]);
    let fx = room.handle(msg(1, ClientMessage::DeleteRoom), T0);
    assert_eq!(error_code(&fx, 1), Some(ErrorCode::NOT_OWNER));
}
