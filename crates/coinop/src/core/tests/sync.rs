//! The outbox, acks, resends, resets and relay errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn outbox_is_batched_and_cleared_by_acks() {
    let mut c = core("alice", 1);
    let mut events = Vec::new();
    c.set_state(0, ROOM, "k", json!(1), Reliability::Reliable)
        .unwrap();
    c.commit_writes(0);
    assert!(
        publishes(&mut c).is_empty(),
        "nothing is sent before joining"
    );
    join(&mut c, &["alice"]);
    let sent = publishes(&mut c);
    assert_eq!(sent.len(), 1, "pending changes go in one publish");
    let n = sent[0].1.len();
    assert_eq!(n, 2, "skeleton and write");
    events.extend(c.take_events());
    c.handle(
        0,
        RelayMessage::Ack {
            client_ref: sent[0].0,
            seq: Seq(3),
        },
    );
    events.extend(c.take_events());
    assert!(c.outbox.is_empty());
    assert!(
        matches!(events.last(), Some(Event::Saved(true))),
        "{events:?}"
    );
    assert_eq!(c.cursor.unwrap().seq, Seq(3));
}

#[test]
fn unacked_changes_are_resent_after_reconnect() {
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    let first = publishes(&mut c);
    // Two turns of the driver, so two changes (writes within one turn
    // would be one change).
    for v in [1, 2] {
        c.set_state(0, ROOM, "k", json!(v), Reliability::Reliable)
            .unwrap();
        c.commit_writes(0);
        assert!(
            publishes(&mut c).is_empty(),
            "one publish in flight at a time"
        );
    }
    c.handle(
        0,
        RelayMessage::Ack {
            client_ref: first[0].0,
            seq: Seq(2),
        },
    );
    let second = publishes(&mut c);
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].1.len(), 2, "held changes travel together");
    c.disconnected(100);
    assert_eq!(c.status, Status::Reconnecting);
    assert!(c.want_connect(100 + 250), "first retry within 250 ms");
    c.connected(400);
    match frames(&mut c).first() {
        Some(ClientMessage::Join(j)) => assert_eq!(j.since.unwrap().seq, Seq(2)),
        other => panic!("expected a join, got {other:?}"),
    }
    c.handle(400, welcome(&["alice"], false));
    let resent = publishes(&mut c);
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].1, second[0].1, "the same change bytes again");
}

#[test]
fn reset_welcome_publishes_every_change() {
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    let sent = publishes(&mut c);
    c.handle(
        0,
        RelayMessage::Ack {
            client_ref: sent[0].0,
            seq: Seq(5),
        },
    );
    c.set_state(0, ROOM, "k", json!(1), Reliability::Reliable)
        .unwrap();
    c.commit_writes(0);
    c.disconnected(0);
    c.connected(1000);
    frames(&mut c);
    c.handle(1000, welcome(&["alice"], true));
    let all: usize = publishes(&mut c).iter().map(|(_, ch)| ch.len()).sum();
    assert_eq!(all, c.doc.get_changes(&[]).len());
    assert_eq!(c.cursor.unwrap().seq, Seq(0), "a new epoch starts at zero");
}

#[test]
fn retryable_publish_errors_keep_changes_and_fatal_ones_stop() {
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    let sent = publishes(&mut c);
    let err = |code: ErrorCode, fatal, client_ref| RelayMessage::Error {
        code,
        message: "x".into(),
        fatal,
        client_ref,
    };
    c.handle(
        10,
        err(ErrorCode::STORAGE_UNAVAILABLE, false, Some(sent[0].0)),
    );
    assert!(c.outbox.has_pending());
    c.tick(10 + 10_001);
    let again = publishes(&mut c);
    assert_eq!(again[0].1, sent[0].1, "retried after the backoff");
    c.take_events();
    c.handle(
        20_000,
        err(ErrorCode::CHANGE_TOO_LARGE, false, Some(again[0].0)),
    );
    assert!(c.outbox.is_empty(), "a refused change leaves the outbox");
    let ev = c.take_events();
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Error(e) if e.code() == Some(ErrorCode::CHANGE_TOO_LARGE)))
    );
    c.handle(20_000, err(ErrorCode::KICKED, true, None));
    assert!(c.is_stopped());
    c.disconnected(20_001);
    assert!(
        !c.want_connect(u64::MAX),
        "no reconnect after a fatal error"
    );
    assert_eq!(c.status, Status::Offline);
}

#[test]
fn a_re_upload_refused_for_another_players_change_resends_only_ours() {
    let mut bob = core("bob", 2);
    join(&mut bob, &["alice", "bob"]);
    bob.set_state(0, ROOM, "b", json!(1), Reliability::Reliable)
        .unwrap();
    bob.commit_writes(0);
    bob.commit_writes(0);
    let bobs: Vec<Bytes> = applied(&mut bob)
        .get_changes(&[])
        .iter()
        .map(|c| Bytes::copy_from_slice(c.raw_bytes()))
        .collect();
    let mut alice = core("alice", 1);
    join(&mut alice, &["alice", "bob"]);
    alice.handle(0, everything_from(&mut bob, "bob"));
    assert_eq!(alice.get_state(&ROOM, "b"), Some(json!(1)));
    alice.disconnected(0);
    alice.connected(1000);
    frames(&mut alice);
    alice.handle(1000, welcome(&["alice", "bob"], true));
    let sent = publishes(&mut alice);
    let total: usize = sent.iter().map(|(_, ch)| ch.len()).sum();
    assert_eq!(total, alice.doc.get_changes(&[]).len());
    alice.take_events();
    for (client_ref, _) in &sent {
        alice.handle(
            1000,
            RelayMessage::Error {
                code: ErrorCode::FOREIGN_ACTOR,
                message: "x".into(),
                fatal: false,
                client_ref: Some(*client_ref),
            },
        );
    }
    let again: Vec<Bytes> = publishes(&mut alice)
        .into_iter()
        .flat_map(|p| p.1)
        .collect();
    let bob_tag = coinop_protocol::actor::player_tag(&pid("bob"));
    let bobs_in = |changes: &[Bytes]| {
        changes
            .iter()
            .filter(|c| {
                let actor = automerge::Change::from_bytes(c.to_vec()).unwrap();
                coinop_protocol::actor::is_tagged_for(actor.actor_id().to_bytes(), &bob_tag)
            })
            .count()
    };
    assert!(bobs_in(&bobs) > 0);
    assert_eq!(bobs_in(&again), 0, "bob's changes are bob's to publish");
    assert_eq!(
        again.len() + bobs_in(&bobs),
        total,
        "every other change goes again"
    );
    assert!(
        alice
            .take_events()
            .iter()
            .all(|e| !matches!(e, Event::Error(_))),
        "nothing the application must hear about"
    );
}

#[test]
fn a_snapshot_is_merged_with_our_changes_and_reports_only_what_differs() {
    let bob = bob_after(50, "same", json!("x"));
    let snapshot = Bytes::from(bob.doc.save());

    let mut alice = core("alice", 1);
    join(&mut alice, &["bob", "alice"]);
    alice
        .set_state(0, ROOM, "mine", json!(1), Reliability::Reliable)
        .unwrap();
    alice.commit_writes(0);
    alice
        .set_state(0, ROOM, "same", json!("x"), Reliability::Reliable)
        .unwrap();
    alice.commit_writes(0);
    let actor = alice.doc.get_actor().clone();
    alice.take_events();
    alice.handle(
        0,
        RelayMessage::Snapshot {
            upto: Seq(60),
            doc: snapshot,
            view: None,
        },
    );
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(49)));
    assert_eq!(alice.get_state(&ROOM, "mine"), Some(json!(1)), "ours kept");
    assert_eq!(
        alice.doc.get_actor(),
        &actor,
        "we keep writing as ourselves"
    );
    assert_eq!(alice.cursor.unwrap().seq, Seq(60));
    let changed: Vec<(String, Option<serde_json::Value>)> = alice
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::StateChanged { key, value, .. } => Some((key, value)),
            _ => None,
        })
        .collect();
    assert_eq!(changed, vec![("score".to_string(), Some(json!(49)))]);
    // Every change of both is in the merged document, and it goes on.
    let bobs = bob.doc.get_changes(&[]).len();
    assert!(alice.doc.get_changes(&[]).len() > bobs);
    alice
        .set_state(0, ROOM, "after", json!(2), Reliability::Reliable)
        .unwrap();
    alice.commit_writes(0);
    assert_eq!(alice.get_state(&ROOM, "after"), Some(json!(2)));
}

#[test]
fn a_snapshot_we_already_hold_keeps_our_newer_changes() {
    let mut bob = core("bob", 2);
    join(&mut bob, &["bob"]);
    bob.set_state(0, ROOM, "score", json!(7), Reliability::Reliable)
        .unwrap();
    bob.commit_writes(0);
    let mut alice = core("alice", 1);
    join(&mut alice, &["bob", "alice"]);
    alice.handle(0, everything_from(&mut bob, "bob"));
    // Offline edits on top of what the snapshot will hold.
    alice
        .set_state(0, ROOM, "score", json!(8), Reliability::Reliable)
        .unwrap();
    alice.commit_writes(0);
    alice
        .set_state(0, ROOM, "mine", json!(1), Reliability::Reliable)
        .unwrap();
    alice.commit_writes(0);
    let held = applied(&mut alice).get_changes(&[]).len();
    alice.take_events();
    alice.handle(
        0,
        RelayMessage::Snapshot {
            upto: Seq(9),
            doc: Bytes::from(bob.doc.save()),
            view: None,
        },
    );
    assert_eq!(alice.doc.get_changes(&[]).len(), held, "nothing lost");
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(8)));
    assert_eq!(alice.get_state(&ROOM, "mine"), Some(json!(1)));
    assert!(
        alice
            .take_events()
            .iter()
            .all(|e| !matches!(e, Event::StateChanged { .. })),
        "nothing changed"
    );
}

#[test]
fn a_snapshot_keeps_changes_still_waiting_for_their_dependencies() {
    let mut bob = core("bob", 2);
    join(&mut bob, &["bob"]);
    write(&mut bob, ROOM, "a", json!(1));
    let first = Bytes::from(applied(&mut bob).save());
    write(&mut bob, ROOM, "b", json!(2));
    let last = last_change(&mut bob);
    let mut alice = core("alice", 1);
    join(&mut alice, &["bob", "alice"]);
    // Bob's last change arrives before the history it depends on.
    alice.handle(
        0,
        RelayMessage::Changes {
            entries: vec![LogEntry {
                seq: Seq(9),
                sender: pid("bob"),
                change: last,
            }],
        },
    );
    assert_eq!(alice.get_state(&ROOM, "b"), None, "queued");
    alice.handle(
        0,
        RelayMessage::Snapshot {
            upto: Seq(8),
            doc: first,
            view: None,
        },
    );
    assert_eq!(alice.get_state(&ROOM, "a"), Some(json!(1)));
    assert_eq!(
        alice.get_state(&ROOM, "b"),
        Some(json!(2)),
        "the queued one applied"
    );
}
