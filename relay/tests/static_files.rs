//! Static files (`--serve PREFIX=DIR`) and CORS on the player room index,
//! over real TCP to a relay on 127.0.0.1.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_relay::{Relay, RelayConfig};
use std::path::Path;
use support::*;

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
