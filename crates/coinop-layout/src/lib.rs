//! The fixed layout of a coinop room document, and the *deterministic*
//! changes that make its containers:
//!
//! ```text
//! ROOT["state"][key]                       room state
//! ROOT["players"][player_id]["state"][key] per-player state
//! ROOT["players"][player_id]["profile"]    {name, color, avatar}
//! ```
//!
//! The container maps are made by changes with a fixed time, no
//! dependencies beyond the skeleton, and an actor derived from the change's
//! own content ([`coinop_protocol::actor::content_actor`]), so every client
//! produces them byte for byte. Two clients creating `ROOT["state"]`
//! concurrently would otherwise make two conflicting maps, and every key
//! written into the losing one would vanish; identical changes have one
//! hash and merge as one.
//!
//! The SDK writes them; the relay compares published changes against them
//! to keep the layout (nobody replaces or deletes these maps) and to know
//! which player a map belongs to without loading the document.
//!
//! ```
//! use coinop_layout::{player_skeleton, skeleton};
//! use coinop_protocol::PlayerId;
//!
//! let alice = PlayerId::new("alice").unwrap();
//! assert_eq!(skeleton().unwrap().hash(), skeleton().unwrap().hash());
//! assert_eq!(
//!     player_skeleton(&alice).unwrap().raw_bytes(),
//!     player_skeleton(&alice).unwrap().raw_bytes()
//! );
//! ```

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ActorId, Automerge, AutomergeError, Change, ObjId, ObjType, ROOT, ReadDoc};
use coinop_protocol::actor::{content_actor, content_address, is_own_content_address};
use coinop_protocol::{PlayerId, StateTarget};
use std::sync::OnceLock;

/// Key of the room state map under the root.
pub const STATE: &str = "state";
/// Key of the players map under the root.
pub const PLAYERS: &str = "players";
/// Key of a player's profile map.
pub const PROFILE: &str = "profile";

/// The change that creates `ROOT["state"]` and `ROOT["players"]`.
pub fn skeleton() -> Result<Change, AutomergeError> {
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
pub fn player_skeleton(player: &PlayerId) -> Result<Change, AutomergeError> {
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
pub fn counter_creation(target: &StateTarget, key: &str) -> Result<Change, AutomergeError> {
    let mut doc = Automerge::new();
    doc.apply_changes([skeleton()?])?;
    if let StateTarget::Player(p) = target {
        doc.apply_changes([player_skeleton(p)?])?;
    }
    let map = match target {
        StateTarget::Room => child(&doc, &ROOT, STATE),
        StateTarget::Player(p) => child(&doc, &ROOT, PLAYERS)
            .and_then(|players| child(&doc, &players, p.as_str()))
            .and_then(|me| child(&doc, &me, STATE)),
    }
    .ok_or(AutomergeError::Fail)?;
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
        doc.get_last_local_change().ok_or(AutomergeError::Fail)
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

/// The child object at `key` of `obj`, if it is an object.
pub fn child<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key).ok()?? {
        (automerge::Value::Object(_), id) => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
