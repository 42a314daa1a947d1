//! Durability: SIGKILL the relay binary, restart it on the same data
//! directory, and find every acked change.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use support::*;

/// Kills the child even when the test fails half-way.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on port 0 and reads the port it prints.
fn spawn_relay(dir: &std::path::Path) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_coinop-relay"))
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the relay binary");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_owned();
    (Guard(child), format!("ws://{addr}/ws"))
}

#[tokio::test]
async fn every_acked_change_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = spawn_relay(dir.path());
    let mut acked: Vec<(String, Bytes)> = Vec::new();
    let mut tasks = Vec::new();
    for p in ["p1", "p2", "p3", "p4"] {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let (mut c, joined) = Client::join(&url, join_msg("CRASH", p)).await;
            let mut doc = Doc::new();
            let mut mine = Vec::new();
            for i in 0..25u64 {
                let change = doc.change(p, i as i64);
                c.send(&ClientMessage::Publish {
                    client_ref: i,
                    changes: vec![change.clone()],
                })
                .await;
                mine.push(change);
            }
            // Collect acks for all 25.
            let mut acks = 0;
            while acks < 25 {
                if let RelayMessage::Ack { .. } = c.recv().await {
                    acks += 1;
                }
            }
            (p.to_owned(), mine, joined.welcome.epoch)
        }));
    }
    let mut epoch = None;
    for t in tasks {
        let (p, mine, e) = t.await.unwrap();
        epoch = Some(e);
        acked.extend(mine.into_iter().map(|c| (p.clone(), c)));
    }
    // `Child::kill` sends SIGKILL on Unix: no shutdown code runs.
    child.0.kill().expect("SIGKILL");
    child.0.wait().unwrap();

    let (_child, url) = spawn_relay(dir.path());
    let (_c, joined) = Client::join(&url, join_msg("CRASH", "auditor")).await;
    assert_eq!(joined.head, Seq(100));
    assert_eq!(
        Some(joined.welcome.epoch),
        epoch,
        "the room keeps its epoch"
    );
    let stored: std::collections::HashSet<&[u8]> =
        joined.entries.iter().map(|e| &e.change[..]).collect();
    for (p, change) in &acked {
        assert!(
            stored.contains(&change[..]),
            "an acked change of {p} is missing"
        );
    }
}

#[tokio::test]
async fn sigterm_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = spawn_relay(dir.path());
    let (mut c, _) = Client::join(&url, join_msg("TERM", "alice")).await;
    let status = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    assert_eq!(
        c.expect_fatal().await,
        (Some(ErrorCode::SHUTTING_DOWN), Some(1012))
    );
    // The process exits by itself, successfully, within a bounded time.
    for _ in 0..100 {
        if let Some(status) = child.0.try_wait().unwrap() {
            assert!(status.success());
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the relay did not exit after SIGTERM");
}
