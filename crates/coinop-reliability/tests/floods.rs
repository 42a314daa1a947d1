//! Floods against the real relay binary: reliable and unreliable message
//! floods, a document-growth bomb, and a flood of distinct room ids. The
//! limits hold, the flooder gets its error code, and a bystander room's
//! publish→ack latency stays close to a baseline measured in the same test.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_harness::{Client, Doc, Event, RelayProcess, big_change, join_msg, metric};
use coinop_protocol::{
    Bytes, ClientMessage, ErrorCode, Join, RelayMessage, RoomCode, RoomRequest, StateTarget,
};
use coinop_reliability::{Latencies, LatencyProbe, Scale, on_own_thread, serial};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// The most a flood lasts; it normally stops when the bystander is done.
const MAX_FLOOD: Duration = Duration::from_secs(60);
const PER_SEC: u64 = 10_000;
/// Bystander samples before and during each flood. A p99 of 1,000 samples
/// rests on its 10 slowest, not on one or two as a p99 of 200 would.
const SAMPLES: usize = 1_000;
/// Between the bystander's publishes: under 200 a second, the default
/// reliable rate limit.
const GAP: Duration = Duration::from_millis(5);

fn relay(extra: &[&str]) -> RelayProcess {
    let patience = [
        "--rate-limit-patience-secs",
        "2",
        "--idle-timeout-secs",
        "30",
    ];
    support::start_relay(&patience, extra)
}

/// The bystander's p99 may rise by 20 %, plus 20 ms of scheduling noise:
/// the flooder, the relay and the probe share 2 cores.
fn assert_bystander_unaffected(what: &str, before: &Latencies, during: &Latencies) {
    assert_bystander_within(what, before, during, Duration::from_millis(20));
}

fn assert_bystander_within(what: &str, before: &Latencies, during: &Latencies, slack: Duration) {
    let ratio = during.p99().as_secs_f64() / before.p99().as_secs_f64().max(1e-6);
    eprintln!("{what}: bystander before {before}; during {during}; p99 ratio {ratio:.2}");
    let allowed = before.p99().mul_f64(1.2) + slack;
    assert!(
        during.p99() <= allowed,
        "{what}: bystander p99 {:?} > allowed {allowed:?}",
        during.p99()
    );
}

/// The bystander in `room` and its baseline. Half as many publishes first,
/// so that the relay's compaction of the bystander's own room (every 1,000
/// changes) falls once into the baseline and once into the flood, not only
/// into the flood.
async fn bystander(url: &str, room: &str) -> (LatencyProbe, Latencies) {
    let mut probe = LatencyProbe::start(url, room).await;
    probe.measure(SAMPLES / 2, GAP).await;
    let before = probe.measure(SAMPLES, GAP).await;
    (probe, before)
}

/// Set by the test when the bystander has measured; ends the flood.
#[derive(Clone, Default)]
struct Stop(Arc<AtomicBool>);

impl Stop {
    fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What one flooding connection saw.
struct Flooded {
    sent: u64,
    frames: Vec<RelayMessage>,
    /// The fatal error code, and how long after the flood began it came.
    fatal: Option<(ErrorCode, Duration)>,
    /// How long the flood went on.
    lasted: Duration,
}

/// Sends `make(i)` at `PER_SEC` until `stop` (or `MAX_FLOOD`), the socket
/// fails, or it blocks past the deadline, while counting what comes back.
async fn flood(
    client: Client,
    stop: &Stop,
    make: &mut impl FnMut(u64) -> ClientMessage,
) -> Flooded {
    let (mut sink, mut stream) = client.ws.split();
    let started = Instant::now();
    let deadline = started + MAX_FLOOD;
    let reader = tokio::spawn(async move {
        let mut frames = Vec::new();
        let mut fatal = None;
        // Until the relay closes, or a second passes without a frame after
        // the flood ends (the relay never closes an unreliable flooder).
        while let Ok(Some(Ok(msg))) = tokio::time::timeout(
            (deadline + Duration::from_secs(1)).saturating_duration_since(Instant::now()),
            stream.next(),
        )
        .await
        {
            if let Message::Binary(b) = msg {
                let m = RelayMessage::decode(&b).expect("relay frames decode");
                if let RelayMessage::Error {
                    code, fatal: true, ..
                } = &m
                {
                    fatal = Some((*code, started.elapsed()));
                }
                frames.push(m);
            }
        }
        (frames, fatal)
    });
    let mut sent = 0u64;
    'flood: while !stop.is_set() && Instant::now() < deadline {
        // Catch up with the schedule: PER_SEC messages per second.
        let due = (started.elapsed().as_secs_f64() * PER_SEC as f64) as u64;
        while sent < due {
            let frame = Message::Binary(make(sent).encode().into());
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, sink.feed(frame)).await {
                Ok(Ok(())) => sent += 1,
                _ => break 'flood,
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if !matches!(tokio::time::timeout(left, sink.flush()).await, Ok(Ok(()))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let lasted = started.elapsed();
    let _ = sink.close().await;
    let (frames, fatal) = reader.await.unwrap();
    Flooded {
        sent,
        frames,
        fatal,
        lasted,
    }
}

/// Connects and sends `join`; the client and the relay's first answer, or
/// `None` when the per-address connection limit refuses the connection
/// (HTTP 429).
async fn join_unless_limited(url: &str, join: Join) -> Option<(Client, Event)> {
    let mut c = match Client::try_connect(url).await {
        Ok(c) => c,
        Err(WsError::Http(resp)) if resp.status() == 429 => return None,
        Err(e) => panic!("flooder's connection: {e}"),
    };
    c.send(&ClientMessage::Join(join)).await;
    let first = c.event().await;
    Some((c, first))
}

/// The flooder's next connection: `None` when the relay refuses it (HTTP
/// 429 from the per-address limit, or `RATE_LIMITED` at the join).
async fn rejoin(url: &str) -> Option<Client> {
    match join_unless_limited(url, join_msg("FLOOD", "flooder")).await? {
        (c, Event::Frame(RelayMessage::Welcome(_))) => Some(c),
        (_, Event::Frame(RelayMessage::Error { code, .. })) if code == ErrorCode::RATE_LIMITED => {
            None
        }
        (_, other) => panic!("flooder's rejoin: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reliable_flood_is_throttled_then_rate_limited() {
    let _serial = serial().await;
    // The flooder is treated as a remote client: its address has the
    // default new-connection limit.
    let relay = relay(&["--limit-loopback-connections"]);
    let url = relay.ws_url();
    let (mut probe, before) = bystander(&url, "CALM1").await;
    let (flood_url, stop) = (url.clone(), Stop::default());
    let flooder_stop = stop.clone();
    let flooding = on_own_thread(move || async move {
        let mut doc = Doc::new();
        let mut make = move |i: u64| ClientMessage::Publish {
            client_ref: i,
            changes: vec![doc.change("n", i as i64)],
        };
        let (flooder, _) = Client::join(&flood_url, join_msg("FLOOD", "flooder")).await;
        let first = flood(flooder, &flooder_stop, &mut make).await;
        // A real attacker comes back at once, and keeps coming back while
        // the bystander measures: refused at the join during the cooldown,
        // or by the per-address connection limit, it tries again.
        let (mut rejoins, mut refused) = (0u32, 0u32);
        while !flooder_stop.is_set() {
            match rejoin(&flood_url).await {
                Some(flooder) => {
                    flood(flooder, &flooder_stop, &mut make).await;
                    rejoins += 1;
                }
                None => refused += 1,
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        (first, rejoins, refused)
    });
    let during = probe.measure(SAMPLES, GAP).await;
    stop.set();
    let (first, rejoins, refused) = flooding.await.unwrap();
    let acks = first
        .frames
        .iter()
        .filter(|m| matches!(m, RelayMessage::Ack { .. }))
        .count() as u64;
    let fatal = first.fatal;
    eprintln!(
        "reliable flood: first connection offered {}, acked {acks}, fatal {fatal:?}; then {rejoins} rejoins, {refused} refused",
        first.sent
    );
    let (code, after) = fatal.expect("the flooder was closed");
    assert_eq!(code, ErrorCode::RATE_LIMITED);
    // Throttled from the first second on, closed after 2 s of patience.
    assert!(
        after < Duration::from_secs(6),
        "closed only after {after:?}"
    );
    // Default limits: 200/s sustained, burst 400.
    let allowed = 400.0 + 200.0 * after.as_secs_f64() * 1.1;
    assert!((acks as f64) <= allowed, "{acks} acked in {after:?}");
    assert_bystander_unaffected("reliable flood", &before, &during);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreliable_flood_is_dropped_not_queued() {
    let _serial = serial().await;
    let relay = relay(&[]);
    let url = relay.ws_url();
    let (mut probe, before) = bystander(&url, "CALM2").await;
    let (mut watcher, _) = Client::join(&url, join_msg("SPRAY", "watcher")).await;
    let (flood_url, stop) = (url.clone(), Stop::default());
    let flooder_stop = stop.clone();
    let flooding = on_own_thread(move || async move {
        let (flooder, _) = Client::join(&flood_url, join_msg("SPRAY", "sprayer")).await;
        let value = Bytes::from(vec![7u8; 64]);
        let mut make = move |i: u64| ClientMessage::Unreliable {
            target: StateTarget::Room,
            // A presence flood: many keys, as cursors of many widgets would be.
            key: format!("cursor-{}", i % 500),
            value: value.clone(),
        };
        flood(flooder, &flooder_stop, &mut make).await
    });
    let during = probe.measure(SAMPLES, GAP).await;
    stop.set();
    let Flooded {
        sent,
        fatal,
        lasted,
        ..
    } = flooding.await.unwrap();
    let mut seen = 0u64;
    while let Some(Event::Frame(m)) = watcher.event_within(Duration::from_millis(500)).await {
        if matches!(m, RelayMessage::Unreliable(_)) {
            seen += 1;
        }
    }
    let dropped = metric(relay.addr(), "coinop_unreliable_dropped_total")
        .await
        .unwrap();
    eprintln!("unreliable flood: offered {sent}, forwarded {seen}, dropped {dropped}");
    assert_eq!(fatal, None, "an unreliable flood is dropped, not punished");
    // Default limits: 120/s sustained, burst 240.
    assert!(
        seen <= 240 + 120 * (lasted.as_secs() + 2),
        "{seen} forwarded"
    );
    assert!(
        dropped >= (sent - seen) as f64 * 0.5,
        "excess not counted as dropped"
    );
    assert!(sent > 2 * seen, "the flood was not a flood: {sent} sent");
    assert_bystander_unaffected("unreliable flood", &before, &during);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_growth_bomb_gets_room_too_large() {
    let _serial = serial().await;
    const LIMIT: u64 = 1024 * 1024;
    let relay = relay(&["--max-room-bytes", "1048576"]);
    let url = relay.ws_url();
    let (mut probe, before) = bystander(&url, "CALM3").await;
    let (bomb_url, stop) = (url.clone(), Stop::default());
    let bomber_stop = stop.clone();
    let bombing = on_own_thread(move || async move {
        let (mut bomber, _) = Client::join(&bomb_url, join_msg("BOMB", "bomber")).await;
        let (mut acked_bytes, mut refused, mut refusals) = (0u64, None, 0u32);
        let mut i = 0u64;
        // 64 KiB changes until the room is full, then more of them, 100/s
        // (inside the message rate limit), while the bystander measures.
        while !bomber_stop.is_set() && i < 10_000 {
            let change = big_change(64 * 1024, i);
            let len = change.len() as u64;
            match bomber.try_publish(i, vec![change]).await {
                Ok(_) => acked_bytes += len,
                Err(code) => {
                    refused.get_or_insert(code);
                    refusals += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            i += 1;
        }
        // The error is not fatal: the bomber is still served.
        bomber.send(&ClientMessage::Ping { client_time: 1 }).await;
        bomber
            .recv_until(|m| matches!(m, RelayMessage::Pong { .. }))
            .await;
        (acked_bytes, refused, refusals)
    });
    let during = probe.measure(SAMPLES, GAP).await;
    stop.set();
    let (acked_bytes, refused, refusals) = bombing.await.unwrap();
    eprintln!(
        "growth bomb: {acked_bytes} bytes acked, then {refused:?} ×{refusals} (limit {LIMIT})"
    );
    assert_eq!(refused, Some(ErrorCode::ROOM_TOO_LARGE));
    assert!(acked_bytes <= LIMIT && acked_bytes > LIMIT / 2);
    // What is stored is what was acked, no more.
    let (_, joined) = Client::join(&url, join_msg("BOMB", "auditor")).await;
    let stored: u64 = joined.entries.iter().map(|e| e.change.len() as u64).sum();
    let snap = joined.snapshot.map_or(0, |(_, d)| d.len() as u64);
    assert!(stored + snap <= LIMIT, "{} bytes stored", stored + snap);
    assert_bystander_unaffected("growth bomb", &before, &during);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distinct_room_id_flood_hits_too_many_rooms() {
    let _serial = serial().await;
    let scale = Scale::from_env();
    let (attempts, max_rooms) = scale.pick((3_000u64, 200u64), (100_000, 10_000));
    let max_arg = max_rooms.to_string();
    // Enough connections for every room and as many refusals again; past
    // that the flooder's address gets 429 before the relay reads a byte.
    let burst = (2 * max_rooms).to_string();
    let relay = relay(&[
        "--max-rooms",
        &max_arg,
        "--limit-loopback-connections",
        "--connections-per-ip-burst",
        &burst,
    ]);
    let url = relay.ws_url();
    let (mut probe, before) = bystander(&url, "CALM4").await;
    let started = Instant::now();
    let stop = Stop::default();
    let workers: Vec<_> = (0..8u64)
        .map(|w| {
            let (url, stop) = (url.clone(), stop.clone());
            on_own_thread(move || async move {
                let (mut ok, mut full, mut limited) = (0u64, 0u64, 0u64);
                // At least `attempts` ids, and new ones for as long as the
                // bystander measures (at most three times as many: each
                // refused connection leaves a port in TIME_WAIT).
                let more = move |i: &u64| *i < attempts || (!stop.is_set() && *i < 3 * attempts);
                for i in (w..).step_by(8).take_while(more) {
                    let mut join = join_msg("XXXX", "roomer");
                    join.room = RoomRequest::Code(RoomCode::new(format!("R{i}")).unwrap());
                    // Rooms stay loaded after the roomer leaves.
                    join.grace_period_ms = Some(600_000);
                    let Some((_c, first)) = join_unless_limited(&url, join).await else {
                        limited += 1;
                        continue;
                    };
                    match first {
                        Event::Frame(RelayMessage::Welcome(_)) => ok += 1,
                        Event::Frame(RelayMessage::Error { code, .. })
                            if code == ErrorCode::TOO_MANY_ROOMS =>
                        {
                            full += 1
                        }
                        other => panic!("join {i}: {other:?}"),
                    }
                }
                (ok, full, limited)
            })
        })
        .collect();
    // The bystander measures while the flood lasts (bounded: the full-size
    // flood takes well under 10 minutes).
    let mut during = Latencies::default();
    let flood_started = Instant::now();
    while during.len() < SAMPLES
        || (!workers.iter().all(|w| !w.is_empty() || w.is_terminated())
            && flood_started.elapsed() < Duration::from_secs(600))
    {
        during.extend(&probe.measure(20, GAP).await);
        if during.len() >= SAMPLES {
            stop.set();
        }
    }
    let (mut ok, mut full, mut limited) = (0, 0, 0);
    for w in workers {
        let (a, b, c) = w.await.unwrap();
        ok += a;
        full += b;
        limited += c;
    }
    let rooms = metric(relay.addr(), "coinop_rooms").await.unwrap();
    let refused = metric(relay.addr(), "coinop_connections_refused_total")
        .await
        .unwrap();
    let made = ok + full + limited;
    eprintln!(
        "room flood: {made} ids in {:?}: {ok} opened, {full} TOO_MANY_ROOMS, {limited} HTTP 429, {rooms} loaded (max {max_rooms})",
        started.elapsed()
    );
    assert!((attempts..=3 * attempts).contains(&made), "{made} ids");
    assert!(ok < max_rooms, "the bystander holds one room");
    assert!(rooms <= max_rooms as f64);
    assert!(full >= 1, "the room limit was reached");
    assert!(limited >= made - 2 * max_rooms - 200, "{limited} limited");
    assert_eq!(refused, limited as f64);
    probe.measure(5, Duration::ZERO).await;
    assert_bystander_within("room flood", &before, &during, Duration::from_millis(20));
}
