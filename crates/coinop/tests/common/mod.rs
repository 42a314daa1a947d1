//! Helpers for tests against the real relay on 127.0.0.1:0.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use coinop::{ErrorCode, Event, Events, Identity, MemoryIdentityStore, Profile, Room, RoomBuilder};
use coinop_relay::{Relay, RelayConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// Starts an in-memory relay on a free loopback port.
pub async fn relay() -> Relay {
    Relay::start(RelayConfig::for_tests())
        .await
        .expect("relay starts")
}

/// The relay's base URL as users pass it (the SDK adds `/ws`).
pub fn base_url(relay: &Relay) -> String {
    format!("ws://{}", relay.local_addr())
}

/// A builder for `name` in `room` with a fresh in-memory identity.
pub fn builder(url: &str, room: &str, name: &str) -> RoomBuilder {
    builder_as(url, room, name, Identity::generate().expect("identity"))
}

/// A builder for `name` in `room` with the given identity.
pub fn builder_as(url: &str, room: &str, name: &str, identity: Identity) -> RoomBuilder {
    RoomBuilder::new(url)
        .room(room)
        .profile(Profile {
            name: name.into(),
            color: "#123456".into(),
            avatar: String::new(),
        })
        .identity_store(MemoryIdentityStore::with(identity))
        .rpc_timeout(Duration::from_secs(2))
}

/// Builds, spawns the driver and waits until the room is synced.
pub async fn join(b: RoomBuilder) -> (Room, JoinHandle<Result<(), coinop::Error>>) {
    let (room, driver) = b.build().expect("build");
    let task = tokio::spawn(driver);
    tokio::time::timeout(Duration::from_secs(10), room.ready())
        .await
        .expect("ready in time")
        .expect("joined");
    (room, task)
}

/// The codes of the error events waiting in `events`.
pub fn error_codes(events: &mut Events) -> Vec<ErrorCode> {
    events
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            Event::Error(e) => e.code(),
            _ => None,
        })
        .collect()
}

/// Polls `cond` every 20 ms for up to 10 s; panics with `what` otherwise.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// A TCP proxy in front of the relay that a test can cut and restore, to
/// disconnect a client while the relay stays up.
pub struct Proxy {
    pub url: String,
    on: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(relay: &Relay) -> Proxy {
        let upstream = relay.local_addr();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}", listener.local_addr().expect("addr"));
        let on = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (on2, conns2) = (on.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut down, _)) = listener.accept().await {
                if !on2.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees a failed handshake
                }
                let Ok(mut up) = TcpStream::connect(upstream).await else {
                    continue;
                };
                conns2.lock().await.push(tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut down, &mut up).await;
                }));
            }
        });
        Proxy {
            url,
            on,
            conns,
            accept,
        }
    }

    /// Drops every proxied connection and refuses new ones.
    pub async fn cut(&self) {
        self.on.store(false, Ordering::SeqCst);
        for c in self.conns.lock().await.drain(..) {
            c.abort();
        }
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.on.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
