//! `--log-format json`: every log line of the binary is one JSON object,
//! for the relay and for its subcommands.
#![allow(clippy::unwrap_used)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_coinop-relay");

/// The stderr lines of a finished run, each parsed as a JSON object.
fn json_lines(cmd: &mut Command) -> Vec<serde_json::Value> {
    let out = cmd.output().unwrap();
    assert!(!out.status.success(), "expected a failure");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty(), "no log lines");
    lines
}

fn error_line<'a>(lines: &'a [serde_json::Value], message: &str) -> &'a serde_json::Value {
    lines
        .iter()
        .find(|l| l["level"] == "ERROR" && l["message"] == message)
        .unwrap_or_else(|| panic!("no ERROR {message:?} in {lines:?}"))
}

#[test]
fn the_relay_logs_json_lines_with_their_fields() {
    let dir = tempfile::tempdir().unwrap();
    // A directory the relay refuses: it logs why, then exits.
    rusqlite::Connection::open(dir.path().join("coinop.db"))
        .unwrap()
        .pragma_update(None, "user_version", 1_000)
        .unwrap();
    let lines = json_lines(
        Command::new(BIN)
            .args([
                "--log-format",
                "json",
                "--addr",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(dir.path()),
    );
    let line = error_line(&lines, "relay failed to start");
    assert!(line["timestamp"].is_string());
    let error = line["error"].as_str().unwrap();
    assert!(error.contains("schema version 1000"), "{error}");
}

#[test]
fn subcommands_log_json_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let lines = json_lines(
        Command::new(BIN)
            .env("COINOP_LOG_FORMAT", "json")
            .args(["restore", "--from"])
            .arg(dir.path().join("missing.db"))
            .arg("--data-dir")
            .arg(dir.path().join("data")),
    );
    let line = error_line(&lines, "restore failed");
    assert!(
        line["error"]
            .as_str()
            .unwrap()
            .contains("not a coinop backup")
    );
}
