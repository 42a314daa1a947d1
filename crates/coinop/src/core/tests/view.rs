//! A late join shown through the snapshot's state view while the document
//! loads.

use super::*;
use crate::core::LoadedSnapshot;
use automerge::ReadDoc;
use coinop_relay::core::state_view;

/// Bob's room after many writes, as the relay would send it to a joiner:
/// the saved document and its view.
fn bobs_room() -> (RoomCore, RelayMessage) {
    let bob = bob_after(200, "name", json!("bob's"));
    let snapshot = RelayMessage::Snapshot {
        upto: Seq(300),
        doc: Bytes::from(bob.doc.save()),
        view: state_view(&bob.doc),
    };
    (bob, snapshot)
}

fn state_events(c: &mut RoomCore) -> Vec<(String, Option<serde_json::Value>)> {
    c.take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::StateChanged { key, value, .. } => Some((key, value)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_fresh_joiner_reads_the_view_at_once_and_the_document_after() {
    let (bob, snapshot) = bobs_room();
    let mut alice = core("alice", 1);
    join(&mut alice, &["bob", "alice"]);
    alice.take_events();
    alice.handle(0, snapshot);
    alice.handle(0, RelayMessage::Synced { head: Seq(300) });

    assert!(alice.is_pending(), "the document is not loaded yet");
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(199)));
    assert_eq!(alice.get_state(&ROOM, "name"), Some(json!("bob's")));
    assert_eq!(alice.keys(&ROOM), vec!["name", "round", "score"]);
    let mut shown = state_events(&mut alice);
    shown.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        shown,
        vec![
            ("name".to_string(), Some(json!("bob's"))),
            ("score".to_string(), Some(json!(199))),
        ]
    );
    assert!(
        alice.take_replica().is_none(),
        "a replica saved now would lack the snapshot its cursor claims"
    );
    assert_eq!(
        alice.profile_in_doc(&pid("alice")),
        None,
        "the profile waits for the document"
    );

    // A change arrives meanwhile: held, then applied after the document.
    let mut bob = bob;
    write(&mut bob, ROOM, "score", json!(500));
    let last = last_change(&mut bob);
    alice.handle(
        0,
        RelayMessage::Changes {
            entries: vec![LogEntry {
                seq: Seq(301),
                sender: pid("bob"),
                change: last,
            }],
        },
    );
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(199)), "held");

    // The driver loads the document off the core.
    let (id, bytes) = alice.pending_load().unwrap();
    assert!(alice.pending_load().is_none(), "handed out once");
    let loaded = LoadedSnapshot::load(&bytes).map_err(|e| e.to_string());
    alice.loaded(0, id, loaded);
    assert!(!alice.is_pending());
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(500)));
    assert_eq!(
        state_events(&mut alice),
        vec![("score".to_string(), Some(json!(500)))],
        "only what differs from the view is reported"
    );
    for change in bob.doc.get_changes(&[]) {
        assert!(alice.doc.get_change_by_hash(&change.hash()).is_some());
    }
    assert_eq!(
        alice.profile_in_doc(&pid("alice")).map(|p| p.name),
        Some("alice".to_string()),
        "the profile is written once the document is in"
    );
    let (_, replica) = alice.take_replica().unwrap();
    let saved = automerge::Automerge::load(&replica.doc).unwrap();
    assert_eq!(saved.get_heads(), alice.doc.get_heads());
}

#[test]
fn a_write_while_the_view_is_shown_loads_the_document_first_and_wins() {
    let (bob, snapshot) = bobs_room();
    let mut alice = core("alice", 1);
    join(&mut alice, &["bob", "alice"]);
    alice.handle(0, snapshot);
    alice.handle(0, RelayMessage::Synced { head: Seq(300) });
    assert!(alice.is_pending());
    alice.take_events();
    alice
        .set_state(0, ROOM, "score", json!(-1), Reliability::Reliable)
        .unwrap();
    alice.commit_writes(0);
    assert!(!alice.is_pending());
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(-1)));
    // Made on the room's history, so it is newer than bob's writes
    // everywhere, not a concurrent write that could lose.
    let mut bob = bob;
    let mine = applied(&mut alice).get_changes(&bob.doc.get_heads());
    bob.doc.apply_changes(mine).unwrap();
    assert_eq!(bob.get_state(&ROOM, "score"), Some(json!(-1)));
    // A load the driver finishes after that is stale and ignored.
    let heads = alice.doc.get_heads();
    alice.loaded(0, 1, Err("stale".into()));
    assert_eq!(alice.doc.get_heads(), heads);
}

#[test]
fn a_joiner_holding_its_own_changes_loads_the_document_at_once() {
    let (_bob, snapshot) = bobs_room();
    let mut alice = core("alice", 1);
    alice
        .set_state(0, ROOM, "mine", json!(1), Reliability::Reliable)
        .unwrap();
    alice.commit_writes(0);
    join(&mut alice, &["bob", "alice"]);
    alice.handle(0, snapshot);
    assert!(!alice.is_pending(), "the view would hide our offline write");
    assert_eq!(alice.get_state(&ROOM, "mine"), Some(json!(1)));
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(199)));
}

#[test]
fn a_document_that_fails_to_load_takes_the_view_back() {
    let (_bob, snapshot) = bobs_room();
    let RelayMessage::Snapshot { view, .. } = snapshot else {
        unreachable!()
    };
    let mut alice = core("alice", 1);
    join(&mut alice, &["bob", "alice"]);
    alice.handle(
        0,
        RelayMessage::Snapshot {
            upto: Seq(300),
            doc: Bytes::from_static(b"not a document"),
            view,
        },
    );
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(199)));
    alice.take_events();
    alice.finish_pending(0);
    assert!(!alice.is_pending());
    assert_eq!(alice.get_state(&ROOM, "score"), None);
    assert_eq!(
        state_events(&mut alice)
            .into_iter()
            .map(|(k, _)| k)
            .collect::<Vec<_>>()
            .len(),
        2,
        "both keys the view showed are reported gone"
    );
}
