//! Entry points for the fuzz targets in `relay/fuzz/`, kept in the library
//! so that `cargo test` replays every saved crash through the same code.
//!
//! Both take arbitrary bytes and must never panic; they assert the room's
//! own invariants (every frame it emits decodes, its head never goes back).

use super::{ConnId, Effect, Input, RoomLimits, RoomMeta, RoomState, Snapshot};
use automerge::transaction::Transactable;
use coinop_protocol::{
    Bytes, ClientMessage, Join, LogEntry, PlayerId, RelayMessage, RoomCode, Secret, Seq,
};

/// Splits fuzz input into length-prefixed pieces: a tag byte, a u16
/// length, then that many bytes (or what is left).
struct Pieces<'a>(&'a [u8]);

impl<'a> Iterator for Pieces<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (&tag, rest) = self.0.split_first()?;
        let (len, rest) = match rest {
            [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
            _ => (rest.len(), &[][..]),
        };
        let (piece, rest) = rest.split_at(len.min(rest.len()));
        self.0 = rest;
        Some((tag, piece))
    }
}

fn meta() -> Option<RoomMeta> {
    Some(RoomMeta {
        code: RoomCode::new("FUZZ").ok()?,
        epoch: 7,
        max_players: 4,
        grace_ms: 1_000,
        created_ms: 0,
        owner: None,
        rules: Default::default(),
    })
}

fn limits() -> RoomLimits {
    RoomLimits {
        max_change_bytes: 4 * 1024,
        max_room_bytes: 64 * 1024,
        max_unreliable_values: 64,
        compact_entries: 8,
        compact_bytes: 16 * 1024,
        catch_up_batch_bytes: 1024,
        // Small, so that catch-up and compaction read from "storage".
        cached_log_bytes: 256,
        ..RoomLimits::default()
    }
}

fn join(player: &str) -> Option<Join> {
    Some(Join::new(
        RoomCode::new("FUZZ").ok()?,
        PlayerId::new(player).ok()?,
        Secret::new(vec![1; 16]).ok()?,
    ))
}

/// Loads a room from a fuzzed snapshot and log, then lets a player join
/// it. First piece (tag bit 0 set): the snapshot, its `upto` from the next
/// tag. Every other piece: one log entry; tag bit 7 set gives it a seq out
/// of order.
pub fn load_from_bytes(data: &[u8]) {
    let Some(meta) = meta() else { return };
    let mut pieces = Pieces(data).peekable();
    let mut snapshot = None;
    if let Some((tag, doc)) = pieces.peek().copied()
        && tag & 1 == 1
    {
        pieces.next();
        snapshot = Some(Snapshot {
            upto: Seq(u64::from(tag >> 1)),
            doc: Bytes::copy_from_slice(doc),
            clock: None,
            view: None,
        });
    }
    let mut seq = snapshot.as_ref().map_or(0, |s| s.upto.0);
    let mut tail = Vec::new();
    for (tag, change) in pieces.take(256) {
        seq = if tag & 0x80 != 0 {
            u64::from(tag & 0x7f)
        } else {
            seq + 1
        };
        let Ok(sender) = PlayerId::new(format!("p{}", tag % 4)) else {
            return;
        };
        tail.push(LogEntry {
            seq: Seq(seq),
            sender,
            change: Bytes::copy_from_slice(change),
        });
    }
    let Ok(mut room) = RoomState::load(meta, limits(), snapshot, tail) else {
        return;
    };
    let Some(j) = join("reader") else { return };
    let effects = room.handle(
        Input::Join {
            conn: ConnId(1),
            join: j,
        },
        1,
    );
    check_frames(&effects);
}

/// Drives a room with two seated players through fuzzed inputs. Tag bits
/// 0..=2 pick the input, bits 4..=5 the connection.
pub fn handle_from_bytes(data: &[u8]) {
    let Some(meta) = meta() else { return };
    let mut room = RoomState::new(meta, limits());
    let mut now = 1_000u64;
    let mut fail_next_persist = false;
    let mut doc = automerge::AutoCommit::new();
    let mut pending = Vec::new();
    for (conn, player) in [(1, "a"), (2, "b")] {
        let Some(j) = join(player) else { return };
        pending.push(Input::Join {
            conn: ConnId(conn),
            join: j,
        });
    }
    let mut next_conn = 3;
    let mut head = Seq(0);
    // What the shell would have stored.
    let mut stored: Vec<LogEntry> = Vec::new();
    for (tag, piece) in Pieces(data).take(512) {
        let conn = ConnId(u64::from((tag >> 4) & 3).min(next_conn));
        let input = match tag & 7 {
            0 | 1 => ClientMessage::decode(piece)
                .ok()
                .map(|msg| Input::Message { conn, msg }),
            2 => Some(Input::Disconnected { conn }),
            3 => {
                now += u64::from(piece.first().copied().unwrap_or(0)) * 50;
                Some(Input::Tick)
            }
            4 => {
                next_conn += 1;
                let name = format!("j{}", piece.first().copied().unwrap_or(0) % 8);
                join(&name).map(|j| Input::Join {
                    conn: ConnId(next_conn),
                    join: j,
                })
            }
            5 => {
                fail_next_persist = !fail_next_persist;
                None
            }
            _ => {
                // A valid change, so that the reliable path gets exercised.
                let key = format!("k{}", piece.first().copied().unwrap_or(0) % 16);
                let _ = doc.put(automerge::ROOT, key, piece.len() as i64);
                let _ = doc.commit();
                doc.get_last_local_change().map(|c| Input::Message {
                    conn,
                    msg: ClientMessage::Publish {
                        client_ref: u64::from(tag),
                        changes: vec![Bytes::copy_from_slice(c.raw_bytes())],
                    },
                })
            }
        };
        pending.extend(input);
        // Bounded: each round answers what the last one asked of storage.
        for _ in 0..64 {
            let Some(input) = pending.pop() else { break };
            let effects = room.handle(input, now);
            check_frames(&effects);
            for effect in effects {
                match effect {
                    Effect::Persist { entries } => match entries.last() {
                        Some(last) if !fail_next_persist => {
                            pending.push(Input::Persisted { upto: last.seq });
                            stored.extend(entries);
                        }
                        _ => pending.push(Input::PersistFailed),
                    },
                    Effect::Compact {
                        base,
                        stored: range,
                        entries,
                        ..
                    } => {
                        let mut all: Vec<LogEntry> =
                            range.map(|r| read_range(&stored, r)).unwrap_or_default();
                        all.extend(entries);
                        pending.push(compact(base, &all));
                    }
                    Effect::SendStored { range, .. } => {
                        let read = read_range(&stored, range);
                        let consecutive = read
                            .iter()
                            .zip(range.after.0 + 1..)
                            .all(|(e, seq)| e.seq.0 == seq);
                        assert!(consecutive, "a stored range with a gap: {range:?}");
                    }
                    _ => {}
                }
            }
            assert!(room.head() >= head, "the durable head went back");
            head = room.head();
        }
    }
}

/// The stored entries in `range`.
fn read_range(stored: &[LogEntry], range: super::StoredRange) -> Vec<LogEntry> {
    stored
        .iter()
        .filter(|e| e.seq > range.after && e.seq <= range.upto)
        .cloned()
        .collect()
}

/// What the shell would answer to a compaction.
fn compact(base: Option<Snapshot>, entries: &[LogEntry]) -> Input {
    let Some(upto) = entries.last().map(|e| e.seq) else {
        return Input::CompactionFailed;
    };
    match super::fold(base.as_ref(), entries) {
        Ok(snap) => Input::Compacted(Snapshot { upto, ..snap }),
        Err(_) => Input::CompactionFailed,
    }
}

fn check_frames(effects: &[Effect]) {
    for effect in effects {
        if let Effect::Send { frame, .. } = effect {
            assert!(
                RelayMessage::decode(frame).is_ok(),
                "the room emitted a frame that does not decode"
            );
        }
    }
}
