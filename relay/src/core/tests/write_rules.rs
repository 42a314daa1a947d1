//! The write rules: layout kept, profiles by their player, player state by
//! its player or the host, room state as the room's rules say; in memory
//! and after a reload from a snapshot and a log.
#![allow(clippy::unwrap_used)]

use super::*;
use automerge::{ObjType, ROOT, ScalarValue};
use coinop_harness::RoomDoc;
use coinop_layout::player_skeleton;

/// Seats alice (conn 1, the host), bob (2) and mallory (3).
fn seat_everyone(room: &mut RoomState) {
    for (i, p) in ["alice", "bob", "mallory"].iter().enumerate() {
        let conn = ConnId(i as u64 + 1);
        room.handle(
            Input::Join {
                conn,
                join: join(p, None),
            },
            T0,
        );
    }
}

/// Alice (conn 1, host), bob (2) and mallory (3) in a room with `rules`,
/// which holds the skeleton and each one's player skeleton.
fn room(rules: RoomRules) -> RoomState {
    let mut m = meta(8, 5_000);
    m.rules = rules;
    let mut room = RoomState::new(m, RoomLimits::default());
    seat_everyone(&mut room);
    let layout = RoomDoc::layout(&["alice", "bob", "mallory"]);
    // Anyone may publish the deterministic layout changes: mallory does.
    let fx = room.handle(msg(3, publish(90, layout)), T0);
    assert_eq!(refusal(&fx, 3, 90), None, "{fx:?}");
    room
}

fn doc_of(player: &str, n: u8) -> RoomDoc {
    RoomDoc::new(player, n, &["alice", "bob", "mallory"])
}

/// The code refusing `change` published on `conn`, if it is refused.
fn try_publish(room: &mut RoomState, conn: u64, change: Bytes) -> Option<ErrorCode> {
    let fx = room.handle(msg(conn, publish(7, vec![change])), T0);
    refusal(&fx, conn, 7)
}

const ALICE: u64 = 1;
const BOB: u64 = 2;
const MALLORY: u64 = 3;

#[test]
fn players_write_their_own_maps_and_the_room_state() {
    let mut room = room(RoomRules::default());
    let mut bob = doc_of("bob", 2);
    let own = bob.put(&["players", "bob", "state"], "x", 1);
    assert_eq!(try_publish(&mut room, BOB, own), None);
    let profile = bob.put(&["players", "bob", "profile"], "name", 1);
    assert_eq!(try_publish(&mut room, BOB, profile), None);
    let shared = bob.put(&["state"], "round", 1);
    assert_eq!(try_publish(&mut room, BOB, shared), None);
}

#[test]
fn a_non_host_writes_no_other_players_state_or_profile() {
    let mut room = room(RoomRules::default());
    let mut mallory = doc_of("mallory", 3);
    let state = mallory.put(&["players", "bob", "state"], "score", 999);
    assert_eq!(
        try_publish(&mut room, MALLORY, state),
        Some(ErrorCode::WRITE_FORBIDDEN)
    );
    let mut mallory = doc_of("mallory", 4);
    let profile = mallory.put(&["players", "bob", "profile"], "name", 1);
    assert_eq!(
        try_publish(&mut room, MALLORY, profile),
        Some(ErrorCode::WRITE_FORBIDDEN)
    );
    // Under bob's own tag, on an actor bob never used: still mallory's.
    let mut forged = doc_of("bob", 66);
    let state = forged.put(&["players", "bob", "profile"], "name", 1);
    assert_eq!(
        try_publish(&mut room, MALLORY, state),
        Some(ErrorCode::WRITE_FORBIDDEN)
    );
}

#[test]
fn the_host_writes_everyones_state_but_not_their_profile() {
    let mut room = room(RoomRules::default());
    let mut alice = doc_of("alice", 1);
    let score = alice.put(&["players", "bob", "state"], "score", 10);
    assert_eq!(try_publish(&mut room, ALICE, score), None);
    let mut alice = doc_of("alice", 5);
    let profile = alice.put(&["players", "bob", "profile"], "name", 1);
    assert_eq!(
        try_publish(&mut room, ALICE, profile),
        Some(ErrorCode::WRITE_FORBIDDEN)
    );
}

/// One way to break the layout, as a change on mallory's document.
type Attack = Box<dyn Fn(&mut RoomDoc) -> Bytes>;

#[test]
fn nobody_replaces_or_deletes_the_layout() {
    let mut room = room(RoomRules::default());
    let attacks: Vec<Attack> = vec![
        Box::new(|d| d.write(|d| d.put(ROOT, "state", "broken").unwrap())),
        Box::new(|d| d.write(|d| d.delete(ROOT, "players").unwrap())),
        Box::new(|d| {
            d.write(|d| {
                d.put_object(ROOT, "state", ObjType::Map).unwrap();
            })
        }),
        Box::new(|d| {
            let players = d.map(&["players"]);
            d.write(|d| d.delete(&players, "bob").unwrap())
        }),
        Box::new(|d| {
            let bob = d.map(&["players", "bob"]);
            d.write(|d| d.put(&bob, "state", 1).unwrap())
        }),
        Box::new(|d| {
            let mallory = d.map(&["players", "mallory"]);
            d.write(|d| d.delete(&mallory, "profile").unwrap())
        }),
        // A map for a new player that is not that player's skeleton.
        Box::new(|d| {
            let players = d.map(&["players"]);
            d.write(|d| {
                d.put_object(&players, "eve", ObjType::Map).unwrap();
            })
        }),
    ];
    for (i, attack) in attacks.iter().enumerate() {
        let mut mallory = doc_of("mallory", 10 + i as u8);
        let change = attack(&mut mallory);
        for conn in [MALLORY, ALICE] {
            assert_eq!(
                try_publish(&mut room, conn, change.clone()),
                Some(ErrorCode::LAYOUT_PROTECTED),
                "attack {i} by conn {conn}"
            );
        }
    }
    // A new player's real skeleton is fine, from anyone.
    let eve = Bytes::copy_from_slice(player_skeleton(&pid("eve")).unwrap().raw_bytes());
    assert_eq!(try_publish(&mut room, MALLORY, eve), None);
}

#[test]
fn objects_inside_a_players_state_are_that_players() {
    let mut room = room(RoomRules::default());
    let mut bob = doc_of("bob", 2);
    let state = bob.map(&["players", "bob", "state"]);
    let made = bob.write(|d| {
        let inv = d.put_object(&state, "inventory", ObjType::Map).unwrap();
        d.put(&inv, "gold", 5).unwrap();
    });
    assert_eq!(try_publish(&mut room, BOB, made.clone()), None);
    let mut mallory = doc_of("mallory", 3);
    mallory.apply(std::slice::from_ref(&made));
    let steal = mallory.put(&["players", "bob", "state", "inventory"], "gold", 0);
    assert_eq!(
        try_publish(&mut room, MALLORY, steal),
        Some(ErrorCode::WRITE_FORBIDDEN)
    );
}

#[test]
fn stricter_rules_refuse_the_host_and_host_only_keys() {
    let rules = RoomRules::default()
        .with_player_state(PlayerStateWriters::OwnerOnly)
        .with_host_only_keys(["round"]);
    let mut room = room(rules);
    let mut alice = doc_of("alice", 1);
    let score = alice.put(&["players", "bob", "state"], "score", 10);
    assert_eq!(
        try_publish(&mut room, ALICE, score),
        Some(ErrorCode::WRITE_FORBIDDEN)
    );
    let mut mallory = doc_of("mallory", 3);
    let round = mallory.put(&["state"], "round", 9);
    assert_eq!(
        try_publish(&mut room, MALLORY, round),
        Some(ErrorCode::WRITE_FORBIDDEN)
    );
    let mut mallory = doc_of("mallory", 4);
    let chat = mallory.put(&["state"], "chat", 1);
    assert_eq!(try_publish(&mut room, MALLORY, chat), None);
    let mut alice = doc_of("alice", 6);
    let round = alice.put(&["state"], "round", 2);
    assert_eq!(try_publish(&mut room, ALICE, round), None);

    let mut room = self::room(RoomRules::default().with_room_state_host_only(true));
    let mut bob = doc_of("bob", 2);
    let any = bob.put(&["state"], "anything", 1);
    assert_eq!(
        try_publish(&mut room, BOB, any),
        Some(ErrorCode::WRITE_FORBIDDEN)
    );
}

#[test]
fn looser_rules_let_anyone_write_any_players_state() {
    let mut room = room(RoomRules::default().with_player_state(PlayerStateWriters::Anyone));
    let mut mallory = doc_of("mallory", 3);
    let state = mallory.put(&["players", "bob", "state"], "score", 1);
    assert_eq!(try_publish(&mut room, MALLORY, state), None);
    let mut mallory = doc_of("mallory", 4);
    let profile = mallory.put(&["players", "bob", "profile"], "name", 1);
    assert_eq!(
        try_publish(&mut room, MALLORY, profile),
        Some(ErrorCode::WRITE_FORBIDDEN),
        "profiles stay their player's"
    );
}

#[test]
fn a_refused_publish_stores_nothing_and_the_connection_stays() {
    let mut room = room(RoomRules::default());
    let head = room.head();
    let mut mallory = doc_of("mallory", 3);
    let fine = mallory.put(&["state"], "ok", 1);
    let bad = mallory.put(&["players", "bob", "state"], "score", 1);
    let fx = room.handle(msg(MALLORY, publish(8, vec![fine, bad])), T0);
    assert_eq!(refusal(&fx, MALLORY, 8), Some(ErrorCode::WRITE_FORBIDDEN));
    assert!(closes(&fx).is_empty(), "{fx:?}");
    assert_eq!(persist_upto(&fx), None);
    assert_eq!(room.head(), head);
}

#[test]
fn the_rules_hold_after_a_reload_from_a_snapshot_and_a_log() {
    let mut live = room(RoomRules::default());
    let mut bob = doc_of("bob", 2);
    let state = bob.map(&["players", "bob", "state"]);
    let made = bob.write(|d| {
        let inv = d.put_object(&state, "inventory", ObjType::List).unwrap();
        d.insert(&inv, 0, ScalarValue::Int(1)).unwrap();
    });
    assert_eq!(try_publish(&mut live, BOB, made.clone()), None);
    let later = bob.put(&["state"], "x", 1);
    assert_eq!(try_publish(&mut live, BOB, later), None);
    // Everything the room stored, as storage would hand it back.
    let mut entries = Vec::new();
    let mut seq = 0;
    let mut all = doc_of("alice", 1);
    all.apply(std::slice::from_ref(&made));
    for change in all.0.get_changes(&[]) {
        seq += 1;
        entries.push(LogEntry {
            seq: Seq(seq),
            sender: pid("bob"),
            change: Bytes::copy_from_slice(change.raw_bytes()),
        });
    }
    let snapshot = fold(None, &entries[..entries.len() - 1]).unwrap();
    let tail = entries[entries.len() - 1..].to_vec();
    for (snap, tail) in [(Some(snapshot), tail), (None, entries.clone())] {
        let mut reloaded =
            RoomState::load(meta(8, 5_000), RoomLimits::default(), snap, tail).unwrap();
        seat_everyone(&mut reloaded);
        let mut mallory = doc_of("mallory", 9);
        mallory.apply(std::slice::from_ref(&made));
        let inv = mallory.map(&["players", "bob", "state", "inventory"]);
        let steal = mallory.write(|d| d.delete(&inv, 0).unwrap());
        assert_eq!(
            try_publish(&mut reloaded, MALLORY, steal),
            Some(ErrorCode::WRITE_FORBIDDEN)
        );
        assert_eq!(
            try_publish(
                &mut reloaded,
                MALLORY,
                doc_of("mallory", 8).write(|d| d.delete(ROOT, "state").unwrap())
            ),
            Some(ErrorCode::LAYOUT_PROTECTED)
        );
    }
}
