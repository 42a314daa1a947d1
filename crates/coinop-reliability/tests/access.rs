//! Access against the real relay binary: nobody joins as someone else,
//! nobody forges the sender of a change, an unreliable value or an RPC,
//! nobody takes the next change of another player's actor or of a
//! deterministic one, a foreign Origin is refused, and room capacity is
//! counted per player.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_harness::{Client, Doc, Event, RelayProcess, doc_from, join_msg};
use coinop_protocol::{
    Bytes, CallId, ClientMessage, ErrorCode, PlayerId, RelayMessage, RpcOutcome, RpcTarget, Secret,
    StateTarget,
};
use coinop_reliability::raw_ws;
use coinop_reliability::{Scale, serial};
use std::collections::HashMap;
use std::time::Duration;

fn relay(extra: &[&str]) -> RelayProcess {
    support::start_unlimited_relay(extra)
}

/// A relay without rate limits, its URL, and alice and mallory in `room`.
async fn alice_and_mallory(room: &str) -> (RelayProcess, String, Client, Client) {
    let relay = relay(&[]);
    let url = relay.ws_url();
    let (alice, _) = Client::join(&url, join_msg(room, "alice")).await;
    let (mallory, _) = Client::join(&url, join_msg(room, "mallory")).await;
    (relay, url, alice, mallory)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_joins_as_another_player_without_its_secret() {
    let _serial = serial().await;
    let attempts = Scale::from_env().pick(1_000u64, 10_000);
    let relay = relay(&[]);
    let url = relay.ws_url();
    // The victim binds its id first.
    let (_victim, _) = Client::join(&url, join_msg("SAFE", "victim")).await;
    let workers: Vec<_> = (0..8u64)
        .map(|w| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut outcomes: HashMap<String, u64> = HashMap::new();
                for i in (w..attempts).step_by(8) {
                    let mut join = join_msg("SAFE", "victim");
                    let mut guess = i.to_le_bytes().repeat(4);
                    guess[31] = 0xAB;
                    join.secret = Secret::new(guess).unwrap();
                    let (_c, first) = Client::try_join(&url, join).await;
                    let key = match first {
                        Event::Frame(RelayMessage::Welcome(_)) => "ACCEPTED".to_owned(),
                        Event::Frame(RelayMessage::Error { code, .. }) => code.name().to_owned(),
                        other => format!("{other:?}"),
                    };
                    *outcomes.entry(key).or_default() += 1;
                }
                outcomes
            })
        })
        .collect();
    let mut total: HashMap<String, u64> = HashMap::new();
    for w in workers {
        for (k, v) in w.await.unwrap() {
            *total.entry(k).or_default() += v;
        }
    }
    eprintln!("{attempts} joins with a wrong secret: {total:?}");
    assert_eq!(total.get("WRONG_SECRET"), Some(&attempts), "{total:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_cannot_be_forged() {
    let _serial = serial().await;
    let per_kind = Scale::from_env().pick(3_000u64, 10_000);
    let (_relay, url, mut alice, mut mallory) = alice_and_mallory("FORGE").await;
    let (mut bob, _) = Client::join(&url, join_msg("FORGE", "bob")).await;
    let alice_id = PlayerId::new("alice").unwrap();
    let bob_id = PlayerId::new("bob").unwrap();
    // Mallory's changes come from a document whose actor is alice's.
    let mut doc = Doc::new();
    let alice_actor = alice_doc_actor();
    doc.0.set_actor(alice_actor);
    for i in 0..per_kind {
        let change = doc.change("owner", i as i64);
        mallory
            .send(&ClientMessage::Publish {
                client_ref: i,
                changes: vec![change],
            })
            .await;
        mallory
            .send(&ClientMessage::Unreliable {
                target: StateTarget::Player(alice_id.clone()),
                key: "cursor".into(),
                value: Bytes::from(i.to_le_bytes().to_vec()),
            })
            .await;
        let rpc = if i % 2 == 0 {
            ClientMessage::Rpc {
                call: CallId(i),
                target: RpcTarget::Others,
                name: "as-alice".into(),
                payload: Bytes::new(),
                want_reply: false,
            }
        } else {
            ClientMessage::RpcReply {
                call: CallId(i),
                to: bob_id.clone(),
                outcome: RpcOutcome::Ok(Bytes::from_static(b"from alice")),
            }
        };
        mallory.send(&rpc).await;
    }
    mallory.send(&ClientMessage::Ping { client_time: 42 }).await;
    mallory
        .recv_until(|m| {
            matches!(
                m,
                RelayMessage::Pong {
                    client_time: 42,
                    ..
                }
            )
        })
        .await;
    // Bob sees every message, each stamped with mallory's id.
    let mut seen: HashMap<&'static str, u64> = HashMap::new();
    let mut as_alice = 0u64;
    let mut bad = Vec::new();
    while let Some(Event::Frame(m)) = bob.event_within(Duration::from_secs(2)).await {
        let senders: Vec<(&'static str, &PlayerId)> = match &m {
            RelayMessage::Changes { entries } => {
                entries.iter().map(|e| ("change", &e.sender)).collect()
            }
            RelayMessage::Unreliable(v) => vec![("unreliable", &v.sender)],
            RelayMessage::Rpc { from, .. } => vec![("rpc", from)],
            RelayMessage::RpcReply { from, .. } => vec![("rpc-reply", from)],
            RelayMessage::Error { .. } => {
                bad.push(format!("{m:?}"));
                vec![]
            }
            _ => vec![],
        };
        for (kind, sender) in senders {
            *seen.entry(kind).or_default() += 1;
            if sender.as_str() != "mallory" {
                as_alice += 1;
            }
        }
    }
    let attempts = per_kind * 3;
    eprintln!("{attempts} forgery attempts: bob saw {seen:?}; {as_alice} not stamped mallory");
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(as_alice, 0);
    assert_eq!(
        seen.get("change"),
        Some(&per_kind),
        "every change forwarded once"
    );
    assert_eq!(seen.get("rpc"), Some(&(per_kind / 2)));
    // Replies to calls bob never made are refused by the relay
    // (RPC_REPLY_REFUSED, see hostile_resources.rs), stamped or not.
    assert_eq!(seen.get("rpc-reply"), None);
    assert!(seen.get("unreliable").is_some_and(|n| *n > 0));
    // Alice, too, only ever heard of mallory's values under mallory's name.
    while let Some(Event::Frame(m)) = alice.event_within(Duration::from_millis(500)).await {
        if let RelayMessage::Unreliable(v) = m {
            assert_eq!(v.sender.as_str(), "mallory");
        }
    }
}

/// Mallory rewrites alice's changes: same actor, same seq, other content.
/// Replicas would refuse the second of two such changes (automerge's
/// `DuplicateSeqNumber`) and diverge, so the relay refuses it first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_players_changes_cannot_be_rewritten() {
    let _serial = serial().await;
    const SEQS: u64 = 50;
    let forgers = Scale::from_env().pick(20u64, 200);
    let (_relay, url, mut alice, mut mallory) = alice_and_mallory("REWRITE").await;
    let mut real = Doc::new();
    real.0.set_actor(alice_doc_actor());
    for i in 1..=SEQS {
        let change = real.change("k", i as i64);
        alice.publish(i, vec![change]).await;
    }
    // Every (actor, seq) alice holds, rewritten by `forgers` documents.
    let mut refused = 0u64;
    let mut accepted = 0u64;
    let mut client_ref = 0u64;
    for f in 0..forgers {
        let mut forged = Doc::new();
        forged.0.set_actor(alice_doc_actor());
        for _ in 1..=SEQS {
            client_ref += 1;
            let change = forged.change("k", -1 - f as i64);
            match mallory.try_publish(client_ref, vec![change]).await {
                Ok(_) => accepted += 1,
                Err(ErrorCode::INVALID_CHANGE) => refused += 1,
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
    }
    let attempts = forgers * SEQS;
    eprintln!("{attempts} rewrites of alice's changes: {accepted} accepted, {refused} refused");
    assert_eq!(accepted, 0);
    assert_eq!(refused, attempts);
    // Alice goes on writing, and a newcomer loads the room cleanly.
    alice
        .publish(client_ref + 1, vec![real.change("k", 99)])
        .await;
    let (_, joined) = Client::join(&url, join_msg("REWRITE", "newcomer")).await;
    let doc = doc_from(&joined);
    use automerge::ReadDoc;
    let k = doc
        .get(automerge::ROOT, "k")
        .unwrap()
        .map(|(v, _)| v.to_string());
    assert_eq!(k.as_deref(), Some("99"));
}

/// Mallory writes "the next change" of alice's session actor before alice
/// does, and other content under a deterministic (content-addressed) actor
/// before the real change: had the relay taken one, the real change would
/// be refused as a reused seq and lost. Each attempt is a new forgery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_takes_another_players_next_change_or_a_deterministic_one() {
    use coinop_protocol::actor::{content_actor, content_address, session_actor};
    let _serial = serial().await;
    let per_kind = Scale::from_env().pick(3_000u64, 10_000);
    let (_relay, url, mut alice, mut mallory) = alice_and_mallory("TAKE").await;
    let alice_id = PlayerId::new("alice").unwrap();
    let mut real = Doc::new();
    real.0
        .set_actor(session_actor(&alice_id, [0xA1; 16]).into());
    alice
        .try_publish(1, vec![real.change("k", 1)])
        .await
        .unwrap();
    // A deterministic change nobody has published yet, as the SDK makes them.
    let mut probe = Doc::new();
    probe.0.set_actor(b"placeholder".to_vec().into());
    let address = content_address(&probe.change("shared", 0)).unwrap();
    let mut shared = Doc::new();
    shared.0.set_actor(content_actor(address).into());
    let shared_change = shared.change("shared", 0);

    let mut outcomes: HashMap<String, u64> = HashMap::new();
    for i in 0..per_kind * 2 {
        let forged = if i % 2 == 0 {
            let mut fork = Doc(real.0.fork());
            fork.0.set_actor(real.0.get_actor().clone());
            fork.change("k", -(i as i64))
        } else {
            // Same actor and seq 1 as the real change, other content.
            let mut fresh = Doc::new();
            fresh.0.set_actor(content_actor(address).into());
            fresh.change("shared", i as i64)
        };
        let key = match mallory.try_publish(100 + i, vec![forged]).await {
            Ok(_) => "ACCEPTED".to_owned(),
            Err(code) => code.name().to_owned(),
        };
        *outcomes.entry(key).or_default() += 1;
    }
    eprintln!("{} forged changes: {outcomes:?}", per_kind * 2);
    assert_eq!(outcomes.get("ACCEPTED"), None, "{outcomes:?}");
    assert_eq!(
        outcomes.get("FOREIGN_ACTOR"),
        Some(&per_kind),
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.get("INVALID_CHANGE"),
        Some(&per_kind),
        "{outcomes:?}"
    );
    // The real changes still go through, and a newcomer loads them.
    alice.publish(2, vec![real.change("k", 2)]).await;
    alice.publish(3, vec![shared_change]).await;
    let (_, joined) = Client::join(&url, join_msg("TAKE", "newcomer")).await;
    let doc = doc_from(&joined);
    use automerge::ReadDoc;
    let read = |key: &str| {
        doc.get(automerge::ROOT, key)
            .unwrap()
            .map(|(v, _)| v.to_string())
    };
    assert_eq!(read("k").as_deref(), Some("2"));
    assert_eq!(read("shared").as_deref(), Some("0"));
}

fn alice_doc_actor() -> automerge::ActorId {
    automerge::ActorId::from(b"alice-actor-0001".to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_origin_is_refused_when_an_allow_list_is_set() {
    let _serial = serial().await;
    let relay = relay(&["--allowed-origins", "https://good.example"]);
    for (origin, want) in [
        (Some("https://evil.example"), 403),
        (Some("https://good.example.evil.example"), 403),
        (Some("null"), 403),
        (Some("https://good.example"), 101),
        (None, 101),
    ] {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
        let (_s, status) = raw_ws::upgrade(relay.addr(), &headers).await.unwrap();
        assert_eq!(status, want, "Origin {origin:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_capacity_is_per_player_and_a_returning_player_keeps_its_seat() {
    let _serial = serial().await;
    let relay = relay(&["--grace-period-ms", "10000"]);
    let url = relay.ws_url();
    let first = join_msg("CAPS", "alice").with_max_players(2);
    let (alice1, _) = Client::join(&url, first).await;
    let (_bob, _) = Client::join(&url, join_msg("CAPS", "bob")).await;
    let refused = |e: &Event| matches!(e, Event::Frame(RelayMessage::Error { code, fatal: true, .. }) if *code == ErrorCode::ROOM_FULL);
    let (_c, e) = Client::try_join(&url, join_msg("CAPS", "carol")).await;
    assert!(refused(&e), "{e:?}");
    // Alice again from a second connection: same seat, the old one replaced.
    let (mut alice2, joined) = Client::join(&url, join_msg("CAPS", "alice")).await;
    assert_eq!(joined.welcome.players.len(), 2);
    drop(alice1);
    // Alice drops; her seat is held through the grace period...
    alice2.ws.close(None).await.unwrap();
    drop(alice2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_c, e) = Client::try_join(&url, join_msg("CAPS", "carol")).await;
    assert!(refused(&e), "carol took alice's held seat: {e:?}");
    // ...and she gets it back, as many times as she reconnects.
    for _ in 0..5 {
        let (c, joined) = Client::join(&url, join_msg("CAPS", "alice")).await;
        assert_eq!(joined.welcome.players.len(), 2);
        drop(c);
    }
    let (_c, e) = Client::try_join(&url, join_msg("CAPS", "carol")).await;
    assert!(refused(&e), "{e:?}");
}
