//! Static files (`--serve PREFIX=DIR`) and CORS on the player room index,
//! over real TCP to a relay on 127.0.0.1.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_relay::{Relay, RelayConfig};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A raw HTTP answer.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `METHOD target` verbatim (no normalization of `..`) on a new
/// connection and reads the answer.
async fn request(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
    let mut s = TcpStream::connect(addr).await.unwrap();
    send(&mut s, method, target, headers).await;
    read_answer(&mut s, method).await
}

/// Writes one request head.
async fn send(s: &mut TcpStream, method: &str, target: &str, headers: &[(&str, &str)]) {
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: test\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
}

/// Reads one answer to `method`: its head, then as many body bytes as it
/// says, leaving the connection ready for the next request.
async fn read_answer(s: &mut TcpStream, method: &str) -> Answer {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            let n = s.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed before a whole answer");
            buf.extend_from_slice(&chunk[..n]);
            let mut parsed = [httparse::EMPTY_HEADER; 32];
            let mut resp = httparse::Response::new(&mut parsed);
            let httparse::Status::Complete(len) = resp.parse(&buf).unwrap() else {
                continue;
            };
            let answer = Answer {
                status: resp.code.unwrap(),
                headers: resp
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect(),
                body: buf[len..].to_vec(),
            };
            return (answer, len);
        }
    };
    let (mut answer, head_len) = tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .expect("answer in time");
    let bodiless = method == "HEAD" || matches!(answer.status, 101 | 204 | 304);
    let want = match answer.header("Content-Length") {
        Some(len) if !bodiless => len.parse().unwrap(),
        _ => 0,
    };
    while answer.body.len() < want {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .expect("body in time")
            .unwrap();
        assert!(n > 0, "closed inside the body");
        answer.body.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(
        answer.body.len(),
        want,
        "{} bytes after a {head_len}-byte head",
        answer.body.len()
    );
    answer
}

fn write(path: &Path, body: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// `site/` (mounted at `/`), `pkg/` (at `/coinop/`) and `secret/` next to them.
fn tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(&root.join("site/index.html"), b"<h1>site</h1>");
    write(&root.join("site/app.mjs"), b"export {}");
    write(&root.join("site/style.css"), b"body{}");
    write(&root.join("site/a b.txt"), b"space");
    write(&root.join("site/docs/index.html"), b"docs");
    write(&root.join("site/big.bin"), &[7u8; 4096]);
    write(&root.join("site/.env"), b"SECRET=1");
    write(&root.join("pkg/index.js"), b"export const pkg = 1;");
    write(&root.join("pkg/core_bg.wasm"), b"\0asm\x01\0\0\0");
    write(&root.join("pkg/index.js.map"), b"{}");
    write(&root.join("secret/key.txt"), b"top secret");
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("secret"), root.join("site/escape")).unwrap();
    tmp
}

async fn relay_for(root: &Path) -> Relay {
    let config = RelayConfig {
        serve: vec![
            ("/".into(), root.join("site")),
            ("/coinop/".into(), root.join("pkg")),
        ],
        max_static_file_bytes: 1024,
        ..RelayConfig::for_tests()
    };
    Relay::start(config).await.unwrap()
}

#[tokio::test]
async fn serves_files_by_longest_prefix_with_types() {
    let tmp = tree();
    let relay = relay_for(tmp.path()).await;
    let addr = relay.local_addr();
    let cases = [
        ("/", "text/html; charset=utf-8", &b"<h1>site</h1>"[..]),
        ("/index.html", "text/html; charset=utf-8", b"<h1>site</h1>"),
        ("/app.mjs", "text/javascript; charset=utf-8", b"export {}"),
        ("/style.css", "text/css; charset=utf-8", b"body{}"),
        ("/a%20b.txt", "text/plain; charset=utf-8", b"space"),
        ("/docs/", "text/html; charset=utf-8", b"docs"),
        (
            "/coinop/index.js",
            "text/javascript; charset=utf-8",
            b"export const pkg = 1;",
        ),
        (
            "/coinop/core_bg.wasm",
            "application/wasm",
            b"\0asm\x01\0\0\0",
        ),
        ("/coinop/index.js.map", "application/json", b"{}"),
        (
            "/index.html?v=2",
            "text/html; charset=utf-8",
            b"<h1>site</h1>",
        ),
    ];
    for (path, ty, body) in cases {
        let a = http_request(addr, "GET", path, &[]).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("Content-Type"), Some(ty), "{path}");
        assert_eq!(a.body, body, "{path}");
        assert_eq!(a.header("Cache-Control"), Some("no-cache"), "{path}");
    }
    // A directory without its slash redirects, so relative links work.
    let a = http_request(addr, "GET", "/docs", &[]).await;
    assert_eq!((a.status, a.header("Location")), (301, Some("/docs/")));
    let a = http_request(addr, "GET", "/coinop", &[]).await;
    assert_eq!((a.status, a.header("Location")), (301, Some("/coinop/")));
    // The longest prefix wins: /coinop/ is not looked up in site/.
    assert_eq!(
        http_request(addr, "GET", "/coinop/app.mjs", &[])
            .await
            .status,
        404
    );
    assert_eq!(
        http_request(addr, "GET", "/missing.js", &[]).await.status,
        404
    );
    // Bounded in size.
    assert_eq!(http_request(addr, "GET", "/big.bin", &[]).await.status, 404);
    // The relay's own endpoints keep priority over a `/` mount.
    let a = http_request(addr, "GET", "/healthz", &[]).await;
    assert_eq!((a.status, a.body.as_slice()), (200, &b"ok"[..]));
    assert_eq!(http_request(addr, "GET", "/metrics", &[]).await.status, 200);
    assert_eq!(http_request(addr, "GET", "/ws", &[]).await.status, 400);
    assert_eq!(
        http_request(addr, "POST", "/index.html", &[]).await.status,
        405
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn head_and_conditional_requests() {
    let tmp = tree();
    let relay = relay_for(tmp.path()).await;
    let addr = relay.local_addr();
    let get = http_request(addr, "GET", "/coinop/index.js", &[]).await;
    let etag = get.header("ETag").unwrap().to_owned();
    let head = http_request(addr, "HEAD", "/coinop/index.js", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("Content-Length"), Some("21"));
    assert_eq!(head.header("ETag"), Some(etag.as_str()));
    let again = http_request(addr, "GET", "/coinop/index.js", &[("If-None-Match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // A changed file gets a new tag.
    std::fs::write(tmp.path().join("pkg/index.js"), b"export const pkg = 22;").unwrap();
    let changed = http_request(addr, "GET", "/coinop/index.js", &[("If-None-Match", &etag)]).await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed.body, b"export const pkg = 22;");
    relay.shutdown().await;
}

#[tokio::test]
async fn ranges_and_dates() {
    let tmp = tree();
    let relay = relay_for(tmp.path()).await;
    let addr = relay.local_addr();
    let part = request(addr, "GET", "/coinop/index.js", &[("Range", "bytes=7-11")]).await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body, b"const");
    assert_eq!(part.header("Content-Range"), Some("bytes 7-11/21"));
    assert_eq!(
        part.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    let tail = request(addr, "GET", "/coinop/index.js", &[("Range", "bytes=-3")]).await;
    assert_eq!((tail.status, tail.body.as_slice()), (206, &b" 1;"[..]));
    let beyond = request(addr, "GET", "/coinop/index.js", &[("Range", "bytes=50-60")]).await;
    assert_eq!(beyond.status, 416);
    assert_eq!(beyond.header("Content-Range"), Some("bytes */21"));
    // A date the file has not changed since: 304, with the tag.
    let get = request(addr, "GET", "/app.mjs", &[]).await;
    let date = get.header("Last-Modified").unwrap().to_owned();
    let etag = get.header("ETag").unwrap().to_owned();
    let same = request(addr, "GET", "/app.mjs", &[("If-Modified-Since", &date)]).await;
    assert_eq!(same.status, 304);
    assert!(same.body.is_empty());
    assert_eq!(same.header("ETag"), Some(etag.as_str()));
    // Tags decide when both are sent: a stale tag gets the file.
    let stale = [("If-None-Match", "\"0-0\""), ("If-Modified-Since", &date)];
    let fresh = request(addr, "GET", "/app.mjs", &stale).await;
    assert_eq!(
        (fresh.status, fresh.body.as_slice()),
        (200, &b"export {}"[..])
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn one_connection_carries_several_requests_then_a_websocket() {
    let tmp = tree();
    let relay = relay_for(tmp.path()).await;
    let mut s = TcpStream::connect(relay.local_addr()).await.unwrap();
    send(&mut s, "GET", "/app.mjs", &[]).await;
    let a = read_answer(&mut s, "GET").await;
    assert_eq!((a.status, a.body.as_slice()), (200, &b"export {}"[..]));
    send(&mut s, "HEAD", "/coinop/index.js", &[]).await;
    let a = read_answer(&mut s, "HEAD").await;
    assert_eq!((a.status, a.header("Content-Length")), (200, Some("21")));
    send(&mut s, "GET", "/healthz", &[]).await;
    let a = read_answer(&mut s, "GET").await;
    assert_eq!((a.status, a.body.as_slice()), (200, &b"ok"[..]));
    send(&mut s, "GET", "/missing", &[]).await;
    assert_eq!(read_answer(&mut s, "GET").await.status, 404);
    // The same socket then upgrades.
    let upgrade = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    send(&mut s, "GET", "/ws", &upgrade).await;
    let a = read_answer(&mut s, "GET").await;
    assert_eq!(a.status, 101);
    assert_eq!(
        a.header("Sec-WebSocket-Accept"),
        Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    );
    let connections = || {
        relay
            .metrics()
            .connections
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    for _ in 0..100 {
        if connections() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(connections(), 1);
    relay.shutdown().await;
}

#[tokio::test]
async fn refuses_traversal_hidden_files_and_escaping_symlinks() {
    let tmp = tree();
    let relay = relay_for(tmp.path()).await;
    let addr = relay.local_addr();
    for path in [
        "/../secret/key.txt",
        "/docs/../../secret/key.txt",
        "/%2e%2e/secret/key.txt",
        "/%2E%2E%2Fsecret%2Fkey.txt",
        "/..%2fsecret/key.txt",
        "/%252e%252e/secret/key.txt",
        "/..%5csecret%5ckey.txt",
        "/coinop/../secret/key.txt",
        "/coinop/%2e%2e/secret/key.txt",
        "/escape/key.txt",
        "/.env",
        "/%2eenv",
        "/index.html%00.js",
        "/bad%zzescape",
    ] {
        let a = http_request(addr, "GET", path, &[]).await;
        assert_eq!(a.status, 404, "{path}");
        assert!(
            !String::from_utf8_lossy(&a.body).contains("secret"),
            "{path}"
        );
    }
    relay.shutdown().await;
}

#[tokio::test]
async fn static_files_ignore_the_origin_allow_list() {
    // Browsers send `Origin` on module scripts; the allow-list is for the
    // relay's endpoints, which still refuse.
    let tmp = tree();
    let config = RelayConfig {
        serve: vec![("/".into(), tmp.path().join("site"))],
        ..game_origin_only()
    };
    let relay = Relay::start(config).await.unwrap();
    let addr = relay.local_addr();
    let other = [("Origin", "https://elsewhere.example")];
    assert_eq!(
        http_request(addr, "GET", "/app.mjs", &other).await.status,
        200
    );
    assert_eq!(
        http_request(addr, "GET", "/healthz", &other).await.status,
        403
    );
    assert_eq!(
        http_request(addr, "GET", "/api/rooms", &other).await.status,
        403
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn no_mounts_means_404() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let a = http_request(relay.local_addr(), "GET", "/", &[]).await;
    assert_eq!(a.status, 404);
    relay.shutdown().await;
}

#[tokio::test]
async fn player_room_index_answers_cors() {
    let relay = Relay::start(game_origin_only()).await.unwrap();
    let addr = relay.local_addr();
    let origin = [("Origin", "https://game.example")];
    let pre = http_request(addr, "OPTIONS", "/players/alice/rooms", &origin).await;
    assert_eq!(pre.status, 204);
    assert_eq!(
        pre.header("Access-Control-Allow-Origin"),
        Some("https://game.example")
    );
    let allow = pre.header("Access-Control-Allow-Headers").unwrap();
    assert!(
        allow.to_ascii_lowercase().contains("authorization"),
        "{allow}"
    );
    assert!(
        pre.header("Access-Control-Allow-Methods")
            .unwrap()
            .contains("GET")
    );
    // The real request carries the header too, even when unauthorized, so
    // the page can read the 401.
    let get = http_request(addr, "GET", "/players/alice/rooms", &origin).await;
    assert_eq!(get.status, 401);
    assert_eq!(
        get.header("Access-Control-Allow-Origin"),
        Some("https://game.example")
    );
    // Another origin gets neither.
    let evil = [("Origin", "https://evil.example")];
    let pre = http_request(addr, "OPTIONS", "/players/alice/rooms", &evil).await;
    assert_eq!(pre.status, 403);
    assert_eq!(pre.header("Access-Control-Allow-Origin"), None);
    // Native clients (no Origin) get no CORS headers and still work.
    let native = http_request(addr, "GET", "/players/alice/rooms", &[]).await;
    assert_eq!(native.status, 401);
    assert_eq!(native.header("Access-Control-Allow-Origin"), None);
    relay.shutdown().await;
}

#[tokio::test]
async fn the_binary_takes_mounts_from_the_environment() {
    let tmp = tree();
    let serve = format!(
        "/={},/coinop/={}",
        tmp.path().join("site").display(),
        tmp.path().join("pkg").display()
    );
    let relay = RelayProcess::builder(relay_bin(env!("CARGO_BIN_EXE_coinop-relay")))
        .without_data_dir()
        .arg("--memory")
        .env("COINOP_SERVE", serve)
        .start()
        .expect("start the relay binary");
    let addr = relay.addr();
    assert_eq!(
        http_request(addr, "GET", "/app.mjs", &[]).await.body,
        b"export {}"
    );
    let pkg = http_request(addr, "GET", "/coinop/index.js", &[]).await;
    assert_eq!(pkg.body, b"export const pkg = 1;");
}
