//! Causality: a change must build on changes the room holds, a folded
//! change cannot be rewritten, and a log the relay cannot fold whole is
//! still folded.
#![allow(clippy::unwrap_used)]

use super::*;

/// The room answered `client_ref` with an error of `code`, storing nothing.
fn refused(fx: &[Effect], conn: u64, client_ref: u64, code: ErrorCode) {
    assert!(persist_upto(fx).is_none(), "nothing is stored: {fx:?}");
    assert!(
        sent_to(fx, conn).iter().any(|m| matches!(
            m,
            RelayMessage::Error { code: c, client_ref: Some(r), .. } if *c == code && *r == client_ref
        )),
        "{code} for publish {client_ref}: {fx:?}"
    );
}

#[test]
fn a_change_whose_dependency_the_room_lacks_is_refused() {
    let mut room = room_with_alice(RoomLimits::default());
    let mut doc = Doc::new();
    let _never_sent = doc.change("a", 1);
    let orphan = doc.change("b", 2);
    let fx = room.handle(msg(1, publish(1, vec![orphan.clone()])), T0);
    refused(&fx, 1, 1, ErrorCode::MISSING_DEPENDENCY);
    // With its dependency first in the same publish, both are stored.
    let mut doc = Doc::new();
    let first = doc.change("a", 1);
    let second = doc.change("b", 2);
    let fx = room.handle(msg(1, publish(2, vec![first, second])), T0);
    assert_eq!(persist_upto(&fx), Some(Seq(2)));
}

/// Publishes `n` changes of `doc` as alice (conn 1), persists and folds
/// them; returns the changes.
fn publish_and_fold(room: &mut RoomState, doc: &mut Doc, n: u64) -> Vec<Bytes> {
    let mut changes = Vec::new();
    for i in 1..=n {
        let change = doc.change("k", i as i64);
        changes.push(change.clone());
        room.handle(msg(1, publish(i, vec![change])), T0);
        let fx = room.handle(Input::Persisted { upto: Seq(i) }, T0);
        if let Some(Effect::Compact { base, entries, .. }) =
            fx.into_iter().find(|e| matches!(e, Effect::Compact { .. }))
        {
            let snap = fold(base.as_ref(), &entries).unwrap();
            room.handle(Input::Compacted(snap), T0);
        }
    }
    changes
}

#[test]
fn a_folded_change_is_still_a_dependency_and_cannot_be_rewritten() {
    let limits = RoomLimits {
        compact_entries: 3,
        ..RoomLimits::default()
    };
    let mut room = room_with_alice(limits);
    let mut doc = Doc::new();
    let folded = publish_and_fold(&mut room, &mut doc, 3);
    // A change that builds on the folded ones is stored.
    let fx = room.handle(msg(1, publish(10, vec![doc.change("k", 10)])), T0);
    assert_eq!(persist_upto(&fx), Some(Seq(4)));
    room.handle(Input::Persisted { upto: Seq(4) }, T0);
    // The same actor and seq as a folded change, with other content: not
    // a copy (acked, not stored) but a rewrite, refused.
    let mut rewrite = Doc::new();
    rewrite.0.set_actor(doc.0.get_actor().clone());
    let forged = rewrite.change("k", 99);
    assert_ne!(forged, folded[0]);
    let fx = room.handle(msg(1, publish(11, vec![forged])), T0);
    refused(&fx, 1, 11, ErrorCode::INVALID_CHANGE);
    // A true copy is still a duplicate.
    let fx = room.handle(msg(1, publish(12, vec![folded[0].clone()])), T0);
    assert!(persist_upto(&fx).is_none());
    assert!(matches!(
        sent_to(&fx, 1)[..],
        [RelayMessage::Ack { client_ref: 12, .. }]
    ));
}

#[test]
fn a_log_with_an_unappliable_change_is_still_folded() {
    let mut doc = Doc::new();
    let _missing = doc.change("a", 1);
    let orphan = doc.change("b", 2);
    let mut other = Doc::new();
    let entries = folded_entries(&[orphan, other.change("c", 3)]);
    let snap = fold(None, &entries).expect("folded without the orphan");
    assert_eq!(snap.upto, Seq(2));
    let loaded = automerge::AutoCommit::load(&snap.doc).unwrap();
    use automerge::ReadDoc;
    assert!(loaded.get(automerge::ROOT, "c").unwrap().is_some());
    assert!(loaded.get(automerge::ROOT, "b").unwrap().is_none());
}

#[test]
fn a_reloaded_room_learns_its_folded_hashes_at_its_first_compaction() {
    let limits = RoomLimits {
        compact_entries: 3,
        ..RoomLimits::default()
    };
    let mut room = room_with_alice(limits.clone());
    let mut doc = Doc::new();
    let folded = publish_and_fold(&mut room, &mut doc, 3);
    let snap = fold(None, &folded_entries(&folded)).unwrap();
    let mut reloaded = RoomState::load(meta(8, 0), limits, Some(snap), vec![]).unwrap();
    reloaded.handle(
        Input::Join {
            conn: ConnId(1),
            join: join("alice", None),
        },
        T0,
    );
    // Unknown until listed: an orphan is let in (and left out by folding).
    let mut stranger = Doc::new();
    let _missing = stranger.change("a", 1);
    let fx = reloaded.handle(msg(1, publish(1, vec![stranger.change("b", 2)])), T0);
    assert_eq!(persist_upto(&fx), Some(Seq(4)));
    let mut compaction = None;
    for (i, seq) in (2..=3).zip(5..) {
        reloaded.handle(Input::Persisted { upto: Seq(seq - 1) }, T0);
        let fx = reloaded.handle(msg(1, publish(i, vec![doc.change("k", i as i64)])), T0);
        assert_eq!(persist_upto(&fx), Some(Seq(seq)));
    }
    let fx = reloaded.handle(Input::Persisted { upto: Seq(6) }, T0);
    if let Some(Effect::Compact {
        base,
        entries,
        list_hashes,
        ..
    }) = fx.into_iter().find(|e| matches!(e, Effect::Compact { .. }))
    {
        assert!(list_hashes, "the reloaded room asks for the hashes");
        compaction = Some(fold_and_list(base.as_ref(), &entries).unwrap());
    }
    let (snap, hashes) = compaction.expect("compacted");
    assert_eq!(snap.upto, Seq(6));
    reloaded.handle(
        Input::FoldedHashes {
            upto: snap.upto,
            hashes,
        },
        T0,
    );
    reloaded.handle(Input::Compacted(snap), T0);
    // Known now: another orphan is refused, a change on folded ones is not.
    let mut stranger = Doc::new();
    let _missing = stranger.change("a", 1);
    let fx = reloaded.handle(msg(1, publish(10, vec![stranger.change("b", 2)])), T0);
    refused(&fx, 1, 10, ErrorCode::MISSING_DEPENDENCY);
    let fx = reloaded.handle(msg(1, publish(11, vec![doc.change("k", 11)])), T0);
    assert_eq!(persist_upto(&fx), Some(Seq(7)));
}

fn folded_entries(changes: &[Bytes]) -> Vec<LogEntry> {
    changes
        .iter()
        .zip(1..)
        .map(|(change, seq)| LogEntry {
            seq: Seq(seq),
            sender: pid("alice"),
            change: change.clone(),
        })
        .collect()
}
