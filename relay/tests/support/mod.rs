//! What the relay's integration tests share: the harness's raw client and
//! helpers (`coinop-harness`, the same copy the reliability tests and the
//! load tool use), and setups of the relay itself.
#![allow(dead_code, unused_imports)]

pub use coinop_harness::*;

use coinop_relay::{Relay, RelayConfig, StorageConfig};
use std::path::Path;

/// A relay in this process with `config`, its WebSocket URL, and `player`
/// joined to `room` (the catch-up read).
pub async fn relay_with_player(
    config: RelayConfig,
    room: &str,
    player: &str,
) -> (Relay, String, Client) {
    let relay = Relay::start(config).await.expect("start the relay");
    let url = relay.ws_url();
    let (client, _) = Client::join(&url, join_msg(room, player)).await;
    (relay, url, client)
}

/// The test configuration, storing in SQLite in `dir`.
pub fn sqlite_config(dir: &Path) -> RelayConfig {
    RelayConfig {
        storage: StorageConfig::Sqlite {
            dir: dir.to_owned(),
        },
        ..RelayConfig::for_tests()
    }
}

/// The test configuration with an `Origin` allow-list of one page,
/// `https://game.example`.
pub fn game_origin_only() -> RelayConfig {
    RelayConfig {
        allowed_origins: vec!["https://game.example".into()],
        ..RelayConfig::for_tests()
    }
}

/// The test configuration with no practical limit on unreliable messages,
/// for tests that send many and count them.
pub fn unreliable_unlimited() -> RelayConfig {
    RelayConfig {
        unreliable_per_sec: 1_000_000,
        unreliable_burst: 1_000_000,
        ..RelayConfig::for_tests()
    }
}
