//! Plain HTTP/1.1 over a raw socket: the request goes out verbatim (no
//! normalising of `..`, any method, any header), the answer is read whole.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a whole exchange may take.
const HTTP_WAIT: Duration = Duration::from_secs(10);

/// An HTTP answer.
#[derive(Debug, Clone, Default)]
pub struct HttpAnswer {
    /// The status code; 0 when no answer came in time or it did not parse.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpAnswer {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `METHOD target` with `headers` and reads the answer to the end.
/// The request asks the server to close the connection after answering.
pub async fn http_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> HttpAnswer {
    let exchange = async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        let mut req = format!("{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).await.ok()?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.ok()?;
        Some(buf)
    };
    match tokio::time::timeout(HTTP_WAIT, exchange).await {
        Ok(Some(buf)) => parse(&buf).unwrap_or_default(),
        _ => HttpAnswer::default(),
    }
}

/// GET `path` with extra headers; returns (status, body as text). Status 0
/// when the server did not answer in time.
pub async fn http_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let answer = http_request(addr, "GET", path, headers).await;
    (answer.status, answer.text())
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

fn parse(buf: &[u8]) -> Option<HttpAnswer> {
    let mut parsed = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut parsed);
    let httparse::Status::Complete(len) = resp.parse(buf).ok()? else {
        return None;
    };
    let mut answer = HttpAnswer {
        status: resp.code?,
        headers: resp
            .headers
            .iter()
            .map(|h| {
                let value = String::from_utf8_lossy(h.value).into_owned();
                (h.name.to_owned(), value)
            })
            .collect(),
        body: buf[len..].to_vec(),
    };
    let chunked = answer
        .header("Transfer-Encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"));
    if chunked {
        answer.body = dechunk(&answer.body)?;
    }
    Some(answer)
}

/// The payload of a chunked body (extensions and trailers ignored).
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    // Each round consumes at least a size line: bounded by the input.
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}
