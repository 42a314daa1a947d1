//! Unit tests of the sans-IO room: no tokio, time passed by hand.
#![allow(clippy::unwrap_used)]

mod actor_seq;
mod bots;
mod causality;
mod folded;
mod foreign_actor;
mod handoff;
mod lifecycle;
mod props;
mod reliable;
mod roster;
mod write_rules;

use super::*;
use automerge::transaction::Transactable;
use coinop_protocol::*;

pub(super) const T0: u64 = 1_000_000;

pub(super) fn meta(max_players: u16, grace_ms: u64) -> RoomMeta {
    RoomMeta {
        code: RoomCode::new("ABCD").unwrap(),
        epoch: 42,
        max_players,
        grace_ms,
        created_ms: T0,
        owner: None,
        rules: Default::default(),
    }
}

pub(super) fn join(player: &str, since: Option<RoomCursor>) -> Join {
    Join::new(
        RoomCode::new("ABCD").unwrap(),
        PlayerId::new(player).unwrap(),
        Secret::new(vec![7; 16]).unwrap(),
    )
    .with_since(since)
}

/// A room with `limits` that alice (conn 1) has joined.
pub(super) fn room_with_alice(limits: RoomLimits) -> RoomState {
    let mut room = RoomState::new(meta(8, 0), limits);
    room.handle(
        Input::Join {
            conn: ConnId(1),
            join: join("alice", None),
        },
        T0,
    );
    room
}

pub(super) fn pid(s: &str) -> PlayerId {
    PlayerId::new(s).unwrap()
}

/// Frames sent to `conn`, decoded.
pub(super) fn sent_to(effects: &[Effect], conn: u64) -> Vec<RelayMessage> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { conn: c, frame, .. } if c.0 == conn => RelayMessage::decode(frame).ok(),
            _ => None,
        })
        .collect()
}

pub(super) fn closes(effects: &[Effect]) -> Vec<(u64, u16)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Close { conn, code, .. } => Some((conn.0, *code)),
            _ => None,
        })
        .collect()
}

pub(super) fn persist_upto(effects: &[Effect]) -> Option<Seq> {
    effects.iter().find_map(|e| match e {
        Effect::Persist { entries } => entries.last().map(|e| e.seq),
        _ => None,
    })
}

pub(super) struct Doc(pub(super) automerge::AutoCommit);

impl Doc {
    pub(super) fn new() -> Self {
        Doc(automerge::AutoCommit::new())
    }
    pub(super) fn change(&mut self, key: &str, v: i64) -> Bytes {
        self.0.put(automerge::ROOT, key, v).unwrap();
        self.0.commit();
        Bytes::copy_from_slice(self.0.get_last_local_change().unwrap().raw_bytes())
    }
}

/// A document writing under `player`'s session actor `n`.
pub(super) fn session_doc(player: &str, n: u8) -> Doc {
    let actor = coinop_protocol::actor::session_actor(&pid(player), [n; 16]);
    Doc(automerge::AutoCommit::new().with_actor(automerge::ActorId::from(actor)))
}

/// The code of the error answering `client_ref` on `conn`, if any.
pub(super) fn refusal(fx: &[Effect], conn: u64, client_ref: u64) -> Option<ErrorCode> {
    sent_to(fx, conn).iter().find_map(|m| match m {
        RelayMessage::Error {
            code,
            client_ref: Some(r),
            ..
        } if *r == client_ref => Some(*code),
        _ => None,
    })
}

pub(super) fn publish(client_ref: u64, changes: Vec<Bytes>) -> ClientMessage {
    ClientMessage::Publish {
        client_ref,
        changes,
    }
}

pub(super) fn room_with(players: &[&str]) -> RoomState {
    let mut room = RoomState::new(meta(8, 5_000), RoomLimits::default());
    for (i, p) in players.iter().enumerate() {
        room.handle(
            Input::Join {
                conn: ConnId(i as u64 + 1),
                join: join(p, None),
            },
            T0 + i as u64,
        );
    }
    room
}

/// `player` joins `room` on `conn` at `T0`, holding nothing of it yet.
pub(super) fn seat(room: &mut RoomState, conn: u64, player: &str) -> Vec<Effect> {
    let join = join(player, None);
    room.handle(
        Input::Join {
            conn: ConnId(conn),
            join,
        },
        T0,
    )
}

pub(super) fn msg(conn: u64, msg: ClientMessage) -> Input {
    Input::Message {
        conn: ConnId(conn),
        msg,
    }
}
