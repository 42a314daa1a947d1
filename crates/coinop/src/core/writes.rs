//! Local commands: writes to the document, unreliable values, RPC, host.

use super::authors::Authors;
use super::room_core::RoomCore;
use super::sizes;
use super::write_buffer::Write;
use crate::doc_layout;
use crate::doc_value::put_json;
use crate::error::{Error, SizeOf};
use crate::event::Event;
use crate::reliability::Reliability;
use automerge::transaction::{Transactable, Transaction};
use automerge::{ChangeHash, ObjId, PatchLog, Prop, ReadDoc, ScalarValue, Value};
use bytes::Bytes;
use coinop_protocol::{
    CallId, ClientMessage, PlayerId, Profile, RpcOutcome, RpcTarget, StateTarget,
};
use serde_json::Value as Json;

impl RoomCore {
    /// Runs `f` in one automerge transaction: one local change, queued for
    /// the relay, with events for what it touched. On error nothing changes.
    pub(crate) fn edit<R>(
        &mut self,
        now: u64,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.check_writable()?;
        // Buffered writes came first.
        self.commit_writes(now);
        // A write is made on the room's history, never on a view.
        self.finish_pending(now);
        let before = self.doc.get_heads();
        let mut tx = self
            .doc
            .transaction_log_patches(PatchLog::active())
            .map_err(automerge::AutomergeError::from)?;
        let out = match f(&mut tx) {
            Ok(out) => out,
            Err(e) => {
                tx.rollback();
                return Err(e);
            }
        };
        let (hash, mut log) = tx.commit();
        for change in self.new_changes(&before, hash)? {
            self.outbox.push(change);
        }
        let me = Authors::One(Some(self.cfg.player.clone()));
        let touched = self.after_change(&before, &mut log, &me);
        for (target, key) in touched {
            self.retract_unreliable(target, &key);
        }
        self.flush(now);
        Ok(out)
    }

    /// After a reliable write: if the relay holds an unreliable value of
    /// ours for the key, replace it with a tombstone (an empty value), so
    /// that clients reconnecting later are not shown it over the newer
    /// reliable value. Offline, the next welcome retracts it instead (it
    /// lists our values, and the key is no longer in `my_unreliable`).
    fn retract_unreliable(&mut self, target: StateTarget, key: &str) {
        let k = (target, key.to_owned());
        if self.my_unreliable.remove(&k) && self.is_up() {
            self.unreliable.push(k.0, key, Bytes::new());
        }
    }

    /// Commits the buffered reliable writes as one change (see
    /// [`super::write_buffer`]). Their values were reported when written,
    /// so the commit reports nothing; a failure is reported as an error
    /// event, since the writers have returned long ago.
    pub(crate) fn commit_writes(&mut self, now: u64) {
        if self.writes.is_empty() {
            return;
        }
        let writes = self.writes.take();
        if let Err(e) = self.commit(now, writes) {
            tracing::warn!("could not commit buffered writes: {e}");
            self.out.event(Event::Error(e));
        }
        self.flush(now);
    }

    fn commit(&mut self, now: u64, writes: Vec<Write>) -> Result<(), Error> {
        let mut maps: Vec<(StateTarget, ObjId)> = Vec::new();
        for w in &writes {
            if !maps.iter().any(|(t, _)| t == &w.target) {
                let map = self.state_map_made(now, &w.target)?;
                maps.push((w.target.clone(), map));
            }
        }
        // Writes that together would exceed the relay's change limit go in
        // several changes; each write alone was checked at its call.
        let limit = sizes::change_limit(&self.limits);
        let mut rest = writes.as_slice();
        let mut failed = None;
        while !rest.is_empty() {
            let mut cost = 0;
            let n = rest
                .iter()
                .take_while(|w| {
                    cost += w.cost;
                    cost <= limit
                })
                .count()
                .max(1);
            let (group, tail) = rest.split_at(n);
            rest = tail;
            // Made on top of the waiting changes, without a transaction;
            // else a transaction makes it on the document, once they are in.
            let committed = self.own_change(group, &maps).unwrap_or_else(|| {
                self.apply_waiting();
                self.commit_group(group, &maps)
            });
            if let Err(e) = committed {
                // Its values were shown when written: show what holds now.
                for w in group {
                    self.report_reliable(w.target.clone(), w.key.clone(), None);
                }
                failed = Some(e);
            }
        }
        failed.map_or(Ok(()), Err)
    }

    /// Commits `group` as one change into the outbox.
    fn commit_group(
        &mut self,
        group: &[Write],
        maps: &[(StateTarget, ObjId)],
    ) -> Result<(), Error> {
        let heads = self.doc.get_heads();
        let mut tx = self.doc.transaction();
        let mut put = Vec::with_capacity(group.len());
        for w in group {
            let Some((_, map)) = maps.iter().find(|(t, _)| t == &w.target) else {
                continue;
            };
            if let Err(e) = put_json(&mut tx, map, w.key.as_str().into(), &w.value) {
                tx.rollback();
                return Err(e.into());
            }
            put.push(w);
        }
        let (hash, _) = tx.commit();
        for change in self.new_changes(&heads, hash)? {
            self.outbox.push(change);
            self.saves.mark_dirty();
        }
        self.reads.committed(heads, self.doc.get_heads(), put);
        Ok(())
    }

    /// The local change `hash` a transaction on `before` made, for the
    /// outbox (none when it changed nothing). Taken by its hash: asking
    /// for the changes since `before` costs a walk of the history. A
    /// change the relay would refuse for its size is undone instead (the
    /// document goes back to `before`; our actor's next change reuses its
    /// number, which nobody else saw) and refused here, so nothing
    /// unsendable is queued.
    fn new_changes(
        &mut self,
        before: &[ChangeHash],
        hash: Option<ChangeHash>,
    ) -> Result<Vec<Bytes>, Error> {
        let limit = sizes::change_limit(&self.limits);
        let changes: Vec<Bytes> = hash
            .and_then(|h| self.doc.get_change_by_hash(&h))
            .iter()
            .map(|c| Bytes::copy_from_slice(c.raw_bytes()))
            .collect();
        if let Some(size) = changes.iter().map(Bytes::len).find(|n| *n > limit) {
            let actor = self.doc.get_actor().clone();
            let mut doc = self.doc.fork_at(before)?;
            doc.set_actor(actor);
            self.doc = doc;
            return Err(Error::TooLarge {
                what: SizeOf::Change,
                size,
                limit,
            });
        }
        Ok(changes)
    }

    /// The state map of `target`, creating a player's maps if needed, in
    /// a document brought up to date (see `finish_pending`).
    fn ensure_state_map(&mut self, now: u64, target: &StateTarget) -> Result<ObjId, Error> {
        self.commit_writes(now);
        self.finish_pending(now);
        self.state_map_made(now, target)
    }

    /// The state map of `target`, creating a player's maps if needed. The
    /// changes waiting to be applied never make one (see `unapplied`).
    fn state_map_made(&mut self, now: u64, target: &StateTarget) -> Result<ObjId, Error> {
        self.finish_snapshot(now);
        if let Some(map) = self.reads.state_map(&self.doc, target) {
            return Ok(map);
        }
        if let StateTarget::Player(p) = target {
            self.apply_local_change(doc_layout::player_skeleton(p)?)?;
        }
        // The skeleton change creates it, so this only fails if a `with_doc`
        // edit replaced the layout's maps.
        doc_layout::state_map(&self.doc, target).ok_or_else(layout_broken)
    }

    /// Writes a state key (see [`Reliability`] for the rule).
    pub(crate) fn set_state(
        &mut self,
        now: u64,
        target: StateTarget,
        key: &str,
        value: Json,
        reliability: Reliability,
    ) -> Result<(), Error> {
        self.check_writable()?;
        match reliability {
            Reliability::Reliable => {
                if target == StateTarget::Room
                    && self.reads.state_map(self.read_doc(), &target).is_none()
                {
                    return Err(layout_broken());
                }
                // Committed on the driver's next turn (see `write_buffer`).
                // A rewrite with the same value changes nothing visible,
                // yet a shadow must still go.
                let cost = sizes::write_cost(key, &value, sizes::change_limit(&self.limits))?;
                let shadowed = self.shadows.clear(&target, key);
                let changed = shadowed || self.get_state(&target, key).as_ref() != Some(&value);
                self.writes.put(target.clone(), key, value, cost);
                if changed {
                    self.push_state_event(target.clone(), key, Reliability::Reliable);
                }
                self.retract_unreliable(target, key);
                if !self.is_up() {
                    // Offline there is no next turn to batch for: commit
                    // now, so each offline write keeps its own place in
                    // the order that settles conflicts.
                    self.commit_writes(now);
                }
                self.flush(now);
            }
            Reliability::Unreliable => {
                let bytes = Bytes::from(serde_json::to_vec(&value)?);
                self.check_unreliable(key, bytes.len())?;
                self.my_unreliable.insert((target.clone(), key.to_owned()));
                self.shadows.set(
                    target.clone(),
                    key.to_owned(),
                    value,
                    self.cfg.player.clone(),
                );
                self.send_unreliable(target.clone(), key, bytes);
                self.push_state_event(target, key, Reliability::Unreliable);
                self.flush(now);
            }
        }
        Ok(())
    }

    fn push_state_event(&mut self, target: StateTarget, key: &str, reliability: Reliability) {
        let value = self.get_state(&target, key);
        self.out.event(Event::StateChanged {
            target,
            key: key.to_owned(),
            value,
            by: Some(self.cfg.player.clone()),
            reliability,
        });
    }

    /// Queues an unreliable frame (paced, latest value per key wins).
    fn send_unreliable(&mut self, target: StateTarget, key: &str, value: Bytes) {
        if self.is_up() {
            self.unreliable.push(target, key, value);
        } // else dropped while offline, by the rule
    }

    /// Removes a key (reliable).
    pub(crate) fn delete_state(
        &mut self,
        now: u64,
        target: StateTarget,
        key: &str,
    ) -> Result<(), Error> {
        let map = self.ensure_state_map(now, &target)?;
        self.shadows.clear(&target, key);
        self.edit(now, |tx| tx.delete(&map, key).map_err(Error::from))
    }

    /// Adds `by` to a counter; concurrent increments add up. A key that is
    /// not a counter yet becomes one, starting from its current number.
    pub(crate) fn increment(
        &mut self,
        now: u64,
        target: StateTarget,
        key: &str,
        by: i64,
    ) -> Result<i64, Error> {
        let map = self.ensure_state_map(now, &target)?;
        let start = self
            .get_state(&target, key)
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        self.shadows.clear(&target, key);
        let is_counter = |doc: &automerge::Automerge| {
            matches!(
                doc.get(&map, key),
                Ok(Some((Value::Scalar(s), _))) if matches!(s.as_ref(), ScalarValue::Counter(_))
            )
        };
        if !is_counter(&self.doc) && start == 0 {
            // A new counter: made by the change every client makes alike.
            self.apply_local_change(doc_layout::counter_creation(&target, key)?)?;
        }
        let counter = is_counter(&self.doc);
        self.edit(now, |tx| {
            if counter {
                tx.increment(&map, key, by)?;
            } else {
                // A plain number becomes a counter from its current value.
                tx.put(&map, key, ScalarValue::counter(start + by))?;
            }
            Ok(())
        })?;
        Ok(self
            .get_state(&target, key)
            .and_then(|v| v.as_i64())
            .unwrap_or(0))
    }

    /// Puts every key of `target` back to its default, removing the others,
    /// except the keys in `keep`, which stay as they are.
    pub(crate) fn reset_states(
        &mut self,
        now: u64,
        target: StateTarget,
        keep: &[String],
    ) -> Result<(), Error> {
        let map = self.ensure_state_map(now, &target)?;
        let defaults = self.defaults(&target).clone();
        let keys: Vec<String> = self.doc.keys(&map).collect();
        let kept = |k: &String| keep.contains(k);
        self.edit(now, |tx| {
            for k in keys
                .iter()
                .filter(|k| !defaults.contains_key(*k) && !kept(k))
            {
                tx.delete(&map, k.as_str())?;
            }
            for (k, v) in defaults.iter().filter(|(k, _)| !kept(k)) {
                put_json(tx, &map, Prop::Map(k.clone()), v)?;
            }
            Ok(())
        })
    }

    /// Writes this player's profile into the document, if it differs.
    pub(crate) fn write_profile(&mut self, now: u64, profile: &Profile) -> Result<(), Error> {
        sizes::check_profile(profile, &self.limits)?;
        self.finish_pending(now);
        self.cfg.profile = profile.clone();
        let me = self.cfg.player.clone();
        if self.profile(&me).as_ref() == Some(profile)
            && doc_layout::profile_map(&self.doc, &me).is_some()
        {
            return Ok(());
        }
        self.ensure_state_map(now, &StateTarget::Player(me.clone()))?;
        let map = doc_layout::profile_map(&self.doc, &me).ok_or_else(layout_broken)?;
        self.edit(now, |tx| {
            tx.put(&map, "name", profile.name.as_str())?;
            tx.put(&map, "color", profile.color.as_str())?;
            tx.put(&map, "avatar", profile.avatar.as_str())?;
            Ok(())
        })
    }

    /// Starts an RPC that expects a reply; errors when offline.
    pub(crate) fn call(
        &mut self,
        now: u64,
        target: RpcTarget,
        name: &str,
        payload: Bytes,
        timeout_ms: Option<u64>,
    ) -> Result<CallId, Error> {
        if !self.is_up() {
            return Err(Error::Offline);
        }
        self.check_rpc(name, payload.len())?;
        let deadline = now + timeout_ms.unwrap_or(self.cfg.rpc_timeout_ms);
        let host = self.roster.host.clone();
        let call = self
            .calls
            .start(name.to_owned(), deadline, target.clone(), host);
        self.out.send(ClientMessage::Rpc {
            call,
            target,
            name: name.to_owned(),
            payload,
            want_reply: true,
        });
        Ok(call)
    }

    /// Sends a fire-and-forget RPC (an event); errors when offline.
    pub(crate) fn send_rpc(
        &mut self,
        target: RpcTarget,
        name: &str,
        payload: Bytes,
    ) -> Result<(), Error> {
        if !self.is_up() {
            return Err(Error::Offline);
        }
        self.check_rpc(name, payload.len())?;
        let call = self.calls.fresh_id();
        self.out.send(ClientMessage::Rpc {
            call,
            target,
            name: name.to_owned(),
            payload,
            want_reply: false,
        });
        Ok(())
    }

    /// Answers a call received from `to`.
    pub(crate) fn reply_rpc(&mut self, call: CallId, to: PlayerId, outcome: RpcOutcome) {
        // A reply the relay would refuse would close our connection: the
        // caller gets an error saying why instead.
        let size = match &outcome {
            RpcOutcome::Ok(b) => b.len(),
            RpcOutcome::Err(m) => m.len(),
        };
        let outcome = match self.check_rpc("", size) {
            Ok(()) => outcome,
            Err(e) => {
                tracing::warn!("an rpc reply is too large: {e}");
                RpcOutcome::Err(format!("the reply is too large: {e}"))
            }
        };
        if self.is_up() {
            self.out.send(ClientMessage::RpcReply { call, to, outcome });
        }
    }

    /// Host-only commands: transfer the host role, or kick a player.
    pub(crate) fn host_command(&mut self, msg: ClientMessage) -> Result<(), Error> {
        if !self.is_host() {
            return Err(Error::NotHost);
        }
        if !self.is_up() {
            return Err(Error::Offline);
        }
        self.out.send(msg);
        Ok(())
    }

    /// A command the relay checks itself (deleting the room: its owner
    /// only, which this client cannot know).
    pub(crate) fn relay_command(&mut self, msg: ClientMessage) -> Result<(), Error> {
        if !self.is_up() {
            return Err(Error::Offline);
        }
        self.out.send(msg);
        Ok(())
    }

    /// Refuses an unreliable value the relay would refuse: its key, its
    /// value, or the frame carrying both.
    fn check_unreliable(&self, key: &str, value: usize) -> Result<(), Error> {
        let l = &self.limits;
        sizes::check(SizeOf::UnreliableKey, key.len(), l.max_key_bytes as usize)?;
        let frame = (l.max_frame_bytes as usize).saturating_sub(sizes::FRAME_OVERHEAD + key.len());
        let limit = (l.max_unreliable_bytes as usize).min(frame);
        sizes::check(SizeOf::UnreliableValue, value, limit)
    }

    /// Refuses an RPC argument (or reply) the relay would refuse.
    fn check_rpc(&self, name: &str, payload: usize) -> Result<(), Error> {
        let l = &self.limits;
        let frame = (l.max_frame_bytes as usize).saturating_sub(sizes::FRAME_OVERHEAD + name.len());
        let limit = (l.max_rpc_bytes as usize).min(frame);
        sizes::check(SizeOf::RpcPayload, payload, limit)
    }

    /// Leaves the room for good (no grace period).
    pub(crate) fn leave(&mut self) {
        self.commit_writes(self.last_now);
        if self.is_up() {
            self.out.send(ClientMessage::Leave);
        }
        self.stop(None);
    }
}

fn layout_broken() -> Error {
    Error::Document(std::sync::Arc::new(automerge::AutomergeError::Fail))
}
