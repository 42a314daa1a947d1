//! Writes buffered until the driver's next turn (or, while a publish is
//! unacked, until its ack), and received changes applied in batches.

use super::*;

#[test]
fn writes_in_one_turn_become_one_change_read_at_once() {
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    let skeleton = publishes(&mut c);
    c.handle(0, ack(skeleton[0].0, 2));
    c.take_events();
    for i in 0..100 {
        c.set_state(0, ROOM, "x", json!(i), Reliability::Reliable)
            .unwrap();
        c.set_state(0, ROOM, "y", json!(-i), Reliability::Reliable)
            .unwrap();
    }
    assert_eq!(c.get_state(&ROOM, "x"), Some(json!(99)), "read at once");
    assert!(c.keys(&ROOM).contains(&"y".to_string()));
    assert!(!c.is_saved(), "a buffered write is not saved");
    let events = c.take_events();
    let changed = events
        .iter()
        .filter(|e| matches!(e, Event::StateChanged { .. }))
        .count();
    assert_eq!(changed, 200, "every write is reported when made");
    assert!(events.iter().any(|e| matches!(e, Event::Saved(false))));
    let sent = publishes(&mut c);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.len(), 1, "the turn's writes are one change");
    assert!(
        c.take_events()
            .iter()
            .all(|e| !matches!(e, Event::StateChanged { .. })),
        "the commit reports nothing again"
    );
    c.handle(0, ack(sent[0].0, 3));
    assert!(c.is_saved());
    assert_eq!(c.get_state(&ROOM, "y"), Some(json!(-99)));
}

#[test]
fn a_remote_change_commits_buffered_writes_first() {
    let mut bob = core("bob", 2);
    join(&mut bob, &["alice", "bob"]);
    let mut alice = core("alice", 1);
    join(&mut alice, &["alice", "bob"]);
    alice
        .set_state(0, ROOM, "k", json!("alice"), Reliability::Reliable)
        .unwrap();
    bob.set_state(0, ROOM, "k", json!("bob"), Reliability::Reliable)
        .unwrap();
    // Bob's write reaches Alice before her turn ended: hers was made
    // without seeing his, so the two stay concurrent, as if committed
    // when made, and both sides pick the same winner.
    deliver(&mut bob, &mut alice, "bob");
    deliver(&mut alice, &mut bob, "alice");
    let winner = alice.get_state(&ROOM, "k");
    assert_eq!(bob.get_state(&ROOM, "k"), winner);
    use automerge::ReadDoc;
    alice.apply_waiting();
    let map = crate::doc_layout::state_map(&alice.doc, &ROOM).unwrap();
    assert_eq!(alice.doc.get_all(&map, "k").unwrap().len(), 2, "a conflict");
}

/// Alice in a room with Bob, her joining change acked, one write of "x"
/// sent and not acked yet; returns the unacked publish's `client_ref`.
fn alice_with_a_publish_in_flight() -> (RoomCore, u64) {
    let mut c = core("alice", 1);
    join(&mut c, &["alice", "bob"]);
    let skeleton = publishes(&mut c);
    c.handle(0, ack(skeleton[0].0, 2));
    c.set_state(0, ROOM, "x", json!(0), Reliability::Reliable)
        .unwrap();
    let sent = publishes(&mut c);
    assert_eq!(sent.len(), 1);
    (c, sent[0].0)
}

#[test]
fn writes_made_while_a_publish_is_unacked_wait_for_its_ack_as_one_change() {
    let (mut c, in_flight) = alice_with_a_publish_in_flight();
    let changes_before = applied(&mut c).get_changes(&[]).len();
    for turn in 1..=10 {
        c.set_state(0, ROOM, "x", json!(turn), Reliability::Reliable)
            .unwrap();
        c.set_state(
            0,
            ROOM,
            &format!("k{turn}"),
            json!(turn),
            Reliability::Reliable,
        )
        .unwrap();
        assert!(publishes(&mut c).is_empty(), "turn {turn}: nothing leaves");
        assert_eq!(c.get_state(&ROOM, "x"), Some(json!(turn)), "read at once");
    }
    assert_eq!(
        applied(&mut c).get_changes(&[]).len(),
        changes_before,
        "nothing committed"
    );
    assert!(!c.is_saved());
    c.handle(0, ack(in_flight, 3));
    let sent = publishes(&mut c);
    assert_eq!(sent.len(), 1, "one publish after the ack");
    assert_eq!(sent[0].1.len(), 1, "ten turns' writes are one change");
    assert_eq!(applied(&mut c).get_changes(&[]).len(), changes_before + 1);
    c.handle(0, ack(sent[0].0, 4));
    assert!(c.is_saved());
    assert_eq!(c.get_state(&ROOM, "x"), Some(json!(10)));
    assert_eq!(c.keys(&ROOM).len(), 12, "round, x and k1..k10");
}

#[test]
fn offline_each_turn_commits_even_with_a_publish_unacked() {
    let (mut c, _) = alice_with_a_publish_in_flight();
    c.disconnected(0);
    let changes_before = applied(&mut c).get_changes(&[]).len();
    for turn in 1..=3 {
        c.set_state(0, ROOM, "x", json!(turn), Reliability::Reliable)
            .unwrap();
        assert!(publishes(&mut c).is_empty());
    }
    assert_eq!(applied(&mut c).get_changes(&[]).len(), changes_before + 3);
}

#[test]
fn a_remote_change_waits_behind_held_writes_only_when_it_writes_their_key() {
    let (mut alice, in_flight) = alice_with_a_publish_in_flight();
    let mut bob = core("bob", 2);
    join(&mut bob, &["alice", "bob"]);
    alice
        .set_state(0, ROOM, "mine", json!("alice"), Reliability::Reliable)
        .unwrap();
    assert!(
        publishes(&mut alice).is_empty(),
        "held behind the unacked publish"
    );
    // Bob writes another key: shown at once, Alice's write still waits.
    write(&mut bob, ROOM, "his", json!("bob"));
    deliver(&mut bob, &mut alice, "bob");
    assert_eq!(alice.get_state(&ROOM, "his"), Some(json!("bob")));
    assert!(!alice.writes.is_empty(), "still buffered");
    // Bob writes her key, not having seen her write: hers is committed
    // first, so the two stay concurrent, as if committed when made.
    bob.set_state(0, ROOM, "mine", json!("bob"), Reliability::Reliable)
        .unwrap();
    deliver(&mut bob, &mut alice, "bob");
    assert!(
        alice.writes.is_empty(),
        "committed before Bob's change came in"
    );
    assert!(
        publishes(&mut alice).is_empty(),
        "and still waits for the ack"
    );
    alice.handle(0, ack(in_flight, 3));
    let sent = publishes(&mut alice);
    assert_eq!(sent.len(), 1);
    bob.handle(0, everything_from(&mut alice, "alice"));
    assert_eq!(bob.get_state(&ROOM, "mine"), alice.get_state(&ROOM, "mine"));
    use automerge::ReadDoc;
    alice.apply_waiting();
    let map = crate::doc_layout::state_map(&alice.doc, &ROOM).unwrap();
    assert_eq!(
        alice.doc.get_all(&map, "mine").unwrap().len(),
        2,
        "a conflict"
    );
}

#[test]
fn changes_from_many_senders_apply_as_one_batch_and_name_their_senders() {
    let mut writers: Vec<RoomCore> = ["bob", "carol"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut w = core(name, 10 + i as u64);
            join(&mut w, &[name]);
            w.set_state(0, ROOM, name, json!(i), Reliability::Reliable)
                .unwrap();
            w.commit_writes(0);
            w
        })
        .collect();
    let mut alice = core("alice", 1);
    join(&mut alice, &["alice", "bob", "carol"]);
    alice.take_events();
    let frames: Vec<Vec<u8>> = writers
        .iter_mut()
        .zip(["bob", "carol"])
        .map(|(w, name)| everything_from(w, name).encode())
        .collect();
    alice.handle_frames(0, &frames);
    let by: Vec<(String, Option<PlayerId>)> = alice
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::StateChanged { key, by, .. } => Some((key, by)),
            _ => None,
        })
        .collect();
    assert_eq!(by.len(), 2, "{by:?}");
    for (key, by) in by {
        assert_eq!(by, Some(pid(&key)), "{key} names its writer");
    }
}

#[test]
fn writes_over_a_waiting_change_are_made_without_applying_it_and_win_everywhere() {
    let mut bob = core("bob", 2);
    join(&mut bob, &["alice", "bob"]);
    write(&mut bob, ROOM, "k", json!("bob"));
    let mut alice = core("alice", 1);
    join(&mut alice, &["alice", "bob"]);
    deliver(&mut bob, &mut alice, "bob");
    assert!(!alice.unapplied.is_empty(), "bob's write waits");
    // Two writes of the key bob wrote, each its own change.
    write(&mut alice, ROOM, "k", json!("alice 1"));
    write(&mut alice, ROOM, "k", json!("alice 2"));
    assert!(
        !alice.unapplied.is_empty(),
        "made without applying what waits"
    );
    assert_eq!(alice.get_state(&ROOM, "k"), Some(json!("alice 2")));
    let mine = alice.outbox.all();
    let n = mine.len();
    assert!(n >= 2, "{n}");
    let second = automerge::Change::from_bytes(mine[n - 1].to_vec()).unwrap();
    let first = automerge::Change::from_bytes(mine[n - 2].to_vec()).unwrap();
    assert_eq!(second.seq(), first.seq() + 1);
    assert!(second.start_op().get() > first.max_op());
    assert_eq!(
        second.deps(),
        [first.hash()],
        "builds on our last change alone"
    );
    // Bob takes them on top of his own write: they replace it.
    deliver(&mut alice, &mut bob, "alice");
    assert_eq!(bob.get_state(&ROOM, "k"), Some(json!("alice 2")));
    // Applied at last, alice's document holds the same.
    let doc = applied(&mut alice);
    assert_eq!(
        crate::doc_value::get_json(doc, &crate::doc_layout::state_map(doc, &ROOM).unwrap(), "k"),
        Some(json!("alice 2"))
    );
    assert_eq!(doc.get_last_local_change().unwrap().hash(), second.hash());
    let mut heads = alice.doc.get_heads();
    heads.sort();
    let mut bobs = applied(&mut bob).get_heads();
    bobs.sort();
    assert_eq!(heads, bobs, "the same history");
    use automerge::ReadDoc;
    let doc = &bob.doc;
    let map = crate::doc_layout::state_map(doc, &ROOM).unwrap();
    assert_eq!(
        doc.get_all(&map, "k").unwrap().len(),
        1,
        "replaced, not a conflict"
    );
}
