//! Replica records: every change of the outbox is written at once, the
//! document at most every `DOC_SAVE_MS`, and a restart from a record whose
//! document is older than its outbox shows every write.

use super::*;
use crate::core::replica_saves::DOC_SAVE_MS;
use crate::replica::Replica;
use automerge::ReadDoc;

/// Alice in the room with bob, her first record taken at 0.
fn alice_saved() -> (RoomCore, Replica) {
    let mut alice = core("alice", 1);
    join(&mut alice, &["bob", "alice"]);
    let (_, first) = alice.take_replica().expect("the first record");
    (alice, first)
}

/// Bob's write of `key` = `value`, delivered to `to` at `now` as `seq`.
fn bobs_write(bob: &mut RoomCore, to: &mut RoomCore, now: u64, seq: u64, key: &str, value: i64) {
    write(bob, ROOM, key, json!(value));
    let entries = vec![LogEntry {
        seq: Seq(seq),
        sender: pid("bob"),
        change: last_change(bob),
    }];
    to.handle(now, RelayMessage::Changes { entries });
}

fn saved_value(replica: &Replica, key: &str) -> Option<i64> {
    let doc = automerge::Automerge::load(&replica.doc).unwrap();
    let (_, state) = doc.get(automerge::ROOT, "state").unwrap()?;
    let (value, _) = doc.get(&state, key).unwrap()?;
    value.as_i64()
}

#[test]
fn received_changes_save_the_document_at_most_once_per_period() {
    let (mut alice, first) = alice_saved();
    let mut bob = core("bob", 2);
    join(&mut bob, &["bob", "alice"]);
    for i in 0..50 {
        bobs_write(&mut bob, &mut alice, 10 + i, 1 + i, "score", i as i64);
        assert!(
            alice.take_replica().is_none(),
            "no record for another player's write before the document is due ({i})"
        );
    }
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(49)));
    assert_eq!(
        alice.next_wakeup(),
        Some(DOC_SAVE_MS),
        "the changed document has a wakeup for its save"
    );
    alice.tick(DOC_SAVE_MS);
    let (_, later) = alice.take_replica().expect("the document is due");
    assert_eq!(saved_value(&first, "score"), None);
    assert_eq!(saved_value(&later, "score"), Some(49));
    assert_eq!(later.cursor.map(|c| c.seq), Some(Seq(50)));
    assert!(alice.take_replica().is_none(), "nothing changed since");
    assert_ne!(
        alice.next_wakeup(),
        Some(2 * DOC_SAVE_MS),
        "nothing to save"
    );
}

#[test]
fn a_write_is_in_the_next_record_and_a_restart_from_it_shows_it() {
    let (mut alice, first) = alice_saved();
    let mut bob = core("bob", 2);
    join(&mut bob, &["bob", "alice"]);
    bobs_write(&mut bob, &mut alice, 5, 1, "theirs", 7);
    alice
        .set_state(10, ROOM, "mine", json!(1), Reliability::Reliable)
        .unwrap();
    let (_, record) = alice
        .take_replica()
        .expect("a write makes a record at once");
    assert_eq!(
        saved_value(&record, "mine"),
        None,
        "the document is the one saved at 0"
    );
    assert_eq!(record.cursor, first.cursor, "with that document's position");
    assert_ne!(alice.cursor, first.cursor, "not the position now");
    assert!(!record.outbox.is_empty(), "the write is in the outbox");

    // A crash now: the next start reads that record.
    let mut cfg = alice.cfg.clone();
    cfg.seed = 3;
    let mut again = RoomCore::new(cfg, Some(record)).unwrap();
    assert_eq!(
        again.get_state(&ROOM, "mine"),
        Some(json!(1)),
        "shown at once"
    );
    join(&mut again, &["bob", "alice"]);
    let sent: Vec<Bytes> = publishes(&mut again)
        .into_iter()
        .flat_map(|(_, changes)| changes)
        .collect();
    let mine = last_change(&mut alice);
    assert!(sent.contains(&mine), "and sent again");
}

#[test]
fn an_acknowledged_write_leaves_the_outbox_in_the_next_record() {
    let (mut alice, _) = alice_saved();
    write(&mut alice, ROOM, "mine", json!(1));
    let (_, before) = alice.take_replica().unwrap();
    assert!(!before.outbox.is_empty());
    // One publish waits for its ack at a time.
    let mut seq = 0;
    while let Some((client_ref, _)) = publishes(&mut alice).pop() {
        seq += 1;
        alice.handle(20, ack(client_ref, seq));
        assert!(seq < 10, "acks do not empty the outbox");
    }
    let (_, after) = alice.take_replica().expect("the acks changed the outbox");
    assert!(after.outbox.is_empty());
}

#[test]
fn a_failed_save_is_written_again_at_its_retry() {
    let (mut alice, _) = alice_saved();
    alice.replica_save_failed(0, Error::Transport("disk full".into()));
    assert!(alice.take_replica().is_none(), "waits for the backoff");
    let retry = alice.next_wakeup().unwrap();
    alice.tick(retry);
    assert!(
        alice.take_replica().is_some(),
        "the same record, written again though nothing changed"
    );
}
