//! WebSocket by hand over plain TCP, to send what a well-behaved library
//! refuses to: frames above any limit, messages that never finish.

use coinop_protocol::{ErrorCode, RelayMessage};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Continuation frame.
pub const CONTINUATION: u8 = 0x0;
/// Binary frame.
pub const BINARY: u8 = 0x2;

/// Opens a TCP connection and sends a WebSocket upgrade for `/ws` with
/// extra `headers`; returns the socket and the HTTP status (101 on success).
pub async fn upgrade(addr: SocketAddr, headers: &[(&str, &str)]) -> io::Result<(TcpStream, u16)> {
    let s = TcpStream::connect(addr).await?;
    upgrade_stream(s, headers).await
}

/// Like [`upgrade`] on a socket with a tiny receive buffer, so that a
/// client that stops reading backs the relay up after little data.
pub async fn upgrade_small(addr: SocketAddr) -> io::Result<(TcpStream, u16)> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(4096)?;
    let s = socket.connect(addr).await?;
    upgrade_stream(s, &[]).await
}

async fn upgrade_stream(
    mut s: TcpStream,
    headers: &[(&str, &str)],
) -> io::Result<(TcpStream, u16)> {
    let mut req = String::from(
        "GET /ws HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await?;
    // Read the response head byte by byte: nothing after it may be lost.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut byte))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no response head"))??;
        if n == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((s, status))
}

/// A client frame header for a payload of `len` bytes. The mask key is
/// zero, so the payload goes unchanged.
pub fn header(opcode: u8, fin: bool, len: u64) -> Vec<u8> {
    let mut h = vec![if fin { 0x80 } else { 0 } | opcode];
    if len < 126 {
        h.push(0x80 | len as u8);
    } else if len <= u64::from(u16::MAX) {
        h.push(0x80 | 126);
        h.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        h.push(0x80 | 127);
        h.extend_from_slice(&len.to_be_bytes());
    }
    h.extend_from_slice(&[0, 0, 0, 0]);
    h
}

/// One whole client frame.
pub fn frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    let mut f = header(opcode, fin, payload.len() as u64);
    f.extend_from_slice(payload);
    f
}

/// How the relay ended a raw connection.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ending {
    /// The error code of the last error frame before the close.
    pub error: Option<ErrorCode>,
    /// The WebSocket close code.
    pub close_code: Option<u16>,
    /// The socket reached EOF or reset (false: still open at the timeout).
    pub closed: bool,
}

/// Reads server frames until the socket ends or `timeout` passes.
pub async fn read_ending(s: &mut TcpStream, timeout: Duration) -> Ending {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + timeout;
    let mut closed = false;
    // Bounded by the deadline and by 64 MiB of input.
    while buf.len() < 64 * 1024 * 1024 {
        match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => break,
        }
    }
    let mut ending = parse_server_frames(&buf);
    ending.closed = closed;
    ending
}

/// Parses unmasked server frames: error frames and the close frame.
fn parse_server_frames(mut buf: &[u8]) -> Ending {
    let mut ending = Ending::default();
    while buf.len() >= 2 {
        let opcode = buf[0] & 0x0f;
        let (len, at) = match buf[1] & 0x7f {
            126 if buf.len() >= 4 => (u64::from(u16::from_be_bytes([buf[2], buf[3]])), 4),
            127 if buf.len() >= 10 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&buf[2..10]);
                (u64::from_be_bytes(b), 10)
            }
            n if n < 126 => (u64::from(n), 2),
            _ => break,
        };
        let Ok(len) = usize::try_from(len) else { break };
        if buf.len() < at + len {
            break;
        }
        let payload = &buf[at..at + len];
        match opcode {
            BINARY => {
                if let Ok(RelayMessage::Error { code, .. }) = RelayMessage::decode(payload) {
                    ending.error = Some(code);
                }
            }
            0x8 if payload.len() >= 2 => {
                ending.close_code = Some(u16::from_be_bytes([payload[0], payload[1]]));
            }
            _ => {}
        }
        buf = &buf[at + len..];
    }
    ending
}
