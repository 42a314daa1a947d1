//! Writes buffered until the driver's next turn, and received changes
//! applied in batches.

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
