//! New connections per client address: a token bucket per IP, checked in
//! the accept loop before anything is read, so that one source opening
//! thousands of connections a second is refused for the price of an accept
//! and a 29-byte write, not a handshake, a join and a task each.

use super::rate::TokenBucket;
use hashlink::LruCache;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Addresses tracked at once; the least recently seen is forgotten first
/// (it starts again with a full burst).
const TRACKED_ADDRESSES: usize = 16_384;

/// The answer to a refused connection.
pub(crate) const REFUSAL: &[u8] =
    b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// Answers a refused connection with `answer` (such as [`REFUSAL`]) and
/// closes it. Nothing of
/// the request is parsed; what the client sent is read and dropped until it
/// closes (at most a second), because closing a socket with unread input
/// resets it, and the client would see a reset instead of the 429.
pub(crate) async fn refuse(mut stream: TcpStream, answer: &'static [u8]) {
    let _ = stream.write_all(answer).await;
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 512];
    let drain = async { while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {} };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

/// The source a connection counts against: an IPv4 address (also when
/// written as IPv4-mapped IPv6), or an IPv6 address's /64. One subscriber
/// usually gets a whole /64, so counting single IPv6 addresses would give
/// one attacker 2^64 budgets.
fn source_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

/// Per-address token buckets for new connections.
pub(crate) struct PeerLimit {
    per_sec: u32,
    burst: u32,
    loopback_too: bool,
    buckets: LruCache<IpAddr, TokenBucket>,
}

impl PeerLimit {
    /// `per_sec` 0 turns the limit off. Loopback peers are exempt unless
    /// `loopback_too`: behind a reverse proxy on the same host every player
    /// arrives from loopback, and would share one budget.
    pub(crate) fn new(per_sec: u32, burst: u32, loopback_too: bool) -> Self {
        Self {
            per_sec,
            burst,
            loopback_too,
            buckets: LruCache::new(TRACKED_ADDRESSES),
        }
    }

    /// Whether a new connection from `ip` may go on.
    pub(crate) fn admit(&mut self, ip: IpAddr, now: Instant) -> bool {
        let ip = source_of(ip);
        if self.per_sec == 0 || (ip.is_loopback() && !self.loopback_too) {
            return true;
        }
        if let Some(bucket) = self.buckets.get_mut(&ip) {
            return bucket.try_take(now);
        }
        let mut bucket = TokenBucket::new(self.per_sec, self.burst, now);
        let admitted = bucket.try_take(now);
        self.buckets.insert(ip, bucket);
        admitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn each_address_gets_its_burst_then_its_rate() {
        let t0 = Instant::now();
        let mut limit = PeerLimit::new(10, 3, false);
        assert!((0..3).all(|_| limit.admit(A, t0)));
        assert!(!limit.admit(A, t0));
        // Another address is not affected.
        assert!(limit.admit(B, t0));
        // 100 ms later: one more for A.
        assert!(limit.admit(A, t0 + Duration::from_millis(100)));
        assert!(!limit.admit(A, t0 + Duration::from_millis(100)));
    }

    #[test]
    fn an_ipv6_slash_64_is_one_source() {
        let t0 = Instant::now();
        let mut limit = PeerLimit::new(1, 2, false);
        let in_64 = |i: u16| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 7, i, i, i, i));
        assert!(limit.admit(in_64(1), t0));
        assert!(limit.admit(in_64(2), t0));
        assert!(!limit.admit(in_64(3), t0), "the same /64");
        let next_64 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 8, 1, 1, 1, 1));
        assert!(limit.admit(next_64, t0));
        // IPv4-mapped counts as the IPv4 address.
        assert!(limit.admit(A, t0));
        assert!(limit.admit(A, t0));
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped());
        assert!(!limit.admit(mapped, t0));
    }

    #[test]
    fn loopback_is_exempt_unless_asked_and_zero_is_off() {
        let t0 = Instant::now();
        let mut limit = PeerLimit::new(1, 1, false);
        assert!((0..100).all(|_| limit.admit(LOOPBACK, t0)));
        let mut strict = PeerLimit::new(1, 1, true);
        assert!(strict.admit(LOOPBACK, t0));
        assert!(!strict.admit(LOOPBACK, t0));
        let mut off = PeerLimit::new(0, 0, true);
        assert!((0..100).all(|_| off.admit(A, t0)));
    }
}
