//! Hostile players against a room's lifecycle, on the real relay binary:
//! coming straight back after a kick, taking over a room by joining it
//! first after it unloaded, filling storage by probing room codes, and
//! deleting someone else's room. Then the honest side: the owner deletes,
//! and rooms nobody uses expire.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_harness::{Client, Doc, Event, RelayProcess, bearer_for, http_request, join_msg, pid};
use coinop_protocol::{ClientMessage, ErrorCode, RelayMessage};
use coinop_reliability::serial;
use std::time::{Duration, Instant};

fn relay(extra: &[&str]) -> RelayProcess {
    support::start_relay(&[], extra)
}

/// Rows stored for `room` in each table of the data directory.
fn stored_rows(relay: &RelayProcess, room: &str) -> Vec<(&'static str, i64)> {
    let db = relay.data_dir().unwrap().join("coinop.db");
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let db = rusqlite::Connection::open_with_flags(db, flags).unwrap();
    let tables = [
        ("rooms", "code"),
        ("log", "room"),
        ("log_recent", "room"),
        ("log_moving", "room"),
        ("snapshots", "room"),
        ("player_rooms", "room"),
        ("room_bans", "room"),
    ];
    tables
        .into_iter()
        .map(|(table, column)| {
            let sql = format!("SELECT count(*) FROM {table} WHERE {column} = ?1");
            (table, db.query_row(&sql, [room], |r| r.get(0)).unwrap())
        })
        .collect()
}

fn nothing_stored(relay: &RelayProcess, room: &str) -> bool {
    stored_rows(relay, room).iter().all(|(_, n)| *n == 0)
}

/// The fatal error a join gets (after its welcome, if any).
async fn refusal(relay: &RelayProcess, join: coinop_protocol::Join) -> Option<ErrorCode> {
    let (mut c, first) = Client::try_join(&relay.ws_url(), join).await;
    match first {
        Event::Frame(RelayMessage::Error { code, fatal, .. }) => fatal.then_some(code),
        Event::Frame(RelayMessage::Welcome(_)) => {
            c.send(&ClientMessage::Leave).await;
            None
        }
        other => panic!("unexpected answer to a join: {other:?}"),
    }
}

/// The next non-fatal error `c` gets.
async fn next_error(c: &mut Client) -> ErrorCode {
    match c
        .recv_until(|m| matches!(m, RelayMessage::Error { .. }))
        .await
    {
        RelayMessage::Error { code, .. } => code,
        _ => unreachable!(),
    }
}

async fn delete_over_http(relay: &RelayProcess, player: &str, auth_as: &str, room: &str) -> u16 {
    let auth = bearer_for(auth_as);
    let target = format!("/players/{player}/rooms/{room}");
    http_request(relay.addr(), "DELETE", &target, &[("Authorization", &auth)])
        .await
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kicked_player_stays_out_across_restarts_until_unbanned() {
    let _serial = serial().await;
    let mut relay = relay(&[]);
    let url = relay.ws_url();
    let (mut alice, _) = Client::join(&url, join_msg("KICK1", "alice")).await;
    let (_mallory, _) = Client::join_seen_by(&url, join_msg("KICK1", "mallory"), &mut alice).await;
    alice
        .send(&ClientMessage::Kick {
            player: pid("mallory"),
        })
        .await;
    alice
        .recv_until(|m| matches!(m, RelayMessage::PlayerLeft { .. }))
        .await;
    // Straight back in, ten times: refused every time.
    let mut refused = 0;
    for _ in 0..10 {
        let code = refusal(&relay, join_msg("KICK1", "mallory")).await;
        assert_eq!(code, Some(ErrorCode::KICKED));
        refused += 1;
    }
    // The ban is stored with the room: a restarted relay still refuses.
    drop(alice);
    relay.restart().unwrap();
    let code = refusal(&relay, join_msg("KICK1", "mallory")).await;
    assert_eq!(code, Some(ErrorCode::KICKED));
    // The host lets mallory back; only then does the join succeed.
    let (mut alice, _) = Client::join(&url, join_msg("KICK1", "alice")).await;
    let (mut bob, _) = Client::join_seen_by(&url, join_msg("KICK1", "bob"), &mut alice).await;
    bob.send(&ClientMessage::Unban {
        player: pid("mallory"),
    })
    .await;
    assert_eq!(next_error(&mut bob).await, ErrorCode::NOT_HOST);
    alice
        .send(&ClientMessage::Unban {
            player: pid("mallory"),
        })
        .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while refusal(&relay, join_msg("KICK1", "mallory"))
        .await
        .is_some()
    {
        assert!(
            Instant::now() < deadline,
            "mallory still refused after the unban"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("kick: {refused} rejoins refused; back in after the unban");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_first_after_an_unload_does_not_take_the_room_over() {
    let _serial = serial().await;
    let mut relay = relay(&[]);
    let url = relay.ws_url();
    let (mut alice, _) = Client::join(&url, join_msg("OWN1", "alice")).await;
    alice.publish(1, vec![Doc::new().change("round", 1)]).await;
    drop(alice);
    relay.restart().unwrap();
    // Mallory is first in: host, for now.
    let (mut mallory, joined) = Client::join(&url, join_msg("OWN1", "mallory")).await;
    assert_eq!(joined.welcome.host, Some(pid("mallory")));
    // The owner arrives and is host at once, for everyone.
    let (mut alice, joined) = Client::join(&url, join_msg("OWN1", "alice")).await;
    assert_eq!(joined.welcome.host, Some(pid("alice")));
    let changed = mallory
        .recv_until(|m| matches!(m, RelayMessage::HostChanged { .. }))
        .await;
    assert_eq!(
        changed,
        RelayMessage::HostChanged {
            host: Some(pid("alice"))
        }
    );
    // Mallory can neither kick the owner nor delete the room.
    mallory
        .send(&ClientMessage::Kick {
            player: pid("alice"),
        })
        .await;
    assert_eq!(next_error(&mut mallory).await, ErrorCode::NOT_HOST);
    alice
        .send(&ClientMessage::TransferHost { to: pid("mallory") })
        .await;
    mallory
        .recv_until(|m| matches!(m, RelayMessage::HostChanged { .. }))
        .await;
    mallory
        .send(&ClientMessage::Kick {
            player: pid("alice"),
        })
        .await;
    assert_eq!(next_error(&mut mallory).await, ErrorCode::NOT_OWNER);
    mallory.send(&ClientMessage::DeleteRoom).await;
    assert_eq!(next_error(&mut mallory).await, ErrorCode::NOT_OWNER);
    alice.send(&ClientMessage::Ping { client_time: 1 }).await;
    alice
        .recv_until(|m| matches!(m, RelayMessage::Pong { .. }))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probing_room_codes_stores_nothing() {
    let _serial = serial().await;
    let relay = relay(&[]);
    let url = relay.ws_url();
    let (_alice, _) = Client::join(&url, join_msg("REAL1", "alice")).await;
    let probes = 50;
    for i in 0..probes {
        let join = join_msg(&format!("P{i:03}"), "prober").with_only_existing(true);
        assert_eq!(refusal(&relay, join).await, Some(ErrorCode::ROOM_NOT_FOUND));
    }
    // The existing room is found.
    let join = join_msg("REAL1", "bob").with_only_existing(true);
    assert_eq!(refusal(&relay, join).await, None);
    // Nothing of the probes was stored: no room, no index row, not even
    // the prober's id.
    for i in 0..probes {
        assert!(nothing_stored(&relay, &format!("P{i:03}")));
    }
    let auth = bearer_for("prober");
    let answer = http_request(
        relay.addr(),
        "GET",
        "/players/prober/rooms",
        &[("Authorization", &auth)],
    )
    .await;
    assert_eq!(answer.status, 401, "the prober's id was bound");
    eprintln!("probe: {probes} codes probed, 0 rooms stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_deletes_a_room_and_everyone_is_told() {
    let _serial = serial().await;
    let relay = relay(&[]);
    let url = relay.ws_url();
    let (mut alice, _) = Client::join(&url, join_msg("DEL1", "alice")).await;
    alice.publish(1, vec![Doc::new().change("round", 1)]).await;
    let (mut bob, _) = Client::join_seen_by(&url, join_msg("DEL1", "bob"), &mut alice).await;
    // Bob may not: not from inside, not over HTTP, not with a guessed secret.
    bob.send(&ClientMessage::DeleteRoom).await;
    assert_eq!(next_error(&mut bob).await, ErrorCode::NOT_OWNER);
    assert_eq!(delete_over_http(&relay, "bob", "bob", "DEL1").await, 403);
    assert_eq!(delete_over_http(&relay, "alice", "bob", "DEL1").await, 401);
    assert!(!nothing_stored(&relay, "DEL1"));
    // Alice may: both are closed with ROOM_DELETED, nothing stays stored.
    assert_eq!(
        delete_over_http(&relay, "alice", "alice", "DEL1").await,
        204
    );
    assert_eq!(bob.expect_fatal().await.0, Some(ErrorCode::ROOM_DELETED));
    assert_eq!(alice.expect_fatal().await.0, Some(ErrorCode::ROOM_DELETED));
    assert_eq!(
        stored_rows(&relay, "DEL1").iter().map(|r| r.1).sum::<i64>(),
        0
    );
    assert_eq!(
        delete_over_http(&relay, "alice", "alice", "DEL1").await,
        404
    );
    let join = join_msg("DEL1", "bob").with_only_existing(true);
    assert_eq!(refusal(&relay, join).await, Some(ErrorCode::ROOM_NOT_FOUND));
    // From inside the room, and for a room that is not loaded.
    let (mut alice, _) = Client::join(&url, join_msg("DEL2", "alice")).await;
    alice.send(&ClientMessage::DeleteRoom).await;
    assert_eq!(alice.expect_fatal().await.0, Some(ErrorCode::ROOM_DELETED));
    let (mut alice, _) = Client::join(&url, join_msg("DEL3", "alice")).await;
    alice.send(&ClientMessage::Leave).await;
    let _ = alice.expect_fatal().await;
    assert_eq!(
        delete_over_http(&relay, "alice", "alice", "DEL3").await,
        204
    );
    for room in ["DEL2", "DEL3"] {
        assert!(
            nothing_stored(&relay, room),
            "{room}: {:?}",
            stored_rows(&relay, room)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_nobody_uses_expire_with_their_index_rows() {
    let _serial = serial().await;
    let relay = relay(&["--room-ttl-secs", "1", "--room-sweep-secs", "1"]);
    let url = relay.ws_url();
    let (mut gone, _) = Client::join(&url, join_msg("EXP1", "alice")).await;
    gone.publish(1, vec![Doc::new().change("round", 1)]).await;
    gone.send(&ClientMessage::Leave).await;
    // A room in use is kept, however old its last write.
    let (mut live, _) = Client::join(&url, join_msg("LIVE1", "bob")).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !nothing_stored(&relay, "EXP1") {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            stored_rows(&relay, "EXP1")
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    live.send(&ClientMessage::Ping { client_time: 1 }).await;
    live.recv_until(|m| matches!(m, RelayMessage::Pong { .. }))
        .await;
    assert!(!nothing_stored(&relay, "LIVE1"), "a room in use expired");
    eprintln!(
        "expiry: EXP1 deleted; LIVE1 kept {:?} past its TTL",
        started.elapsed()
    );
}
