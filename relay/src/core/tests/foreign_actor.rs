//! A session actor names its player (see `coinop_protocol::actor`): once
//! that player has published under it, nobody else may continue it — in
//! memory, after a reload from the log and after a compaction folded it.
#![allow(clippy::unwrap_used)]

use super::*;
use automerge::ActorId;
use coinop_protocol::actor::session_actor;

/// A copy of `doc` that writes under the same actor: a forger's.
fn same_actor(doc: &mut Doc) -> Doc {
    let actor = doc.0.get_actor().clone();
    Doc(doc.0.fork().with_actor(actor))
}

fn persisted_entries(fx: Vec<Effect>) -> Vec<LogEntry> {
    fx.into_iter()
        .filter_map(|e| match e {
            Effect::Persist { entries } => Some(entries),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Mallory (conn 2) continues alice's actor with other content; alice's
/// own next change must still be taken.
fn assert_forgery_refused(room: &mut RoomState, alice: &mut Doc, next_ref: u64) {
    let mut forger = same_actor(alice);
    let forged = forger.change("k", 666);
    let fx = room.handle(msg(2, publish(next_ref, vec![forged])), T0);
    assert_eq!(
        refusal(&fx, 2, next_ref),
        Some(ErrorCode::FOREIGN_ACTOR),
        "{fx:?}"
    );
    let real = alice.change("k", 7);
    let fx = room.handle(msg(1, publish(next_ref, vec![real])), T0);
    assert_eq!(refusal(&fx, 1, next_ref), None, "{fx:?}");
}

#[test]
fn nobody_continues_an_actor_its_player_published_under() {
    let mut room = room_with(&["alice", "mallory"]);
    let mut alice = session_doc("alice", 1);
    // Not yet durable: the claim holds from the publish on.
    room.handle(msg(1, publish(1, vec![alice.change("k", 1)])), T0);
    assert_forgery_refused(&mut room, &mut alice, 2);
    room.handle(Input::Persisted { upto: Seq(1) }, T0);
    room.handle(Input::Persisted { upto: Seq(2) }, T0);
    assert_forgery_refused(&mut room, &mut alice, 3);
}

#[test]
fn a_fork_of_the_forgers_own_actor_is_not_mistaken_for_a_foreign_one() {
    // Mallory continuing mallory's actor, and relaying alice's held change,
    // are both fine.
    let mut room = room_with(&["alice", "mallory"]);
    let mut alice = session_doc("alice", 1);
    let a1 = alice.change("a", 1);
    room.handle(msg(1, publish(1, vec![a1.clone()])), T0);
    let mut mallory = session_doc("mallory", 2);
    let fx = room.handle(msg(2, publish(1, vec![a1, mallory.change("m", 1)])), T0);
    assert_eq!(refusal(&fx, 2, 1), None, "{fx:?}");
    let fx = room.handle(msg(2, publish(2, vec![mallory.change("m", 2)])), T0);
    assert_eq!(refusal(&fx, 2, 2), None, "{fx:?}");
}

#[test]
fn an_actor_nobody_owns_here_may_be_restored_by_anyone() {
    // The relay lost the room: bob re-uploads what he holds of alice's
    // actor, carol what she holds after it, and alice then continues it.
    let mut room = room_with(&["bob", "carol", "alice"]);
    let mut alice = session_doc("alice", 1);
    let a: Vec<Bytes> = (0..4).map(|i| alice.change("k", i)).collect();
    let fx = room.handle(msg(1, publish(1, a[..2].to_vec())), T0);
    assert_eq!(refusal(&fx, 1, 1), None, "{fx:?}");
    let fx = room.handle(msg(2, publish(1, a[..4].to_vec())), T0);
    assert_eq!(refusal(&fx, 2, 1), None, "{fx:?}");
    let fx = room.handle(msg(3, publish(1, vec![alice.change("k", 9)])), T0);
    assert_eq!(refusal(&fx, 3, 1), None, "{fx:?}");
    // From now on the actor is alice's.
    let forged = same_actor(&mut alice).change("k", 666);
    let fx = room.handle(msg(2, publish(2, vec![forged])), T0);
    assert_eq!(refusal(&fx, 2, 2), Some(ErrorCode::FOREIGN_ACTOR));
}

/// Alice joins a reloaded room on conn 1, mallory on conn 2.
fn seat_alice_and_mallory(room: &mut RoomState) {
    for (conn, player) in [(1, "alice"), (2, "mallory")] {
        seat(room, conn, player);
    }
}

#[test]
fn ownership_survives_a_reload_from_the_log_and_a_compaction() {
    let mut room = room_with(&["alice"]);
    let mut alice = session_doc("alice", 1);
    let fx = room.handle(msg(1, publish(1, vec![alice.change("k", 1)])), T0);
    let tail = persisted_entries(fx);

    // Reloaded from the log: the entry's sender says who owns the actor.
    let mut reloaded =
        RoomState::load(meta(8, 0), RoomLimits::default(), None, tail.clone()).unwrap();
    seat_alice_and_mallory(&mut reloaded);
    assert_forgery_refused(&mut reloaded, &mut same_actor(&mut alice), 2);

    // Folded into a snapshot: its clock says who owns the actor.
    let snapshot = fold(None, &tail).unwrap();
    let clock = snapshot.clock.clone().unwrap();
    let decoded = ActorClock::decode(&clock.encode()).unwrap();
    let actor = session_actor(&pid("alice"), [1; 16]);
    assert!(decoded.is_owned(&actor));
    let mut from_snapshot =
        RoomState::load(meta(8, 0), RoomLimits::default(), Some(snapshot), vec![]).unwrap();
    seat_alice_and_mallory(&mut from_snapshot);
    assert_forgery_refused(&mut from_snapshot, &mut alice, 3);
}

/// A change putting `key` = `v` at the root, under its content-addressed
/// actor (as the SDK writes its deterministic changes); and a forgery:
/// other content under that same actor.
fn content_addressed_and_forged(key: &str, v: i64) -> (Bytes, Bytes) {
    use coinop_protocol::actor::{content_actor, content_address};
    let mut probe = Doc(automerge::AutoCommit::new().with_actor(ActorId::from(b"probe".to_vec())));
    let address = content_address(&probe.change(key, v)).unwrap();
    let actor = ActorId::from(content_actor(address));
    let real = Doc(automerge::AutoCommit::new().with_actor(actor.clone())).change(key, v);
    let forged = Doc(automerge::AutoCommit::new().with_actor(actor)).change(key, v + 1);
    (real, forged)
}

#[test]
fn a_content_addressed_actor_carries_only_the_change_it_names() {
    let mut room = room_with(&["alice", "mallory"]);
    let (real, forged) = content_addressed_and_forged("k", 1);
    let fx = room.handle(msg(2, publish(1, vec![forged])), T0);
    assert_eq!(
        refusal(&fx, 2, 1),
        Some(ErrorCode::INVALID_CHANGE),
        "{fx:?}"
    );
    for (conn, client_ref) in [(1, 1), (2, 2)] {
        let fx = room.handle(msg(conn, publish(client_ref, vec![real.clone()])), T0);
        assert_eq!(refusal(&fx, conn, client_ref), None, "{fx:?}");
    }
}
