//! Which rooms' last-use times are stored recently enough to leave alone.
//!
//! Every group commit used to move the `touched_ms` of each room it
//! appended to: one `UPDATE` per room per commit, each moving an entry of
//! the `rooms_touched` index, so about one for every change stored under
//! load. The time only decides when an unused room expires (days, by
//! default), so a room's stored time may lag its last use by up to
//! [`TOUCH_GRAIN_MS`], and a room written again within that is not touched.

use coinop_protocol::RoomCode;
use std::collections::{HashMap, HashSet};

/// How far a room's stored last-use time may lag behind its last use.
pub const TOUCH_GRAIN_MS: u64 = 1_000;

/// Past this many rooms remembered, the memo starts again (every room is
/// then touched once more): its memory stays bounded on a relay that has
/// served millions of rooms.
const MAX_ROOMS: usize = 65_536;

/// The last-use time this connection stored for each room it touched.
#[derive(Debug, Default)]
pub struct TouchMemo {
    stored: HashMap<RoomCode, u64>,
}

impl TouchMemo {
    /// The rooms among `rooms` whose stored time is more than the grain
    /// behind `at_ms` (or unknown), each once.
    pub fn due<'a>(
        &self,
        rooms: impl IntoIterator<Item = &'a RoomCode>,
        at_ms: u64,
    ) -> Vec<&'a RoomCode> {
        // A group holds up to thousands of appends: a set, not a scan of
        // `due`, keeps each room once.
        let mut seen: HashSet<&RoomCode> = HashSet::new();
        rooms
            .into_iter()
            .filter(|room| {
                self.stored
                    .get(*room)
                    .is_none_or(|&t| at_ms >= t.saturating_add(TOUCH_GRAIN_MS))
            })
            .filter(|room| seen.insert(*room))
            .collect()
    }

    /// Notes that `rooms` now have `at_ms` stored (call after the commit).
    pub fn stored<'a>(&mut self, rooms: impl IntoIterator<Item = &'a RoomCode>, at_ms: u64) {
        for room in rooms {
            if self.stored.len() >= MAX_ROOMS && !self.stored.contains_key(room) {
                self.stored.clear();
            }
            let t = self.stored.entry(room.clone()).or_default();
            *t = (*t).max(at_ms);
        }
    }

    /// Forgets a room (deleted: a new room with its code starts afresh).
    pub fn forget(&mut self, room: &RoomCode) {
        self.stored.remove(room);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RoomCode {
        RoomCode::new(s).unwrap()
    }

    #[test]
    fn a_room_is_due_once_per_grain() {
        let (a, b) = (code("AAAA"), code("BBBB"));
        let mut memo = TouchMemo::default();
        assert_eq!(
            memo.due([&a, &a, &b], 10_000),
            vec![&a, &b],
            "each room once"
        );
        memo.stored([&a, &b], 10_000);
        assert!(memo.due([&a, &b], 10_000 + TOUCH_GRAIN_MS - 1).is_empty());
        assert_eq!(memo.due([&a, &b], 10_000 + TOUCH_GRAIN_MS), vec![&a, &b]);
        memo.forget(&a);
        assert_eq!(
            memo.due([&a, &b], 10_001),
            vec![&a],
            "a forgotten room is due at once"
        );
    }
}
