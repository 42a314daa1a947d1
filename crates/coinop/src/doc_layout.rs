//! The fixed layout of a room document, shared with the JS bindings and any
//! automerge tool:
//!
//! ```text
//! ROOT["state"][key]                      room state
//! ROOT["players"][player_id]["state"][key] per-player state
//! ROOT["players"][player_id]["profile"]    {name, color, avatar}
//! ```
//!
//! The container maps are made by *deterministic* changes that every client
//! produces byte for byte ([`coinop_layout`], shared with the relay, which
//! keeps anyone from replacing or deleting them).

use automerge::{ObjId, ROOT, ReadDoc};
pub(crate) use coinop_layout::{
    PLAYERS, PROFILE, STATE, child, counter_creation, player_skeleton, skeleton,
};
use coinop_protocol::{PlayerId, StateTarget};

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
    use automerge::Automerge;

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
