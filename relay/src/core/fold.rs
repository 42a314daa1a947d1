//! Compaction's work: a snapshot and the log after it, folded into one
//! saved automerge document with its actor clock and state view.

use super::{ActorClock, Snapshot};
use automerge::ReadDoc;
use coinop_protocol::{Bytes, LogEntry};

/// Folds `entries` into `base` (or an empty document). Refuses when a
/// change cannot be parsed or applied (missing dependencies): saving then
/// would silently lose it. Slow (parses the whole history): run it off the
/// async runtime.
pub fn fold(base: Option<&Snapshot>, entries: &[LogEntry]) -> Result<Snapshot, String> {
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
    if let Some(missing) = hashes.iter().find(|h| doc.get_change_by_hash(h).is_none()) {
        return Err(format!("change {missing} has missing dependencies"));
    }
    let upto = entries
        .last()
        .map(|e| e.seq)
        .or(base.map(|s| s.upto))
        .unwrap_or_default();
    Ok(Snapshot {
        upto,
        doc: Bytes::from(doc.save()),
        clock: Some(clock),
        view: super::state_view(&doc),
    })
}
