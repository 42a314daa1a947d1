//! The fixed layout of a room document, shared with the JS bindings and any
//! automerge tool:
//!
//! ```text
//! ROOT["state"][key]                      room state
//! ROOT["players"][player_id]["state"][key] per-player state
//! ROOT["players"][player_id]["profile"]    {name, color, avatar}
//! ```
//!
//! The container maps are made by *deterministic* changes (fixed time, no
//! dependencies beyond the skeleton, an actor derived from the change's own
//! content) that every client produces byte for byte. Two clients creating
//! `ROOT["state"]` concurrently would otherwise make two conflicting maps,
//! and every key written into the losing one would vanish; identical changes
//! have one hash and merge as one.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ActorId, Automerge, AutomergeError, Change, ObjId, ObjType, ROOT, ReadDoc};
use coinop_protocol::actor::{content_actor, content_address, is_own_content_address};
use coinop_protocol::{PlayerId, StateTarget};
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
    let change = content_addressed(&Automerge::new(), |tx| {
        tx.put_object(ROOT, STATE, ObjType::Map)?;
        tx.put_object(ROOT, PLAYERS, ObjType::Map)?;
        Ok(())
    })?;
    let _ = BYTES.set(change.raw_bytes().to_vec());
    Ok(change)
}

/// The change that creates `ROOT["players"][player]` with its `state` and
/// `profile` maps.
pub(crate) fn player_skeleton(player: &PlayerId) -> Result<Change, AutomergeError> {
    let mut doc = Automerge::new();
    doc.apply_changes([skeleton()?])?;
    let players = child(&doc, &ROOT, PLAYERS).ok_or(AutomergeError::Fail)?;
    content_addressed(&doc, |tx| {
        let me = tx.put_object(&players, player.as_str(), ObjType::Map)?;
        tx.put_object(&me, STATE, ObjType::Map)?;
        tx.put_object(&me, PROFILE, ObjType::Map)?;
        Ok(())
    })
}

/// The change that creates a counter at `key` of `target`'s state map with
/// value 0. Every client that starts the same counter makes this same
/// change, so concurrent first increments land on one counter and add up
/// instead of conflicting.
pub(crate) fn counter_creation(target: &StateTarget, key: &str) -> Result<Change, AutomergeError> {
    let mut doc = Automerge::new();
    doc.apply_changes([skeleton()?])?;
    if let StateTarget::Player(p) = target {
        doc.apply_changes([player_skeleton(p)?])?;
    }
    let map = state_map(&doc, target).ok_or(AutomergeError::Fail)?;
    content_addressed(&doc, |tx| {
        tx.put(&map, key, automerge::ScalarValue::counter(0))?;
        Ok(())
    })
}

/// The change `edit` makes on top of `base` at time 0, written under its
/// content-addressed actor ([`coinop_protocol::actor::content_actor`]): the
/// relay refuses any other content under that actor, so nobody can take
/// the actor's seq before the real change. The edit runs twice: once under
/// a placeholder actor to learn the address (which does not depend on the
/// actor), then under the address.
fn content_addressed(
    base: &Automerge,
    edit: impl Fn(&mut Transaction<'_>) -> Result<(), AutomergeError>,
) -> Result<Change, AutomergeError> {
    let commit = |actor: Vec<u8>| -> Result<Change, AutomergeError> {
        let mut doc = base.fork();
        doc.set_actor(ActorId::from(actor));
        let mut tx = doc.transaction();
        edit(&mut tx)?;
        tx.commit_with(CommitOptions::default().with_time(0));
        last_change(&doc)
    };
    let probe = commit(b"coinop-placehold".to_vec())?;
    let address = content_address(probe.raw_bytes()).ok_or(AutomergeError::Fail)?;
    let change = commit(content_actor(address))?;
    debug_assert!(is_own_content_address(
        change.actor_id().to_bytes(),
        change.raw_bytes()
    ));
    Ok(change)
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

    #[test]
    fn deterministic_changes_carry_their_own_content_address() {
        let p = PlayerId::new("p1").unwrap();
        let changes = [
            skeleton().unwrap(),
            player_skeleton(&p).unwrap(),
            counter_creation(&StateTarget::Room, "score").unwrap(),
            counter_creation(&StateTarget::Player(p.clone()), "score").unwrap(),
        ];
        let mut actors = std::collections::HashSet::new();
        for c in &changes {
            let actor = c.actor_id().to_bytes();
            assert!(is_own_content_address(actor, c.raw_bytes()), "{c:?}");
            assert!(actors.insert(actor.to_vec()), "one actor per change");
        }
        let other = counter_creation(&StateTarget::Room, "lives").unwrap();
        assert!(actors.insert(other.actor_id().to_bytes().to_vec()));
    }
}
