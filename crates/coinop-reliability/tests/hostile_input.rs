//! Hostile input against the real relay binary: oversized and endless
//! frames, huge and slow HTTP handshakes, connections that never upgrade,
//! sockets that go silent. Each is closed by its limit or timeout, the
//! relay's memory stays bounded, and a bystander room is unaffected.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_harness::{Client, Doc, RelayProcess, join_msg};
use coinop_protocol::{ClientMessage, ErrorCode};
use coinop_reliability::raw_ws::{self, BINARY, CONTINUATION};
use coinop_reliability::{LatencyProbe, Scale, serial};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const FRAME_LIMIT: usize = 1024 * 1024;
/// Most the relay's RSS may grow over its idle size during an attack.
const RSS_BUDGET_KIB: u64 = 96 * 1024;

fn relay() -> RelayProcess {
    let short_timeouts = [
        "--handshake-timeout-secs",
        "2",
        "--idle-timeout-secs",
        "3",
        "--reliable-per-sec",
        "100000",
        "--reliable-burst",
        "100000",
    ];
    support::start_relay(&short_timeouts, &[])
}

/// The relay's memory grew by less than [`RSS_BUDGET_KIB`] from `idle`.
fn assert_rss_within_budget(idle: u64, peak: u64) {
    let grew = peak.saturating_sub(idle);
    assert!(grew < RSS_BUDGET_KIB, "RSS grew by {grew} KiB");
}

/// After an attack: the relay's memory stayed within budget, and the
/// bystander is still served.
async fn assert_unharmed(idle: u64, peak: u64, bystander: &mut LatencyProbe) {
    assert_rss_within_budget(idle, peak);
    bystander.measure(10, Duration::ZERO).await;
}

fn rss(relay: &RelayProcess) -> u64 {
    relay.rss_kib().expect("VmRSS readable")
}

/// Sends a frame header announcing `len` bytes, then streams the payload
/// until the relay stops taking it (or all of it is sent).
async fn send_oversized(relay: &RelayProcess, len: u64) -> raw_ws::Ending {
    let (mut s, status) = raw_ws::upgrade(relay.addr(), &[]).await.unwrap();
    assert_eq!(status, 101);
    let join = ClientMessage::Join(join_msg("HOST1", &format!("big-{len}"))).encode();
    s.write_all(&raw_ws::frame(BINARY, true, &join))
        .await
        .unwrap();
    let _ = s.write_all(&raw_ws::header(BINARY, true, len)).await;
    let chunk = vec![0x55u8; 256 * 1024];
    let mut sent = 0u64;
    let started = Instant::now();
    while sent < len && started.elapsed() < Duration::from_secs(20) {
        let n = chunk.len().min((len - sent) as usize);
        match tokio::time::timeout(Duration::from_secs(2), s.write_all(&chunk[..n])).await {
            Ok(Ok(())) => sent += n as u64,
            _ => break,
        }
    }
    raw_ws::read_ending(&mut s, Duration::from_secs(10)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frames_are_cut_at_the_limit() {
    let _serial = serial().await;
    let relay = relay();
    let mut probe = LatencyProbe::start(&relay.ws_url(), "CALM1").await;
    let before = probe.measure(30, Duration::ZERO).await;
    let idle_rss = rss(&relay);
    let mut peak = idle_rss;
    for len in [FRAME_LIMIT as u64 + 1, 16 << 20, 64 << 20] {
        let ending = send_oversized(&relay, len).await;
        assert_eq!(
            ending.error,
            Some(ErrorCode::FRAME_TOO_LARGE),
            "{len}: {ending:?}"
        );
        assert_eq!(ending.close_code, Some(1009), "{len}: {ending:?}");
        assert!(ending.closed, "{len}: the relay kept the socket open");
        peak = peak.max(rss(&relay));
    }
    let after = probe.measure(30, Duration::ZERO).await;
    eprintln!(
        "oversized: rss idle={idle_rss}KiB peak={peak}KiB; bystander before {before}, after {after}"
    );
    assert_rss_within_budget(idle_rss, peak);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_fragmented_message_is_cut_at_the_limit() {
    let _serial = serial().await;
    let relay = relay();
    let mut probe = LatencyProbe::start(&relay.ws_url(), "CALM2").await;
    let idle_rss = rss(&relay);
    let (mut s, status) = raw_ws::upgrade(relay.addr(), &[]).await.unwrap();
    assert_eq!(status, 101);
    let join = ClientMessage::Join(join_msg("HOST2", "fragments")).encode();
    s.write_all(&raw_ws::frame(BINARY, true, &join))
        .await
        .unwrap();
    // A message that never ends: 64 KiB fragments, FIN never set.
    let piece = vec![0x01u8; 64 * 1024];
    let mut sent = 0usize;
    let started = Instant::now();
    let mut opcode = BINARY;
    while sent < 64 * FRAME_LIMIT && started.elapsed() < Duration::from_secs(20) {
        let f = raw_ws::frame(opcode, false, &piece);
        opcode = CONTINUATION;
        match tokio::time::timeout(Duration::from_secs(2), s.write_all(&f)).await {
            Ok(Ok(())) => sent += piece.len(),
            _ => break,
        }
    }
    let ending = raw_ws::read_ending(&mut s, Duration::from_secs(10)).await;
    let peak = rss(&relay);
    eprintln!(
        "fragments: sent {} KiB before the cut; {ending:?}; rss idle={idle_rss}KiB peak={peak}KiB",
        sent / 1024
    );
    assert_eq!(ending.error, Some(ErrorCode::FRAME_TOO_LARGE));
    assert!(ending.closed);
    assert!(
        sent < 64 * FRAME_LIMIT,
        "the relay took {sent} bytes of one message"
    );
    assert_unharmed(idle_rss, peak, &mut probe).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_and_slow_handshakes_are_refused() {
    let _serial = serial().await;
    let relay = relay();
    // A request head over the 16 KiB cap: 431.
    let mut s = tokio::net::TcpStream::connect(relay.addr()).await.unwrap();
    let mut req = String::from("GET /ws HTTP/1.1\r\nHost: test\r\n");
    for i in 0..40 {
        req.push_str(&format!("X-Filler-{i}: {}\r\n", "a".repeat(1000)));
    }
    let _ = s.write_all(req.as_bytes()).await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read_to_end(&mut s, &mut reply),
    )
    .await;
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 431"), "got {text:?}");

    // One byte per 500 ms, never finishing: cut by the 2 s handshake timeout.
    let mut s = tokio::net::TcpStream::connect(relay.addr()).await.unwrap();
    let started = Instant::now();
    let slow = b"GET /ws HTTP/1.1\r\nHost: test\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut cut_after = None;
    for b in slow {
        if s.write_all(&[*b]).await.is_err() {
            cut_after = Some(started.elapsed());
            break;
        }
        let mut probe = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(500), s.peek(&mut probe)).await
        {
            cut_after = Some(started.elapsed());
            break;
        }
    }
    let cut_after = cut_after.expect("the relay never cut the slow handshake");
    eprintln!("slow handshake cut after {cut_after:?} (timeout 2 s)");
    assert!(cut_after >= Duration::from_millis(1500) && cut_after < Duration::from_secs(6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_never_upgrade_are_closed() {
    let _serial = serial().await;
    let scale = Scale::from_env();
    let n = scale.pick(2_000, 2_000);
    let relay = relay();
    let mut probe = LatencyProbe::start(&relay.ws_url(), "CALM3").await;
    let before = probe.measure(50, Duration::ZERO).await;
    let idle_rss = rss(&relay);
    let mut socks = Vec::with_capacity(n);
    let mut last_word = Instant::now();
    for _ in 0..n {
        // The bystander keeps talking while the sockets open: on a busy
        // machine the relay accepts them slower than they come, a connect
        // past the listen backlog waits for the SYN's resend (1 s), and
        // the whole loop can outlast the relay's 3 s idle timeout.
        if last_word.elapsed() > Duration::from_millis(500) {
            probe.measure(1, Duration::ZERO).await;
            last_word = Instant::now();
        }
        let mut s = tokio::net::TcpStream::connect(relay.addr()).await.unwrap();
        // Half send a partial head, half nothing at all.
        if socks.len() % 2 == 0 {
            s.write_all(b"GET /ws HTTP/1.1\r\n").await.unwrap();
        }
        socks.push(s);
    }
    let during = probe.measure(50, Duration::ZERO).await;
    let loaded_rss = rss(&relay);
    // All are closed by the 2 s handshake timeout.
    let started = Instant::now();
    let mut open = n;
    while open > 0 && started.elapsed() < Duration::from_secs(15) {
        // The bystander keeps talking (the relay's idle timeout is 3 s).
        probe.measure(2, Duration::from_millis(100)).await;
        // Without waiting on any socket: a wait per open socket would keep
        // the bystander silent for seconds, past its own idle timeout. And
        // outside tokio's task budget, which would make every poll after
        // the 128th look pending.
        let count_open = async { socks.iter().filter(|s| !closed_now(s)).count() };
        open = tokio::task::unconstrained(count_open).await;
    }
    eprintln!(
        "{n} idle TCP connections: all closed after {:?}; rss idle={idle_rss}KiB with them={loaded_rss}KiB; bystander before {before}, during {during}",
        started.elapsed()
    );
    assert_eq!(open, 0, "{open} of {n} connections still open");
    assert_unharmed(idle_rss, loaded_rss, &mut probe).await;
}

/// Whether the relay has closed `s` (EOF or reset), as far as the runtime
/// has seen so far; never waits. Run it within `unconstrained`.
fn closed_now(s: &tokio::net::TcpStream) -> bool {
    let mut b = [0u8; 1];
    let mut peek = std::pin::pin!(s.peek(&mut b));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    matches!(
        peek.as_mut().poll(&mut cx),
        std::task::Poll::Ready(Ok(0) | Err(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_sockets_are_closed_by_the_idle_timeout() {
    let _serial = serial().await;
    let relay = relay();
    let url = relay.ws_url();
    // Joined, then silent: no message, no pong.
    let (mut silent, _) = Client::join(&url, join_msg("QUIET", "silent")).await;
    let started = Instant::now();
    let (code, close) = silent.expect_fatal().await;
    let after = started.elapsed();
    eprintln!("silent socket closed after {after:?} with {code:?}/{close:?} (idle timeout 3 s)");
    assert_eq!(code, Some(ErrorCode::IDLE_TIMEOUT));
    assert!(after >= Duration::from_secs(2) && after < Duration::from_secs(8));
    // A raw socket that upgraded but never sends its join: handshake timeout.
    let (mut s, status) = raw_ws::upgrade(relay.addr(), &[]).await.unwrap();
    assert_eq!(status, 101);
    let ending = raw_ws::read_ending(&mut s, Duration::from_secs(8)).await;
    assert_eq!(ending.error, Some(ErrorCode::HANDSHAKE_TIMEOUT));
    assert!(ending.closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_that_break_the_automerge_parser_are_refused() {
    let _serial = serial().await;
    let relay = relay();
    let url = relay.ws_url();
    let idle_rss = rss(&relay);
    // Found by the `room_load` fuzz target: automerge 0.12 panics on the
    // first and tries to allocate 2 GiB for the second.
    let mut poisons = Vec::new();
    for name in ["bundle-decoder-panic", "bundle-2gib-allocation"] {
        let saved = format!(
            "{}/../../relay/fuzz/regressions/room_load-automerge-{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        poisons.push(std::fs::read(saved).unwrap()[3..].to_vec());
    }
    let (mut mallory, _) = Client::join(&url, join_msg("POISON", "mallory")).await;
    let (mut alice, _) = Client::join(&url, join_msg("POISON", "alice")).await;
    for i in 0..20 {
        let poison = poisons[i as usize % poisons.len()].clone();
        let r = mallory.try_publish(i, vec![poison.into()]).await;
        assert_eq!(r, Err(ErrorCode::INVALID_CHANGE));
    }
    // The room lives on: a valid change is acked and forwarded.
    let mut doc = Doc::new();
    mallory
        .try_publish(100, vec![doc.change("ok", 1)])
        .await
        .unwrap();
    alice
        .recv_until(|m| matches!(m, coinop_protocol::RelayMessage::Changes { .. }))
        .await;
    let peak = rss(&relay);
    assert_rss_within_budget(idle_rss, peak);
}
