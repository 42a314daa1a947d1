//! Configuring and starting a room.

use crate::core::{CoreConfig, RoomCore};
use crate::driver;
use crate::error::Error;
use crate::identity::IdentityStore;
use crate::replica::ReplicaStore;
use crate::room::Room;
use crate::shared::Shared;
use crate::transport::TlsTrust;
use coinop_protocol::{Matchmaking, PlayerId, Profile, Role, RoomCode, RoomRequest, RoomRules};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The future that runs a room: spawn it on your runtime
/// (`tokio::spawn` natively, `spawn_local` in the browser). It resolves
/// when the room is left (`Ok`), refused for good (`Err`), or every
/// [`Room`] handle is dropped (`Ok`).
#[cfg(not(target_arch = "wasm32"))]
pub type Driver = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;
/// The future that runs a room (see the native docs).
#[cfg(target_arch = "wasm32")]
pub type Driver = Pin<Box<dyn Future<Output = Result<(), Error>>>>;

/// Configures a room, then [`RoomBuilder::build`] returns the handle and
/// the driver future.
pub struct RoomBuilder {
    url: String,
    room: Option<String>,
    profile: Profile,
    profile_is_default: bool,
    max_players: Option<u16>,
    grace_period: Option<Duration>,
    only_existing: bool,
    rules: Option<RoomRules>,
    rpc_timeout: Duration,
    defaults: BTreeMap<String, Json>,
    player_defaults: BTreeMap<String, Json>,
    identity_store: Option<Arc<dyn IdentityStore>>,
    replica_store: Option<Arc<dyn ReplicaStore>>,
    tls_roots: Vec<Vec<u8>>,
    bot_of: Option<PlayerId>,
    error: Option<Error>,
    game: Option<String>,
    matchmaking: Option<Matchmaking>,
    role: Role,
}

impl RoomBuilder {
    /// A builder for the relay at `relay_url`: `ws://host:port`,
    /// `wss://…`, `http://…` or `https://…`, with or without the `/ws` path.
    /// By default it creates a new room; see [`RoomBuilder::room`].
    pub fn new(relay_url: impl Into<String>) -> Self {
        RoomBuilder {
            url: relay_url.into(),
            room: None,
            profile: Profile::default(),
            profile_is_default: false,
            max_players: None,
            grace_period: None,
            only_existing: false,
            rules: None,
            rpc_timeout: Duration::from_secs(10),
            defaults: BTreeMap::new(),
            player_defaults: BTreeMap::new(),
            identity_store: None,
            replica_store: None,
            tls_roots: Vec::new(),
            bot_of: None,
            error: None,
            game: None,
            matchmaking: None,
            role: Role::Player,
        }
    }

    /// The game this client plays (Playroom Kit's `gameId`): public rooms
    /// and matchmaking are per game.
    pub fn game(mut self, game: impl Into<String>) -> Self {
        self.game = Some(game.into());
        self
    }

    /// Matchmaking (Playroom Kit's `matchmaking` option): the relay seats
    /// this player in the fullest public room of the [`RoomBuilder::game`]
    /// with an open seat, waiting up to `wait_before_creating_new_room` for
    /// one before it makes a new public room (of [`RoomBuilder::max_players`]
    /// seats). [`RoomBuilder::room`] is then ignored. The relay caps the
    /// wait (10 s by default).
    pub fn matchmaking(mut self, wait_before_creating_new_room: Duration) -> Self {
        let ms = wait_before_creating_new_room
            .as_millis()
            .min(u128::from(u32::MAX)) as u32;
        self.matchmaking = Some(Matchmaking {
            wait_before_creating_ms: ms,
        });
        self
    }

    /// What this client is in the room: a player (the default), a stream
    /// screen (a shared screen that takes no player seat, Playroom Kit's
    /// `streamMode`) or a spectator (read-only, no seat).
    pub fn role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    /// Joins the room with this code (created if it does not exist).
    pub fn room(mut self, code: impl Into<String>) -> Self {
        self.room = Some(code.into());
        self
    }

    /// This player's profile (name, colour, avatar).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// A profile for a player the room does not know yet (a random name and
    /// colour, say); a returning player keeps the profile the room holds.
    /// [`RoomBuilder::profile`] instead always writes its profile.
    pub fn default_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self.profile_is_default = true;
        self
    }

    /// The player cap, used when this client creates the room.
    pub fn max_players(mut self, n: u16) -> Self {
        self.max_players = Some(n);
        self
    }

    /// How long a dropped player keeps their seat, used when this client
    /// creates the room.
    pub fn grace_period(mut self, d: Duration) -> Self {
        self.grace_period = Some(d);
        self
    }

    /// Join the room given to [`RoomBuilder::room`] only if it exists:
    /// otherwise the driver ends with the relay's `ROOM_NOT_FOUND` and
    /// nothing is stored (checking a code someone typed creates no room).
    /// It holds for reconnects too: a room deleted meanwhile ends the driver
    /// the same way, and this client never rebuilds a room the relay lost.
    pub fn only_existing(mut self, yes: bool) -> Self {
        self.only_existing = yes;
        self
    }

    /// Who may write what in the room, used when this client creates the
    /// room (the relay keeps them with the room and enforces them on every
    /// change). Without it the room gets [`RoomRules::default`]: a
    /// player's state written by that player or the host, a profile by its
    /// player, room state by anyone.
    ///
    /// ```
    /// use coinop::{PlayerStateWriters, RoomBuilder, RoomRules};
    ///
    /// let builder = RoomBuilder::new("ws://127.0.0.1:8080")
    ///     .room_rules(RoomRules::default().with_host_only_keys(["round"]))
    ///     .room_rules(RoomRules::default().with_player_state(PlayerStateWriters::Anyone));
    /// # drop(builder);
    /// ```
    pub fn room_rules(mut self, rules: RoomRules) -> Self {
        self.rules = Some(rules);
        self
    }

    /// How long [`Room::call`] waits for a reply (default 10 s).
    pub fn rpc_timeout(mut self, d: Duration) -> Self {
        self.rpc_timeout = d;
        self
    }

    /// The value a room key reads as until someone writes it, and what
    /// [`Room::reset_states`] restores.
    pub fn default_state<T: Serialize + ?Sized>(mut self, key: &str, value: &T) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => {
                self.defaults.insert(key.to_owned(), v);
            }
            Err(e) => self.error = Some(e.into()),
        }
        self
    }

    /// The value a player key reads as until someone writes it.
    pub fn default_player_state<T: Serialize + ?Sized>(mut self, key: &str, value: &T) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => {
                self.player_defaults.insert(key.to_owned(), v);
            }
            Err(e) => self.error = Some(e.into()),
        }
        self
    }

    /// Where the player identity is kept. Default: natively a file in the
    /// user's data directory (see [`crate::FileIdentityStore`]), so a
    /// restarted program is the same player; in the browser, memory.
    ///
    /// Two programs on one machine using the default store are the *same*
    /// player: the second join replaces the first, which stops with
    /// `REPLACED`. Give each its own store (a [`crate::MemoryIdentityStore`],
    /// or a `FileIdentityStore` at another path) to play against yourself.
    pub fn identity_store(mut self, store: impl IdentityStore + 'static) -> Self {
        self.identity_store = Some(Arc::new(store));
        self
    }

    /// Keep a local replica (document, outbox, cursor) so that edits made
    /// offline survive a restart. Default: none. Needs the `replica` feature
    /// (on by default).
    #[cfg(feature = "replica")]
    pub fn replica_store(mut self, store: impl ReplicaStore + 'static) -> Self {
        self.replica_store = Some(Arc::new(store));
        self
    }

    /// Trusts the CA certificate(s) in `pem` for `wss://`, besides the
    /// public roots the SDK ships (Mozilla's, from `webpki-roots`): for a
    /// relay with a self-signed or private-CA certificate. Repeatable; an
    /// invalid PEM fails [`RoomBuilder::build`]. In the browser the
    /// browser's own trust store decides and this is ignored.
    pub fn tls_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.tls_roots.push(pem.as_ref().to_vec());
        self
    }

    /// Join as a bot seat run by `owner`: the roster flags the seat as a
    /// bot ([`crate::Player::is_bot`]) and it is never elected host.
    ///
    /// With `owner` the identity's own player, the program is its own bot
    /// (a bot written in Rust that joins a room by itself). With another
    /// player, the bot is run by that player's client, as Playroom Kit's
    /// bots are run by the host: the identity store then holds the bot's
    /// id with the *owner's* secret, and the owner must be the room's
    /// connected host. [`Room::bot_builder`] sets all of this up.
    pub fn bot_of(mut self, owner: PlayerId) -> Self {
        self.bot_of = Some(owner);
        self
    }

    /// Builds the room: loads or creates the identity, restores the replica,
    /// and returns the handle plus the driver future to spawn.
    pub fn build(self) -> Result<(Room, Driver), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let url = ws_url(&self.url)?;
        let tls = TlsTrust::with_roots(&self.tls_roots)?;
        let store = match self.identity_store {
            Some(s) => s,
            None => default_identity_store(),
        };
        let identity = store.load_or_create()?;
        let (request, code) = match &self.room {
            Some(code) => {
                let code = RoomCode::new(code.clone())?;
                (RoomRequest::Code(code.clone()), Some(code))
            }
            None => (RoomRequest::New, None),
        };
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).map_err(|e| Error::Corrupt(format!("no randomness: {e}")))?;
        let mut cfg = CoreConfig::new(
            request,
            identity.player,
            identity.secret,
            u64::from_le_bytes(seed),
        );
        cfg.profile = self.profile;
        cfg.profile_is_default = self.profile_is_default;
        cfg.max_players = self.max_players;
        cfg.grace_period_ms = self
            .grace_period
            .map(|d| d.as_millis().min(u32::MAX as u128) as u32);
        cfg.only_existing = self.only_existing;
        cfg.rules = self.rules;
        cfg.rpc_timeout_ms = self.rpc_timeout.as_millis() as u64;
        cfg.default_states = self.defaults;
        cfg.default_player_states = self.player_defaults;
        cfg.bot_of = self.bot_of;
        cfg.game = self.game;
        cfg.matchmaking = self.matchmaking;
        cfg.role = self.role;
        // Without the feature no store can be set; the constant lets the
        // compiler drop the restore path too.
        let store = self
            .replica_store
            .as_ref()
            .filter(|_| cfg!(feature = "replica"));
        let core = match (store, &code) {
            (Some(store), Some(code)) => start_from_replica(cfg, store.as_ref(), code)?,
            _ => RoomCore::new(cfg, None)?,
        };
        let shared = Arc::new(Shared {
            core: Mutex::new(core),
            subscribers: Mutex::new(Vec::new()),
            handlers: Mutex::new(HashMap::new()),
            waiters: Mutex::new(HashMap::new()),
            replica_store: self.replica_store,
            relay_url: url.clone(),
        });
        let (wake, wake_rx) = futures_channel::mpsc::unbounded();
        let wake = Arc::new(wake);
        if let Some(store) = &shared.replica_store {
            // Weak: the store lives as long as the driver, which must stop
            // once every handle is dropped.
            let wake = Arc::downgrade(&wake);
            store.on_write_failure(Box::new(move || {
                if let Some(wake) = wake.upgrade() {
                    let _ = wake.unbounded_send(()); // a stopped driver needs no wake
                }
            }));
        }
        let room = Room {
            shared: shared.clone(),
            wake,
        };
        Ok((room, Box::pin(driver::run(shared, url, tls, wake_rx))))
    }
}

/// The core, resumed from the stored replica of `room`. An unreadable
/// replica (written by a newer SDK, or corrupt) is set aside when the store
/// can, and the room starts without it and reports why; it is never
/// dropped silently, nor overwritten.
fn start_from_replica(
    cfg: CoreConfig,
    store: &dyn ReplicaStore,
    room: &RoomCode,
) -> Result<RoomCore, Error> {
    let started = store
        .load(room)
        .and_then(|replica| RoomCore::new(cfg.clone(), replica));
    match started {
        Err(e @ (Error::ReplicaTooNew { .. } | Error::ReplicaCorrupt(_))) => {
            if !store.set_aside(room)? {
                return Err(e);
            }
            let mut core = RoomCore::new(cfg, None)?;
            core.replica_unreadable(e);
            Ok(core)
        }
        other => other,
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn default_identity_store() -> Arc<dyn IdentityStore> {
    Arc::new(crate::file_store::FileIdentityStore::default())
}

#[cfg(target_arch = "wasm32")]
fn default_identity_store() -> Arc<dyn IdentityStore> {
    Arc::new(crate::identity::MemoryIdentityStore::default())
}

/// The WebSocket URL of a relay: `ws(s)://host[:port][/prefix]/ws`.
pub(crate) fn ws_url(base: &str) -> Result<String, Error> {
    let base = base.trim().trim_end_matches('/');
    let rest = if let Some(r) = base.strip_prefix("http://") {
        format!("ws://{r}")
    } else if let Some(r) = base.strip_prefix("https://") {
        format!("wss://{r}")
    } else if base.starts_with("ws://") || base.starts_with("wss://") {
        base.to_owned()
    } else {
        return Err(Error::InvalidUrl(base.to_owned()));
    };
    if rest.split("://").nth(1).is_none_or(str::is_empty) {
        return Err(Error::InvalidUrl(base.to_owned()));
    }
    Ok(if rest.ends_with("/ws") {
        rest
    } else {
        format!("{rest}/ws")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn relay_urls_get_the_ws_path() {
        assert_eq!(
            ws_url("ws://127.0.0.1:8787").unwrap(),
            "ws://127.0.0.1:8787/ws"
        );
        assert_eq!(ws_url("http://h:1/").unwrap(), "ws://h:1/ws");
        assert_eq!(ws_url("https://h/relay").unwrap(), "wss://h/relay/ws");
        assert_eq!(ws_url("wss://h/ws").unwrap(), "wss://h/ws");
        assert!(ws_url("ftp://h").is_err());
        assert!(ws_url("ws://").is_err());
    }
}
