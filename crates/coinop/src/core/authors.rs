//! Who made the changes one apply brought in, for the events it reports.

use crate::doc_layout;
use automerge::{ActorId, Automerge, ObjId, ReadDoc};
use coinop_protocol::{PlayerId, StateTarget};
use std::collections::HashMap;

/// The authors of a batch of changes applied together.
///
/// Changes from many senders are applied in one call (automerge's apply
/// costs a walk of each touched object, so one walk per batch instead of
/// one per change); a key's event then names the sender of the change
/// whose value won.
#[derive(Debug)]
pub(crate) enum Authors {
    /// Everything came from this player (`None`: unknown, or local).
    One(Option<PlayerId>),
    /// Each change's actor, with the relay-stamped sender of its change.
    ByActor(HashMap<ActorId, PlayerId>),
}

impl Authors {
    /// The author of the value `key` of `target` now shows in `doc`.
    pub(crate) fn of(&self, doc: &Automerge, target: &StateTarget, key: &str) -> Option<PlayerId> {
        match self {
            Authors::One(p) => p.clone(),
            Authors::ByActor(actors) => {
                let map: ObjId = doc_layout::state_map(doc, target)?;
                match doc.get(&map, key).ok()?? {
                    (_, automerge::ObjId::Id(_, actor, _)) => actors.get(&actor).cloned(),
                    _ => None,
                }
            }
        }
    }
}
