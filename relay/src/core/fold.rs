//! Compaction's work: a snapshot and the log after it, folded into one
//! saved automerge document with its actor clock and state view.

use super::{ActorClock, Snapshot};
use automerge::ReadDoc;
use coinop_protocol::{Bytes, LogEntry};

/// Folds `entries` into `base` (or an empty document). Refuses when a
/// change cannot be parsed. A change whose dependencies the log does not
/// hold is left out: no replica can ever apply it, and refusing to fold
/// would let one such change (stored before the relay checked
/// dependencies, or after a reload, see `FoldedHashes`) stop the room's
/// compaction for good. Slow (parses the whole history): run it off the
/// async runtime.
pub fn fold(base: Option<&Snapshot>, entries: &[LogEntry]) -> Result<Snapshot, String> {
    fold_doc(base, entries).map(|(snapshot, _)| snapshot)
}

/// [`fold`], and the hash of every change the snapshot holds: for a room
/// that does not know the hashes folded before it was loaded (see
/// [`super::Effect::Compact`]). Slower than [`fold`] by a walk of the
/// history.
pub fn fold_and_list(
    base: Option<&Snapshot>,
    entries: &[LogEntry],
) -> Result<(Snapshot, Vec<[u8; 32]>), String> {
    let (snapshot, doc) = fold_doc(base, entries)?;
    let hashes = doc.get_changes_meta(&[]).iter().map(|m| m.hash.0).collect();
    Ok((snapshot, hashes))
}

fn fold_doc(
    base: Option<&Snapshot>,
    entries: &[LogEntry],
) -> Result<(Snapshot, automerge::Automerge), String> {
    let (mut doc, mut clock) = match base {
        Some(snap) => {
            let doc = automerge::Automerge::load(&snap.doc).map_err(|e| e.to_string())?;
            let clock = match &snap.clock {
                Some(clock) => clock.clone(),
                None => ActorClock::of_doc(&doc),
            };
            (doc, clock)
        }
        None => (automerge::Automerge::new(), ActorClock::default()),
    };
    let mut changes = Vec::with_capacity(entries.len());
    for entry in entries {
        let change = automerge::Change::from_bytes(entry.change.to_vec())
            .map_err(|e| format!("entry {}: {e}", entry.seq.0))?;
        clock.observe_from(change.actor_id().to_bytes(), change.seq(), &entry.sender);
        changes.push(change);
    }
    let hashes: Vec<_> = changes.iter().map(|c| c.hash()).collect();
    doc.apply_changes(changes).map_err(|e| e.to_string())?;
    let left_out = hashes
        .iter()
        .filter(|h| doc.get_change_by_hash(h).is_none())
        .count();
    if left_out > 0 {
        tracing::warn!(
            left_out,
            "changes with missing dependencies left out of the snapshot"
        );
    }
    let upto = entries
        .last()
        .map(|e| e.seq)
        .or(base.map(|s| s.upto))
        .unwrap_or_default();
    let snapshot = Snapshot {
        upto,
        doc: Bytes::from(doc.save()),
        clock: Some(clock),
        view: super::state_view(&doc),
    };
    Ok((snapshot, doc))
}
