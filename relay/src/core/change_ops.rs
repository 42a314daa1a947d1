//! A change's operations, read only as far as the write rules need: which
//! object each writes, under which map key, and which object it makes.

use automerge::ActorId;
use automerge::legacy::{Key, ObjectId, OpType};

/// An object an operation names: the root map, or the object made by
/// operation `counter` of `actor` (automerge's object ids, which do not
/// depend on the document: a deterministic change makes the same ids
/// everywhere).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ObjRef {
    /// The document's root map.
    Root,
    /// The object made by this operation.
    Made(u64, ActorId),
}

/// One operation of a change.
#[derive(Debug)]
pub(crate) struct OpView {
    /// The object it writes into.
    pub(crate) obj: ObjRef,
    /// The map key it writes, `None` in a list or text.
    pub(crate) key: Option<String>,
    /// The object it makes, if it makes one.
    pub(crate) makes: Option<ObjRef>,
}

/// The operations of `change`, in order. `None` when automerge cannot
/// expand them (a change from a client is not trusted not to make its
/// decoder panic).
pub(crate) fn ops_of(change: &automerge::Change) -> Option<Vec<OpView>> {
    let expanded = std::panic::catch_unwind(|| change.decode()).ok()?;
    let start = expanded.start_op.get();
    let ops = expanded
        .operations
        .into_iter()
        .zip(start..)
        .map(|(op, counter)| OpView {
            obj: match op.obj {
                ObjectId::Root => ObjRef::Root,
                ObjectId::Id(id) => ObjRef::Made(id.0, id.1),
            },
            key: match op.key {
                Key::Map(k) => Some(k.to_string()),
                Key::Seq(_) => None,
            },
            makes: matches!(op.action, OpType::Make(_))
                .then(|| ObjRef::Made(counter, expanded.actor_id.clone())),
        })
        .collect();
    Some(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};

    #[test]
    fn ops_name_their_objects_keys_and_made_objects() {
        let mut doc = AutoCommit::new();
        let state = doc.put_object(ROOT, "state", ObjType::Map).unwrap();
        let list = doc.put_object(&state, "l", ObjType::List).unwrap();
        doc.insert(&list, 0, 1).unwrap();
        doc.commit();
        let change = doc.get_last_local_change().unwrap().clone();
        let actor = change.actor_id().clone();
        let ops = ops_of(&change).unwrap();
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[0].obj, ObjRef::Root);
        assert_eq!(ops[0].key.as_deref(), Some("state"));
        assert_eq!(ops[0].makes, Some(ObjRef::Made(1, actor.clone())));
        assert_eq!(ops[1].obj, ObjRef::Made(1, actor.clone()));
        assert_eq!(ops[1].makes, Some(ObjRef::Made(2, actor.clone())));
        assert_eq!(ops[2].obj, ObjRef::Made(2, actor));
        assert_eq!((ops[2].key.as_deref(), &ops[2].makes), (None, &None));
    }
}
