//! The reliable channel of one room: snapshot, durable log, the entries on
//! their way to storage, and the hashes of every change the room holds.

use super::actor_clock::ActorClock;
use super::change_hash::Hash;
use super::durable_tail::DurableTail;
use super::effect::StoredRange;
use super::folded_hashes::FoldedHashes;
use super::log_hashes::LogHashes;
use super::snapshot::Snapshot;
use coinop_protocol::actor::{PlayerTag, is_content_actor, is_own_content_address, tag_of};
use coinop_protocol::{Bytes, LogEntry, PlayerId, RoomCursor, Seq};
use sha2::{Digest, Sha256};

/// Who a valid change is: its hash, and its author's actor id and seq.
pub(crate) struct ChangeId {
    pub(crate) hash: Hash,
    actor: Vec<u8>,
    seq: u64,
    /// The changes it builds on.
    pub(crate) deps: Vec<Hash>,
    /// The parsed change, for the write rules to read its operations.
    pub(crate) change: automerge::Change,
}

impl ChangeId {
    /// The change's seq among its actor's changes.
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    /// False when the change's actor is content-addressed (see
    /// [`coinop_protocol::actor`]) and names other content than `bytes`,
    /// the change itself: someone wrote under a deterministic actor to take
    /// its seq before the one change it may carry.
    pub(crate) fn content_address_holds(&self, bytes: &[u8]) -> bool {
        !is_content_actor(&self.actor) || is_own_content_address(&self.actor, bytes)
    }

    /// Whether both have the same actor and seq.
    pub(crate) fn same_author_seq(&self, other: &ChangeId) -> bool {
        self.seq == other.seq && self.actor == other.actor
    }
}

/// Why stored room data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The snapshot is not a loadable automerge document.
    #[error("snapshot up to seq {upto} cannot be loaded: {source}")]
    Snapshot {
        /// The snapshot's seq.
        upto: u64,
        /// Automerge's reason.
        #[source]
        source: Box<automerge::AutomergeError>,
    },
    /// The snapshot is not one automerge document chunk with a valid
    /// checksum.
    #[error("snapshot up to seq {upto} is not one intact automerge document chunk")]
    NotADocument {
        /// The snapshot's seq.
        upto: u64,
    },
    /// Automerge panicked while parsing the snapshot.
    #[error("snapshot up to seq {upto} cannot be loaded: the automerge parser panicked")]
    SnapshotPanicked {
        /// The snapshot's seq.
        upto: u64,
    },
    /// A log entry is not a valid automerge change.
    #[error("log entry {seq} is not a valid automerge change")]
    Entry {
        /// The entry's seq.
        seq: u64,
    },
    /// The log does not continue the snapshot with consecutive seqs.
    #[error("log entry {seq} does not follow seq {prev}")]
    Gap {
        /// The entry's seq.
        seq: u64,
        /// The seq before it.
        prev: u64,
    },
}

/// What a joiner needs to catch up: the snapshot, then entries read from
/// storage, then the cached entries.
pub(crate) struct CatchUp<'a> {
    pub(crate) reset: bool,
    pub(crate) snapshot: Option<&'a Snapshot>,
    pub(crate) stored: Option<StoredRange>,
    pub(crate) entries: Vec<LogEntry>,
}

#[derive(Debug, Default)]
pub(crate) struct ChangeLog {
    snapshot: Option<Snapshot>,
    /// Durable entries after the snapshot (the newest in memory).
    log: DurableTail,
    /// Entries with a seq, not yet durable.
    uncommitted: Vec<LogEntry>,
    /// The fingerprint of every change in the log or uncommitted (see
    /// [`FoldedHashes`]), by seq. Changes folded into the snapshot are
    /// known by `folded` instead, so this is bounded by the compaction
    /// threshold, not by the room's history.
    hashes: LogHashes,
    /// The changes folded into the snapshot.
    folded: ActorClock,
    /// Their hashes, as far as known (see [`FoldedHashes`]).
    folded_hashes: FoldedHashes,
    /// Every hash of the snapshot the running compaction will install,
    /// when it was asked to list them.
    listed: Option<(Seq, Vec<Hash>)>,
    /// The highest seq of every actor among durable changes (folded ones
    /// included), and the actor and seq of each uncommitted entry: a new
    /// change that reuses one of these with other content is refused.
    /// `held` also knows the owned actors (uncommitted publishes included):
    /// only their player may continue them.
    held: ActorClock,
    uncommitted_ids: Vec<(Box<[u8]>, u64)>,
    durable: Seq,
    stored_bytes: u64,
    /// The last seq handed to storage and not yet answered.
    in_flight: Option<Seq>,
    compacting: bool,
    /// Log length at the last failed compaction: wait for it to grow again.
    compact_failed_at: Option<usize>,
}

/// The magic bytes that start every automerge chunk.
const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// The chunk type of a saved document (what `Automerge::save` gives).
const DOCUMENT_CHUNK: u8 = 0;
/// The chunk type of one uncompressed change (what `Change::raw_bytes`
/// gives).
const CHANGE_CHUNK: u8 = 1;

/// Whether `bytes` is exactly one automerge chunk of type `kind`: magic,
/// 4-byte checksum, type byte, ULEB128 length, then that many bytes.
/// Automerge's parser reads any chunk type, and fuzzing found malformed
/// "bundle" chunks on which automerge 0.12 panics or allocates 2 GiB, so
/// nothing else reaches it.
fn is_single_chunk(bytes: &[u8], kind: u8) -> bool {
    if bytes.get(..4) != Some(&CHUNK_MAGIC[..]) || bytes.get(8) != Some(&kind) {
        return false;
    }
    let mut len: u64 = 0;
    for (i, byte) in bytes.iter().skip(9).take(10).enumerate() {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let header = 9 + i as u64 + 1;
            return header.checked_add(len) == Some(bytes.len() as u64);
        }
    }
    false
}

/// Whether a chunk's stored checksum matches its contents: the first four
/// bytes of SHA-256 over the type, length and data, as automerge computes
/// it. Catches a damaged stored snapshot without parsing the document.
fn checksum_ok(bytes: &[u8]) -> bool {
    match (bytes.get(4..8), bytes.get(8..)) {
        (Some(stored), Some(rest)) => Sha256::digest(rest)[..4] == *stored,
        _ => false,
    }
}

/// Parses `bytes` as an automerge change.
///
/// Only one plain change chunk reaches automerge's parser (see
/// [`is_single_chunk`]). A change comes from a client, so a panic in the
/// parser also counts as "not a change" instead of killing the room.
pub(crate) fn validate_change(bytes: &[u8]) -> Option<ChangeId> {
    if !is_single_chunk(bytes, CHANGE_CHUNK) {
        return None;
    }
    std::panic::catch_unwind(|| automerge::Change::from_bytes(bytes.to_vec()).ok())
        .ok()
        .flatten()
        .map(|c| ChangeId {
            hash: c.hash().0,
            actor: c.actor_id().to_bytes().to_vec(),
            seq: c.seq(),
            deps: c.deps().iter().map(|d| d.0).collect(),
            change: c,
        })
}

/// The clock of a snapshot stored before clocks were: parses the whole
/// document (slow, once per such room).
fn clock_of_legacy(snap: &Snapshot) -> Result<ActorClock, LoadError> {
    let loaded = std::panic::catch_unwind(|| automerge::Automerge::load(&snap.doc))
        .map_err(|_| LoadError::SnapshotPanicked { upto: snap.upto.0 })?;
    let doc = loaded.map_err(|source| LoadError::Snapshot {
        upto: snap.upto.0,
        source: Box::new(source),
    })?;
    Ok(ActorClock::of_doc(&doc))
}

impl ChangeLog {
    /// Rebuilds a room's log from storage.
    ///
    /// The snapshot is not parsed: its chunk framing and checksum are checked
    /// (a damaged one is refused, so the room is quarantined), and what it
    /// holds is known from its stored clock. Loading a long history takes
    /// automerge milliseconds per thousand changes, which a joiner would
    /// otherwise wait for; the compactor parses the document off the hot
    /// path when it next folds the log.
    pub(crate) fn load(
        mut snapshot: Option<Snapshot>,
        tail: Vec<LogEntry>,
        cache_budget: u64,
    ) -> Result<Self, LoadError> {
        let mut me = ChangeLog::new(cache_budget);
        me.hashes = LogHashes::after(snapshot.as_ref().map_or(Seq(0), |s| s.upto));
        if let Some(snap) = &mut snapshot {
            // Stored bytes may be corrupt, and automerge's parser can panic
            // or over-allocate on some malformed input: refuse anything but
            // one intact document chunk.
            if !is_single_chunk(&snap.doc, DOCUMENT_CHUNK) || !checksum_ok(&snap.doc) {
                return Err(LoadError::NotADocument { upto: snap.upto.0 });
            }
            let clock = match snap.clock.take() {
                Some(clock) => clock,
                None => clock_of_legacy(snap)?,
            };
            me.folded = clock.clone();
            me.folded_hashes.forget();
            me.held = clock.clone();
            snap.clock = Some(clock);
            me.durable = snap.upto;
            me.stored_bytes = snap.stored_len();
        }
        for entry in &tail {
            if entry.seq.0 != me.durable.0 + 1 {
                return Err(LoadError::Gap {
                    seq: entry.seq.0,
                    prev: me.durable.0,
                });
            }
            let id = validate_change(&entry.change).ok_or(LoadError::Entry { seq: entry.seq.0 })?;
            me.held.observe_from(&id.actor, id.seq, &entry.sender);
            me.hashes
                .push(entry.seq, me.folded_hashes.fingerprint(&id.hash));
            me.durable = entry.seq;
            me.stored_bytes += entry.change.len() as u64;
        }
        me.log = DurableTail::new(snapshot.as_ref().map_or(Seq(0), |s| s.upto), cache_budget);
        for entry in tail {
            me.log.push(entry);
        }
        me.snapshot = snapshot;
        Ok(me)
    }

    /// An empty log that keeps up to `cache_budget` bytes of durable
    /// entries in memory.
    pub(crate) fn new(cache_budget: u64) -> Self {
        Self {
            log: DurableTail::new(Seq(0), cache_budget),
            ..Self::default()
        }
    }

    /// The last durable seq.
    pub(crate) fn head(&self) -> Seq {
        self.durable
    }

    /// The last seq handed out, durable or not.
    pub(crate) fn assigned(&self) -> Seq {
        self.uncommitted.last().map_or(self.durable, |e| e.seq)
    }

    pub(crate) fn stored_bytes(&self) -> u64 {
        self.stored_bytes
    }

    /// The seq of a change the room already holds.
    pub(crate) fn seq_of(&self, id: &ChangeId) -> Option<Seq> {
        let print = self.folded_hashes.fingerprint(&id.hash);
        if let Some(seq) = self.hashes.seq_of(print) {
            return Some(seq);
        }
        let snapshot = self.snapshot.as_ref()?;
        // Same actor and seq but another hash: a rewrite of a folded
        // change, not a copy of it (refused by `reuses_seq`).
        let rewritten = self.folded_hashes.holds(print) == Some(false);
        (self.folded.covers(&id.actor, id.seq) && !rewritten).then_some(snapshot.upto)
    }

    /// Whether the room holds the change with this hash: in the log, on its
    /// way to storage, or folded into the snapshot. A change folded before
    /// the room was loaded cannot be told from one the room never had
    /// (see [`FoldedHashes`]), so an unknown hash counts as held then; the
    /// compactor drops a change that cannot be applied, so it cannot stop
    /// compaction either way.
    pub(crate) fn holds(&self, hash: &Hash) -> bool {
        let print = self.folded_hashes.fingerprint(hash);
        self.hashes.seq_of(print).is_some() || self.folded_hashes.holds(print).unwrap_or(true)
    }

    /// Durable entries since the snapshot, when no compaction runs.
    pub(crate) fn compactable_len(&self) -> usize {
        if self.compacting { 0 } else { self.log.len() }
    }

    /// Whether `id`, a change the room does not hold, reuses an actor's
    /// seq that a held change already has. Automerge numbers each actor's
    /// changes 1, 2, 3, …; two changes with one (actor, seq) are a forgery
    /// (a client writing under another's actor id) or a broken client, and
    /// replicas refuse the second with `DuplicateSeqNumber`: the room's
    /// replicas would diverge, and every later change of that actor would
    /// wait forever for a dependency they refused.
    pub(crate) fn reuses_seq(&self, id: &ChangeId) -> bool {
        self.held.covers(&id.actor, id.seq)
            || self
                .uncommitted_ids
                .iter()
                .any(|(actor, seq)| **actor == *id.actor && *seq >= id.seq)
    }

    /// Whether `id`, a change the room does not hold, continues a session
    /// actor of another player than the one tagged `publisher`, after that
    /// player published under it here. A client only ever holds such a
    /// change by having received it from the room, so it is a forgery: let
    /// in, it would take the seq the real change needs, and the player's
    /// own change would then be refused. An actor nobody owns yet may be
    /// continued by anyone: that is a room the relay lost, rebuilt from
    /// the replicas of whoever rejoins first.
    pub(crate) fn continues_foreign_actor(&self, id: &ChangeId, publisher: &PlayerTag) -> bool {
        tag_of(&id.actor).is_some_and(|tag| tag != *publisher) && self.held.is_owned(&id.actor)
    }

    pub(crate) fn is_busy(&self) -> bool {
        self.in_flight.is_some() || self.compacting || !self.uncommitted.is_empty()
    }

    /// Gives the next seqs to these new changes. They count as held (for
    /// dedup and size) until rolled back.
    pub(crate) fn stage(
        &mut self,
        sender: &PlayerId,
        changes: Vec<(ChangeId, Bytes)>,
    ) -> Vec<LogEntry> {
        let mut seq = self.assigned();
        let mut staged = Vec::with_capacity(changes.len());
        for (id, change) in changes {
            seq = seq.next();
            let print = self.folded_hashes.fingerprint(&id.hash);
            // Consecutive by construction: `seq` follows `assigned()`.
            let pushed = self.hashes.push(seq, print);
            debug_assert!(pushed, "seq {} out of order", seq.0);
            // Owned at once: a forger must not slip in between the owner's
            // publish and its commit.
            self.held.claim(&id.actor, sender);
            self.uncommitted_ids.push((id.actor.into(), id.seq));
            self.stored_bytes += change.len() as u64;
            staged.push(LogEntry {
                seq,
                sender: sender.clone(),
                change,
            });
        }
        self.uncommitted.extend(staged.iter().cloned());
        staged
    }

    /// The next batch to persist, if none is outstanding.
    pub(crate) fn take_persist(&mut self) -> Option<Vec<LogEntry>> {
        if self.in_flight.is_some() || self.uncommitted.is_empty() {
            return None;
        }
        self.in_flight = self.uncommitted.last().map(|e| e.seq);
        Some(self.uncommitted.clone())
    }

    /// Marks the outstanding batch durable. Returns false when `upto` does
    /// not match it (a shell bug; ignored).
    pub(crate) fn persisted(&mut self, upto: Seq) -> bool {
        if self.in_flight != Some(upto) {
            return false;
        }
        self.in_flight = None;
        let n = self
            .uncommitted
            .iter()
            .take_while(|e| e.seq <= upto)
            .count();
        for entry in self.uncommitted.drain(..n) {
            self.log.push(entry);
        }
        for (actor, seq) in self.uncommitted_ids.drain(..n) {
            self.held.observe(&actor, seq);
        }
        self.durable = upto;
        true
    }

    /// Forgets every entry that is not durable.
    pub(crate) fn rollback(&mut self) {
        self.in_flight = None;
        self.uncommitted_ids.clear();
        self.hashes.truncate_after(self.durable);
        for entry in self.uncommitted.drain(..) {
            self.stored_bytes = self.stored_bytes.saturating_sub(entry.change.len() as u64);
        }
    }

    /// What a joiner holding `since` lacks.
    pub(crate) fn catch_up(&self, epoch: u64, since: Option<RoomCursor>) -> CatchUp<'_> {
        let valid = since.filter(|c| c.epoch == epoch && c.seq <= self.durable);
        let upto = self.snapshot.as_ref().map_or(Seq(0), |s| s.upto);
        match valid {
            Some(cursor) if cursor.seq >= upto => {
                let (stored, entries) = self.log.since(cursor.seq);
                CatchUp {
                    reset: false,
                    snapshot: None,
                    stored,
                    entries,
                }
            }
            _ => {
                let (stored, entries) = self.log.since(upto);
                CatchUp {
                    reset: since.is_some() && valid.is_none(),
                    snapshot: self.snapshot.as_ref(),
                    stored,
                    entries,
                }
            }
        }
    }

    /// A compaction job, when the log since the snapshot is long enough.
    pub(crate) fn take_compaction(
        &mut self,
        entries_threshold: usize,
        bytes_threshold: u64,
    ) -> Option<(Option<Snapshot>, Option<StoredRange>, Vec<LogEntry>)> {
        if self.compacting || self.log.is_empty() {
            return None;
        }
        let due = self.log.len() >= entries_threshold || self.log.bytes() >= bytes_threshold;
        let grown = self
            .compact_failed_at
            .is_none_or(|n| self.log.len() >= n.saturating_mul(2));
        if !due || !grown {
            return None;
        }
        self.compacting = true;
        let upto = self.snapshot.as_ref().map_or(Seq(0), |s| s.upto);
        let (stored, entries) = self.log.since(upto);
        Some((self.snapshot.clone(), stored, entries))
    }

    /// Whether the hashes of every folded change are known.
    pub(crate) fn knows_folded_hashes(&self) -> bool {
        self.folded_hashes.is_known()
    }

    /// The hashes of the snapshot up to `upto` that the running compaction
    /// is about to install.
    pub(crate) fn folded_hashes_listed(&mut self, upto: Seq, hashes: Vec<Hash>) {
        self.listed = Some((upto, hashes));
    }

    /// Installs a stored snapshot and drops the entries folded into it.
    pub(crate) fn compacted(&mut self, snapshot: Snapshot) {
        self.compacting = false;
        self.compact_failed_at = None;
        if self
            .snapshot
            .as_ref()
            .is_some_and(|s| s.upto >= snapshot.upto)
        {
            return;
        }
        let upto = snapshot.upto;
        if let Some((listed_upto, hashes)) = self.listed.take()
            && listed_upto == upto
        {
            self.folded_hashes.set_known(&hashes);
        }
        if let Some(clock) = &snapshot.clock {
            self.folded = clock.clone();
            self.folded_hashes.extend(self.hashes.fold(upto));
        }
        let folded = self.log.fold(upto);
        let old = self.snapshot.as_ref().map_or(0, Snapshot::stored_len);
        self.stored_bytes = self.stored_bytes.saturating_sub(folded + old) + snapshot.stored_len();
        self.snapshot = Some(snapshot);
    }

    pub(crate) fn compaction_failed(&mut self) {
        self.compacting = false;
        self.compact_failed_at = Some(self.log.len().max(1));
    }
}
