//! Received changes not applied to the automerge document yet, and the
//! state keys they show meanwhile.
//!
//! automerge 0.12 applies changes with a walk of every op of each object
//! they touch: one change into a room map holding 10,000 ops costs about a
//! millisecond, while 2,000 changes applied in one call cost about 10 µs
//! each (BENCHMARKS.md, issue 14). So a received change made only of plain
//! state writes (a value put at a state key, a map or list made and filled
//! in the same change, a key deleted) is decoded here and shown at once, and
//! the document applies it later, with everything else that waits, in one
//! call: before anything reads or edits the document itself, and when
//! [`MAX_CHANGES`], [`MAX_AGE_MS`] with a batch ([`MIN_BATCH`]) or
//! [`MAX_WAIT_MS`] is reached. Our own reliable writes
//! wait here too ([`Unapplied::add_own`], made by `own_change`). Any other
//! change (profiles, counters, edits inside an existing value, layout) is
//! applied the usual way, after everything that waits.
//!
//! What a key shows follows automerge's rule exactly: the key's visible ops
//! are those no later op names as its predecessor, and the one with the
//! greatest op id (counter, then actor) wins.

use crate::doc_layout;
use crate::doc_value::{get_json_of, scalar_to_json};
use automerge::legacy::{ElementId, Key, ObjectId, OpType};
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjType, ReadDoc, ScalarValue};
use coinop_protocol::{PlayerId, StateTarget};
use serde_json::{Map, Value as Json};
use std::collections::{HashMap, HashSet};

/// Applied to the document once this many changes wait (each client's cap
/// is drawn between half this and this: [`Unapplied::spread`]): in Wasm an
/// apply costs about 45 µs per change, so this bounds the pause a busy
/// room's apply makes in a game's frame to about 50 ms.
pub(crate) const MAX_CHANGES: usize = 1024;

/// Applied to the document once the oldest waiting change is about this
/// old (ms; each client's age is drawn between half and one and a half of
/// it: [`Unapplied::spread`]), if they are enough for the room's history
/// (see [`HISTORY_SHARE`]).
pub(crate) const MAX_AGE_MS: u64 = 1000;

/// An apply also walks every op of each map it touches, and a room's state
/// map holds an op for every write ever made to it: with 100,000 changes
/// behind a room that walk, once per apply, cost a received change twice
/// what it costs in a fresh room at 200 changes a second. So after
/// [`MAX_AGE_MS`] the waiting changes are applied only if they number at
/// least this share of the history (one 25th); otherwise they wait for
/// [`MAX_CHANGES`] or [`MAX_WAIT_MS`]. The pause an apply makes stays
/// bounded by [`MAX_CHANGES`]; nothing else needs them applied sooner
/// (what reads or saves the document applies them first).
pub(crate) const HISTORY_SHARE: u64 = 25;

/// After [`MAX_AGE_MS`], fewer waiting changes than about this (each
/// client's floor is drawn around it: [`Unapplied::spread`]) wait on for
/// [`MAX_CHANGES`] or [`MAX_WAIT_MS`]. An apply has a fixed cost besides its
/// cost per change (automerge 0.12, native, a room of about 2,400 changes:
/// 13.8 µs a change in batches of 40, 6.9 in batches of 160, 5.4 in batches
/// of 1,000), and a room of four players writing at 10 Hz brings about 40
/// changes a second: 800 such clients in one Node process spent a third of
/// their time applying. With this floor, 28 % less per delivered update
/// (BENCHMARKS.md, session 21); 256 saved no more and held more memory.
pub(crate) const MIN_BATCH: u64 = 128;

/// Applied to the document once the oldest waiting change is this old
/// (ms), however few they are.
pub(crate) const MAX_WAIT_MS: u64 = 10 * MAX_AGE_MS;

/// An operation's id: its counter, then its actor (automerge's order).
pub(crate) type OpKey = (u64, ActorId);

/// A state key: whose, and which.
pub(crate) type StateKey = (StateTarget, String);

/// One visible op of a key: its id, its value, who sent it (`None`: known
/// from the document). A document op's value is read only once it wins.
#[derive(Debug, Clone)]
struct Visible {
    id: OpKey,
    value: Option<Json>,
    by: Option<PlayerId>,
}

/// What [`Unapplied::absorb`] did with a change.
#[derive(Debug)]
pub(crate) enum Absorbed {
    /// Shown: these keys' winning values changed.
    Shown(Vec<StateKey>),
    /// The document (or the waiting changes) holds it already.
    Known,
    /// Not a plain state write: give it to the document, after
    /// [`Unapplied::take`].
    Other(Box<Change>),
    /// It writes a key the caller buffers (a local write not committed
    /// yet): commit that first, then absorb it again.
    Held(Box<Change>),
}

/// The waiting changes and the keys they show. See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Unapplied {
    changes: Vec<Change>,
    hashes: HashSet<ChangeHash>,
    /// The greatest op counter of the waiting changes.
    max_op: u64,
    /// Our newest waiting change: its seq, greatest op counter and hash
    /// (see [`Unapplied::add_own`]).
    own: Option<(u64, u64, ChangeHash)>,
    /// Every dependency of our waiting changes.
    own_deps: HashSet<ChangeHash>,
    /// Every key a waiting change wrote: its visible ops, the document's
    /// included.
    keys: HashMap<StateKey, Vec<Visible>>,
    /// The state maps of the document by object id.
    maps: HashMap<OpKey, (StateTarget, automerge::ObjId)>,
    /// When the oldest waiting change came (ms).
    since: Option<u64>,
    /// In `0..MIN_BATCH`: where this client's batch floor, age and cap lie
    /// in their ranges (see [`Unapplied::spread`]).
    spread: u64,
}

impl Unapplied {
    /// Nothing waiting, with a batch floor, an age and a cap drawn from
    /// `seed`: the floor between half and one and a half [`MIN_BATCH`], the
    /// age between half and one and a half [`MAX_AGE_MS`], the cap between
    /// half [`MAX_CHANGES`] and all of it. Clients of one room receive
    /// alike: with one floor, 800 clients in one process applied their
    /// batches in the same few moments and the process stalled (p99 latency
    /// 0.8-1.2 s against 0.3-0.4 s with floors drawn), and 32 clients of
    /// one room, whose batches the history sizes, did so every second (p99
    /// 386 ms; BENCHMARKS.md, session 21). [`Unapplied::default`] has the
    /// lowest of each.
    pub(crate) fn spread(seed: u64) -> Self {
        Unapplied {
            spread: seed % MIN_BATCH,
            ..Unapplied::default()
        }
    }

    /// The fewest waiting changes applied after [`Unapplied::max_age`].
    pub(crate) fn batch(&self) -> u64 {
        MIN_BATCH / 2 + self.spread
    }

    /// How old (ms) the oldest waiting change gets before a batch is
    /// applied.
    pub(crate) fn max_age(&self) -> u64 {
        MAX_AGE_MS / 2 + self.spread * MAX_AGE_MS / MIN_BATCH
    }

    /// How many changes wait at most.
    pub(crate) fn max_changes(&self) -> usize {
        let half = MAX_CHANGES as u64 / 2;
        (half + self.spread * half / MIN_BATCH) as usize
    }

    /// Whether nothing waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Whether the waiting changes should be applied now, in a room whose
    /// log holds `history` changes.
    pub(crate) fn is_due(&self, now: u64, history: u64) -> bool {
        self.changes.len() >= self.max_changes() || self.due_at(history).is_some_and(|t| now >= t)
    }

    /// When the waiting changes are due to be applied, in a room whose log
    /// holds `history` changes.
    pub(crate) fn due_at(&self, history: u64) -> Option<u64> {
        let n = self.changes.len() as u64;
        let enough = n >= self.batch() && n * HISTORY_SHARE >= history;
        self.since
            .map(|t| t + if enough { self.max_age() } else { MAX_WAIT_MS })
    }

    /// The value a key shows, when a waiting change wrote it: `Some(None)`
    /// when it was deleted.
    pub(crate) fn get(&self, target: &StateTarget, key: &str) -> Option<Option<&Json>> {
        if self.keys.is_empty() {
            return None;
        }
        let visible = self.keys.get(&(target.clone(), key.to_owned()))?;
        Some(winner(visible).and_then(|v| v.value.as_ref()))
    }

    /// Who sent the value a key shows, when a waiting change wrote it.
    pub(crate) fn author(&self, target: &StateTarget, key: &str) -> Option<PlayerId> {
        let visible = self.keys.get(&(target.clone(), key.to_owned()))?;
        winner(visible)?.by.clone()
    }

    /// The keys of `target` waiting changes wrote, with whether each has a
    /// value now.
    pub(crate) fn keys<'a>(
        &'a self,
        target: &'a StateTarget,
    ) -> impl Iterator<Item = (&'a str, bool)> + 'a {
        self.keys
            .iter()
            .filter(move |((t, _), _)| t == target)
            .map(|((_, k), v)| (k.as_str(), !v.is_empty()))
    }

    /// Everything waiting, in the order it came, leaving nothing.
    pub(crate) fn take(&mut self) -> Vec<Change> {
        self.keys.clear();
        self.hashes.clear();
        self.max_op = 0;
        self.own = None;
        self.own_deps.clear();
        self.since = None;
        std::mem::take(&mut self.changes)
    }

    /// What a change of ours replacing the ops `pred` builds on, given the
    /// document's heads: those, our newest waiting change, and each waiting
    /// change holding one of `pred`. Not every waiting change: a change
    /// naming them all as deps would carry one hash per other writer.
    pub(crate) fn deps_for(&self, doc_heads: Vec<ChangeHash>, pred: &[OpKey]) -> Vec<ChangeHash> {
        // The document's heads one of our waiting changes builds on
        // already come with it.
        let mut deps: Vec<ChangeHash> = doc_heads
            .into_iter()
            .filter(|h| !self.own_deps.contains(h))
            .collect();
        if let Some((_, _, own)) = self.own {
            deps.push(own);
        }
        for (counter, actor) in pred {
            if let Some(c) = self.changes.iter().rev().find(|c| {
                c.actor_id() == actor && c.start_op().get() <= *counter && *counter <= c.max_op()
            }) {
                deps.push(c.hash());
            }
        }
        deps.sort_unstable();
        deps.dedup();
        deps
    }

    /// The greatest op counter of the waiting changes (0 when none wait).
    pub(crate) fn max_op(&self) -> u64 {
        self.max_op
    }

    /// Our newest waiting change's seq and greatest op counter.
    pub(crate) fn own(&self) -> Option<(u64, u64)> {
        self.own.map(|(seq, max_op, _)| (seq, max_op))
    }

    /// The ids of the ops a key shows, the document's included.
    pub(crate) fn visible_ids(
        &self,
        doc: &Automerge,
        map: &automerge::ObjId,
        key: &StateKey,
    ) -> Vec<OpKey> {
        match self.keys.get(key) {
            Some(visible) => visible.iter().map(|v| v.id.clone()).collect(),
            None => in_doc(doc, map, &key.1).into_iter().map(|v| v.id).collect(),
        }
    }

    /// Shows our own `change`, made on top of the document and everything
    /// waiting: `writes` are its keys, each with the ops its op replaces,
    /// its op id and value. It waits to be applied with the rest; its
    /// values were reported when they were written.
    pub(crate) fn add_own(
        &mut self,
        doc: &Automerge,
        change: Change,
        writes: Vec<(StateKey, automerge::ObjId, Vec<OpKey>, OpKey, Json)>,
        by: PlayerId,
        now: u64,
    ) {
        let writes = writes
            .into_iter()
            .map(|(key, map, pred, id, value)| KeyWrite {
                key,
                map,
                pred,
                value: Some((id, value)),
            })
            .collect();
        self.show(doc, writes, Some(by));
        self.own = Some((change.seq(), change.max_op(), change.hash()));
        self.own_deps.extend(change.deps().iter().copied());
        self.push(change, now);
    }

    /// Adds a shown change to the waiting ones.
    fn push(&mut self, change: Change, now: u64) {
        let hash = change.hash();
        self.max_op = self.max_op.max(change.max_op());
        self.hashes.insert(hash);
        self.changes.push(change);
        self.since.get_or_insert(now);
    }

    /// Shows `change`, sent by `by`, on top of `doc`, or says why not.
    /// Nothing changes unless it is shown; a change writing a key
    /// `buffered` names is not.
    pub(crate) fn absorb(
        &mut self,
        doc: &Automerge,
        change: Change,
        by: Option<PlayerId>,
        now: u64,
        buffered: impl Fn(&StateKey) -> bool,
    ) -> Absorbed {
        let hash = change.hash();
        if self.hashes.contains(&hash) {
            return Absorbed::Known;
        }
        // With changes queued for missing dependencies, "held" is not
        // "applied": automerge sorts that out.
        if !doc.get_missing_deps(&[]).is_empty() {
            return Absorbed::Other(Box::new(change));
        }
        let held = |h: &ChangeHash| doc.get_missing_deps(&[*h]).is_empty();
        if held(&hash) {
            return Absorbed::Known;
        }
        // A change ahead of what it builds on waits in automerge's queue.
        if !change
            .deps()
            .iter()
            .all(|d| self.hashes.contains(d) || held(d))
        {
            return Absorbed::Other(Box::new(change));
        }
        let Some(writes) = self.plan(doc, &change) else {
            return Absorbed::Other(Box::new(change));
        };
        if writes.iter().any(|w| buffered(&w.key)) {
            return Absorbed::Held(Box::new(change));
        }
        let shown = self.show(doc, writes, by);
        self.push(change, now);
        Absorbed::Shown(shown)
    }

    /// Shows `writes` on top of what the keys show; returns the keys whose
    /// winning value changed.
    fn show(
        &mut self,
        doc: &Automerge,
        writes: Vec<KeyWrite>,
        by: Option<PlayerId>,
    ) -> Vec<StateKey> {
        let mut shown: Vec<StateKey> = Vec::new();
        for w in writes {
            let visible = self
                .keys
                .entry(w.key.clone())
                .or_insert_with(|| in_doc(doc, &w.map, &w.key.1));
            let winner_was = winner(visible).map(|v| v.id.clone());
            visible.retain(|v| !w.pred.contains(&v.id));
            if let Some((id, value)) = w.value
                && !visible.iter().any(|v| v.id == id)
            {
                visible.push(Visible {
                    id,
                    value: Some(value),
                    by: by.clone(),
                });
            }
            // A document op left winning by a concurrent loser: read it.
            if let Some(top) = visible.iter_mut().max_by(|a, b| a.id.cmp(&b.id))
                && top.value.is_none()
            {
                top.value = get_json_of(doc, &w.map, &w.key.1, (top.id.0, &top.id.1));
            }
            if winner(visible).map(|v| &v.id) != winner_was.as_ref() && !shown.contains(&w.key) {
                shown.push(w.key);
            }
        }
        shown
    }

    /// The state writes of `change`, or `None` when it holds anything else.
    fn plan(&mut self, doc: &Automerge, change: &Change) -> Option<Vec<KeyWrite>> {
        let expanded = change.decode();
        let actor = expanded.actor_id;
        let mut writes: Vec<KeyWrite> = Vec::new();
        let mut tree = Tree::default();
        // The objects this change makes: their node in `tree`.
        let mut made: HashMap<OpKey, usize> = HashMap::new();
        // Per write, the node holding its value.
        let mut roots: Vec<Option<usize>> = Vec::new();
        for (op, counter) in expanded
            .operations
            .into_iter()
            .zip(expanded.start_op.get()..)
        {
            let id: OpKey = (counter, actor.clone());
            let node = match &op.action {
                OpType::Make(ObjType::Map) => Node::Map(Map::new(), Vec::new()),
                OpType::Make(ObjType::List) => Node::List(Vec::new()),
                OpType::Put(ScalarValue::Counter(_)) => return None,
                OpType::Put(s) => Node::Scalar(scalar_to_json(s)),
                OpType::Delete => Node::Deleted,
                _ => return None,
            };
            let ObjectId::Id(obj) = &op.obj else {
                return None;
            };
            let obj: OpKey = (obj.0, obj.1.clone());
            if let Some(&parent) = made.get(&obj) {
                // Inside a value this change made: a map key, or a list
                // element appended after the previous one.
                let child = tree.push(node);
                if matches!(tree.nodes[child], Node::Deleted) {
                    return None;
                }
                match (&op.key, op.insert) {
                    (Key::Map(k), false) => tree.put(parent, k.to_string(), child)?,
                    (Key::Seq(after), true) => tree.append(parent, after, child, &id)?,
                    _ => return None,
                }
                if matches!(op.action, OpType::Make(_)) {
                    made.insert(id, child);
                }
                continue;
            }
            let Key::Map(key) = &op.key else {
                return None;
            };
            if op.insert {
                return None;
            }
            let (target, map) = self.state_map(doc, &obj)?;
            let value = match node {
                Node::Deleted => None,
                node => {
                    let n = tree.push(node);
                    if matches!(op.action, OpType::Make(_)) {
                        made.insert(id.clone(), n);
                    }
                    Some(n)
                }
            };
            roots.push(value);
            writes.push(KeyWrite {
                key: (target, key.to_string()),
                map,
                pred: op.pred.iter().map(|p| (p.0, p.1.clone())).collect(),
                // Its JSON once the whole change is read (a value it makes
                // may be filled by later ops).
                value: value.map(|_| (id, Json::Null)),
            });
        }
        for (w, root) in writes.iter_mut().zip(roots) {
            if let (Some((_, value)), Some(n)) = (&mut w.value, root) {
                *value = tree.json(n);
            }
        }
        Some(writes)
    }

    /// The state map object `obj` is, with its document id.
    fn state_map(
        &mut self,
        doc: &Automerge,
        obj: &OpKey,
    ) -> Option<(StateTarget, automerge::ObjId)> {
        if !self.maps.contains_key(obj) {
            // Players' maps are made by changes the document applied (a
            // change making one is never shown here): look again.
            self.maps = state_maps(doc);
        }
        self.maps.get(obj).cloned()
    }
}

/// One write of a state key in a change.
struct KeyWrite {
    key: StateKey,
    map: automerge::ObjId,
    pred: Vec<OpKey>,
    /// The op's id and value; `None` for a delete.
    value: Option<(OpKey, Json)>,
}

/// A value a change builds: the nodes of its maps and lists.
#[derive(Default)]
struct Tree {
    nodes: Vec<Node>,
}

enum Node {
    Scalar(Json),
    /// Scalar entries, and entries that are nodes.
    Map(Map<String, Json>, Vec<(String, usize)>),
    /// Elements in order: their op id and node.
    List(Vec<(OpKey, usize)>),
    Deleted,
}

impl Tree {
    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Puts `child` at `key` of map `parent` (a later put wins).
    fn put(&mut self, parent: usize, key: String, child: usize) -> Option<()> {
        let Node::Map(_, entries) = &mut self.nodes[parent] else {
            return None;
        };
        entries.retain(|(k, _)| k != &key);
        entries.push((key, child));
        Some(())
    }

    /// Appends `child` to list `parent`, when it goes after the list's
    /// last element (or at the head of an empty list).
    fn append(&mut self, parent: usize, after: &ElementId, child: usize, id: &OpKey) -> Option<()> {
        let Node::List(items) = &mut self.nodes[parent] else {
            return None;
        };
        let last = items.last().map(|(id, _)| id);
        let follows = match (after, last) {
            (ElementId::Head, None) => true,
            (ElementId::Id(a), Some(l)) => a.0 == l.0 && a.1 == l.1,
            _ => false,
        };
        if !follows {
            return None;
        }
        items.push((id.clone(), child));
        Some(())
    }

    fn json(&mut self, n: usize) -> Json {
        match std::mem::replace(&mut self.nodes[n], Node::Deleted) {
            Node::Scalar(v) => v,
            Node::Map(mut map, entries) => {
                for (k, child) in entries {
                    let v = self.json(child);
                    map.insert(k, v);
                }
                Json::Object(map)
            }
            Node::List(items) => {
                Json::Array(items.into_iter().map(|(_, c)| self.json(c)).collect())
            }
            Node::Deleted => Json::Null,
        }
    }
}

/// The winning visible op: the greatest id.
fn winner(visible: &[Visible]) -> Option<&Visible> {
    visible.iter().max_by(|a, b| a.id.cmp(&b.id))
}

/// A key's visible ops in the document, their values not read yet.
fn in_doc(doc: &Automerge, map: &automerge::ObjId, key: &str) -> Vec<Visible> {
    doc.get_all(map, key)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(_, id)| match id {
            automerge::ObjId::Id(counter, actor, _) => Some(Visible {
                id: (counter, actor),
                value: None,
                by: None,
            }),
            automerge::ObjId::Root => None,
        })
        .collect()
}

/// Every state map of `doc` by object id: the room's and each player's.
fn state_maps(doc: &Automerge) -> HashMap<OpKey, (StateTarget, automerge::ObjId)> {
    let mut targets = vec![StateTarget::Room];
    if let Some(players) = doc_layout::child(doc, &automerge::ROOT, doc_layout::PLAYERS) {
        targets.extend(
            doc.keys(&players)
                .filter_map(|p| PlayerId::new(p).ok())
                .map(StateTarget::Player),
        );
    }
    targets
        .into_iter()
        .filter_map(|t| {
            let id = doc_layout::state_map(doc, &t)?;
            let automerge::ObjId::Id(counter, actor, _) = &id else {
                return None;
            };
            Some(((*counter, actor.clone()), (t, id)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::doc_value::{get_json, put_json};
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, Prop};
    use serde_json::json;

    /// A document with the layout, and a writer forked from it.
    fn room() -> (Automerge, automerge::ObjId) {
        let mut doc = Automerge::new();
        doc.apply_changes([doc_layout::skeleton().unwrap()])
            .unwrap();
        let map = doc_layout::state_map(&doc, &StateTarget::Room).unwrap();
        (doc, map)
    }

    fn writer(doc: &Automerge, actor: u8) -> AutoCommit {
        let mut w = AutoCommit::load(&doc.save()).unwrap();
        w.set_actor(ActorId::from(vec![actor; 16]));
        w
    }

    fn put(w: &mut AutoCommit, map: &automerge::ObjId, key: &str, v: serde_json::Value) -> Change {
        put_json(w, map, Prop::Map(key.into()), &v).unwrap();
        w.commit();
        w.get_last_local_change().unwrap()
    }

    /// Like [`put`], an object or array written as automerge maps and
    /// lists, the way coinop stored values before they became JSON text:
    /// stored rooms hold such changes, and `with_doc` still writes them.
    fn put_as_maps(
        w: &mut AutoCommit,
        map: &automerge::ObjId,
        key: &str,
        v: serde_json::Value,
    ) -> Change {
        fn hydrated(v: &serde_json::Value) -> automerge::hydrate::Value {
            use automerge::hydrate::Value as H;
            match v {
                serde_json::Value::Object(m) => H::Map(
                    m.iter()
                        .map(|(k, v)| (k.clone(), hydrated(v)))
                        .collect::<HashMap<_, _>>()
                        .into(),
                ),
                serde_json::Value::Array(a) => {
                    H::List(a.iter().map(hydrated).collect::<Vec<_>>().into())
                }
                serde_json::Value::String(s) => H::Scalar(ScalarValue::Str(s.as_str().into())),
                serde_json::Value::Number(n) => H::Scalar(ScalarValue::F64(n.as_f64().unwrap())),
                serde_json::Value::Bool(b) => H::Scalar(ScalarValue::Boolean(*b)),
                serde_json::Value::Null => H::Scalar(ScalarValue::Null),
            }
        }
        w.batch_create_object(map, key, &hydrated(&v), false)
            .unwrap();
        w.commit();
        w.get_last_local_change().unwrap()
    }

    /// Shows `changes`, then checks every key against the document with
    /// them applied.
    fn check(doc: &mut Automerge, map: &automerge::ObjId, changes: Vec<Change>, keys: &[&str]) {
        let mut u = Unapplied::default();
        for c in changes.clone() {
            assert!(matches!(
                u.absorb(doc, c, None, 0, |_| false),
                Absorbed::Shown(_)
            ));
        }
        let shown: Vec<_> = keys
            .iter()
            .map(|k| u.get(&StateTarget::Room, k).map(|v| v.cloned()))
            .collect();
        doc.apply_changes(u.take()).unwrap();
        for (k, shown) in keys.iter().zip(shown) {
            let in_doc = get_json(doc, map, *k);
            match shown {
                Some(v) => assert_eq!(v, in_doc, "key {k}"),
                None => panic!("key {k} was not shown"),
            }
        }
    }

    #[test]
    fn values_in_both_formats_deletes_and_conflicts_read_as_the_document_will() {
        let (mut doc, map) = room();
        let mut a = writer(&doc, 1);
        let mut b = writer(&doc, 2);
        // Writes later, without having seen anything of this: its ops
        // have lower counters, and lose to the document's.
        let mut early = writer(&doc, 9);
        let mut changes = vec![
            put_as_maps(
                &mut a,
                &map,
                "pos",
                json!({"x": 1.5, "y": [1.5, 2.5, {"z": null}], "t": "s"}),
            ),
            put(&mut a, &map, "gone", json!(1)),
        ];
        changes.push(put(&mut a, &map, "pos", json!({"x": 2})));
        a.delete(&map, "gone").unwrap();
        a.commit();
        changes.push(a.get_last_local_change().unwrap());
        // Concurrent writes of one key by two actors: the greater op id wins.
        changes.push(put(&mut b, &map, "both", json!("b")));
        changes.push(put(&mut a, &map, "both", json!(["a"])));
        check(&mut doc, &map, changes, &["pos", "gone", "both"]);
        // On top of what the document holds: one side supersedes, the
        // other stays concurrent with it.
        let mut c = writer(&doc, 3);
        let mut d = writer(&doc, 0);
        let changes = vec![
            put(&mut c, &map, "both", json!(3)),
            put(&mut d, &map, "pos", json!(false)),
            put(&mut d, &map, "pos", json!(2.5)),
            put(&mut early, &map, "both", json!("early")),
            put(&mut early, &map, "late", json!({"a": [true]})),
            put_as_maps(&mut early, &map, "maps", json!({"a": [true, "x"]})),
        ];
        check(&mut doc, &map, changes, &["both", "pos", "late", "maps"]);
    }

    #[test]
    fn deleting_a_conflicts_winner_shows_the_loser_the_document_holds() {
        let (mut doc, map) = room();
        let mut low = writer(&doc, 1);
        let mut high = writer(&doc, 2);
        let mut deleter = writer(&doc, 3);
        let lose = put(&mut low, &map, "k", json!("low"));
        let win = put(&mut high, &map, "k", json!({"high": [1]}));
        doc.apply_changes([lose, win.clone()]).unwrap();
        // The deleter saw the winner only: its delete leaves the loser.
        deleter.apply_changes([win]).unwrap();
        deleter.delete(&map, "k").unwrap();
        deleter.commit();
        let delete = deleter.get_last_local_change().unwrap();
        check(&mut doc, &map, vec![delete], &["k"]);
        assert_eq!(get_json(&doc, &map, "k"), Some(json!("low")));
    }

    #[test]
    fn other_changes_and_known_ones_are_not_shown() {
        let (doc, map) = room();
        let mut a = writer(&doc, 1);
        let mut u = Unapplied::default();
        a.put(&map, "n", automerge::ScalarValue::counter(1))
            .unwrap();
        a.commit();
        let counter = a.get_last_local_change().unwrap();
        assert!(matches!(
            u.absorb(&doc, counter, None, 0, |_| false),
            Absorbed::Other(_)
        ));
        let skeleton = doc_layout::skeleton().unwrap();
        assert!(matches!(
            u.absorb(&doc, skeleton, None, 0, |_| false),
            Absorbed::Known
        ));
        let p = PlayerId::new("p").unwrap();
        let made = doc_layout::player_skeleton(&p).unwrap();
        assert!(matches!(
            u.absorb(&doc, made, None, 0, |_| false),
            Absorbed::Other(_)
        ));
        let plain = put(&mut a, &map, "k", json!(1));
        assert!(
            matches!(
                u.absorb(&doc, plain.clone(), None, 5, |_| false),
                Absorbed::Other(_)
            ),
            "after the counter it builds on"
        );
        assert!(u.is_empty() && u.due_at(0).is_none());
        let mut b = writer(&doc, 2);
        let plain = put(&mut b, &map, "k", json!(1));
        assert!(
            matches!(u.absorb(&doc, plain.clone(), None, 5, |_| false), Absorbed::Shown(k) if k.len() == 1)
        );
        assert!(matches!(
            u.absorb(&doc, plain, None, 6, |_| false),
            Absorbed::Known
        ));
        // One change is fewer than a batch: it waits the longest.
        assert_eq!(u.due_at(0), Some(5 + MAX_WAIT_MS));
        assert!(!u.is_due(5 + u.max_age(), 0) && u.is_due(5 + MAX_WAIT_MS, 0));
    }

    #[test]
    fn waiting_changes_are_applied_early_only_when_enough_for_a_batch_and_the_history() {
        let (doc, map) = room();
        let mut b = writer(&doc, 2);
        let mut u = Unapplied::spread(7);
        let batch = u.batch();
        assert_eq!(batch, MIN_BATCH / 2 + 7);
        for i in 0..batch {
            let change = put(&mut b, &map, "k", json!(i));
            let at = 5 + i;
            assert!(matches!(
                u.absorb(&doc, change, None, at, |_| false),
                Absorbed::Shown(_)
            ));
            if i + 1 < batch {
                assert_eq!(u.due_at(0), Some(5 + MAX_WAIT_MS), "{} waiting", i + 1);
            }
        }
        // A batch, dated by the oldest change, in a room whose history it
        // is at least a 25th of.
        let age = u.max_age();
        assert_eq!(age, MAX_AGE_MS / 2 + 7 * MAX_AGE_MS / MIN_BATCH);
        assert_eq!(u.due_at(0), Some(5 + age));
        assert!(!u.is_due(4 + age, 0) && u.is_due(5 + age, 0));
        let history = batch * HISTORY_SHARE;
        assert_eq!(u.due_at(history), Some(5 + age));
        assert_eq!(u.due_at(history + 1), Some(5 + MAX_WAIT_MS));
        assert!(!u.is_due(5 + age, history + 1) && u.is_due(5 + MAX_WAIT_MS, history + 1));
        // Applied, the floor stays.
        u.take();
        assert_eq!(u.batch(), batch);
    }

    #[test]
    fn batch_floors_ages_and_caps_are_spread_in_their_ranges() {
        let drawn: Vec<Unapplied> = (0..64u64)
            .map(|i| Unapplied::spread(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            .collect();
        let floors: HashSet<u64> = drawn.iter().map(Unapplied::batch).collect();
        let ages: HashSet<u64> = drawn.iter().map(Unapplied::max_age).collect();
        let caps: HashSet<usize> = drawn.iter().map(Unapplied::max_changes).collect();
        assert!(floors.len() > 32 && ages.len() > 32 && caps.len() > 32);
        assert!(
            floors
                .iter()
                .all(|b| (MIN_BATCH / 2..MIN_BATCH * 3 / 2).contains(b))
        );
        assert!(
            ages.iter()
                .all(|a| (MAX_AGE_MS / 2..MAX_AGE_MS * 3 / 2).contains(a))
        );
        assert!(
            caps.iter()
                .all(|c| (MAX_CHANGES / 2..MAX_CHANGES).contains(c))
        );
        let lowest = Unapplied::default();
        assert_eq!(
            (lowest.batch(), lowest.max_age(), lowest.max_changes()),
            (MIN_BATCH / 2, MAX_AGE_MS / 2, MAX_CHANGES / 2)
        );
    }

    #[test]
    fn a_client_applies_once_its_cap_of_changes_waits() {
        let (doc, map) = room();
        let mut b = writer(&doc, 2);
        let mut u = Unapplied::spread(MIN_BATCH - 1);
        let cap = u.max_changes();
        assert_eq!(
            cap,
            MAX_CHANGES / 2 + (MIN_BATCH as usize - 1) * MAX_CHANGES / 2 / MIN_BATCH as usize
        );
        // A room far longer than the cap: only the cap makes them due.
        let history = u64::MAX / HISTORY_SHARE;
        for i in 0..cap {
            assert!(!u.is_due(5, history), "{i} waiting");
            let change = put(&mut b, &map, "k", json!(i));
            assert!(matches!(
                u.absorb(&doc, change, None, 5, |_| false),
                Absorbed::Shown(_)
            ));
        }
        assert!(u.is_due(5, history));
    }

    #[test]
    fn a_change_writing_a_buffered_key_is_held_back_and_shows_nothing() {
        let (doc, map) = room();
        let mut a = writer(&doc, 1);
        let mut u = Unapplied::default();
        let change = put(&mut a, &map, "k", json!(1));
        let buffered = |k: &StateKey| k == &(StateTarget::Room, "k".to_owned());
        assert!(matches!(
            u.absorb(&doc, change.clone(), None, 0, buffered),
            Absorbed::Held(_)
        ));
        assert!(u.is_empty() && u.get(&StateTarget::Room, "k").is_none());
        // Another key does not hold it back.
        let other = |k: &StateKey| k == &(StateTarget::Room, "j".to_owned());
        assert!(matches!(
            u.absorb(&doc, change, None, 0, other),
            Absorbed::Shown(k) if k.len() == 1
        ));
    }
}
