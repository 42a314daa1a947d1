//! The unreliable channel: shadows, pacing, retraction.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn unreliable_shadow_rule() {
    let mut a = core("alice", 1);
    join(&mut a, &["alice", "bob"]);
    a.set_state(0, ROOM, "pos", json!(1), Reliability::Reliable)
        .unwrap();
    a.commit_writes(0);
    let shadow = |v: i64| {
        RelayMessage::Unreliable(UnreliableValue {
            sender: pid("bob"),
            target: StateTarget::Room,
            key: "pos".into(),
            value: Bytes::from(serde_json::to_vec(&json!(v)).unwrap()),
        })
    };
    a.handle(0, shadow(2));
    assert_eq!(a.get_state(&ROOM, "pos"), Some(json!(2)), "shadow wins");
    // A remote reliable write (made after seeing ours) clears the shadow.
    let mut b = core("bob", 2);
    deliver(&mut a, &mut b, "alice");
    b.set_state(0, ROOM, "pos", json!(3), Reliability::Reliable)
        .unwrap();
    b.commit_writes(0);
    deliver(&mut b, &mut a, "bob");
    assert_eq!(a.get_state(&ROOM, "pos"), Some(json!(3)));
    // The writer leaving clears it too.
    a.handle(0, shadow(4));
    assert_eq!(a.get_state(&ROOM, "pos"), Some(json!(4)));
    a.handle(0, RelayMessage::PlayerLeft { player: pid("bob") });
    assert_eq!(a.get_state(&ROOM, "pos"), Some(json!(3)));
    // A local reliable write clears a local unreliable one.
    a.set_state(0, ROOM, "pos", json!(5), Reliability::Unreliable)
        .unwrap();
    assert!(
        frames(&mut a)
            .iter()
            .any(|m| matches!(m, ClientMessage::Unreliable { .. }))
    );
    assert_eq!(a.get_state(&ROOM, "pos"), Some(json!(5)));
    a.set_state(0, ROOM, "pos", json!(3), Reliability::Reliable)
        .unwrap();
    a.commit_writes(0);
    assert_eq!(a.get_state(&ROOM, "pos"), Some(json!(3)));
}

#[test]
fn unreliable_frames_coalesce_and_drop_offline() {
    let mut a = core("alice", 1);
    a.set_state(0, ROOM, "cur", json!(1), Reliability::Unreliable)
        .unwrap();
    join(&mut a, &["alice"]);
    let f = frames(&mut a);
    assert!(
        !f.iter()
            .any(|m| matches!(m, ClientMessage::Unreliable { .. })),
        "dropped offline"
    );
    let sent = |a: &mut RoomCore| -> Vec<Bytes> {
        frames(a)
            .into_iter()
            .filter_map(|m| match m {
                ClientMessage::Unreliable { value, .. } => Some(value),
                _ => None,
            })
            .collect()
    };
    // A burst goes out at once...
    for i in 0..60 {
        a.set_state(
            1_000,
            ROOM,
            &format!("k{i}"),
            json!(i),
            Reliability::Unreliable,
        )
        .unwrap();
    }
    assert_eq!(sent(&mut a).len(), 60);
    // ...then values are paced, and a key written again while it waits
    // keeps its place with the newest value.
    for i in 0..5 {
        a.set_state(1_000, ROOM, "cur", json!(i), Reliability::Unreliable)
            .unwrap();
        a.set_state(1_000, ROOM, "other", json!(i), Reliability::Unreliable)
            .unwrap();
    }
    assert!(sent(&mut a).is_empty(), "out of tokens");
    let at = a.next_wakeup().expect("a wakeup for the queued values");
    assert!(at > 1_000 && at <= 1_017, "next slot at {at}");
    a.tick(at);
    assert_eq!(
        sent(&mut a),
        vec![Bytes::from_static(b"4")],
        "latest value wins"
    );
    a.tick(at + 17);
    assert_eq!(sent(&mut a), vec![Bytes::from_static(b"4")]);
    a.tick(at + 10_000);
    assert!(sent(&mut a).is_empty(), "each value once");
}

fn unreliable_values(c: &mut RoomCore) -> Vec<(String, Bytes)> {
    frames(c)
        .into_iter()
        .filter_map(|m| match m {
            ClientMessage::Unreliable { key, value, .. } => Some((key, value)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_reliable_write_retracts_our_unreliable_value() {
    let mut a = core("alice", 1);
    join(&mut a, &["alice", "bob"]);
    frames(&mut a);
    a.set_state(0, ROOM, "pos", json!(1), Reliability::Unreliable)
        .unwrap();
    assert_eq!(
        unreliable_values(&mut a),
        vec![("pos".into(), Bytes::from_static(b"1"))]
    );
    a.set_state(0, ROOM, "pos", json!(2), Reliability::Reliable)
        .unwrap();
    a.commit_writes(0);
    assert_eq!(
        unreliable_values(&mut a),
        vec![("pos".into(), Bytes::new())],
        "a tombstone"
    );
    a.set_state(0, ROOM, "pos", json!(3), Reliability::Reliable)
        .unwrap();
    a.commit_writes(0);
    assert!(unreliable_values(&mut a).is_empty(), "retracted once");

    // Receiving: a tombstone clears its sender's value only.
    let value = |sender: &str, v: &'static [u8]| {
        RelayMessage::Unreliable(UnreliableValue {
            sender: pid(sender),
            target: StateTarget::Room,
            key: "cur".into(),
            value: Bytes::from_static(v),
        })
    };
    a.handle(0, value("bob", b"7"));
    a.handle(0, value("carol", b""));
    assert_eq!(a.get_state(&ROOM, "cur"), Some(json!(7)));
    a.handle(0, value("bob", b""));
    assert_eq!(a.get_state(&ROOM, "cur"), None);
}

#[test]
fn a_welcome_with_our_stale_value_retracts_it() {
    let mut a = core("alice", 1);
    a.connected(0);
    let mut w = welcome(&["alice"], false);
    if let RelayMessage::Welcome(w) = &mut w {
        w.unreliable.push(UnreliableValue {
            sender: pid("alice"),
            target: StateTarget::Room,
            key: "old".into(),
            value: Bytes::from_static(b"1"),
        });
    }
    a.handle(0, w);
    assert_eq!(a.get_state(&ROOM, "old"), None, "not shown");
    assert_eq!(
        unreliable_values(&mut a),
        vec![("old".into(), Bytes::new())]
    );
}
