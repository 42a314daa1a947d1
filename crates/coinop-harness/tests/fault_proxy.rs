//! The proxy forwards faithfully, delays, splits, stalls and cuts.

use coinop_harness::{FaultProxy, Faults};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An echo server; returns its address.
async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// A proxy (jitter seeded with `seed`) in front of a fresh echo server,
/// with `faults`, and a connection through it.
async fn echo_through(seed: u64, faults: Faults) -> (FaultProxy, TcpStream) {
    let proxy = FaultProxy::start(echo_server().await, seed)
        .await
        .expect("proxy");
    proxy.set(faults);
    let s = TcpStream::connect(proxy.addr()).await.expect("connect");
    (proxy, s)
}

async fn round_trip(stream: &mut TcpStream, payload: &[u8]) -> Vec<u8> {
    stream.write_all(payload).await.expect("write");
    let mut got = vec![0u8; payload.len()];
    tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut got))
        .await
        .expect("echo in time")
        .expect("read");
    got
}

#[tokio::test]
async fn forwards_bytes_in_order_even_split_into_single_bytes() {
    let (_proxy, mut s) = echo_through(
        1,
        Faults {
            chunk_bytes: Some(1),
            jitter: Duration::from_millis(3),
            ..Faults::default()
        },
    )
    .await;
    let payload: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    assert_eq!(round_trip(&mut s, &payload).await, payload);
}

#[tokio::test]
async fn adds_latency_in_both_directions() {
    let (_proxy, mut s) = echo_through(
        2,
        Faults {
            latency: Duration::from_millis(60),
            ..Faults::default()
        },
    )
    .await;
    let start = Instant::now();
    round_trip(&mut s, b"ping").await;
    assert!(
        start.elapsed() >= Duration::from_millis(120),
        "took {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn stall_holds_bytes_until_cleared() {
    let (proxy, mut s) = echo_through(3, Faults::default()).await;
    round_trip(&mut s, b"warm").await;
    proxy.set(Faults {
        stalled: true,
        ..Faults::default()
    });
    s.write_all(b"held").await.expect("write");
    let mut buf = [0u8; 4];
    let early = tokio::time::timeout(Duration::from_millis(200), s.read_exact(&mut buf)).await;
    assert!(early.is_err(), "bytes passed a stalled proxy");
    proxy.set(Faults::default());
    tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut buf))
        .await
        .expect("released")
        .expect("read");
    assert_eq!(&buf, b"held");
}

#[tokio::test]
async fn cut_all_closes_open_connections_but_not_new_ones() {
    let (proxy, mut s) = echo_through(4, Faults::default()).await;
    round_trip(&mut s, b"one").await;
    proxy.cut_all();
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("closed in time");
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "connection survived the cut: {read:?}"
    );
    let mut fresh = TcpStream::connect(proxy.addr()).await.expect("reconnect");
    assert_eq!(round_trip(&mut fresh, b"two").await, b"two");
}

#[tokio::test]
async fn bandwidth_cap_slows_a_transfer() {
    let (_proxy, mut s) = echo_through(
        5,
        Faults {
            bandwidth: Some(20_000),
            ..Faults::default()
        },
    )
    .await;
    let start = Instant::now();
    round_trip(&mut s, &[7u8; 4000]).await;
    // 4000 bytes each way at 20 kB/s is at least 0.2 s each way.
    assert!(
        start.elapsed() >= Duration::from_millis(350),
        "took {:?}",
        start.elapsed()
    );
}
