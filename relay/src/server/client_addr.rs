//! Who a request comes from. Behind a reverse proxy every connection
//! comes from the proxy, so the client's own address is taken from the
//! `Forwarded` (RFC 7239) or `X-Forwarded-For` header — but only from a
//! peer in `--trusted-proxies`, and only as far back as the chain of
//! trusted hops goes: the rightmost address that is not a trusted proxy is
//! the client. Anything further left was written by the client itself.

use axum::http::HeaderMap;
use axum::http::header::FORWARDED;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The address a request is from, as the relay believes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr {
    /// The client: the peer itself, or (through trusted proxies) the
    /// address they forwarded, with port 0 when they named none.
    pub(crate) addr: SocketAddr,
    /// The TCP peer is a trusted proxy.
    pub(crate) via_trusted_proxy: bool,
    /// The request carries forwarding headers that were not believed (an
    /// untrusted peer): it went through some proxy, so the peer's address
    /// says nothing about where the client is.
    pub(crate) unverified_forwarding: bool,
}

impl ClientAddr {
    /// Whether the client is on this machine, for the inspector: a
    /// forwarded request whose proxy is not trusted never is.
    pub(crate) fn is_local(&self) -> bool {
        self.addr.ip().to_canonical().is_loopback() && !self.unverified_forwarding
    }
}

/// Whether `ip` is one of the trusted proxies.
pub(crate) fn is_trusted(trusted: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    trusted.iter().any(|net| net.contains(&ip))
}

/// The client of a request that came from `peer` with `headers`.
pub(crate) fn resolve(trusted: &[IpNet], peer: SocketAddr, headers: &HeaderMap) -> ClientAddr {
    let forwarded = headers.contains_key(FORWARDED) || headers.contains_key(X_FORWARDED_FOR);
    if !is_trusted(trusted, peer.ip()) {
        return ClientAddr {
            addr: peer,
            via_trusted_proxy: false,
            unverified_forwarding: forwarded,
        };
    }
    // `Forwarded` is the standard; a proxy that writes it is preferred.
    let hops = if headers.contains_key(FORWARDED) {
        forwarded_hops(headers)
    } else {
        x_forwarded_for_hops(headers)
    };
    let mut addr = peer;
    for hop in hops.iter().rev() {
        if !is_trusted(trusted, addr.ip()) {
            break;
        }
        match hop {
            Some(hop) => addr = *hop,
            // "unknown" or an obfuscated name: nothing further is known.
            None => break,
        }
    }
    ClientAddr {
        addr,
        via_trusted_proxy: true,
        unverified_forwarding: false,
    }
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// Every hop of every `X-Forwarded-For` line, in order.
fn x_forwarded_for_hops(headers: &HeaderMap) -> Vec<Option<SocketAddr>> {
    headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("unknown").split(','))
        .map(|hop| parse_node(hop.trim()))
        .collect()
}

/// The `for=` of every element of every `Forwarded` line, in order.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<SocketAddr>> {
    headers
        .get_all(FORWARDED)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("for=unknown").split(','))
        .map(|element| {
            let node = element.split(';').find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                k.eq_ignore_ascii_case("for").then_some(v)
            });
            node.and_then(|n| parse_node(n.trim().trim_matches('"')))
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<SocketAddr> {
    if let Ok(addr) = node.parse::<SocketAddr>() {
        return Some(addr);
    }
    let ip = node.trim_start_matches('[').trim_end_matches(']');
    ip.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn peer(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn trusted() -> Vec<IpNet> {
        vec![
            "127.0.0.1/32".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ]
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let h = headers(&[("x-forwarded-for", "127.0.0.1")]);
        let c = resolve(&trusted(), peer("198.51.100.7:5000"), &h);
        assert_eq!(c.addr, peer("198.51.100.7:5000"));
        assert!(c.unverified_forwarding && !c.is_local());
        // Through an untrusted proxy on this machine: not local either.
        let c = resolve(&[], peer("127.0.0.1:5000"), &h);
        assert!(!c.is_local());
        assert!(resolve(&[], peer("127.0.0.1:5000"), &HeaderMap::new()).is_local());
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        // A client that wrote its own header cannot choose its address.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.1.2.3")]);
        let c = resolve(&trusted(), peer("127.0.0.1:40000"), &h);
        assert_eq!(c.addr, peer("203.0.113.9:0"));
        assert!(c.via_trusted_proxy && !c.is_local());
        // Several header lines count as one list.
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-for", "10.1.2.3"),
        ]);
        assert_eq!(
            resolve(&trusted(), peer("127.0.0.1:1"), &h).addr,
            peer("203.0.113.9:0")
        );
        // A trusted proxy without the header: the proxy is the client.
        let c = resolve(&trusted(), peer("127.0.0.1:1"), &HeaderMap::new());
        assert_eq!(c.addr, peer("127.0.0.1:1"));
        // "unknown" stops the walk at the last known hop.
        let h = headers(&[("x-forwarded-for", "203.0.113.9, unknown")]);
        assert_eq!(
            resolve(&trusted(), peer("127.0.0.1:1"), &h).addr,
            peer("127.0.0.1:1")
        );
    }

    #[test]
    fn forwarded_is_read_with_ports_quotes_and_ipv6() {
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https, For=10.0.0.2",
        )]);
        let c = resolve(&trusted(), peer("127.0.0.1:1"), &h);
        assert_eq!(c.addr, peer("[2001:db8::7]:4711"));
        // `Forwarded` wins over `X-Forwarded-For`.
        let h = headers(&[
            ("forwarded", "for=192.0.2.60"),
            ("x-forwarded-for", "203.0.113.1"),
        ]);
        assert_eq!(
            resolve(&trusted(), peer("127.0.0.1:1"), &h).addr,
            peer("192.0.2.60:0")
        );
        // An IPv4-mapped peer address is matched as IPv4.
        let h = headers(&[("x-forwarded-for", "192.0.2.61")]);
        let c = resolve(&trusted(), peer("[::ffff:127.0.0.1]:1"), &h);
        assert_eq!(c.addr, peer("192.0.2.61:0"));
    }
}
