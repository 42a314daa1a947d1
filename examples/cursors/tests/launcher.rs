//! Smoke test of the launcher: it starts the relay on a free loopback port
//! and serves the page at `/` and the coinop package at `/coinop/`.
//! Skipped (with a message) when `bindings/js/dist` is not built.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Kills the launcher even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.get(9..12).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| {
            // Header names are case-insensitive (hyper writes them lower-case).
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

#[test]
fn serves_the_page_and_the_package() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bindings/js/dist/index.js");
    if !dist.exists() {
        eprintln!(
            "skipped: {} is not built (cd bindings/js && node build.mjs)",
            dist.display()
        );
        return;
    }
    let child = Command::new(env!("CARGO_BIN_EXE_cursors"))
        .args(["--no-build", "--memory", "--addr", "127.0.0.1:0"])
        .env_remove("COINOP_SERVE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let stdout = running.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    let addr = line
        .strip_prefix("open http://")
        .and_then(|rest| rest.strip_suffix(" in two tabs\n"))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));

    let (status, content_type, body) = get(addr, "/");
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(body.contains("Live cursors"), "{body}");
    let (status, content_type, body) = get(addr, "/coinop/index.js");
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/javascript; charset=utf-8");
    assert!(body.contains("insertCoin"));
    let (status, _, _) = get(addr, "/app.js");
    assert_eq!(status, 200);
    assert_eq!(get(addr, "/healthz").0, 200);
}
