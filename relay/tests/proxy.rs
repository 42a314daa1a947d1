//! Behind a reverse proxy: nginx (Debian's, started here with the
//! `location` block of `deploy/nginx-coinop.conf`) in front of the relay.
//! WebSockets go through, and with `--trusted-proxies` the per-address
//! limit counts each client by its own address (from `X-Forwarded-For`),
//! not the proxy's; a client cannot forge that address. Clients come from
//! distinct loopback addresses (127.0.0.5, 127.0.0.6, ...) to tell them
//! apart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use coinop_protocol::ClientMessage;
use coinop_relay::{IpNet, Relay, RelayConfig};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// nginx on a free loopback port.
struct Nginx {
    addr: SocketAddr,
    _server: ChildServer,
}

/// The documented `location` block, pointed at `relay`.
fn documented_location(relay: SocketAddr) -> String {
    let conf = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx-coinop.conf"),
    )
    .unwrap();
    let begin = conf.find("# coinop:begin").unwrap();
    let end = conf.find("# coinop:end").unwrap();
    conf[begin..end].replace("127.0.0.1:8787", &relay.to_string())
}

impl Nginx {
    /// Starts nginx in front of `relay`, or `None` when it is not installed.
    async fn start(relay: SocketAddr) -> Option<Nginx> {
        let bin = installed(&["/usr/sbin/nginx", "/usr/bin/nginx"])?;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port().unwrap();
        let d = dir.path().display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log warn;\nevents {{ worker_connections 256; }}\n\
             http {{\n access_log off;\n client_body_temp_path {d}/body;\n\
             proxy_temp_path {d}/proxy;\n fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
             map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n\
             server {{\n listen 127.0.0.1:{port};\n{}\n }}\n}}\n",
            documented_location(relay)
        );
        let path = dir.path().join("nginx.conf");
        std::fs::write(&path, conf).unwrap();
        let mut command = Command::new(bin);
        command.arg("-c").arg(&path).arg("-p").arg(dir.path());
        command.arg("-e").arg(dir.path().join("error.log"));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let server = ChildServer::start(command, dir, addr)
            .await
            .expect("nginx starts");
        Some(Nginx {
            addr,
            _server: server,
        })
    }
}

/// A TCP connection to `to` from the loopback address 127.0.0.`from`.
async fn connect_from(from: u8, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, from)),
            0,
        ))
        .unwrap();
    socket.connect(to).await.unwrap()
}

/// `GET /healthz` from 127.0.0.`from` with extra headers; the status.
async fn health_from(from: u8, to: SocketAddr, headers: &str) -> u16 {
    let mut s = connect_from(from, to).await;
    let req = format!("GET /healthz HTTP/1.1\r\nHost: game\r\nConnection: close\r\n{headers}\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(WAIT, s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A WebSocket from 127.0.0.`from` to `to`, joined to room PROXY as `player`.
async fn join_from(from: u8, to: SocketAddr, player: &str) -> Client {
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(connect_from(from, to).await);
    let url = format!("ws://{to}/ws");
    let (ws, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    let mut client = Client::from_ws(ws);
    client
        .send(&ClientMessage::Join(join_msg("PROXY", player)))
        .await;
    client.read_catch_up().await;
    client
}

/// How many of `n` quick requests from 127.0.0.`from` were refused.
async fn refused_of(n: usize, from: u8, to: SocketAddr, headers: &str) -> usize {
    let mut refused = 0;
    for _ in 0..n {
        match health_from(from, to, headers).await {
            200 => {}
            429 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    refused
}

/// Every client gets a burst of 3 new connections, then 1 a second;
/// loopback clients too (they stand for remote players here).
fn strict(trusted: &[&str]) -> RelayConfig {
    RelayConfig {
        connections_per_ip_per_sec: 1,
        connections_per_ip_burst: 3,
        limit_loopback_connections: true,
        trusted_proxies: trusted
            .iter()
            .map(|c| c.parse::<IpNet>().unwrap())
            .collect(),
        ..RelayConfig::for_tests()
    }
}

#[tokio::test]
async fn through_nginx_each_client_is_limited_by_its_own_address() {
    let relay = Relay::start(strict(&["127.0.0.1/32"])).await.unwrap();
    let Some(nginx) = Nginx::start(relay.local_addr()).await else {
        return eprintln!("skipped: nginx is not installed (.ci/setup-deps installs it)");
    };

    // The WebSocket upgrade goes through nginx.
    let mut alice = join_from(5, nginx.addr, "alice").await;
    alice.publish(1, vec![Doc::new().change("round", 1)]).await;

    // 127.0.0.5 spent one of its 3 on the WebSocket: of 10 more, most are
    // refused (1 a second comes back); another client is not affected.
    assert!(refused_of(10, 5, nginx.addr, "").await >= 4);
    assert_eq!(refused_of(2, 6, nginx.addr, "").await, 0);
    // A client naming another address is still counted as itself: nginx
    // appends the address it saw, and the relay reads from the right.
    assert_eq!(
        refused_of(2, 7, nginx.addr, "X-Forwarded-For: 127.0.0.5\r\n").await,
        0
    );
    // The open WebSocket is unaffected.
    alice.publish(2, vec![Doc::new().change("round", 2)]).await;
}

#[tokio::test]
async fn without_trusted_proxies_every_client_is_the_proxy() {
    let relay = Relay::start(strict(&[])).await.unwrap();
    let Some(nginx) = Nginx::start(relay.local_addr()).await else {
        return eprintln!("skipped: nginx is not installed (.ci/setup-deps installs it)");
    };
    assert!(refused_of(10, 5, nginx.addr, "").await >= 4);
    // Another player behind the same proxy shares its budget.
    assert!(refused_of(3, 6, nginx.addr, "").await >= 1);
}

#[tokio::test]
async fn forwarding_headers_count_only_from_trusted_peers() {
    let relay = Relay::start(strict(&["127.0.0.1/32"])).await.unwrap();
    let addr = relay.local_addr();
    let via = |ip: &str| format!("X-Forwarded-For: {ip}\r\n");
    // From the trusted 127.0.0.1, the header names the client: two
    // different clients, each with its own budget.
    assert_eq!(refused_of(3, 1, addr, &via("198.51.100.1")).await, 0);
    assert!(refused_of(3, 1, addr, &via("198.51.100.1")).await >= 1);
    assert_eq!(refused_of(3, 1, addr, &via("198.51.100.2")).await, 0);
    // From an untrusted peer the header is ignored: 127.0.0.9 is charged.
    assert_eq!(refused_of(3, 9, addr, &via("198.51.100.3")).await, 0);
    assert!(refused_of(3, 9, addr, &via("198.51.100.4")).await >= 1);

    // The inspector: a client forwarded from afar is not local, through a
    // trusted proxy or not; a loopback client through a trusted proxy is.
    let inspect = |h: &'static str| async move {
        http_get(addr, "/api/rooms", &[("X-Forwarded-For", h)])
            .await
            .0
    };
    assert_eq!(inspect("203.0.113.9").await, 403);
    assert_eq!(inspect("127.0.0.1").await, 200);
    let open = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let (status, _) = http_get(
        open.local_addr(),
        "/api/rooms",
        &[("X-Forwarded-For", "127.0.0.1")],
    )
    .await;
    assert_eq!(
        status, 403,
        "an untrusted peer's forwarding header never makes it local"
    );
}

#[tokio::test]
async fn the_relay_logs_the_client_behind_nginx() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("relay.log");
    let relay = RelayProcess::builder(relay_bin(env!("CARGO_BIN_EXE_coinop-relay")))
        .without_data_dir()
        .args(["--memory", "--trusted-proxies", "127.0.0.1"])
        .log_file(&log)
        .start()
        .unwrap();
    let Some(nginx) = Nginx::start(relay.addr()).await else {
        return eprintln!("skipped: nginx is not installed (.ci/setup-deps installs it)");
    };
    let _bob = join_from(8, nginx.addr, "bob").await;
    // The relay logs from its own thread: give the line a moment.
    let mut text = relay.log_text();
    for _ in 0..100 {
        if text.contains("peer=127.0.0.8:0") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        text = relay.log_text();
    }
    assert!(
        text.contains("peer=127.0.0.8:0"),
        "the log names nginx, not bob:\n{text}"
    );
}
