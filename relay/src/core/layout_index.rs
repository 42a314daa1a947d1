//! Where each object of a room document sits in the layout, known without
//! loading the document: the skeleton's maps have fixed ids (see
//! [`coinop_layout`]), a player's maps are made by that player's canonical
//! skeleton change, and every object made inside a state or profile map
//! belongs to where it was made.

use super::change_ops::{ObjRef, OpView, ops_of};
use coinop_layout::{PLAYERS, PROFILE, STATE, skeleton};
use coinop_protocol::actor::{PlayerTag, player_tag};
use coinop_protocol::{Bytes, PlayerId};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// What an object is in the room's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// `ROOT["state"]`.
    RoomState,
    /// An object inside the room state, under this top-level key.
    InRoomState(Arc<str>),
    /// `ROOT["players"]`.
    Players,
    /// `ROOT["players"][p]`, for the player with this tag.
    PlayerMap(PlayerTag),
    /// `ROOT["players"][p]["state"]`, or an object inside it.
    PlayerState(PlayerTag),
    /// `ROOT["players"][p]["profile"]`, or an object inside it.
    Profile(PlayerTag),
}

impl Place {
    /// What an object made at `key` of an object at `self` is. `None`
    /// when `self` cannot hold objects of the layout (the root's other
    /// keys are the application's).
    pub(crate) fn child(&self, key: Option<&str>) -> Option<Place> {
        Some(match (self, key) {
            (Place::RoomState, Some(k)) => Place::InRoomState(k.into()),
            (Place::RoomState, None) => return None,
            (Place::InRoomState(k), _) => Place::InRoomState(k.clone()),
            (Place::Players, Some(p)) => Place::PlayerMap(player_tag(&PlayerId::new(p).ok()?)),
            (Place::PlayerMap(t), Some(STATE)) => Place::PlayerState(*t),
            (Place::PlayerMap(t), Some(PROFILE)) => Place::Profile(*t),
            (Place::PlayerState(t), _) => Place::PlayerState(*t),
            (Place::Profile(t), _) => Place::Profile(*t),
            _ => return None,
        })
    }
}

/// The ids of `ROOT["state"]` and `ROOT["players"]`: operations 1 and 2 of
/// the skeleton change's actor.
fn skeleton_objects() -> &'static [(ObjRef, Place)] {
    static OBJECTS: OnceLock<Vec<(ObjRef, Place)>> = OnceLock::new();
    OBJECTS.get_or_init(|| match skeleton() {
        Ok(change) => {
            let actor = change.actor_id().clone();
            vec![
                (ObjRef::Made(1, actor.clone()), Place::RoomState),
                (ObjRef::Made(2, actor), Place::Players),
            ]
        }
        Err(e) => {
            // Building a fixed two-op change cannot fail; should it, the
            // layout maps are unknown and only root keys are protected.
            tracing::error!("cannot build the document skeleton: {e}");
            Vec::new()
        }
    })
}

/// The root's keys that hold the layout.
pub(crate) fn is_layout_root_key(key: Option<&str>) -> bool {
    matches!(key, Some(STATE | PLAYERS))
}

/// The place of every layout object of one room.
#[derive(Debug)]
pub(crate) struct LayoutIndex {
    places: HashMap<ObjRef, Place>,
    /// History not yet read (a room loaded from storage): the snapshot's
    /// document and the log after it, read at the first publish so that
    /// loading a room stays as cheap as before.
    unread: Option<(Option<Bytes>, Vec<Bytes>)>,
}

impl Default for LayoutIndex {
    fn default() -> Self {
        LayoutIndex {
            places: skeleton_objects().iter().cloned().collect(),
            unread: None,
        }
    }
}

impl LayoutIndex {
    /// An index that reads `snapshot` and `tail` (a stored room's history)
    /// before it is first asked.
    pub(crate) fn with_history(snapshot: Option<Bytes>, tail: Vec<Bytes>) -> Self {
        let unread = (snapshot.is_some() || !tail.is_empty()).then_some((snapshot, tail));
        LayoutIndex {
            unread,
            ..LayoutIndex::default()
        }
    }

    /// Reads the stored history, once. Slow (automerge expands every
    /// change of the snapshot), but only for a room loaded from storage,
    /// and only when its first publish comes.
    pub(crate) fn read_history(&mut self) {
        let Some((snapshot, tail)) = self.unread.take() else {
            return;
        };
        if let Some(doc) = snapshot {
            let loaded = std::panic::catch_unwind(|| automerge::Automerge::load(&doc));
            match loaded {
                Ok(Ok(doc)) => {
                    for change in doc.get_changes(&[]) {
                        self.learn_change(&change);
                    }
                }
                _ => tracing::warn!("the stored snapshot does not load; its layout is unknown"),
            }
        }
        for bytes in tail {
            if let Ok(change) = automerge::Change::from_bytes(bytes.to_vec()) {
                self.learn_change(&change);
            }
        }
    }

    fn learn_change(&mut self, change: &automerge::Change) {
        if let Some(ops) = ops_of(change) {
            let made = self.made_by(&ops, &HashMap::new());
            self.places.extend(made);
        }
    }

    /// Where `obj` sits, looking first in `staged` (objects made by changes
    /// not yet accepted).
    pub(crate) fn place<'a>(
        &'a self,
        obj: &ObjRef,
        staged: &'a HashMap<ObjRef, Place>,
    ) -> Option<&'a Place> {
        staged.get(obj).or_else(|| self.places.get(obj))
    }

    /// The layout objects `ops` make, in order (an op may write into an
    /// object an earlier op of the same change made).
    pub(crate) fn made_by(
        &self,
        ops: &[OpView],
        staged: &HashMap<ObjRef, Place>,
    ) -> HashMap<ObjRef, Place> {
        let mut made: HashMap<ObjRef, Place> = HashMap::new();
        for op in ops {
            let Some(child) = &op.makes else { continue };
            let parent = made
                .get(&op.obj)
                .or_else(|| self.place(&op.obj, staged))
                .cloned();
            let place = match (&op.obj, parent) {
                (ObjRef::Root, _) if op.key.as_deref() == Some(STATE) => Some(Place::RoomState),
                (ObjRef::Root, _) if op.key.as_deref() == Some(PLAYERS) => Some(Place::Players),
                (_, Some(parent)) => parent.child(op.key.as_deref()),
                _ => None,
            };
            if let Some(place) = place {
                made.insert(child.clone(), place);
            }
        }
        made
    }

    /// Records the objects of an accepted change.
    pub(crate) fn accept(&mut self, made: HashMap<ObjRef, Place>) {
        self.places.extend(made);
    }
}
