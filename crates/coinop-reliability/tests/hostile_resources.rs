//! Hostile players against the real relay binary, on what a room holds and
//! what the relay keeps for them: changes whose dependencies never arrive
//! and rewrites of folded ones, forged RPC replies, oversized profiles,
//! values and RPCs, joiners and downloaders that never read, connection
//! floods, and a disk that fills up. Each attack is refused with its code
//! (or its connection is closed) and the room goes on working.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_harness::{Client, Doc, Event, RelayProcess, big_change, http_get, join_msg, metric};
use coinop_protocol::{
    Bytes, CallId, ClientMessage, ErrorCode, PlayerId, Profile, RelayMessage, RpcOutcome,
    RpcTarget, StateTarget,
};
use coinop_reliability::raw_ws::{self, BINARY};
use coinop_reliability::{Scale, next_error, serial};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn relay(extra: &[&str]) -> RelayProcess {
    support::start_unlimited_relay(extra)
}

/// The fatal error a join is refused with (`None` when it is accepted).
async fn join_refusal(url: &str, join: coinop_protocol::Join) -> Option<ErrorCode> {
    match Client::try_join(url, join).await.1 {
        Event::Frame(RelayMessage::Error { code, .. }) => Some(code),
        _ => None,
    }
}

/// Joins `room` as `player` until a joiner is sent a snapshot; returns the
/// seq it covers.
async fn wait_for_snapshot(url: &str, room: &str, player: &str) -> u64 {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        let (mut c, joined) = Client::join(url, join_msg(room, player)).await;
        c.send(&ClientMessage::Leave).await;
        if let Some((upto, _)) = joined.snapshot {
            return upto.0;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the room was never compacted")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_on_unknown_dependencies_are_refused_and_compaction_goes_on() {
    let _serial = serial().await;
    let attempts = Scale::from_env().pick(200u64, 2_000);
    let relay = relay(&["--compact-entries", "20"]);
    let url = relay.ws_url();
    let (mut alice, _) = Client::join(&url, join_msg("CAUSE", "alice")).await;
    let (mut mallory, _) = Client::join(&url, join_msg("CAUSE", "mallory")).await;
    let mut refused = 0;
    for i in 0..attempts {
        // Each orphan's parent is never sent.
        let mut doc = Doc::new();
        let _parent = doc.change("p", i as i64);
        let orphan = doc.change("orphan", i as i64);
        if mallory.try_publish(i, vec![orphan]).await == Err(ErrorCode::MISSING_DEPENDENCY) {
            refused += 1;
        }
    }
    eprintln!("{attempts} changes on unknown dependencies: {refused} refused");
    assert_eq!(refused, attempts);
    // The room compacts as usual: a late joiner gets a snapshot.
    let mut doc = Doc::new();
    for i in 0..25 {
        alice.publish(i, vec![doc.change("k", i as i64)]).await;
    }
    assert!(wait_for_snapshot(&url, "CAUSE", "late").await >= 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folded_changes_cannot_be_rewritten() {
    let _serial = serial().await;
    let relay = relay(&["--compact-entries", "20"]);
    let url = relay.ws_url();
    let (mut alice, _) = Client::join(&url, join_msg("FOLD", "alice")).await;
    let mut doc = Doc::new();
    let mut first = None;
    for i in 0..25 {
        let change = doc.change("k", i as i64);
        first.get_or_insert(change.clone());
        alice.publish(i, vec![change]).await;
    }
    wait_for_snapshot(&url, "FOLD", "late").await;
    // Change 1 of alice's actor again, with other content.
    let mut rewrite = Doc::new();
    rewrite.0.set_actor(doc.0.get_actor().clone());
    let forged = rewrite.change("k", 1_000);
    assert_ne!(Some(&forged), first.as_ref());
    let answer = alice.try_publish(100, vec![forged]).await;
    assert_eq!(answer, Err(ErrorCode::INVALID_CHANGE));
    // A true copy is still acked as a duplicate.
    assert!(alice.try_publish(101, vec![first.unwrap()]).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_replies_come_only_from_players_the_call_went_to() {
    let _serial = serial().await;
    let attempts = Scale::from_env().pick(500u64, 5_000);
    let relay = relay(&[]);
    let url = relay.ws_url();
    let (mut host, _) = Client::join(&url, join_msg("CALLS", "host")).await;
    let (mut bob, _) = Client::join(&url, join_msg("CALLS", "bob")).await;
    let (mut mallory, _) = Client::join(&url, join_msg("CALLS", "mallory")).await;
    let call = CallId(42);
    bob.send(&ClientMessage::Rpc {
        call,
        target: RpcTarget::Host,
        name: "score".into(),
        payload: Bytes::new(),
        want_reply: true,
    })
    .await;
    host.recv_until(|m| matches!(m, RelayMessage::Rpc { .. }))
        .await;
    // Mallory knows the call id (the worst case) and sprays replies.
    let bob_id = PlayerId::new("bob").unwrap();
    for i in 0..attempts {
        let forged = ClientMessage::RpcReply {
            call: if i % 2 == 0 { call } else { CallId(i) },
            to: bob_id.clone(),
            outcome: RpcOutcome::Ok(Bytes::from_static(b"forged")),
        };
        mallory.send(&forged).await;
    }
    let mut refused = 0;
    while refused < attempts {
        match next_error(&mut mallory).await {
            Some(ErrorCode::RPC_REPLY_REFUSED) => refused += 1,
            other => panic!("after {refused} refusals: {other:?}"),
        }
    }
    eprintln!("{attempts} forged RPC replies: {refused} refused");
    let answer = ClientMessage::RpcReply {
        call,
        to: bob_id,
        outcome: RpcOutcome::Ok(Bytes::from_static(b"real")),
    };
    host.send(&answer).await;
    match bob
        .recv_until(|m| matches!(m, RelayMessage::RpcReply { .. }))
        .await
    {
        RelayMessage::RpcReply { from, outcome, .. } => {
            assert_eq!(from.as_str(), "host");
            assert_eq!(outcome, RpcOutcome::Ok(Bytes::from_static(b"real")));
        }
        other => unreachable!("{other:?}"),
    }
    // Answered once: a second reply is refused too.
    host.send(&answer).await;
    assert_eq!(
        next_error(&mut host).await,
        Some(ErrorCode::RPC_REPLY_REFUSED)
    );
    bob.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_profiles_values_and_rpcs_are_refused() {
    let _serial = serial().await;
    let relay = relay(&[]);
    let url = relay.ws_url();
    let big = "x".repeat(64 * 1024);
    let profile = Profile {
        name: "mallory".into(),
        avatar: big.clone(),
        ..Profile::default()
    };
    let fat = join_msg("SIZES", "fat").with_profile(profile);
    assert_eq!(
        join_refusal(&url, fat).await,
        Some(ErrorCode::PROFILE_TOO_LARGE)
    );
    let (mut alice, _) = Client::join(&url, join_msg("SIZES", "alice")).await;
    let (mut mallory, _) = Client::join(&url, join_msg("SIZES", "mallory")).await;
    mallory
        .send(&ClientMessage::Unreliable {
            target: StateTarget::Room,
            key: "cursor".into(),
            value: Bytes::from(big.clone().into_bytes()),
        })
        .await;
    assert_eq!(
        next_error(&mut mallory).await,
        Some(ErrorCode::VALUE_TOO_LARGE)
    );
    // Many values just under the limit: the room keeps at most its total.
    let mut refused = 0;
    for i in 0..100 {
        mallory
            .send(&ClientMessage::Unreliable {
                target: StateTarget::Room,
                key: format!("k{i}"),
                value: Bytes::from(vec![7; 16 * 1024 - 8]),
            })
            .await;
    }
    while next_error(&mut mallory).await == Some(ErrorCode::VALUE_TOO_LARGE) {
        refused += 1;
    }
    eprintln!("100 unreliable values of 16 KiB in one room: {refused} refused");
    assert!(refused >= 30, "the room kept {} values", 100 - refused);
    mallory
        .send(&ClientMessage::Rpc {
            call: CallId(1),
            target: RpcTarget::Others,
            name: "spam".into(),
            payload: Bytes::from(big.into_bytes()),
            want_reply: false,
        })
        .await;
    assert_eq!(
        next_error(&mut mallory).await,
        Some(ErrorCode::RPC_TOO_LARGE)
    );
    // Alice saw none of the refused messages, and the room works.
    let mut doc = Doc::new();
    alice.publish(1, vec![doc.change("k", 1)]).await;
}

/// Bytes of reliable frames the relay may queue per connection in the
/// tests below.
const OUTBOX: &str = "1048576";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joiner_that_never_reads_is_closed_with_its_catch_up_counted() {
    let _serial = serial().await;
    let relay = relay(&[
        "--max-outbox-bytes",
        OUTBOX,
        "--compact-entries",
        "100000",
        "--compact-bytes",
        "1000000000",
        "--write-timeout-secs",
        "2",
        "--idle-timeout-secs",
        "60",
    ]);
    let url = relay.ws_url();
    // 12 MiB of log, twelve times the outbox.
    let (mut alice, _) = Client::join(&url, join_msg("BIG", "alice")).await;
    for i in 0..48 {
        alice.publish(i, vec![big_change(256 * 1024, i)]).await;
    }
    let fatal_before = metric(relay.addr(), "coinop_fatal_closes_total")
        .await
        .unwrap_or(0.0);
    let started = Instant::now();
    let (mut s, status) = raw_ws::upgrade_small(relay.addr()).await.unwrap();
    assert_eq!(status, 101);
    let join = ClientMessage::Join(join_msg("BIG", "sloth")).encode();
    s.write_all(&raw_ws::frame(BINARY, true, &join))
        .await
        .unwrap();
    // Never read. The room goes on: its next frames find the sloth's
    // queue full of unread catch-up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..3 {
        alice.publish(50 + i, vec![Doc::new().change("k", 1)]).await;
    }
    tokio::time::sleep(Duration::from_secs(7)).await;
    let ending = raw_ws::read_ending(&mut s, Duration::from_secs(5)).await;
    let fatal_after = metric(relay.addr(), "coinop_fatal_closes_total")
        .await
        .unwrap_or(0.0);
    eprintln!(
        "never-reading joiner: {ending:?} after {:?}, fatal closes {fatal_before} -> {fatal_after}",
        started.elapsed()
    );
    assert!(ending.closed, "the relay still holds the connection");
    assert!(fatal_after > fatal_before, "closed as a slow consumer");
    // The room is unharmed.
    alice.publish(100, vec![Doc::new().change("k", 1)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_that_is_never_read_is_cut() {
    let _serial = serial().await;
    let site = tempfile::tempdir().unwrap();
    let size = 48 * 1024 * 1024;
    std::fs::write(site.path().join("big.bin"), vec![1u8; size]).unwrap();
    let mount = format!("/={}", site.path().display());
    let relay = relay(&["--serve", &mount, "--write-timeout-secs", "2"]);
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut s = socket.connect(relay.addr()).await.unwrap();
    s.write_all(b"GET /big.bin HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(6)).await;
    // Now read as fast as possible: a cut connection ends early.
    let mut got = 0usize;
    let mut buf = vec![0u8; 256 * 1024];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let ended = loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => got += n,
            Err(_) => break false,
        }
        if got > size {
            break false;
        }
    };
    eprintln!("unread download: {got} of {size} bytes before the cut");
    assert!(ended && got < size, "{got} bytes, ended: {ended}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_are_refused() {
    let _serial = serial().await;
    let relay = relay(&["--max-connections", "8"]);
    let mut held = Vec::new();
    for i in 0..8 {
        let (c, _) = Client::join(&relay.ws_url(), join_msg("CAP", &format!("p{i}"))).await;
        held.push(c);
    }
    let attempts = 50;
    let mut refused = 0;
    for _ in 0..attempts {
        let (mut s, status) = raw_ws::upgrade(relay.addr(), &[]).await.unwrap();
        if status == 503 {
            let mut body = String::new();
            let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_string(&mut body)).await;
            refused += 1;
        }
    }
    eprintln!("{attempts} connections over the cap: {refused} refused");
    assert_eq!(refused, attempts);
    // A seat given back is a connection for someone else.
    drop(held.pop());
    let started = Instant::now();
    loop {
        let (_, status) = raw_ws::upgrade(relay.addr(), &[]).await.unwrap();
        if status == 101 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still refused");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_data_directory_refuses_writes_and_new_rooms() {
    let _serial = serial().await;
    // Measure what an empty relay's data directory holds, then allow 4 MiB
    // more.
    let probe = relay(&[]);
    let dir = probe.data_dir().unwrap().to_owned();
    let (mut c, _) = Client::join(&probe.ws_url(), join_msg("EMPTY", "p")).await;
    c.publish(1, vec![Doc::new().change("k", 1)]).await;
    let empty: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    drop(c);
    drop(probe);
    let quota = (empty + 4 * 1024 * 1024).to_string();
    let relay = relay(&["--max-data-bytes", &quota]);
    let url = relay.ws_url();
    let (mut alice, _) = Client::join(&url, join_msg("DISK", "alice")).await;
    let mut stored = 0u64;
    let mut refused = None;
    for i in 0..400u64 {
        match alice.try_publish(i, vec![big_change(128 * 1024, i)]).await {
            Ok(_) => stored += 128 * 1024,
            Err(code) => {
                refused = Some(code);
                break;
            }
        }
        // Paced, so the once-a-second measurement sees the directory grow.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("disk quota {quota} bytes: {stored} bytes stored before {refused:?}");
    assert_eq!(refused, Some(ErrorCode::DISK_FULL));
    assert!(stored < 16 * 1024 * 1024, "{stored} bytes stored");
    let newcomer = join_msg("NEWROOM", "bob");
    assert_eq!(
        join_refusal(&url, newcomer).await,
        Some(ErrorCode::DISK_FULL)
    );
    // The room that exists is still read.
    let (_, joined) = Client::join(&url, join_msg("DISK", "carol")).await;
    assert!(joined.head.0 > 0);
}

/// The status of `GET /healthz` sent to the relay at `addr` as a reverse
/// proxy would, for a client at `client` (`X-Forwarded-For`).
async fn status_for_client(addr: std::net::SocketAddr, client: &str) -> u16 {
    http_get(addr, "/healthz", &[("X-Forwarded-For", client)])
        .await
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ipv6_64_is_one_address_for_the_connection_limit() {
    let _serial = serial().await;
    // The test is the trusted proxy: the relay limits each forwarded
    // client address, which lets loopback play many IPv6 clients.
    let relay = relay(&[
        "--trusted-proxies",
        "127.0.0.1",
        "--limit-loopback-connections",
        "--connections-per-ip-burst",
        "5",
        "--connections-per-ip-per-sec",
        "1",
    ]);
    // 30 addresses of one /64 (an attacker's home network): one budget.
    let mut same_64 = Vec::new();
    for i in 1..=30 {
        same_64.push(status_for_client(relay.addr(), &format!("2001:db8:1:2::{i:x}")).await);
    }
    let refused = same_64.iter().filter(|s| **s == 429).count();
    assert!(
        refused >= 20,
        "one /64 got {refused} of 30 refused: {same_64:?}"
    );
    // 30 clients on 30 different /64s: each its own budget.
    for i in 1..=30 {
        let status = status_for_client(relay.addr(), &format!("2001:db8:2:{i:x}::1")).await;
        assert_eq!(status, 200, "the client on /64 number {i}");
    }
    eprintln!("one /64: 30 attempts, {refused} refused; 30 separate /64s: 0 refused");
}
