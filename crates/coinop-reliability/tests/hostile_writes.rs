//! Hostile writes against the real relay binary: a player forging changes
//! by hand (a raw client, not the SDK) to break the document's layout or
//! write other players' state and profiles. Each is refused with its code,
//! the connection stays, nothing is stored, and the room keeps working;
//! the honest paths (the host writing everyone's score, looser and
//! stricter room rules) go as the room's rules say, also after a restart.
#![allow(clippy::unwrap_used)]

mod support;

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use coinop_harness::{Client, Event, RelayProcess, RoomDoc, doc_from, join_msg};
use coinop_protocol::{Bytes, ErrorCode, PlayerStateWriters, RelayMessage, RoomRules};
use coinop_reliability::serial;

const PLAYERS: [&str; 3] = ["alice", "bob", "mallory"];

/// Alice (the host), bob and mallory seated in `room`, created with
/// `rules`; alice published the layout.
struct Room {
    alice: Client,
    bob: Client,
    mallory: Client,
    next_ref: u64,
}

impl Room {
    async fn open(relay: &RelayProcess, room: &str, rules: Option<RoomRules>) -> Room {
        let url = relay.ws_url();
        let (mut alice, _) = Client::join(&url, join_msg(room, "alice").with_rules(rules)).await;
        let (bob, _) = Client::join_seen_by(&url, join_msg(room, "bob"), &mut alice).await;
        let (mallory, _) = Client::join_seen_by(&url, join_msg(room, "mallory"), &mut alice).await;
        let mut room = Room {
            alice,
            bob,
            mallory,
            next_ref: 0,
        };
        let layout = RoomDoc::layout(&PLAYERS);
        assert_eq!(room.publish(Who::Alice, layout).await, Ok(()));
        room
    }

    async fn publish(&mut self, who: Who, changes: Vec<Bytes>) -> Result<(), ErrorCode> {
        self.next_ref += 1;
        let client = match who {
            Who::Alice => &mut self.alice,
            Who::Bob => &mut self.bob,
            Who::Mallory => &mut self.mallory,
        };
        client.try_publish(self.next_ref, changes).await.map(drop)
    }
}

#[derive(Clone, Copy, Debug)]
enum Who {
    Alice,
    Bob,
    Mallory,
}

fn doc(player: &str, session: u8) -> RoomDoc {
    RoomDoc::new(player, session, &PLAYERS)
}

/// A late joiner's view of `room`: its document, as the relay serves it.
async fn fresh_view(relay: &RelayProcess, room: &str) -> automerge::AutoCommit {
    let (_, joined) = Client::join(&relay.ws_url(), join_msg(room, "viewer")).await;
    doc_from(&joined)
}

fn value(doc: &automerge::AutoCommit, path: &[&str]) -> Option<String> {
    let mut obj = ROOT;
    for (i, key) in path.iter().enumerate() {
        let (v, id) = doc.get(&obj, *key).unwrap()?;
        if i == path.len() - 1 {
            return Some(v.to_string());
        }
        obj = id;
    }
    None
}

/// A forged change against the layout, made on the attacker's document.
type Attack = fn(&mut RoomDoc) -> Bytes;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_breaks_the_layout_of_a_room() {
    let _serial = serial().await;
    let relay = support::start_relay(&[], &[]);
    let mut room = Room::open(&relay, "LAYOUT", None).await;
    let attacks: [(&str, Attack); 5] = [
        ("ROOT[state] replaced by a string", |d| {
            d.write(|d| d.put(ROOT, "state", "broken").unwrap())
        }),
        ("ROOT[players] deleted", |d| {
            d.write(|d| d.delete(ROOT, "players").unwrap())
        }),
        ("ROOT[state] replaced by a new map", |d| {
            d.write(|d| drop(d.put_object(ROOT, "state", ObjType::Map).unwrap()))
        }),
        ("a player's map deleted", |d| {
            let players = d.map(&["players"]);
            d.write(|d| d.delete(&players, "bob").unwrap())
        }),
        ("a player's state map replaced", |d| {
            let bob = d.map(&["players", "bob"]);
            d.write(|d| d.put(&bob, "state", 1).unwrap())
        }),
    ];
    for (i, (what, attack)) in attacks.iter().enumerate() {
        let change = attack(&mut doc("mallory", 10 + i as u8));
        for who in [Who::Mallory, Who::Alice] {
            assert_eq!(
                room.publish(who, vec![change.clone()]).await,
                Err(ErrorCode::LAYOUT_PROTECTED),
                "{what} by {who:?}"
            );
        }
    }
    // The connection stays, and the room works for everyone.
    let fine = doc("mallory", 3).put(&["state"], "still", 1);
    assert_eq!(room.publish(Who::Mallory, vec![fine]).await, Ok(()));
    let own = doc("bob", 2).put(&["players", "bob", "state"], "score", 5);
    assert_eq!(room.publish(Who::Bob, vec![own]).await, Ok(()));
    let view = fresh_view(&relay, "LAYOUT").await;
    assert_eq!(value(&view, &["state", "still"]).as_deref(), Some("1"));
    assert_eq!(
        value(&view, &["players", "bob", "state", "score"]).as_deref(),
        Some("5")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_host_writes_no_other_players_state_or_profile() {
    let _serial = serial().await;
    let relay = support::start_relay(&[], &[]);
    let mut room = Room::open(&relay, "OTHERS", None).await;
    let state = doc("mallory", 3).put(&["players", "bob", "state"], "score", 999);
    assert_eq!(
        room.publish(Who::Mallory, vec![state]).await,
        Err(ErrorCode::WRITE_FORBIDDEN)
    );
    let profile = doc("mallory", 4).put(&["players", "bob", "profile"], "name", 1);
    assert_eq!(
        room.publish(Who::Mallory, vec![profile]).await,
        Err(ErrorCode::WRITE_FORBIDDEN)
    );
    // Under a fresh actor carrying bob's own tag: still mallory's write.
    let forged = doc("bob", 66).put(&["players", "bob", "profile"], "name", 2);
    assert_eq!(
        room.publish(Who::Mallory, vec![forged]).await,
        Err(ErrorCode::WRITE_FORBIDDEN)
    );
    // The host writes everyone's score, but nobody's profile.
    let score = doc("alice", 1).put(&["players", "bob", "state"], "score", 10);
    assert_eq!(room.publish(Who::Alice, vec![score]).await, Ok(()));
    let profile = doc("alice", 5).put(&["players", "bob", "profile"], "name", 3);
    assert_eq!(
        room.publish(Who::Alice, vec![profile]).await,
        Err(ErrorCode::WRITE_FORBIDDEN)
    );
    let view = fresh_view(&relay, "OTHERS").await;
    assert_eq!(
        value(&view, &["players", "bob", "state", "score"]).as_deref(),
        Some("10")
    );
    assert_eq!(value(&view, &["players", "bob", "profile", "name"]), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looser_rules_let_anyone_write_player_state() {
    let _serial = serial().await;
    let relay = support::start_relay(&[], &[]);
    let loose = RoomRules::default().with_player_state(PlayerStateWriters::Anyone);
    let mut room = Room::open(&relay, "LOOSE", Some(loose)).await;
    let state = doc("mallory", 3).put(&["players", "bob", "state"], "score", 7);
    assert_eq!(room.publish(Who::Mallory, vec![state]).await, Ok(()));
    let profile = doc("mallory", 4).put(&["players", "bob", "profile"], "name", 1);
    assert_eq!(
        room.publish(Who::Mallory, vec![profile]).await,
        Err(ErrorCode::WRITE_FORBIDDEN),
        "profiles stay their player's"
    );
}

/// In a room with owner-only player state and the host-only key "round":
/// the host cannot write bob's state, bob cannot write "round", both write
/// what they may. `session` keeps each call's actors fresh.
async fn check_strict(room: &mut Room, session: u8) {
    let score = doc("alice", session).put(&["players", "bob", "state"], "score", 1);
    assert_eq!(
        room.publish(Who::Alice, vec![score]).await,
        Err(ErrorCode::WRITE_FORBIDDEN),
        "owner only: not even the host"
    );
    let round = doc("bob", session).put(&["state"], "round", 9);
    assert_eq!(
        room.publish(Who::Bob, vec![round]).await,
        Err(ErrorCode::WRITE_FORBIDDEN),
        "a host-only key"
    );
    let chat = doc("bob", session + 1).put(&["state"], "chat", 1);
    assert_eq!(room.publish(Who::Bob, vec![chat]).await, Ok(()));
    let host_round = doc("alice", session + 1).put(&["state"], "round", 2);
    assert_eq!(room.publish(Who::Alice, vec![host_round]).await, Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stricter_rules_hold_and_are_kept_with_the_room_across_a_restart() {
    let _serial = serial().await;
    let mut relay = support::start_relay(&[], &[]);
    let strict = RoomRules::default()
        .with_player_state(PlayerStateWriters::OwnerOnly)
        .with_host_only_keys(["round"]);
    let mut room = Room::open(&relay, "STRICT", Some(strict)).await;
    check_strict(&mut room, 20).await;
    drop(room);
    relay.restart().unwrap();
    // A join after the restart asks for no rules: the stored ones hold.
    let mut room = Room::open(&relay, "STRICT", None).await;
    check_strict(&mut room, 30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_beyond_their_limits_refuse_the_join() {
    let _serial = serial().await;
    let relay = support::start_relay(&[], &[]);
    let many = RoomRules::default().with_host_only_keys((0..65).map(|i| format!("k{i}")));
    let (_, first) =
        Client::try_join(&relay.ws_url(), join_msg("MANY", "alice").with_rules(many)).await;
    assert!(
        matches!(
            first,
            Event::Frame(RelayMessage::Error {
                code: ErrorCode::INVALID_ROOM_RULES,
                ..
            })
        ),
        "{first:?}"
    );
}
