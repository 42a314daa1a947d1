//! Helpers for the scenarios that run the real SDK against the relay.

use coinop::{Identity, MemoryIdentityStore, Room, RoomBuilder};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// An SDK room with its driver task; the driver is aborted when dropped.
pub struct SdkClient {
    /// The room handle.
    pub room: Room,
    driver: JoinHandle<Result<(), coinop::Error>>,
}

impl Drop for SdkClient {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl SdkClient {
    /// Builds a client for `room` at `url` with a fresh identity, spawns its
    /// driver, and waits (up to 30 s) until it is synced.
    pub async fn join(url: &str, room: &str) -> SdkClient {
        let client = SdkClient::start(url, room);
        tokio::time::timeout(Duration::from_secs(30), client.room.ready())
            .await
            .expect("ready in time")
            .expect("joined");
        client
    }

    /// Like [`SdkClient::join`] without waiting for the join.
    pub fn start(url: &str, room: &str) -> SdkClient {
        let identity = Identity::generate().expect("an identity");
        let (room, driver) = RoomBuilder::new(url)
            .room(room)
            .identity_store(MemoryIdentityStore::with(identity))
            .build()
            .expect("build the room");
        SdkClient {
            room,
            driver: tokio::spawn(driver),
        }
    }
}

/// Polls `cond` every 20 ms until it holds or `limit` passes; returns how
/// long it took, or `None` on timeout.
pub async fn within(limit: Duration, mut cond: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    // Bounded by `limit`.
    loop {
        if cond() {
            return Some(started.elapsed());
        }
        if started.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The rooms of the clients in room number `room`, of clients tagged with
/// their room's number.
pub fn replicas_of(clients: &[(usize, SdkClient)], room: usize) -> Vec<&Room> {
    clients
        .iter()
        .filter(|(r, _)| *r == room)
        .map(|(_, c)| &c.room)
        .collect()
}

/// Whether every replica holds the same keys and values and is saved.
pub fn converged(rooms: &[&Room]) -> bool {
    let Some(first) = rooms.first() else {
        return true;
    };
    let keys = first.state_keys();
    rooms.iter().all(|r| {
        r.is_saved()
            && r.state_keys() == keys
            && keys
                .iter()
                .all(|k| r.get_state_json(k) == first.get_state_json(k))
    })
}
