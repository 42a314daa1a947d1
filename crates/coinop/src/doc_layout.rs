//! The fixed layout of a room document, shared with the JS bindings and any
//! automerge tool:
//!
//! ```text
//! ROOT["state"][key]                      room state
//! ROOT["players"][player_id]["state"][key] per-player state
//! ROOT["players"][player_id]["profile"]    {name, color, avatar}
//! ```
//!
//! The container maps are made by *deterministic* changes (fixed actor, fixed
//! time, no dependencies beyond the skeleton) that every client produces
//! byte for byte. Two clients creating `ROOT["state"]` concurrently would
//! otherwise make two conflicting maps, and every key written into the
//! losing one would vanish; identical changes have one hash and merge as one.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, AutomergeError, Change, ObjId, ObjType, ROOT, ReadDoc};
use coinop_protocol::{PlayerId, StateTarget};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Key of the room state map under the root.
pub(crate) const STATE: &str = "state";
/// Key of the players map under the root.
pub(crate) const PLAYERS: &str = "players";
/// Key of a player's profile map.
pub(crate) const PROFILE: &str = "profile";

/// The change that creates `ROOT["state"]` and `ROOT["players"]`.
pub(crate) fn skeleton() -> Result<Change, AutomergeError> {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    if let Some(bytes) = BYTES.get() {
        return Change::from_bytes(bytes.clone()).map_err(AutomergeError::from);
    }
    let mut doc = Automerge::new().with_actor(ActorId::from(vec![0u8; 16]));
    let mut tx = doc.transaction();
    tx.put_object(ROOT, STATE, ObjType::Map)?;
    tx.put_object(ROOT, PLAYERS, ObjType::Map)?;
    tx.commit_with(CommitOptions::default().with_time(0));
    let change = last_change(&doc)?;
    let _ = BYTES.set(change.raw_bytes().to_vec());
    Ok(change)
}

/// The change that creates `ROOT["players"][player]` with its `state` and
/// `profile` maps; its actor is derived from the player id.
pub(crate) fn player_skeleton(player: &PlayerId) -> Result<Change, AutomergeError> {
    let mut doc = Automerge::new();
    doc.apply_changes([skeleton()?])?;
    let digest = Sha256::digest(format!("coinop-player:{player}").as_bytes());
    doc.set_actor(ActorId::from(digest[..16].to_vec()));
    let players = child(&doc, &ROOT, PLAYERS).ok_or(AutomergeError::Fail)?;
    let mut tx = doc.transaction();
    let me = tx.put_object(&players, player.as_str(), ObjType::Map)?;
    tx.put_object(&me, STATE, ObjType::Map)?;
    tx.put_object(&me, PROFILE, ObjType::Map)?;
    tx.commit_with(CommitOptions::default().with_time(0));
    last_change(&doc)
}

/// The change that creates a counter at `key` of `target`'s state map with
/// value 0; its actor is derived from the target and key. Every client that
/// starts the same counter makes this same change, so concurrent first
/// increments land on one counter and add up instead of conflicting.
pub(crate) fn counter_creation(target: &StateTarget, key: &str) -> Result<Change, AutomergeError> {
    let mut doc = Automerge::new();
    doc.apply_changes([skeleton()?])?;
    let path = match target {
        StateTarget::Room => format!("coinop-counter:room:{key}"),
        StateTarget::Player(p) => {
            doc.apply_changes([player_skeleton(p)?])?;
            format!("coinop-counter:player:{p}:{key}")
        }
    };
    doc.set_actor(ActorId::from(
        Sha256::digest(path.as_bytes())[..16].to_vec(),
    ));
    let map = state_map(&doc, target).ok_or(AutomergeError::Fail)?;
    let mut tx = doc.transaction();
    tx.put(&map, key, automerge::ScalarValue::counter(0))?;
    tx.commit_with(CommitOptions::default().with_time(0));
    last_change(&doc)
}

fn last_change(doc: &Automerge) -> Result<Change, AutomergeError> {
    doc.get_last_local_change().ok_or(AutomergeError::Fail)
}

/// The child object at `key` of `obj`, if it is an object.
pub(crate) fn child<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key).ok()?? {
        (automerge::Value::Object(_), id) => Some(id),
        _ => None,
    }
}

/// The map holding the state keys of `target` in a room document, if it
/// exists yet: `ROOT["state"]` for the room, `ROOT["players"][id]["state"]`
/// for a player. Use it inside [`crate::Room::with_doc`] to find where to
/// edit.
pub fn state_map<R: ReadDoc>(doc: &R, target: &StateTarget) -> Option<ObjId> {
    match target {
        StateTarget::Room => child(doc, &ROOT, STATE),
        StateTarget::Player(p) => {
            let players = child(doc, &ROOT, PLAYERS)?;
            let me = child(doc, &players, p.as_str())?;
            child(doc, &me, STATE)
        }
    }
}

/// A player's profile map, if it exists yet.
pub(crate) fn profile_map<R: ReadDoc>(doc: &R, player: &PlayerId) -> Option<ObjId> {
    let players = child(doc, &ROOT, PLAYERS)?;
    let me = child(doc, &players, player.as_str())?;
    child(doc, &me, PROFILE)
}

/// What part of the layout a patch touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Touched {
    /// A state key of the room or of a player.
    State(StateTarget, String),
    /// A player's profile.
    Profile(PlayerId),
}

/// Maps automerge patches to the layout keys they touch, de-duplicated, in
/// first-touched order.
pub(crate) fn touched(patches: &[automerge::Patch]) -> Vec<Touched> {
    use automerge::{PatchAction as A, Prop};
    let mut out: Vec<Touched> = Vec::new();
    for patch in patches {
        let mut path: Vec<String> = patch
            .path
            .iter()
            .map(|(_, p)| match p {
                Prop::Map(k) => k.clone(),
                Prop::Seq(i) => i.to_string(),
            })
            .collect();
        match &patch.action {
            A::PutMap { key, .. } | A::DeleteMap { key } => path.push(key.clone()),
            A::Increment { prop, .. } | A::Conflict { prop } => path.push(match prop {
                Prop::Map(k) => k.clone(),
                Prop::Seq(i) => i.to_string(),
            }),
            _ => {}
        }
        let t = match path.as_slice() {
            [s, key, ..] if s == STATE => Touched::State(StateTarget::Room, key.clone()),
            [p, id, s, key, ..] if p == PLAYERS && s == STATE => match PlayerId::new(id.clone()) {
                Ok(id) => Touched::State(StateTarget::Player(id), key.clone()),
                Err(_) => continue,
            },
            [p, id, s, ..] if p == PLAYERS && s == PROFILE => match PlayerId::new(id.clone()) {
                Ok(id) => Touched::Profile(id),
                Err(_) => continue,
            },
            _ => continue,
        };
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn skeletons_are_identical_everywhere() {
        let p = PlayerId::new("p1").unwrap();
        assert_eq!(skeleton().unwrap().hash(), skeleton().unwrap().hash());
        let a = player_skeleton(&p).unwrap();
        let b = player_skeleton(&p).unwrap();
        assert_eq!(a.raw_bytes(), b.raw_bytes());
        let mut doc = Automerge::new();
        doc.apply_changes([skeleton().unwrap(), a, b]).unwrap();
        assert!(state_map(&doc, &StateTarget::Room).is_some());
        assert!(state_map(&doc, &StateTarget::Player(p.clone())).is_some());
        assert!(profile_map(&doc, &p).is_some());
        assert_eq!(doc.get_changes(&[]).len(), 2);
    }
}
