//! Sizes checked before sending: what the relay would refuse is refused at
//! the call, and a queue holding such a change recovers.

use super::*;
use crate::error::SizeOf;
use automerge::ReadDoc;
use automerge::transaction::Transactable;
use coinop_protocol::{Limits, split_frame};

const SMALL: Limits = Limits {
    max_frame_bytes: 64 * 1024,
    max_change_bytes: 16 * 1024,
    max_key_bytes: 16,
    max_profile_bytes: 1024,
    max_unreliable_bytes: 2 * 1024,
    max_rpc_bytes: 4 * 1024,
};

/// `name` welcomed by a relay with `limits`, its skeleton acked.
fn joined_with(name: &str, limits: Limits) -> RoomCore {
    let mut c = core(name, 1);
    c.connected(0);
    c.handle(0, welcome_with(&[name], limits));
    for (r, _) in publishes(&mut c) {
        c.handle(0, ack(r, 1));
    }
    c.take_events();
    c
}

fn welcome_with(players: &[&str], limits: Limits) -> RelayMessage {
    let RelayMessage::Welcome(mut w) = welcome(players, false) else {
        unreachable!()
    };
    w.limits = limits;
    RelayMessage::Welcome(w)
}

fn too_large(r: Result<impl std::fmt::Debug, Error>, what: SizeOf) {
    match r {
        Err(Error::TooLarge { what: w, .. }) => assert_eq!(w, what),
        other => panic!("expected TooLarge({what:?}), got {other:?}"),
    }
}

#[test]
fn a_write_over_the_change_limit_is_refused_at_the_call_and_nothing_is_queued() {
    let mut c = joined_with("alice", SMALL);
    let big = json!("x".repeat(20_000));
    let e = c.set_state(0, ROOM, "big", big.clone(), Reliability::Reliable);
    assert_eq!(
        e.as_ref().err().and_then(Error::code),
        Some(ErrorCode::CHANGE_TOO_LARGE)
    );
    assert!(c.is_saved(), "nothing waits");
    assert_eq!(c.get_state(&ROOM, "big"), None);
    assert!(publishes(&mut c).is_empty());
    // With the relay's defaults the same write goes.
    let mut d = joined_with("bob", Limits::DEFAULT);
    d.set_state(0, ROOM, "big", big, Reliability::Reliable)
        .unwrap();
    assert_eq!(publishes(&mut d).len(), 1);
}

#[test]
fn writes_that_together_exceed_the_limit_go_in_several_changes() {
    let mut c = joined_with("alice", SMALL);
    for i in 0..8 {
        let v = json!("y".repeat(6_000));
        c.set_state(0, ROOM, &format!("k{i}"), v, Reliability::Reliable)
            .unwrap();
    }
    let sent = publishes(&mut c);
    let changes: Vec<&Bytes> = sent.iter().flat_map(|(_, ch)| ch).collect();
    assert!(changes.len() >= 3, "split into {} changes", changes.len());
    assert!(changes.iter().all(|ch| ch.len() <= 16 * 1024));
    assert!(
        sent.iter()
            .all(|(_, ch)| { ch.iter().map(Bytes::len).sum::<usize>() <= 64 * 1024 }),
        "every publish fits a frame"
    );
}

#[test]
fn an_oversized_doc_edit_is_undone_and_the_next_edit_goes() {
    let mut c = joined_with("alice", SMALL);
    let heads = c.doc.get_heads();
    let r = c.edit(0, |tx| {
        let map = crate::doc_layout::state_map(tx, &ROOM).unwrap();
        tx.put(&map, "big", "z".repeat(30_000))?;
        Ok(())
    });
    too_large(r, SizeOf::Change);
    assert_eq!(c.doc.get_heads(), heads, "the document is as before");
    assert!(c.is_saved());
    c.set_state(0, ROOM, "small", json!(1), Reliability::Reliable)
        .unwrap();
    let sent = publishes(&mut c);
    // Another client takes the change: its actor's numbering has no gap.
    let mut bob = joined_with("bob", SMALL);
    let entries = sent[0]
        .1
        .iter()
        .map(|ch| LogEntry {
            seq: Seq(5),
            sender: pid("alice"),
            change: ch.clone(),
        })
        .collect();
    bob.handle(0, everything_from(&mut c, "alice"));
    bob.handle(0, RelayMessage::Changes { entries });
    assert_eq!(bob.get_state(&ROOM, "small"), Some(json!(1)));
    assert!(bob.doc.get_missing_deps(&[]).is_empty());
}

#[test]
fn unreliable_values_profiles_and_rpc_payloads_are_checked() {
    let mut c = joined_with("alice", SMALL);
    let u = Reliability::Unreliable;
    too_large(
        c.set_state(0, ROOM, "k", json!("v".repeat(3_000)), u),
        SizeOf::UnreliableValue,
    );
    too_large(
        c.set_state(0, ROOM, &"k".repeat(17), json!(1), u),
        SizeOf::UnreliableKey,
    );
    c.set_state(0, ROOM, "k", json!("ok"), u).unwrap();
    let big = Profile {
        name: "n".repeat(2_000),
        ..Profile::default()
    };
    too_large(c.write_profile(0, &big), SizeOf::Profile);
    let payload = Bytes::from(vec![b'1'; 5_000]);
    too_large(
        c.call(0, RpcTarget::Host, "f", payload.clone(), None),
        SizeOf::RpcPayload,
    );
    too_large(
        c.send_rpc(RpcTarget::All, "f", payload.clone()),
        SizeOf::RpcPayload,
    );
    frames(&mut c);
    // A handler's reply too large for the relay becomes an error reply.
    c.reply_rpc(CallId(3), pid("bob"), RpcOutcome::Ok(payload));
    let sent = frames(&mut c);
    assert!(
        matches!(
            &sent[..],
            [ClientMessage::RpcReply { outcome: RpcOutcome::Err(m), .. }] if m.contains("too large")
        ),
        "{sent:?}"
    );
}

#[test]
fn a_queued_change_the_relay_cannot_take_is_dropped_with_what_builds_on_it() {
    // Written offline, under the defaults; the relay turns out smaller.
    let mut c = core("alice", 1);
    c.set_state(0, ROOM, "before", json!(1), Reliability::Reliable)
        .unwrap();
    c.set_state(
        0,
        ROOM,
        "big",
        json!("x".repeat(40_000)),
        Reliability::Reliable,
    )
    .unwrap();
    c.set_state(0, ROOM, "after", json!(2), Reliability::Reliable)
        .unwrap();
    c.connected(0);
    c.handle(0, welcome_with(&["alice"], SMALL));
    let events = c.take_events();
    let errors: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Error(e) => e.code(),
            _ => None,
        })
        .collect();
    assert_eq!(errors, vec![ErrorCode::CHANGE_TOO_LARGE]);
    let gone: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::StateChanged {
                key, value: None, ..
            } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    assert!(gone.contains(&"big") && gone.contains(&"after"), "{gone:?}");
    assert_eq!(c.get_state(&ROOM, "big"), None);
    assert_eq!(c.get_state(&ROOM, "after"), None, "it built on the big one");
    assert_eq!(c.get_state(&ROOM, "before"), Some(json!(1)));
    let sent = publishes(&mut c);
    assert!(
        sent.iter()
            .flat_map(|(_, ch)| ch)
            .all(|ch| ch.len() <= 16 * 1024)
    );
    for (r, _) in sent {
        c.handle(0, ack(r, 3));
    }
    assert!(c.is_saved());
    c.set_state(0, ROOM, "later", json!(3), Reliability::Reliable)
        .unwrap();
    assert_eq!(publishes(&mut c).len(), 1, "the room goes on");
}

#[test]
fn a_snapshot_in_parts_is_taken_like_a_whole_one() {
    let bob = bob_after(50, "name", json!("bob's"));
    let snapshot = RelayMessage::Snapshot {
        upto: Seq(60),
        doc: Bytes::from(bob.doc.save()),
        view: None,
    };
    let parts = split_frame(Bytes::from(snapshot.encode()), 128);
    assert!(parts.len() > 2);
    let mut alice = core("alice", 1);
    join(&mut alice, &["bob", "alice"]);
    // A message between two parts is taken as usual.
    let mut frames: Vec<Vec<u8>> = parts.iter().map(|p| p.to_vec()).collect();
    frames.insert(
        1,
        RelayMessage::Pong {
            client_time: 0,
            server_time: 1,
        }
        .encode(),
    );
    for f in &frames {
        alice.handle_frames(0, std::slice::from_ref(f));
    }
    alice.handle(0, RelayMessage::Synced { head: Seq(60) });
    assert_eq!(alice.get_state(&ROOM, "name"), Some(json!("bob's")));
    assert_eq!(alice.get_state(&ROOM, "score"), Some(json!(49)));
}
