//! The reliable channel: publish, persist, ack, catch-up, compaction.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::core::*;
use coinop_protocol::*;

#[test]
fn join_gets_welcome_then_synced_and_others_see_player_joined() {
    let mut room = room_with(&["alice"]);
    let fx = room.handle(
        Input::Join {
            conn: ConnId(2),
            join: join("bob", None),
        },
        T0 + 5,
    );
    let to_bob = sent_to(&fx, 2);
    let RelayMessage::Welcome(w) = &to_bob[0] else {
        panic!("{to_bob:?}")
    };
    assert_eq!(
        w.players.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["alice", "bob"]
    );
    assert_eq!(w.host, Some(pid("alice")));
    assert_eq!(w.epoch, 42);
    assert!(!w.reset);
    assert_eq!(to_bob[1], RelayMessage::Synced { head: Seq(0) });
    assert!(matches!(&sent_to(&fx, 1)[..], [RelayMessage::PlayerJoined(p)] if p.id == pid("bob")));
}

#[test]
fn publish_acks_and_forwards_only_after_persist() {
    let mut room = room_with(&["alice", "bob"]);
    let mut doc = Doc::new();
    let fx = room.handle(msg(1, publish(9, vec![doc.change("a", 1)])), T0);
    assert!(sent_to(&fx, 1).is_empty() && sent_to(&fx, 2).is_empty());
    assert_eq!(persist_upto(&fx), Some(Seq(1)));
    // A second publish while the first is in flight waits for the next batch.
    let fx = room.handle(msg(2, publish(1, vec![doc.change("b", 2)])), T0);
    assert_eq!(persist_upto(&fx), None);
    let fx = room.handle(Input::Persisted { upto: Seq(1) }, T0);
    assert_eq!(
        sent_to(&fx, 1),
        [RelayMessage::Ack {
            client_ref: 9,
            seq: Seq(1)
        }]
    );
    assert!(
        matches!(&sent_to(&fx, 2)[..], [RelayMessage::Changes { entries }]
        if entries.len() == 1 && entries[0].sender == pid("alice"))
    );
    assert_eq!(persist_upto(&fx), Some(Seq(2)));
    let fx = room.handle(Input::Persisted { upto: Seq(2) }, T0);
    assert_eq!(
        sent_to(&fx, 2),
        [RelayMessage::Ack {
            client_ref: 1,
            seq: Seq(2)
        }]
    );
    assert_eq!(room.head(), Seq(2));
}

#[test]
fn duplicate_publish_is_acked_with_the_existing_seq_and_not_appended() {
    let mut room = room_with(&["alice"]);
    let mut doc = Doc::new();
    let c = doc.change("a", 1);
    room.handle(msg(1, publish(1, vec![c.clone()])), T0);
    room.handle(Input::Persisted { upto: Seq(1) }, T0);
    let fx = room.handle(msg(1, publish(2, vec![c.clone(), c])), T0);
    assert_eq!(persist_upto(&fx), None);
    assert_eq!(
        sent_to(&fx, 1),
        [RelayMessage::Ack {
            client_ref: 2,
            seq: Seq(1)
        }]
    );
    assert_eq!(room.head(), Seq(1));
}

#[test]
fn invalid_or_oversized_change_refuses_the_whole_publish() {
    let mut room = room_with(&["alice"]);
    let mut doc = Doc::new();
    let good = doc.change("a", 1);
    let fx = room.handle(
        msg(
            1,
            publish(5, vec![good.clone(), Bytes::from_static(b"junk")]),
        ),
        T0,
    );
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Error { code, client_ref: Some(5), fatal: false, .. }]
        if *code == ErrorCode::INVALID_CHANGE)
    );
    assert_eq!(persist_upto(&fx), None);
    let mut small = RoomState::new(
        meta(8, 0),
        RoomLimits {
            max_change_bytes: 4,
            ..RoomLimits::default()
        },
    );
    small.handle(
        Input::Join {
            conn: ConnId(1),
            join: join("alice", None),
        },
        T0,
    );
    let fx = small.handle(msg(1, publish(6, vec![good])), T0);
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Error { code, .. }] if *code == ErrorCode::CHANGE_TOO_LARGE)
    );
}

#[test]
fn room_size_limit_refuses_with_room_too_large() {
    let limits = RoomLimits {
        max_room_bytes: 10,
        ..RoomLimits::default()
    };
    let mut room = room_with_alice(limits);
    let fx = room.handle(msg(1, publish(1, vec![Doc::new().change("a", 1)])), T0);
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Error { code, .. }] if *code == ErrorCode::ROOM_TOO_LARGE)
    );
}

#[test]
fn persist_failure_refuses_and_rolls_back() {
    let mut room = room_with(&["alice"]);
    let mut doc = Doc::new();
    let c = doc.change("a", 1);
    room.handle(msg(1, publish(1, vec![c.clone()])), T0);
    let fx = room.handle(Input::PersistFailed, T0);
    assert!(
        matches!(&sent_to(&fx, 1)[..], [RelayMessage::Error { code, client_ref: Some(1), .. }]
        if *code == ErrorCode::STORAGE_UNAVAILABLE)
    );
    // The same change is accepted again, with the same seq.
    let fx = room.handle(msg(1, publish(2, vec![c])), T0);
    assert_eq!(persist_upto(&fx), Some(Seq(1)));
}

#[test]
fn catch_up_sends_only_what_the_cursor_lacks() {
    let mut room = room_with(&["alice"]);
    let mut doc = Doc::new();
    for i in 1..=3 {
        room.handle(msg(1, publish(i, vec![doc.change("k", i as i64)])), T0);
        room.handle(Input::Persisted { upto: Seq(i) }, T0);
    }
    let since = Some(RoomCursor {
        epoch: 42,
        seq: Seq(1),
    });
    let fx = room.handle(
        Input::Join {
            conn: ConnId(7),
            join: join("bob", since),
        },
        T0,
    );
    let frames = sent_to(&fx, 7);
    assert!(matches!(&frames[1], RelayMessage::Changes { entries }
        if entries.iter().map(|e| e.seq.0).collect::<Vec<_>>() == [2, 3]));
    assert_eq!(frames[2], RelayMessage::Synced { head: Seq(3) });
    // A cursor of another epoch gets everything and `reset`.
    let since = Some(RoomCursor {
        epoch: 1,
        seq: Seq(3),
    });
    let fx = room.handle(
        Input::Join {
            conn: ConnId(8),
            join: join("carol", since),
        },
        T0,
    );
    let frames = sent_to(&fx, 8);
    assert!(matches!(&frames[0], RelayMessage::Welcome(w) if w.reset));
    assert!(matches!(&frames[1], RelayMessage::Changes { entries } if entries.len() == 3));
}

#[test]
fn compaction_keeps_dedup_and_serves_snapshot_plus_tail() {
    let limits = RoomLimits {
        compact_entries: 2,
        ..RoomLimits::default()
    };
    let mut room = room_with_alice(limits);
    let mut doc = Doc::new();
    let first = doc.change("a", 1);
    room.handle(msg(1, publish(1, vec![first.clone()])), T0);
    room.handle(msg(1, publish(2, vec![doc.change("b", 2)])), T0);
    room.handle(Input::Persisted { upto: Seq(1) }, T0);
    let fx = room.handle(Input::Persisted { upto: Seq(2) }, T0);
    let Some(Effect::Compact {
        base: None,
        entries,
        ..
    }) = fx.iter().find(|e| matches!(e, Effect::Compact { .. }))
    else {
        panic!("no compaction: {fx:?}")
    };
    assert_eq!(entries.len(), 2);
    let saved = Bytes::from(doc.0.save());
    room.handle(
        Input::Compacted(Snapshot {
            upto: Seq(2),
            doc: saved.clone(),
            clock: None,
            view: None,
        }),
        T0,
    );
    room.handle(msg(1, publish(3, vec![doc.change("c", 3)])), T0);
    room.handle(Input::Persisted { upto: Seq(3) }, T0);
    // A change folded into the snapshot is still a duplicate.
    let fx = room.handle(msg(1, publish(4, vec![first])), T0);
    assert_eq!(
        sent_to(&fx, 1),
        [RelayMessage::Ack {
            client_ref: 4,
            seq: Seq(1)
        }]
    );
    let fx = room.handle(
        Input::Join {
            conn: ConnId(2),
            join: join("bob", None),
        },
        T0,
    );
    let frames = sent_to(&fx, 2);
    assert_eq!(
        frames[1],
        RelayMessage::Snapshot {
            upto: Seq(2),
            doc: saved.clone(),
            view: None,
        }
    );
    assert!(matches!(&frames[2], RelayMessage::Changes { entries } if entries[0].seq == Seq(3)));
    // Reloading from storage rebuilds the hashes from the snapshot.
    let reloaded = RoomState::load(
        meta(8, 0),
        RoomLimits::default(),
        Some(Snapshot {
            upto: Seq(2),
            doc: saved,
            clock: None,
            view: None,
        }),
        vec![],
    );
    assert_eq!(reloaded.unwrap().head(), Seq(2));
    let bad = RoomState::load(
        meta(8, 0),
        RoomLimits::default(),
        Some(Snapshot {
            upto: Seq(2),
            doc: Bytes::from_static(b"nope"),
            clock: None,
            view: None,
        }),
        vec![],
    );
    assert!(bad.is_err());
}
