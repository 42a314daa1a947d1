//! The write rules the relay enforces on every published change: the
//! document's layout is made only by the deterministic skeleton changes
//! and never replaced or deleted; a player's profile is written by that
//! player; a player's state and the room state as the room's
//! [`RoomRules`] say.
//!
//! A change's author is the player whose connection published it (the
//! relay stamps the sender; an actor's tag could be forged for an actor
//! nobody published under yet). Checking reads the change's operations,
//! not the document, so it costs microseconds per change.

use super::change_ops::{ObjRef, OpView};
use super::layout_index::{LayoutIndex, Place, is_layout_root_key};
use automerge::Change;
use coinop_layout::{player_skeleton, skeleton};
use coinop_protocol::actor::PlayerTag;
use coinop_protocol::{ErrorCode, PlayerId, PlayerStateWriters, RoomRules};
use std::collections::HashMap;

/// Who publishes: the sender's tag, and whether it is the host now.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Writer {
    pub(crate) tag: PlayerTag,
    pub(crate) is_host: bool,
}

/// Why a change was refused: its code and a sentence for the writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) code: ErrorCode,
    pub(crate) text: String,
}

fn forbidden(text: impl Into<String>) -> Refusal {
    Refusal {
        code: ErrorCode::WRITE_FORBIDDEN,
        text: text.into(),
    }
}

fn layout(text: impl Into<String>) -> Refusal {
    Refusal {
        code: ErrorCode::LAYOUT_PROTECTED,
        text: text.into(),
    }
}

/// Whether the change is one of the deterministic layout changes: the
/// skeleton, or the skeleton of the player named by the first key it
/// writes into `ROOT["players"]`.
fn is_layout_change(change: &Change, ops: &[OpView], index: &LayoutIndex) -> bool {
    let staged = HashMap::new();
    if skeleton().is_ok_and(|s| s.hash() == change.hash()) {
        return true;
    }
    let player = ops
        .iter()
        .find(|op| index.place(&op.obj, &staged) == Some(&Place::Players))
        .and_then(|op| PlayerId::new(op.key.clone()?).ok());
    player.is_some_and(|p| player_skeleton(&p).is_ok_and(|s| s.hash() == change.hash()))
}

/// Checks `change` (its operations `ops`) by `writer` under `rules`.
/// `staged` holds the objects made by the changes before it in the same
/// publish. On success returns the layout objects it makes.
pub(crate) fn check(
    change: &Change,
    ops: &[OpView],
    index: &LayoutIndex,
    staged: &HashMap<ObjRef, Place>,
    rules: &RoomRules,
    writer: Writer,
) -> Result<HashMap<ObjRef, Place>, Refusal> {
    let made = index.made_by(ops, staged);
    // Decided once, on the first layout write: comparing with the
    // canonical change builds it, which costs more than the rest.
    let mut layout_change: Option<bool> = None;
    for op in ops {
        let place = made.get(&op.obj).or_else(|| index.place(&op.obj, staged));
        let key = op.key.as_deref();
        let touches_layout = match (&op.obj, place) {
            (ObjRef::Root, _) => is_layout_root_key(key),
            (_, Some(Place::Players | Place::PlayerMap(_))) => true,
            _ => false,
        };
        if touches_layout {
            if !*layout_change.get_or_insert_with(|| is_layout_change(change, ops, index)) {
                let what = match (&op.obj, place) {
                    (ObjRef::Root, _) => format!("ROOT[{:?}]", key.unwrap_or_default()),
                    (_, Some(Place::Players)) => "ROOT[\"players\"]".to_owned(),
                    _ => "a player's map".to_owned(),
                };
                return Err(layout(format!(
                    "a change writes {what}, part of the document layout that only the skeleton changes make"
                )));
            }
            continue;
        }
        match place {
            Some(Place::RoomState | Place::InRoomState(_)) if !writer.is_host => {
                let top = match place {
                    Some(Place::InRoomState(k)) => Some(&**k),
                    _ => key,
                };
                if let Some(k) = top.filter(|k| rules.is_host_only(k)) {
                    return Err(forbidden(format!(
                        "only the host writes room state key {k:?} in this room"
                    )));
                }
            }
            Some(Place::PlayerState(owner)) if *owner != writer.tag => {
                let allowed = match rules.player_state {
                    PlayerStateWriters::Anyone => true,
                    PlayerStateWriters::OwnerOrHost => writer.is_host,
                    _ => false,
                };
                if !allowed {
                    let who = match rules.player_state {
                        PlayerStateWriters::OwnerOrHost => "that player or the host",
                        _ => "that player",
                    };
                    return Err(forbidden(format!(
                        "a change writes another player's state; only {who} may in this room"
                    )));
                }
            }
            Some(Place::Profile(owner)) if *owner != writer.tag => {
                return Err(forbidden(
                    "a change writes another player's profile; only that player may",
                ));
            }
            _ => {}
        }
    }
    Ok(made)
}
