//! Changes folded into a snapshot: known by the snapshot's actor clock, so
//! a reload does not parse the document and a republish is still a
//! duplicate.
#![allow(clippy::unwrap_used)]

use super::*;

/// A room with `limits` that compacts after two entries, once alice's two
/// changes to `a` are folded: the room, its snapshot, alice's document and
/// her first change.
fn folded_after_two(limits: RoomLimits) -> (RoomState, Snapshot, Doc, Bytes) {
    let mut room = room_with_alice(RoomLimits {
        compact_entries: 2,
        ..limits
    });
    let mut doc = Doc::new();
    let first = doc.change("a", 1);
    room.handle(msg(1, publish(1, vec![first.clone()])), T0);
    room.handle(msg(1, publish(2, vec![doc.change("a", 2)])), T0);
    room.handle(Input::Persisted { upto: Seq(1) }, T0);
    let fx = room.handle(Input::Persisted { upto: Seq(2) }, T0);
    let Some(Effect::Compact { base, entries, .. }) =
        fx.iter().find(|e| matches!(e, Effect::Compact { .. }))
    else {
        panic!("no compaction: {fx:?}")
    };
    let snap = fold(base.as_ref(), entries).unwrap();
    room.handle(Input::Compacted(snap.clone()), T0);
    (room, snap, doc, first)
}

fn persist_effect(fx: &[Effect]) -> bool {
    fx.iter().any(|e| matches!(e, Effect::Persist { .. }))
}

#[test]
fn folded_changes_stay_duplicates_across_a_reload() {
    let limits = RoomLimits {
        compact_entries: 2,
        ..RoomLimits::default()
    };
    let (mut room, snap, mut doc, first) = folded_after_two(limits.clone());
    assert_eq!(snap.upto, Seq(2));
    // Folded: acked with the snapshot's seq, not stored again.
    let fx = room.handle(msg(1, publish(3, vec![first.clone()])), T0);
    assert!(!persist_effect(&fx));
    assert_eq!(
        sent_to(&fx, 1),
        [RelayMessage::Ack {
            client_ref: 3,
            seq: Seq(2)
        }]
    );

    // The same after a reload from storage.
    let mut reloaded = RoomState::load(meta(8, 0), limits, Some(snap.clone()), vec![]).unwrap();
    assert_eq!(reloaded.head(), Seq(2));
    reloaded.handle(
        Input::Join {
            conn: ConnId(5),
            join: join("alice", None),
        },
        T0,
    );
    let fx = reloaded.handle(msg(5, publish(4, vec![first])), T0);
    assert!(!persist_effect(&fx), "a folded change is not stored twice");
    assert_eq!(
        sent_to(&fx, 5),
        [RelayMessage::Ack {
            client_ref: 4,
            seq: Seq(2)
        }]
    );
    let fx = reloaded.handle(msg(5, publish(5, vec![doc.change("c", 3)])), T0);
    let Some(Effect::Persist { entries }) =
        fx.iter().find(|e| persist_effect(std::slice::from_ref(e)))
    else {
        panic!("a new change is stored: {fx:?}")
    };
    assert_eq!(entries[0].seq, Seq(3));
}

#[test]
fn a_damaged_snapshot_is_refused_without_parsing_it() {
    let mut doc = Doc::new();
    let entries: Vec<LogEntry> = (1..=3)
        .map(|i| LogEntry {
            seq: Seq(i),
            sender: pid("alice"),
            change: doc.change("k", i as i64),
        })
        .collect();
    let snap = fold(None, &entries).unwrap();
    assert!(
        RoomState::load(
            meta(8, 0),
            RoomLimits::default(),
            Some(snap.clone()),
            vec![]
        )
        .is_ok()
    );
    let mut bytes = snap.doc.to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    let damaged = Snapshot {
        doc: Bytes::from(bytes),
        ..snap
    };
    let err = RoomState::load(meta(8, 0), RoomLimits::default(), Some(damaged), vec![]);
    assert!(matches!(err, Err(LoadError::NotADocument { upto: 3 })));
}

#[test]
fn a_log_that_grew_during_compaction_is_compacted_again_at_once() {
    let limits = RoomLimits {
        compact_entries: 2,
        ..RoomLimits::default()
    };
    let mut room = room_with_alice(limits);
    let mut doc = Doc::new();
    let mut compactions = Vec::new();
    for i in 1..=4 {
        room.handle(msg(1, publish(i, vec![doc.change("k", i as i64)])), T0);
        let fx = room.handle(Input::Persisted { upto: Seq(i) }, T0);
        compactions.extend(fx.into_iter().filter_map(|e| match e {
            Effect::Compact { base, entries, .. } => Some((base, entries)),
            _ => None,
        }));
    }
    // One compaction of seqs 1-2 started; 3-4 arrived while it ran.
    assert_eq!(compactions.len(), 1);
    let (base, entries) = compactions.remove(0);
    let snap = fold(base.as_ref(), &entries).unwrap();
    let fx = room.handle(Input::Compacted(snap), T0);
    let again = fx.iter().find_map(|e| match e {
        Effect::Compact { entries, .. } => Some(entries.clone()),
        _ => None,
    });
    let seqs: Vec<u64> = again
        .expect("compacted again")
        .iter()
        .map(|e| e.seq.0)
        .collect();
    assert_eq!(seqs, [3, 4]);
}

#[test]
fn a_room_that_goes_quiet_compacts_a_short_log_once() {
    let limits = RoomLimits {
        compact_entries: 1000,
        quiet_compact_ms: 2_000,
        quiet_compact_entries: 3,
        ..RoomLimits::default()
    };
    let mut room = room_with_alice(limits);
    let mut doc = Doc::new();
    let compaction = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::Compact { entries, .. } => Some(entries.len()),
            _ => None,
        })
    };
    // Two stored changes: too few to bother, no deadline for it.
    for i in 1..=2 {
        room.handle(msg(1, publish(i, vec![doc.change("k", i as i64)])), T0);
        room.handle(Input::Persisted { upto: Seq(i) }, T0);
    }
    assert_eq!(room.next_deadline(), None);
    // A third, stored later: due 2 s after it.
    room.handle(msg(1, publish(3, vec![doc.change("k", 3)])), T0);
    room.handle(Input::Persisted { upto: Seq(3) }, T0 + 500);
    assert_eq!(room.next_deadline(), Some(T0 + 2_500));
    assert_eq!(compaction(&room.handle(Input::Tick, T0 + 2_499)), None);
    let fx = room.handle(Input::Tick, T0 + 2_500);
    assert_eq!(compaction(&fx), Some(3));
    // Running, then done: nothing more is due until a new change is stored.
    assert_eq!(room.next_deadline(), None);
    let Some(Effect::Compact { base, entries, .. }) =
        fx.into_iter().find(|e| matches!(e, Effect::Compact { .. }))
    else {
        unreachable!()
    };
    let snap = fold(base.as_ref(), &entries).unwrap();
    room.handle(Input::Compacted(snap), T0 + 2_600);
    assert_eq!(room.next_deadline(), None);
    assert_eq!(compaction(&room.handle(Input::Tick, T0 + 10_000)), None);
}

#[test]
fn a_loaded_tail_is_compacted_before_the_room_unloads() {
    let limits = RoomLimits {
        quiet_compact_entries: 3,
        ..RoomLimits::default()
    };
    let mut room = room_with_alice(limits.clone());
    let mut doc = Doc::new();
    let mut tail = Vec::new();
    for i in 1..=3 {
        let fx = room.handle(msg(1, publish(i, vec![doc.change("k", i as i64)])), T0);
        tail.extend(fx.into_iter().filter_map(|e| match e {
            Effect::Persist { entries } => Some(entries),
            _ => None,
        }));
        room.handle(Input::Persisted { upto: Seq(i) }, T0);
    }
    let tail: Vec<LogEntry> = tail.into_iter().flatten().collect();
    assert_eq!(tail.len(), 3);
    // Reloaded with nobody seated: not idle until its tail is compacted.
    let mut loaded = RoomState::load(meta(8, 0), limits, None, tail).unwrap();
    assert!(!loaded.is_idle());
    assert!(loaded.next_deadline().is_some_and(|at| at <= T0));
    let fx = loaded.handle(Input::Tick, T0);
    let Some(Effect::Compact { base, entries, .. }) =
        fx.into_iter().find(|e| matches!(e, Effect::Compact { .. }))
    else {
        panic!("no quiet compaction")
    };
    assert!(!loaded.is_idle(), "busy while it runs");
    let snap = fold(base.as_ref(), &entries).unwrap();
    loaded.handle(Input::Compacted(snap), T0);
    assert!(loaded.is_idle());
    assert_eq!(loaded.next_deadline(), None);
}

#[test]
fn a_joiner_gets_the_state_view_only_when_nothing_follows_the_snapshot() {
    let (mut room, snap, mut doc, _) = folded_after_two(RoomLimits::default());
    let view = snap.view.clone().expect("fold makes a view");
    let shown = automerge::Automerge::load(&view).unwrap();
    assert_eq!(shown.hydrate(None), doc.0.document().hydrate(None));

    let join_as = |room: &mut RoomState, conn: u64, name: &str| {
        let fx = room.handle(
            Input::Join {
                conn: ConnId(conn),
                join: join(name, None),
            },
            T0,
        );
        sent_to(&fx, conn)
    };
    let frames = join_as(&mut room, 2, "bob");
    assert!(
        matches!(&frames[1], RelayMessage::Snapshot { view: Some(v), .. } if *v == view),
        "{frames:?}"
    );

    // One more change: the view is no longer the latest state.
    room.handle(msg(1, publish(3, vec![doc.change("a", 3)])), T0);
    room.handle(Input::Persisted { upto: Seq(3) }, T0);
    let frames = join_as(&mut room, 3, "carol");
    assert!(matches!(
        &frames[1],
        RelayMessage::Snapshot { view: None, .. }
    ));
    assert!(matches!(&frames[2], RelayMessage::Changes { entries } if entries[0].seq == Seq(3)));
    // Once quiet, that one-entry tail is folded: the room serves snapshots
    // (50 entries before it did).
    let quiet = RoomLimits::default().quiet_compact_ms;
    let fx = room.handle(Input::Tick, T0 + quiet);
    let Some(Effect::Compact { base, entries, .. }) =
        fx.iter().find(|e| matches!(e, Effect::Compact { .. }))
    else {
        panic!("no compaction after a missed view: {fx:?}")
    };
    assert_eq!(entries.len(), 1);
    let snap = fold(base.as_ref(), entries).unwrap();
    room.handle(Input::Compacted(snap), T0 + quiet);
    let frames = join_as(&mut room, 4, "dave");
    assert!(matches!(
        &frames[1],
        RelayMessage::Snapshot { view: Some(_), .. }
    ));
}

#[test]
fn a_snapshot_longer_than_a_frame_is_sent_in_parts_a_client_puts_together() {
    let (mut room, snap, ..) = folded_after_two(RoomLimits {
        max_frame_bytes: 64,
        ..RoomLimits::default()
    });
    assert!(snap.doc.len() > 64);
    let fx = room.handle(
        Input::Join {
            conn: ConnId(2),
            join: join("bob", None),
        },
        T0,
    );
    let mut parts = coinop_protocol::Reassembly::default();
    let mut got = Vec::new();
    for e in &fx {
        let Effect::Send { conn, frame, .. } = e else {
            continue;
        };
        if conn.0 != 2 {
            continue;
        }
        assert!(frame.len() <= 64, "a frame of {} bytes", frame.len());
        match RelayMessage::decode(frame).unwrap() {
            RelayMessage::Part {
                total,
                offset,
                data,
            } => {
                if let Some(whole) = parts.push(total, offset, &data, 1 << 20).unwrap() {
                    got.push(RelayMessage::decode(&whole).unwrap());
                }
            }
            other => got.push(other),
        }
    }
    assert!(matches!(got[0], RelayMessage::Welcome(_)));
    assert!(
        matches!(&got[1], RelayMessage::Snapshot { doc, .. } if *doc == snap.doc),
        "{got:?}"
    );
    assert!(matches!(got[2], RelayMessage::Synced { .. }));
}
