//! One (actor, seq) names one change: a publish that reuses an actor's seq
//! with other content (another player's actor id, or a broken client) is
//! refused, so replicas never hold two changes automerge would reject.
#![allow(clippy::unwrap_used)]

use super::*;
use automerge::ActorId;

/// A document writing under `actor`.
fn doc_as(actor: &[u8]) -> Doc {
    Doc(automerge::AutoCommit::new().with_actor(ActorId::from(actor.to_vec())))
}

fn refused(fx: &[Effect], conn: u64, client_ref: u64) -> bool {
    sent_to(fx, conn).iter().any(|m| {
        matches!(m, RelayMessage::Error { code, client_ref: Some(r), fatal: false, .. }
            if *code == ErrorCode::INVALID_CHANGE && *r == client_ref)
    })
}

fn persisted(fx: &[Effect]) -> bool {
    fx.iter().any(|e| matches!(e, Effect::Persist { .. }))
}

#[test]
fn another_players_actor_and_seq_are_refused_durable_or_not() {
    let mut room = room_with(&["alice", "mallory"]);
    let mut alice = doc_as(b"alice-actor-0001");
    let mut forger = doc_as(b"alice-actor-0001");
    let real = alice.change("k", 1);
    let forged = forger.change("k", 666);
    assert_ne!(real, forged);

    // Uncommitted: alice's seq 1 is on its way to storage.
    let fx = room.handle(msg(1, publish(1, vec![real.clone()])), T0);
    assert!(persisted(&fx));
    let fx = room.handle(msg(2, publish(1, vec![forged.clone()])), T0);
    assert!(refused(&fx, 2, 1), "{fx:?}");
    assert!(!persisted(&fx));

    // Durable: still refused, and alice's next change goes through.
    room.handle(Input::Persisted { upto: Seq(1) }, T0);
    let fx = room.handle(msg(2, publish(2, vec![forged])), T0);
    assert!(refused(&fx, 2, 2), "{fx:?}");
    let fx = room.handle(msg(1, publish(2, vec![alice.change("k", 2)])), T0);
    assert!(persisted(&fx) && !refused(&fx, 1, 2));
    room.handle(Input::Persisted { upto: Seq(2) }, T0);
    // A republish of alice's own change is a duplicate, acked, not refused.
    let fx = room.handle(msg(2, publish(3, vec![real])), T0);
    assert!(!refused(&fx, 2, 3));
    assert!(
        sent_to(&fx, 2)
            .iter()
            .any(|m| matches!(m, RelayMessage::Ack { client_ref: 3, .. }))
    );
}

#[test]
fn one_publish_cannot_carry_two_changes_with_one_actor_seq() {
    let mut room = room_with(&["mallory"]);
    let a = doc_as(b"twin-actor-00001").change("k", 1);
    let b = doc_as(b"twin-actor-00001").change("k", 2);
    let fx = room.handle(msg(1, publish(1, vec![a, b])), T0);
    assert!(refused(&fx, 1, 1), "{fx:?}");
    assert!(!persisted(&fx));
}

#[test]
fn after_a_failed_write_the_same_change_is_accepted_again() {
    let mut room = room_with(&["alice"]);
    let change = doc_as(b"alice-actor-0001").change("k", 1);
    room.handle(msg(1, publish(1, vec![change.clone()])), T0);
    room.handle(Input::PersistFailed, T0);
    let fx = room.handle(msg(1, publish(2, vec![change])), T0);
    assert!(persisted(&fx) && !refused(&fx, 1, 2), "{fx:?}");
}

#[test]
fn a_reloaded_room_still_knows_its_actors_seqs() {
    let mut room = room_with(&["alice"]);
    let mut alice = doc_as(b"alice-actor-0001");
    let fx = room.handle(msg(1, publish(1, vec![alice.change("k", 1)])), T0);
    let tail: Vec<LogEntry> = fx
        .into_iter()
        .filter_map(|e| match e {
            Effect::Persist { entries } => Some(entries),
            _ => None,
        })
        .flatten()
        .collect();
    let mut reloaded = RoomState::load(meta(8, 0), RoomLimits::default(), None, tail).unwrap();
    reloaded.handle(
        Input::Join {
            conn: ConnId(7),
            join: join("mallory", None),
        },
        T0,
    );
    let forged = doc_as(b"alice-actor-0001").change("k", 666);
    let fx = reloaded.handle(msg(7, publish(1, vec![forged])), T0);
    assert!(refused(&fx, 7, 1), "{fx:?}");
}
