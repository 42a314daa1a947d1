//! A group of local writes made into a change without an automerge
//! transaction, shown at once and applied to the document later with the
//! received changes that wait ([`super::unapplied`]).
//!
//! A transaction puts each op into the document's op set where it goes
//! (automerge's `OpSet::splice`), and the change it makes must then be read
//! back out of the op set to be sent (`get_change_by_hash`): 10.5 % of the
//! 32-client bench's client process and 22 % of the 800-client one's. Made
//! here, the change costs about 1.5 %, and its ops go into the op set with
//! the next batch apply, at a batch's price (BENCHMARKS.md, session 20).
//! Every reliable write is one scalar put into a state map, so the change
//! is simple to make, and it is the change the transaction would make had
//! the waiting changes been applied first:
//!
//! - Its ops replace what their keys show now, the waiting changes' ops
//!   and the document's ([`super::unapplied::Unapplied::visible_ids`]).
//! - It depends on our newest waiting change, on the document's heads that
//!   change does not already build on, and on each waiting change holding
//!   an op it replaces ([`super::unapplied::Unapplied::deps_for`]). Not on every waiting
//!   change: that would put a hash of every other writer in each change
//!   (550 bytes instead of 194 with 16 writers, and half the throughput).
//! - Its first op counter is above every op it could build on and every op
//!   of ours, and its seq follows our last change's: op ids stay unique and
//!   it wins over what it replaces, as automerge's own change would.
//!
//! A document with changes queued for missing dependencies goes through a
//! transaction instead, after the waiting changes are applied: a
//! transaction's seq follows the last change the document holds.

use super::room_core::RoomCore;
use super::sizes;
use super::unapplied::OpKey;
use super::write_buffer::Write;
use crate::doc_value::scalar;
use crate::error::{Error, SizeOf};
use automerge::legacy::{Key, ObjectId, Op, OpId, OpType, SortedVec};
use automerge::{ActorId, Change, ExpandedChange, ObjId, ReadDoc};
use bytes::Bytes;
use coinop_protocol::StateTarget;
use std::num::NonZeroU64;

impl RoomCore {
    /// Makes `group` one change of ours into the outbox, shown at once and
    /// applied later; `None` when it must go through a transaction.
    pub(super) fn own_change(
        &mut self,
        group: &[Write],
        maps: &[(StateTarget, ObjId)],
    ) -> Option<Result<(), Error>> {
        // The write buffer keeps one value per key, so each key of the
        // group is written once and no op replaces another of this change.
        if !self.doc.get_missing_deps(&[]).is_empty() {
            return None;
        }
        let actor = self.doc.get_actor().clone();
        let (doc_max_op, (doc_seq, doc_own_max)) = self.doc_clock(&actor);
        let (seq, own_max) = self.unapplied.own().unwrap_or((doc_seq, doc_own_max));
        // Each write: its map, and the ops it replaces.
        let mut planned = Vec::with_capacity(group.len());
        let mut start = doc_max_op.max(self.unapplied.max_op()).max(own_max);
        for w in group {
            let key = (w.target.clone(), w.key.clone());
            let (_, map) = maps.iter().find(|(t, _)| t == &w.target)?;
            let ObjId::Id(counter, map_actor, _) = map else {
                return None;
            };
            let pred = self.unapplied.visible_ids(&self.doc, map, &key);
            start = pred.iter().map(|p| p.0).fold(start, u64::max);
            let obj = ObjectId::Id(OpId(*counter, map_actor.clone()));
            planned.push((w, key, map.clone(), obj, pred));
        }
        let start_op = NonZeroU64::new(start + 1)?;
        let operations = planned
            .iter()
            .map(|(w, _, _, obj, pred)| Op {
                action: OpType::Put(scalar(&w.value)),
                obj: obj.clone(),
                key: Key::Map(w.key.as_str().into()),
                pred: SortedVec::from(
                    pred.iter()
                        .map(|(c, a)| OpId(*c, a.clone()))
                        .collect::<Vec<_>>(),
                ),
                insert: false,
            })
            .collect();
        let change = Change::from(ExpandedChange {
            operations,
            actor_id: actor.clone(),
            hash: None,
            seq: seq + 1,
            start_op,
            time: 0,
            message: None,
            deps: self.unapplied.deps_for(
                self.doc.get_heads(),
                &planned
                    .iter()
                    .flat_map(|p| p.4.iter().cloned())
                    .collect::<Vec<_>>(),
            ),
            extra_bytes: Vec::new(),
            author: None,
        });
        let limit = sizes::change_limit(&self.limits);
        let size = change.raw_bytes().len();
        if size > limit {
            return Some(Err(Error::TooLarge {
                what: SizeOf::Change,
                size,
                limit,
            }));
        }
        self.outbox.push(Bytes::copy_from_slice(change.raw_bytes()));
        self.saves.mark_dirty();
        let writes = planned
            .into_iter()
            .zip(start_op.get()..)
            .map(|((w, key, map, _, pred), counter)| {
                let id: OpKey = (counter, actor.clone());
                (key, map, pred, id, w.value.clone())
            })
            .collect();
        let me = self.cfg.player.clone();
        let now = self.last_now;
        self.unapplied.add_own(&self.doc, change, writes, me, now);
        Some(Ok(()))
    }

    /// The document's greatest op counter and our last change in it (seq,
    /// greatest op counter).
    fn doc_clock(&mut self, actor: &ActorId) -> (u64, (u64, u64)) {
        self.doc_clock.read(&mut self.doc, actor)
    }
}
