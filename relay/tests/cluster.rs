//! Cluster mode: three relay processes on one PostgreSQL server (started by
//! the test; a missing PostgreSQL fails the test). Rooms have one owner
//! node at a time; the others forward their clients to it.
#![allow(clippy::unwrap_used)]

mod support;

use automerge::ReadDoc;
use coinop_protocol::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use support::*;

/// Lease time of the test nodes: short, for the tests of failover.
const LEASE_MS: u64 = 1500;

/// Lease time for tests not about failover: long enough that a node's
/// heartbeat, starved on a loaded CI machine, does not lose its rooms.
const STEADY_LEASE_MS: u64 = 10_000;

/// One node of a cluster on `url`.
fn node(url: &str) -> RelayProcess {
    node_with(url, LEASE_MS, &[])
}

/// One node of a cluster on `url`, with its lease time and more flags.
fn node_with(url: &str, lease_ms: u64, flags: &[&str]) -> RelayProcess {
    RelayProcess::builder(relay_bin(env!("CARGO_BIN_EXE_coinop-relay")))
        .without_data_dir()
        .args(["--database-url", url, "--lease-ms", &lease_ms.to_string()])
        .args(["--grace-period-ms", "3000"])
        .args(flags.iter().copied())
        .env("RUST_LOG", "warn")
        .start()
        .expect("start a cluster node")
}

/// A PostgreSQL server and three nodes on it.
fn cluster() -> (Postgres, Vec<RelayProcess>) {
    let pg = Postgres::start().expect("PostgreSQL is needed for cluster mode's tests");
    let nodes = (0..3).map(|_| node(&pg.url())).collect();
    (pg, nodes)
}

/// The longest a client may wait to get back into a room whose owner died.
fn failover_bound() -> Duration {
    Duration::from_millis(LEASE_MS) + Duration::from_secs(5)
}

/// Joins `room` through `url` as `player`, again and again (a node that
/// owned it may be dead or frozen) until welcomed or `bound` passed.
async fn rejoin(url: &str, room: &str, player: &str, bound: Duration) -> (Client, Joined) {
    let deadline = Instant::now() + bound;
    while Instant::now() < deadline {
        if let Ok(mut c) = Client::try_connect(url).await {
            c.send(&ClientMessage::Join(join_msg(room, player))).await;
            if let Some(Event::Frame(RelayMessage::Welcome(w))) =
                c.event_within(Duration::from_secs(4)).await
            {
                let joined = c.catch_up_after(w).await;
                return (c, joined);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{player} not back in {room} within {bound:?}");
}

/// The room's stored state, read through `url` by a fresh player.
async fn stored(url: &str, room: &str) -> (Seq, automerge::AutoCommit) {
    let (_, joined) = Client::join(url, join_msg(room, "checker")).await;
    (joined.head, doc_from(&joined))
}

/// Skips frames until one matches.
async fn expect(c: &mut Client, what: &str, pred: impl FnMut(&RelayMessage) -> bool) {
    let got = tokio::time::timeout(WAIT, c.recv_until(pred)).await;
    assert!(got.is_ok(), "{what}: not seen in time");
}

#[tokio::test]
async fn players_on_three_nodes_share_one_room() {
    let (_pg, nodes) = cluster();
    let (mut alice, joined) = Client::join(&nodes[0].ws_url(), join_msg("TRIO", "alice")).await;
    assert_eq!(joined.welcome.host, Some(pid("alice")));
    let (mut bob, joined) = Client::join(&nodes[1].ws_url(), join_msg("TRIO", "bob")).await;
    assert_eq!(
        joined.welcome.players.len(),
        2,
        "bob is seated beside alice"
    );
    let (mut carol, _) = Client::join(&nodes[2].ws_url(), join_msg("TRIO", "carol")).await;
    for c in [&mut alice, &mut bob] {
        expect(
            c,
            "carol joined",
            |m| matches!(m, RelayMessage::PlayerJoined(p) if p.id == pid("carol")),
        )
        .await;
    }

    // State: a write through any node reaches everyone, once.
    let mut doc = Doc::new();
    alice.publish(1, vec![doc.change("score", 1)]).await;
    for c in [&mut bob, &mut carol] {
        expect(c, "alice's change", |m| {
            matches!(m, RelayMessage::Changes { .. })
        })
        .await;
    }
    let mut bobs = Doc::new();
    let seq = bob.publish(1, vec![bobs.change("bob", 2)]).await;
    assert_eq!(seq, Seq(2));
    for c in [&mut alice, &mut carol] {
        expect(
            c,
            "bob's change",
            |m| matches!(m, RelayMessage::Changes { entries } if entries[0].seq == Seq(2)),
        )
        .await;
    }

    // Unreliable values.
    carol
        .send(&ClientMessage::Unreliable {
            target: StateTarget::Player(pid("carol")),
            key: "cursor".into(),
            value: Bytes::from_static(b"3,4"),
        })
        .await;
    for c in [&mut alice, &mut bob] {
        expect(c, "carol's cursor", |m| {
            matches!(m, RelayMessage::Unreliable(v) if v.sender == pid("carol") && v.key == "cursor")
        })
        .await;
    }

    // RPC to the host and its reply, across nodes.
    bob.send(&ClientMessage::Rpc {
        call: CallId(7),
        target: RpcTarget::Host,
        name: "roll".into(),
        payload: Bytes::new(),
        want_reply: true,
    })
    .await;
    expect(
        &mut alice,
        "bob's call",
        |m| matches!(m, RelayMessage::Rpc { call: CallId(7), from, .. } if *from == pid("bob")),
    )
    .await;
    alice
        .send(&ClientMessage::RpcReply {
            call: CallId(7),
            to: pid("bob"),
            outcome: RpcOutcome::Ok(Bytes::from_static(b"6")),
        })
        .await;
    expect(&mut bob, "alice's reply", |m| {
        matches!(m, RelayMessage::RpcReply { call: CallId(7), from, .. } if *from == pid("alice"))
    })
    .await;

    // Host transfer, then the new host (forwarded) kicks carol (forwarded).
    alice
        .send(&ClientMessage::TransferHost { to: pid("bob") })
        .await;
    for c in [&mut alice, &mut bob, &mut carol] {
        expect(
            c,
            "bob is host",
            |m| matches!(m, RelayMessage::HostChanged { host: Some(h) } if *h == pid("bob")),
        )
        .await;
    }
    bob.send(&ClientMessage::Kick {
        player: pid("carol"),
    })
    .await;
    assert_eq!(carol.expect_fatal().await.0, Some(ErrorCode::KICKED));
    expect(
        &mut alice,
        "carol left",
        |m| matches!(m, RelayMessage::PlayerLeft { player } if *player == pid("carol")),
    )
    .await;

    // Who holds what, and health.
    let expected = [
        (0, "coinop_leases_held", 1.0),
        (1, "coinop_leases_held", 0.0),
        (1, "coinop_forwarded_total", 1.0),
        (1, "coinop_forwarded_connections", 1.0),
    ];
    for (n, name, value) in expected {
        assert_eq!(
            metric(nodes[n].addr(), name).await,
            Some(value),
            "{name} of node {n}"
        );
    }
    // The inspector of any node lists the cluster's rooms by owner.
    let (status, body) = http_get(nodes[2].addr(), "/api/rooms", &[]).await;
    assert_eq!(status, 200);
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    let rooms = &report["cluster"]["rooms"];
    assert_eq!(rooms[0]["code"], "TRIO", "{report}");
    assert_eq!(rooms[0]["node"], nodes[0].addr().to_string());
    assert_eq!(rooms[0]["live"], true);
    assert_eq!(
        report["cluster"]["forwarded_total"], 1,
        "carol came through node 2"
    );
    for n in &nodes {
        assert_eq!(
            http_get(n.addr(), "/healthz", &[]).await,
            (200, "ok".into())
        );
    }
}

/// One writer through a failure: 50 changes, one publish in flight at a
/// time; unacked changes are sent again after a reconnect, which must take
/// less than `bound`. Returns the keys acked and how long each reconnect took.
async fn write_through_failover(
    url: String,
    room: String,
    acks: Arc<AtomicUsize>,
    bound: Duration,
) -> (Vec<String>, Vec<Duration>) {
    let player = format!("w{room}");
    let (mut c, _) = Client::join(&url, join_msg(&room, &player)).await;
    let mut doc = Doc::new();
    let (mut acked, mut pending, mut reconnects) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..50u64 {
        let key = format!("k{i}");
        pending.push((key.clone(), doc.change(&key, i as i64)));
        // Bounded: each turn either gets its ack or reconnects, and a
        // reconnect is bounded by `rejoin`.
        for _ in 0..10 {
            let changes = pending.iter().map(|(_, c)| c.clone()).collect();
            match c.publish_unless_closed(i, changes).await {
                Some(Ok(_)) => {
                    acked.extend(pending.drain(..).map(|(k, _)| k));
                    acks.fetch_add(1, SeqCst);
                    break;
                }
                Some(Err(code)) if !code.is_retryable() => {
                    panic!("{room}: publish {i} refused: {code:?}")
                }
                // Not stored (or not known to be): back in, and again.
                Some(Err(_)) | None => {
                    let lost = Instant::now();
                    c = rejoin(&url, &room, &player, bound).await.0;
                    reconnects.push(lost.elapsed());
                }
            }
        }
        assert!(pending.is_empty(), "{room}: publish {i} never acked");
    }
    (acked, reconnects)
}

/// Rooms owned by node 0 (an anchor player joined each there), each with
/// a writer connected through the node `via` picks.
struct Load {
    rooms: Vec<String>,
    anchors: Vec<Client>,
    acks: Arc<AtomicUsize>,
    writers: Vec<tokio::task::JoinHandle<(Vec<String>, Vec<Duration>)>>,
}

impl Load {
    async fn start(
        nodes: &[RelayProcess],
        rooms: usize,
        via: impl Fn(usize) -> usize,
        bound: Duration,
    ) -> Load {
        let rooms: Vec<String> = (0..rooms).map(|i| format!("L{i:02}")).collect();
        let mut anchors = Vec::new();
        for room in &rooms {
            let (anchor, _) = Client::join(&nodes[0].ws_url(), join_msg(room, "anchor")).await;
            anchors.push(anchor);
        }
        let acks = Arc::new(AtomicUsize::new(0));
        let writers = rooms
            .iter()
            .enumerate()
            .map(|(i, room)| {
                let url = nodes[via(i)].ws_url();
                tokio::spawn(write_through_failover(
                    url,
                    room.clone(),
                    acks.clone(),
                    bound,
                ))
            })
            .collect();
        Load {
            rooms,
            anchors,
            acks,
            writers,
        }
    }

    /// Waits (at most a minute) until `n` writes were acked; returns how many were.
    async fn acked_at_least(&self, n: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.acks.load(SeqCst) < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.acks.load(SeqCst)
    }

    /// Waits for the writers; checks every room through `url`; returns the
    /// reconnect times.
    async fn finish(self, url: &str) -> Vec<Duration> {
        let mut reconnects = Vec::new();
        let mut acked = Vec::new();
        for writer in self.writers {
            let (keys, times) = writer.await.unwrap();
            acked.push(keys);
            reconnects.extend(times);
        }
        drop(self.anchors);
        all_acked_stored_once(url, &self.rooms, &acked).await;
        reconnects
    }
}

#[tokio::test]
async fn sigkill_of_the_owner_loses_no_acked_write() {
    let (_pg, mut nodes) = cluster();
    // Node 0 owns every room; the writers come through nodes 1 and 2.
    let load = Load::start(&nodes, 20, |i| 1 + i % 2, failover_bound()).await;
    let killed_at = load.acked_at_least(300).await;
    nodes[0].kill();
    let mut reconnects = load.finish(&nodes[2].ws_url()).await;
    reconnects.sort();
    let max = reconnects.last().copied().unwrap_or_default();
    println!(
        "killed after {killed_at} of 1000 acks; {} reconnects, median {:?}, max {max:?}",
        reconnects.len(),
        reconnects
            .get(reconnects.len() / 2)
            .copied()
            .unwrap_or_default()
    );
    assert!(max <= failover_bound(), "a reconnect took {max:?}");
    let mut failovers = 0.0;
    for n in &nodes[1..] {
        failovers += metric(n.addr(), "coinop_failovers_total").await.unwrap();
    }
    assert_eq!(failovers, 20.0, "every room taken over once");
}

/// Every room holds its 50 changes, none twice, every acked one among them.
async fn all_acked_stored_once(url: &str, rooms: &[String], acked: &[Vec<String>]) {
    for (room, keys) in rooms.iter().zip(acked) {
        let (head, doc) = stored(url, room).await;
        assert_eq!(head, Seq(50), "{room}: 50 changes stored, none twice");
        for key in keys {
            let found = doc.get(automerge::ROOT, key.as_str()).unwrap();
            assert!(found.is_some(), "{room}: acked {key} lost");
        }
    }
}

#[tokio::test]
async fn a_database_outage_under_load_loses_no_acked_write() {
    let (mut pg, nodes) = cluster();
    let outage = Duration::from_secs(10);
    let load = Load::start(&nodes, 6, |i| i % 3, outage + failover_bound()).await;
    let stopped_at = load.acked_at_least(60).await;
    pg.stop().unwrap();
    let (status, body) = http_get(nodes[0].addr(), "/healthz", &[]).await;
    assert_eq!((status, body.as_str()), (503, "database unreachable\n"));
    tokio::time::sleep(outage).await;
    let during = load.acks.load(SeqCst) - stopped_at;
    // At most the commits in flight when it stopped.
    assert!(
        during <= load.rooms.len(),
        "{during} acks without a database"
    );
    pg.restart().unwrap();
    load.finish(&nodes[1].ws_url()).await;
    for n in &nodes {
        assert_eq!(http_get(n.addr(), "/healthz", &[]).await.0, 200);
    }
}

#[tokio::test]
async fn a_frozen_owner_is_fenced_and_no_replica_diverges() {
    let (_pg, nodes) = cluster();
    let (mut alice, _) = Client::join(&nodes[0].ws_url(), join_msg("STOP", "alice")).await;
    let (mut bob, _) = Client::join(&nodes[1].ws_url(), join_msg("STOP", "bob")).await;
    let (mut alices, mut bobs) = (Doc::new(), Doc::new());
    let a1 = alices.change("a1", 1);
    alice.publish(1, vec![a1.clone()]).await;
    expect(&mut bob, "a1", |m| {
        matches!(m, RelayMessage::Changes { .. })
    })
    .await;
    bobs.0.load_incremental(&a1).unwrap();

    nodes[0].pause();
    // Alice's next write waits in the frozen node's socket.
    let a2 = alices.change("a2", 2);
    alice
        .send(&ClientMessage::Publish {
            client_ref: 2,
            changes: vec![a2.clone()],
        })
        .await;
    // Bob gives up on the frozen node and comes back through node 2, which
    // takes the room over once node 0's lease ran out.
    drop(bob);
    let started = Instant::now();
    let (mut bob, _) = rejoin(&nodes[2].ws_url(), "STOP", "bob", failover_bound()).await;
    println!("bob back after {:?}", started.elapsed());
    bob.publish(1, vec![bobs.change("b1", 1)]).await;
    bob.publish(2, vec![bobs.change("b2", 2)]).await;

    nodes[0].resume();
    // The old owner stores and acks nothing more: alice's write is refused
    // and she is sent away.
    for _ in 0..100 {
        match alice.event().await {
            Event::Frame(RelayMessage::Ack { client_ref, .. }) => {
                panic!("the fenced node acked publish {client_ref}")
            }
            Event::Frame(_) => {}
            Event::Closed(_) => break,
        }
    }
    let (head, doc) = stored(&nodes[1].ws_url(), "STOP").await;
    assert_eq!(head, Seq(3));
    assert!(
        doc.get(automerge::ROOT, "a2").unwrap().is_none(),
        "a fenced write was stored"
    );
    assert_eq!(
        metric(nodes[0].addr(), "coinop_leases_held").await,
        Some(0.0)
    );

    // Alice comes back (through node 0, forwarded) and sends a2 again:
    // both replicas end the same.
    let (mut alice, joined) = rejoin(&nodes[0].ws_url(), "STOP", "alice", failover_bound()).await;
    for e in &joined.entries {
        alices.0.load_incremental(&e.change).unwrap();
    }
    alice.publish(3, vec![a2.clone()]).await;
    expect(&mut bob, "a2", |m| {
        matches!(m, RelayMessage::Changes { .. })
    })
    .await;
    bobs.0.load_incremental(&a2).unwrap();
    assert_eq!(alices.0.get_heads(), bobs.0.get_heads());
    let (head, _) = stored(&nodes[2].ws_url(), "STOP").await;
    assert_eq!(head, Seq(4));
}

/// Fails on any roster news (a seat taken or left, a new host) that
/// reaches `c` within `d`.
async fn expect_no_roster_news(c: &mut Client, who: &str, d: Duration) {
    let deadline = Instant::now() + d;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match c.event_within(left).await {
            Some(Event::Frame(
                m @ (RelayMessage::PlayerJoined(_)
                | RelayMessage::PlayerLeft { .. }
                | RelayMessage::HostChanged { .. }),
            )) => panic!("{who} saw {m:?} during the move"),
            Some(Event::Closed(code)) => panic!("{who} was closed ({code:?})"),
            Some(Event::Frame(_)) => {}
            None => return,
        }
    }
}

#[tokio::test]
async fn a_drained_node_hands_its_rooms_over_at_once() {
    let (_pg, mut nodes) = cluster();
    let (mut alice, _) = Client::join(&nodes[0].ws_url(), join_msg("DRAIN", "alice")).await;
    let (mut bob, _) = Client::join(&nodes[1].ws_url(), join_msg("DRAIN", "bob")).await;
    let (mut carol, _) = Client::join(&nodes[2].ws_url(), join_msg("DRAIN", "carol")).await;
    alice.publish(1, vec![Doc::new().change("a", 1)]).await;
    expect(&mut bob, "a", |m| matches!(m, RelayMessage::Changes { .. })).await;

    let started = Instant::now();
    assert!(nodes[0].terminate(Duration::from_secs(10)), "clean exit");
    // Everyone is sent away (bob and carol through their nodes), and is
    // back well within the lease time: the stopping node gave its lease back.
    for c in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(c.expect_fatal().await.0, Some(ErrorCode::SHUTTING_DOWN));
    }
    let mut back = Vec::new();
    for (url, player) in [
        (nodes[1].ws_url(), "bob"),
        (nodes[2].ws_url(), "carol"),
        (nodes[2].ws_url(), "alice"),
    ] {
        let (c, joined) = rejoin(&url, "DRAIN", player, failover_bound()).await;
        // The seats moved with the room: whoever comes back first finds
        // the others seated (in their grace period), under the same host.
        let seated: Vec<_> = joined
            .welcome
            .players
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        assert_eq!(seated, ["alice", "bob", "carol"], "{player}'s welcome");
        assert_eq!(
            joined.welcome.host,
            Some(pid("alice")),
            "{player}'s welcome"
        );
        assert_eq!(joined.head, Seq(1));
        back.push((player, c));
    }
    let took = started.elapsed();
    println!("all back {took:?} after SIGTERM");
    assert!(took < Duration::from_millis(LEASE_MS), "{took:?}");
    // No leave or join reaches anyone, not even once the grace period
    // (3 s) of the seats that came over has run out.
    for (player, c) in &mut back {
        expect_no_roster_news(c, player, Duration::from_millis(1000)).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for (player, c) in &mut back {
        expect_no_roster_news(c, player, Duration::from_millis(300)).await;
    }
    for n in &nodes[1..] {
        let failovers = metric(n.addr(), "coinop_failovers_total").await;
        assert_eq!(failovers, Some(0.0), "handed over, not taken over");
    }
}

/// One fan-out run of the figures: a writer on node 0 (the owner) publishes
/// `UPDATES` changes, paced, to `RECEIVERS` players connected to
/// `nodes[via]`. Returns every delivery's latency and the CPU time each
/// node used.
async fn fan_out(nodes: &[RelayProcess], room: &str, via: usize) -> (Vec<Duration>, Vec<Duration>) {
    const RECEIVERS: usize = 8;
    const UPDATES: u64 = 300;
    let (mut writer, _) = Client::join(&nodes[0].ws_url(), join_msg(room, "writer")).await;
    let sent: Arc<std::sync::Mutex<Vec<Instant>>> = Arc::default();
    let mut receivers = Vec::new();
    for r in 0..RECEIVERS {
        let url = nodes[via].ws_url();
        let (mut c, _) = Client::join(&url, join_msg(room, &format!("r{r}"))).await;
        let sent = sent.clone();
        receivers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while latencies.len() < UPDATES as usize {
                let Some(Event::Frame(m)) = c.event_within(WAIT).await else {
                    break;
                };
                if let RelayMessage::Changes { entries } = m {
                    let now = Instant::now();
                    let sent = sent.lock().unwrap();
                    for e in entries {
                        let i = usize::try_from(e.seq.0 - 1).unwrap();
                        latencies.push(now - sent[i]);
                    }
                }
            }
            latencies
        }));
    }
    let cpu = || -> Vec<Duration> { nodes.iter().map(|n| n.cpu_time().unwrap()).collect() };
    let before = cpu();
    let mut doc = Doc::new();
    for i in 0..UPDATES {
        let change = doc.change("x", i as i64);
        sent.lock().unwrap().push(Instant::now());
        writer
            .send(&ClientMessage::Publish {
                client_ref: i,
                changes: vec![change],
            })
            .await;
        tokio::time::sleep(Duration::from_millis(6)).await;
    }
    let mut latencies = Vec::new();
    for r in receivers {
        latencies.extend(r.await.unwrap());
    }
    assert_eq!(latencies.len(), RECEIVERS * UPDATES as usize);
    let used = cpu().iter().zip(&before).map(|(a, b)| *a - *b).collect();
    (latencies, used)
}

/// Figures for BENCHMARKS.md: fan-out latency to players on the owner node
/// and to players forwarded from another node, and the nodes' CPU per
/// delivered update. `cargo test -p coinop-relay --test cluster --
/// --ignored --nocapture` (with `COINOP_RELAY_BIN` naming a release build
/// for figures worth comparing).
#[tokio::test]
#[ignore = "measurement, run by hand"]
async fn figures_cross_node_fan_out() {
    let (_pg, nodes) = cluster();
    for (room, via, what) in [("SAME", 0, "same node"), ("CROSS", 1, "forwarded")] {
        let (mut latencies, per_node) = fan_out(&nodes, room, via).await;
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        let cpu: Duration = per_node.iter().sum();
        let per_update = cpu / u32::try_from(latencies.len()).unwrap();
        println!(
            "{what}: {} deliveries, latency median {:?} p99 {:?} max {:?}; nodes' CPU {cpu:?} \
             (owner, forwarder, idle node: {per_node:?}), {per_update:?} per delivered update",
            latencies.len(),
            at(0.5),
            at(0.99),
            at(1.0),
        );
    }
}

/// How many rows the database holds of `room` (settings, log, index).
async fn rows_of(url: &str, room: &str) -> i64 {
    let (url, room) = (url.to_owned(), room.to_owned());
    // The blocking client runs a runtime of its own: off this one.
    tokio::task::spawn_blocking(move || {
        let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let row = db
            .query_one(
                "SELECT (SELECT count(*) FROM coinop_rooms WHERE code = $1)
                      + (SELECT count(*) FROM coinop_log WHERE room = $1)
                      + (SELECT count(*) FROM coinop_player_rooms WHERE room = $1)",
                &[&room],
            )
            .unwrap();
        row.get(0)
    })
    .await
    .unwrap()
}

/// A room nobody uses expires in a cluster too: once unloaded, a node's
/// sweep takes its lease (its rows are fenced by it) and deletes it.
#[tokio::test]
async fn an_untouched_room_expires_in_a_cluster() {
    let pg = Postgres::start().expect("PostgreSQL is needed for cluster mode's tests");
    let ttl = ["--room-ttl-secs", "1", "--room-sweep-secs", "1"];
    let nodes: Vec<_> = (0..2)
        .map(|_| node_with(&pg.url(), STEADY_LEASE_MS, &ttl))
        .collect();
    let join = join_msg("GONE", "alice").with_grace_period_ms(0);
    let (mut alice, _) = Client::join(&nodes[0].ws_url(), join).await;
    alice.publish(1, vec![Doc::new().change("round", 1)]).await;
    assert!(rows_of(&pg.url(), "GONE").await > 0);
    alice.send(&ClientMessage::Leave).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while rows_of(&pg.url(), "GONE").await > 0 {
        assert!(Instant::now() < deadline, "the room did not expire");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let join = join_msg("GONE", "bob").with_only_existing(true);
    let (_, first) = Client::try_join(&nodes[1].ws_url(), join).await;
    assert!(
        matches!(
            first,
            Event::Frame(RelayMessage::Error {
                code: ErrorCode::ROOM_NOT_FOUND,
                ..
            })
        ),
        "{first:?}"
    );
}
