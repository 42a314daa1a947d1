//! The last seq stored for each room, so an append that repeats or goes
//! back behind it fails, as the `log` table's primary key made it fail
//! before entries went through `log_recent` (which has no key: one would
//! scatter each group commit over its pages again).

use super::error::StorageError;
use super::records::Append;
use coinop_protocol::RoomCode;
use std::collections::HashMap;

/// Past this many rooms remembered, the memo starts again (rooms are then
/// looked up in the database once more): its memory stays bounded.
const MAX_ROOMS: usize = 65_536;

/// The last seq this storage holds for rooms it wrote or looked up.
#[derive(Debug, Default)]
pub struct LastSeqs {
    last: HashMap<RoomCode, u64>,
}

impl LastSeqs {
    /// Checks that every entry of `batch` comes after what its room holds
    /// (and after the entries before it in the batch); `stored` reads a
    /// room's last seq from the database when it is not remembered. The
    /// new last seqs, for [`LastSeqs::stored`] once the batch commits.
    pub fn check(
        &self,
        batch: &[Append],
        mut stored: impl FnMut(&RoomCode) -> Result<Option<u64>, StorageError>,
    ) -> Result<HashMap<RoomCode, u64>, StorageError> {
        // A group holds up to thousands of appends: a map, not a scan.
        let mut next: HashMap<RoomCode, u64> = HashMap::new();
        for append in batch {
            let last = match next.get_mut(&append.room) {
                Some(last) => last,
                None => {
                    let last = match self.last.get(&append.room) {
                        Some(&seq) => seq,
                        None => stored(&append.room)?.unwrap_or(0),
                    };
                    next.entry(append.room.clone()).or_insert(last)
                }
            };
            for e in &append.entries {
                if e.seq.0 <= *last {
                    return Err(StorageError::Commit(format!(
                        "room {}: seq {} is not after the stored seq {last}",
                        append.room.as_str(),
                        e.seq.0,
                    )));
                }
                *last = e.seq.0;
            }
        }
        Ok(next)
    }

    /// Notes what a committed batch stored (from [`LastSeqs::check`]).
    pub fn stored(&mut self, last: HashMap<RoomCode, u64>) {
        for (room, seq) in last {
            if self.last.len() >= MAX_ROOMS && !self.last.contains_key(&room) {
                self.last.clear();
            }
            self.last.insert(room, seq);
        }
    }

    /// Forgets a room (deleted: a new room with its code starts afresh).
    pub fn forget(&mut self, room: &RoomCode) {
        self.last.remove(room);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use coinop_protocol::{Bytes, LogEntry, PlayerId, Seq};

    fn append(room: &str, seqs: &[u64]) -> Append {
        Append {
            room: RoomCode::new(room).unwrap(),
            entries: seqs
                .iter()
                .map(|&s| LogEntry {
                    seq: Seq(s),
                    sender: PlayerId::new("p").unwrap(),
                    change: Bytes::from_static(b"c"),
                })
                .collect(),
        }
    }

    #[test]
    fn an_entry_must_come_after_the_rooms_last() {
        let mut memo = LastSeqs::default();
        let mut lookups = 0;
        let mut db = |_: &RoomCode| {
            lookups += 1;
            Ok(Some(4))
        };
        let next = memo
            .check(&[append("AAAA", &[5, 6]), append("AAAA", &[7])], &mut db)
            .unwrap();
        assert_eq!(next, HashMap::from([(RoomCode::new("AAAA").unwrap(), 7)]));
        assert!(memo.check(&[append("AAAA", &[4])], &mut db).is_err());
        assert!(memo.check(&[append("AAAA", &[6, 6])], &mut db).is_err());
        memo.stored(next);
        assert!(memo.check(&[append("AAAA", &[7])], &mut db).is_err());
        assert!(memo.check(&[append("AAAA", &[8])], &mut db).is_ok());
        assert_eq!(lookups, 3, "a remembered room is not looked up");
        memo.forget(&RoomCode::new("AAAA").unwrap());
        let mut empty = |_: &RoomCode| Ok(None);
        assert!(memo.check(&[append("AAAA", &[1])], &mut empty).is_ok());
    }
}
