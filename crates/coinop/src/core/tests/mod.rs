//! Unit tests of the sans-IO core, driven by hand-built relay messages.
//! This file holds the shared helpers; each submodule one topic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batching;
mod replica;
mod session;
mod sizes;
mod state;
mod sync;
mod unreliable;
mod view;

use super::{CoreConfig, RoomCore};
use crate::error::Error;
use crate::event::Event;
use crate::reliability::Reliability;
use crate::status::Status;
use bytes::Bytes;
use coinop_protocol::{
    CallId, ClientMessage, ErrorCode, LogEntry, PlayerId, PlayerInfo, Profile, RelayMessage,
    RoomCode, RoomRequest, RpcOutcome, RpcTarget, Secret, Seq, StateTarget, UnreliableValue,
    Welcome,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub(super) const ROOM: StateTarget = StateTarget::Room;

pub(super) fn pid(s: &str) -> PlayerId {
    PlayerId::new(s).unwrap()
}

pub(super) fn core(name: &str, seed: u64) -> RoomCore {
    let mut cfg = CoreConfig::new(
        RoomRequest::Code(RoomCode::new("ROOM").unwrap()),
        pid(name),
        Secret::new(vec![7; 32]).unwrap(),
        seed,
    );
    cfg.profile = Profile {
        name: name.into(),
        ..Profile::default()
    };
    cfg.default_states.insert("round".into(), json!(1));
    RoomCore::new(cfg, None).unwrap()
}

fn info(name: &str) -> PlayerInfo {
    PlayerInfo {
        id: pid(name),
        profile: Profile::default(),
        joined_at: 1,
        bot: false,
        role: coinop_protocol::Role::Player,
    }
}

pub(super) fn welcome(players: &[&str], reset: bool) -> RelayMessage {
    RelayMessage::Welcome(Welcome {
        version: coinop_protocol::PROTOCOL_VERSION,
        room: RoomCode::new("ROOM").unwrap(),
        epoch: 9,
        reset,
        players: players.iter().map(|p| info(p)).collect(),
        host: players.first().map(|p| pid(p)),
        server_time: 50_000,
        max_players: 8,
        unreliable: vec![],
        limits: coinop_protocol::Limits::DEFAULT,
    })
}

/// Connects and welcomes `c`, dropping the join frame.
pub(super) fn join(c: &mut RoomCore, players: &[&str]) {
    c.connected(0);
    c.handle(0, welcome(players, false));
}

pub(super) fn frames(c: &mut RoomCore) -> Vec<ClientMessage> {
    std::iter::from_fn(|| c.poll_transmit()).collect()
}

pub(super) fn publishes(c: &mut RoomCore) -> Vec<(u64, Vec<Bytes>)> {
    frames(c)
        .into_iter()
        .filter_map(|m| match m {
            ClientMessage::Publish {
                client_ref,
                changes,
            } => Some((client_ref, changes)),
            _ => None,
        })
        .collect()
}

/// Everything `from` has not had acked, delivered to `to` as from `sender`.
pub(super) fn deliver(from: &mut RoomCore, to: &mut RoomCore, sender: &str) {
    from.commit_writes(0);
    let entries = from
        .outbox
        .all()
        .into_iter()
        .enumerate()
        .map(|(i, change)| LogEntry {
            seq: Seq(i as u64 + 1),
            sender: pid(sender),
            change,
        })
        .collect();
    to.handle(0, RelayMessage::Changes { entries });
}

/// Every change in `sender`'s document, as the relay would forward it.
pub(super) fn everything_from(core: &mut RoomCore, sender: &str) -> RelayMessage {
    let entries = applied(core)
        .get_changes(&[])
        .iter()
        .enumerate()
        .map(|(i, c)| LogEntry {
            seq: Seq(i as u64 + 1),
            sender: pid(sender),
            change: Bytes::copy_from_slice(c.raw_bytes()),
        })
        .collect();
    RelayMessage::Changes { entries }
}

/// The relay's ack of publish `client_ref`, stored at `seq`.
pub(super) fn ack(client_ref: u64, seq: u64) -> RelayMessage {
    RelayMessage::Ack {
        client_ref,
        seq: Seq(seq),
    }
}

/// A reliable write committed as its own change (one driver turn).
pub(super) fn write(c: &mut RoomCore, target: StateTarget, key: &str, value: serde_json::Value) {
    c.set_state(0, target, key, value, Reliability::Reliable)
        .unwrap();
    c.commit_writes(0);
}

/// The bytes of the last change `c` made itself.
pub(super) fn last_change(c: &mut RoomCore) -> Bytes {
    let doc = applied(c);
    Bytes::copy_from_slice(doc.get_last_local_change().unwrap().raw_bytes())
}

/// `c`'s document with every change it shows applied (our own writes wait
/// to be applied too, see `own_change`).
pub(super) fn applied(c: &mut RoomCore) -> &automerge::Automerge {
    c.apply_waiting();
    let actor = c.doc.get_actor().clone();
    c.doc.set_actor(actor);
    &c.doc
}

/// Bob alone in the room after `scores` writes of "score" (0, 1, …) and
/// then `key` = `value`, each its own change.
pub(super) fn bob_after(scores: i64, key: &str, value: serde_json::Value) -> RoomCore {
    let mut bob = core("bob", 2);
    join(&mut bob, &["bob"]);
    for i in 0..scores {
        write(&mut bob, ROOM, "score", json!(i));
    }
    write(&mut bob, ROOM, key, value);
    applied(&mut bob);
    bob
}
