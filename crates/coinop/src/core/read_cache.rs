//! Reads of the document kept while it stays the same: the state maps'
//! ids and state keys' values.
//!
//! A reliable `set_state` made once a frame reads the document twice (where
//! the key's map is, and whether the write changes its value), and in Wasm
//! each cold read of automerge's column store costs tens of microseconds
//! against about one natively (BENCHMARKS.md, issue 14). What this keeps is
//! valid only at the heads it was read or written at: the heads name every
//! change the document holds, so equal heads mean an equal document. Any
//! change applied, loaded or rolled back moves the heads and empties the
//! cache; a commit of our own moves it along with them (see
//! [`ReadCache::committed`]), since it only put the values it says.

use super::write_buffer::Write;
use crate::doc_layout;
use crate::doc_value::get_json;
use automerge::{Automerge, ChangeHash, ObjId};
use coinop_protocol::StateTarget;
use serde_json::Value as Json;
use std::cell::RefCell;
use std::collections::HashMap;

/// At most this many values are kept; past it the cache starts over.
const MAX_VALUES: usize = 256;

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct ReadCache {
    inner: RefCell<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    /// The heads everything below was read at.
    heads: Vec<ChangeHash>,
    /// State maps found (a missing one is looked up again).
    maps: HashMap<StateTarget, ObjId>,
    /// State keys' document values (`None`: no value).
    values: HashMap<(StateTarget, String), Option<Json>>,
}

impl Kept {
    /// Forgets everything unless `heads` are the heads it was read at.
    fn at(&mut self, heads: Vec<ChangeHash>) {
        if self.heads != heads {
            self.heads = heads;
            self.maps.clear();
            self.values.clear();
        }
    }
}

impl ReadCache {
    /// `target`'s state map in `doc`, if it exists.
    pub(crate) fn state_map(&self, doc: &Automerge, target: &StateTarget) -> Option<ObjId> {
        let mut kept = self.inner.borrow_mut();
        kept.at(doc.get_heads());
        if let Some(map) = kept.maps.get(target) {
            return Some(map.clone());
        }
        let map = doc_layout::state_map(doc, target)?;
        kept.maps.insert(target.clone(), map.clone());
        Some(map)
    }

    /// The value of `key` of `target` in `doc`, without defaults.
    pub(crate) fn value(&self, doc: &Automerge, target: &StateTarget, key: &str) -> Option<Json> {
        let map = self.state_map(doc, target)?;
        let mut kept = self.inner.borrow_mut();
        let k = (target.clone(), key.to_owned());
        if let Some(v) = kept.values.get(&k) {
            return v.clone();
        }
        let v = get_json(doc, &map, key);
        if kept.values.len() >= MAX_VALUES {
            kept.values.clear();
        }
        kept.values.insert(k, v.clone());
        v
    }

    /// Our own commit took the document from `before` to `after` by putting
    /// `writes`: what was kept at `before` holds at `after` with them.
    pub(crate) fn committed<'a>(
        &self,
        before: Vec<ChangeHash>,
        after: Vec<ChangeHash>,
        writes: impl IntoIterator<Item = &'a Write>,
    ) {
        let mut kept = self.inner.borrow_mut();
        kept.at(before);
        kept.heads = after;
        for w in writes {
            if kept.values.len() >= MAX_VALUES {
                kept.values.clear();
            }
            let k = (w.target.clone(), w.key.clone());
            kept.values.insert(k, Some(w.value.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ScalarValue;
    use automerge::transaction::Transactable;

    fn doc_with(key: &str, value: i64) -> (Automerge, ObjId) {
        let mut doc = Automerge::new();
        doc.apply_changes([doc_layout::skeleton().unwrap()])
            .unwrap();
        let map = doc_layout::state_map(&doc, &StateTarget::Room).unwrap();
        put(&mut doc, &map, key, value);
        (doc, map)
    }

    fn put(doc: &mut Automerge, map: &ObjId, key: &str, value: i64) {
        let mut tx = doc.transaction();
        tx.put(map, key, ScalarValue::Int(value)).unwrap();
        tx.commit();
    }

    fn write(key: &str, value: i64) -> Write {
        Write {
            target: StateTarget::Room,
            key: key.into(),
            value: Json::from(value),
            cost: 0,
        }
    }

    #[test]
    fn a_value_is_read_again_once_the_document_changed() {
        let (mut doc, map) = doc_with("a", 1);
        let cache = ReadCache::default();
        assert_eq!(
            cache.value(&doc, &StateTarget::Room, "a"),
            Some(Json::from(1))
        );
        put(&mut doc, &map, "a", 2);
        assert_eq!(
            cache.value(&doc, &StateTarget::Room, "a"),
            Some(Json::from(2))
        );
        assert_eq!(cache.value(&doc, &StateTarget::Room, "b"), None);
        assert_eq!(cache.state_map(&doc, &StateTarget::Room), Some(map));
    }

    #[test]
    fn a_commit_of_ours_moves_what_was_kept_along() {
        let (mut doc, map) = doc_with("a", 1);
        let cache = ReadCache::default();
        assert_eq!(cache.value(&doc, &StateTarget::Room, "b"), None);
        let before = doc.get_heads();
        put(&mut doc, &map, "a", 5);
        put(&mut doc, &map, "b", 7);
        // Told of a commit that put only `a` (and as 6), the cache answers
        // from what it kept, without reading the document: `a` as it was
        // told, `b` as read before the commit.
        cache.committed(before, doc.get_heads(), &[write("a", 6)]);
        assert_eq!(
            cache.value(&doc, &StateTarget::Room, "a"),
            Some(Json::from(6))
        );
        assert_eq!(cache.value(&doc, &StateTarget::Room, "b"), None);
    }

    #[test]
    fn a_commit_on_a_document_changed_meanwhile_keeps_only_its_writes() {
        let (mut doc, map) = doc_with("a", 1);
        let cache = ReadCache::default();
        assert_eq!(cache.value(&doc, &StateTarget::Room, "b"), None);
        // Someone else's change, then ours on top of it.
        put(&mut doc, &map, "b", 7);
        let before = doc.get_heads();
        put(&mut doc, &map, "a", 9);
        cache.committed(before, doc.get_heads(), &[write("a", 9)]);
        assert_eq!(
            cache.value(&doc, &StateTarget::Room, "b"),
            Some(Json::from(7))
        );
        assert_eq!(
            cache.value(&doc, &StateTarget::Room, "a"),
            Some(Json::from(9))
        );
    }
}
