//! The tiny HTTP/1.1 side: read one request head, write one response.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A parsed request head.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    headers: Vec<(String, String)>,
    /// Bytes read after the head (the start of the WebSocket stream).
    pub(crate) leftover: Vec<u8>,
}

impl Request {
    /// The first header with this name (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a comma-separated header holds this token.
    pub(crate) fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.header(name)
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }
}

/// A response to write before closing.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    /// Further header lines, such as caching or CORS.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// An answer to HEAD: the head only, with the body's length.
    pub(crate) head_only: bool,
}

impl Response {
    pub(crate) fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
            head_only: false,
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Internal Server Error",
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    TooLarge,
    Malformed,
    Closed,
    Timeout,
}

/// Reads one request head, at most `cap` bytes, within `timeout`.
pub(crate) async fn read_request(
    stream: &mut TcpStream,
    cap: usize,
    timeout: Duration,
) -> Result<Request, ReadError> {
    tokio::time::timeout(timeout, read_head(stream, cap))
        .await
        .map_err(|_| ReadError::Timeout)?
}

async fn read_head(stream: &mut TcpStream, cap: usize) -> Result<Request, ReadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| ReadError::Closed)?;
        if n == 0 {
            return Err(ReadError::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let headers = req
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                return Ok(Request {
                    method: req.method.unwrap_or_default().to_owned(),
                    path: req.path.unwrap_or_default().to_owned(),
                    headers,
                    leftover: buf[len..].to_vec(),
                });
            }
            Ok(httparse::Status::Partial) if buf.len() < cap => continue,
            Ok(httparse::Status::Partial) => return Err(ReadError::TooLarge),
            Err(httparse::Error::TooManyHeaders) => return Err(ReadError::TooLarge),
            Err(_) => return Err(ReadError::Malformed),
        }
    }
}

/// Writes the response and shuts the write side down.
pub(crate) async fn write_response(stream: &mut TcpStream, resp: &Response) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        resp.status,
        reason(resp.status),
        resp.content_type,
        resp.body.len()
    );
    for (name, value) in &resp.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    if !resp.head_only {
        stream.write_all(&resp.body).await?;
    }
    stream.shutdown().await
}
