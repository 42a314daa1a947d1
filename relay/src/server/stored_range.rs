//! Reading back log entries the room core no longer holds in memory.

use crate::core::StoredRange;
use crate::storage::{StorageError, StorageHandle};
use coinop_protocol::{LogEntry, RoomCode};

/// The stored entries of `range`, or `None` when any is missing.
pub(crate) async fn read_range(
    storage: &StorageHandle,
    room: &RoomCode,
    range: StoredRange,
) -> Result<Option<Vec<LogEntry>>, StorageError> {
    let code = room.clone();
    let tail = storage
        .call(move |s| s.read_tail(&code, range.after))
        .await?;
    Ok(in_range(tail, range))
}

/// The entries of `range` from a tail read, or `None` when any is missing.
fn in_range(mut entries: Vec<LogEntry>, range: StoredRange) -> Option<Vec<LogEntry>> {
    entries.retain(|e| e.seq <= range.upto);
    let complete = entries.len() as u64 == range.upto.0.saturating_sub(range.after.0)
        && entries.first().is_none_or(|e| e.seq.0 == range.after.0 + 1);
    complete.then_some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coinop_protocol::{Bytes, PlayerId, Seq};

    fn entries(seqs: &[u64]) -> Vec<LogEntry> {
        let player = PlayerId::new("alice").unwrap();
        seqs.iter()
            .map(|&s| LogEntry {
                seq: Seq(s),
                sender: player.clone(),
                change: Bytes::from_static(b"c"),
            })
            .collect()
    }

    fn range(after: u64, upto: u64) -> StoredRange {
        StoredRange {
            after: Seq(after),
            upto: Seq(upto),
        }
    }

    #[test]
    fn a_range_is_cut_from_the_tail_or_refused_with_a_gap() {
        let got = in_range(entries(&[3, 4, 5, 6]), range(2, 5)).unwrap();
        assert_eq!(got.iter().map(|e| e.seq.0).collect::<Vec<_>>(), [3, 4, 5]);
        assert!(in_range(entries(&[3, 5]), range(2, 5)).is_none());
        assert!(in_range(entries(&[4, 5]), range(2, 5)).is_none());
        assert_eq!(in_range(Vec::new(), range(5, 5)), Some(Vec::new()));
    }
}
