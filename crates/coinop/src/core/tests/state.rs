//! Reading and writing state, counters, the shared layout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn serde_values_round_trip() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Pos {
        x: i32,
        y: f64,
        tags: Vec<String>,
        hp: Option<u8>,
    }
    let mut c = core("alice", 1);
    let pos = Pos {
        x: -3,
        y: 2.5,
        tags: vec!["a".into()],
        hp: None,
    };
    for (key, v) in [
        ("pos", serde_json::to_value(&pos).unwrap()),
        ("n", json!(42)),
        ("s", json!("hi")),
        ("arr", json!([1, [2], {"a": null}])),
        ("nil", json!(null)),
    ] {
        c.set_state(0, ROOM, key, v.clone(), Reliability::Reliable)
            .unwrap();
        c.commit_writes(0);
        assert_eq!(c.get_state(&ROOM, key), Some(v));
    }
    let back: Pos = serde_json::from_value(c.get_state(&ROOM, "pos").unwrap()).unwrap();
    assert_eq!(back, pos);
    assert_eq!(c.get_state(&ROOM, "round"), Some(json!(1)), "default");
    assert_eq!(c.get_state(&ROOM, "missing"), None);
    assert!(c.keys(&ROOM).contains(&"round".to_string()));
}

#[test]
fn concurrent_first_writes_on_fresh_docs_both_survive() {
    let mut a = core("alice", 1);
    let mut b = core("bob", 2);
    a.set_state(0, ROOM, "a", json!(1), Reliability::Reliable)
        .unwrap();
    a.commit_writes(0);
    b.set_state(0, ROOM, "b", json!(2), Reliability::Reliable)
        .unwrap();
    b.commit_writes(0);
    let p = StateTarget::Player(pid("carol"));
    a.set_state(0, p.clone(), "x", json!("from a"), Reliability::Reliable)
        .unwrap();
    a.commit_writes(0);
    b.set_state(0, p.clone(), "y", json!("from b"), Reliability::Reliable)
        .unwrap();
    b.commit_writes(0);
    deliver(&mut a, &mut b, "alice");
    deliver(&mut b, &mut a, "bob");
    for c in [&a, &b] {
        assert_eq!(c.get_state(&ROOM, "a"), Some(json!(1)));
        assert_eq!(c.get_state(&ROOM, "b"), Some(json!(2)));
        assert_eq!(c.get_state(&p, "x"), Some(json!("from a")));
        assert_eq!(c.get_state(&p, "y"), Some(json!("from b")));
    }
    assert_eq!(a.doc.get_heads().len(), b.doc.get_heads().len());
}

#[test]
fn counters_merge_across_two_docs() {
    let mut a = core("alice", 1);
    let mut b = core("bob", 2);
    assert_eq!(a.increment(0, ROOM, "score", 1).unwrap(), 1);
    deliver(&mut a, &mut b, "alice");
    assert_eq!(b.get_state(&ROOM, "score"), Some(json!(1)));
    a.increment(0, ROOM, "score", 2).unwrap();
    b.increment(0, ROOM, "score", 3).unwrap();
    deliver(&mut a, &mut b, "alice");
    deliver(&mut b, &mut a, "bob");
    assert_eq!(a.get_state(&ROOM, "score"), Some(json!(6)));
    assert_eq!(b.get_state(&ROOM, "score"), Some(json!(6)));
}

#[test]
fn reset_restores_defaults_and_removes_the_rest() {
    let mut c = core("alice", 1);
    c.set_state(0, ROOM, "round", json!(5), Reliability::Reliable)
        .unwrap();
    c.commit_writes(0);
    c.set_state(0, ROOM, "x", json!("gone soon"), Reliability::Reliable)
        .unwrap();
    c.commit_writes(0);
    c.reset_states(0, ROOM, &[]).unwrap();
    assert_eq!(c.get_state(&ROOM, "round"), Some(json!(1)));
    assert_eq!(c.get_state(&ROOM, "x"), None);
    assert_eq!(c.keys(&ROOM), vec!["round".to_string()]);
    let state = crate::doc_layout::state_map(&c.doc, &ROOM).unwrap();
    assert_eq!(
        crate::doc_value::get_json(&c.doc, &state, "round"),
        Some(json!(1)),
        "the default is written into the document"
    );
}

#[test]
fn reset_keeps_the_excluded_keys() {
    let mut c = core("alice", 1);
    c.set_state(0, ROOM, "round", json!(5), Reliability::Reliable)
        .unwrap();
    c.commit_writes(0);
    c.set_state(0, ROOM, "winner", json!("ada"), Reliability::Reliable)
        .unwrap();
    c.commit_writes(0);
    c.set_state(0, ROOM, "x", json!(1), Reliability::Reliable)
        .unwrap();
    c.commit_writes(0);
    c.reset_states(0, ROOM, &["winner".to_string(), "round".to_string()])
        .unwrap();
    assert_eq!(
        c.get_state(&ROOM, "round"),
        Some(json!(5)),
        "kept, not reset to its default"
    );
    assert_eq!(c.get_state(&ROOM, "winner"), Some(json!("ada")));
    assert_eq!(c.get_state(&ROOM, "x"), None);
}

#[test]
fn concurrent_first_increments_of_a_new_counter_add_up() {
    let mut a = core("alice", 1);
    let mut b = core("bob", 2);
    a.increment(0, ROOM, "votes", 1).unwrap();
    b.increment(0, ROOM, "votes", 2).unwrap();
    let p = StateTarget::Player(PlayerId::new("carol").unwrap());
    a.increment(0, p.clone(), "hits", 3).unwrap();
    b.increment(0, p.clone(), "hits", 4).unwrap();
    deliver(&mut a, &mut b, "alice");
    deliver(&mut b, &mut a, "bob");
    for c in [&a, &b] {
        assert_eq!(c.get_state(&ROOM, "votes"), Some(json!(3)));
        assert_eq!(c.get_state(&p, "hits"), Some(json!(7)));
    }
}
