//! Plain HTTP/1.1 over a raw socket: health and metrics of a relay.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// GET `path` with extra headers; returns (status, body). Status 0 when
/// the relay did not answer within 10 s.
pub async fn http_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let fetch = async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        let mut req = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).await.ok()?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.ok()?;
        Some(String::from_utf8_lossy(&buf).into_owned())
    };
    let Ok(Some(text)) = tokio::time::timeout(Duration::from_secs(10), fetch).await else {
        return (0, String::new());
    };
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The value of one unlabelled metric from `GET /metrics`, if present.
pub async fn metric(addr: SocketAddr, name: &str) -> Option<f64> {
    let (status, body) = http_get(addr, "/metrics", &[]).await;
    if status != 200 {
        return None;
    }
    body.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (n, v) = l.split_once(' ')?;
        (n == name).then(|| v.trim().parse().ok())?
    })
}
