//! Bots run by this client: seats of their own in the same room.

#[cfg(not(target_arch = "wasm32"))]
use crate::bot_host::{BotDriver, BotHost};
use crate::builder::RoomBuilder;
use crate::error::Error;
use crate::identity::{Identity, MemoryIdentityStore};
use crate::room::Room;
use coinop_protocol::{PlayerId, Profile};
#[cfg(not(target_arch = "wasm32"))]
use std::future::Future;

impl Room {
    /// A builder for a new bot seat that this client runs, with a fresh id
    /// (`bot-` and 16 hex digits). Only the host may run bots; give the
    /// builder a profile, build it and spawn its driver like any room.
    ///
    /// The bot is a player of its own: its own player state and profile,
    /// written through its own [`Room`] handle, and flagged as a bot in
    /// everyone's roster ([`crate::Player::is_bot`]).
    pub fn add_bot(&self) -> Result<RoomBuilder, Error> {
        let mut n = [0u8; 8];
        getrandom::fill(&mut n).map_err(|e| Error::Corrupt(format!("no randomness: {e}")))?;
        self.bot_builder(PlayerId::new(format!("bot-{}", hex::encode(n)))?)
    }

    /// A builder for the bot seat `bot`, run by this client. A bot's seat
    /// follows the host: when this client becomes host, build one for each
    /// bot in [`Room::bots`] that the previous host ran (the relay keeps a
    /// dropped bot's seat for a grace period after the host changes), and
    /// the previous host's handle for it stops with `REPLACED`.
    pub fn bot_builder(&self, bot: PlayerId) -> Result<RoomBuilder, Error> {
        let code = self
            .room_code()
            .filter(|_| self.is_host())
            .ok_or(Error::NotHost)?;
        let (me, secret) = self.read(|c| (c.me().clone(), c.secret().clone()));
        let identity = Identity {
            player: bot,
            secret,
        };
        // A seat taken over keeps the profile the room holds for it.
        Ok(RoomBuilder::new(self.shared.relay_url.clone())
            .default_profile(Profile::default())
            .room(code.as_str())
            .identity_store(MemoryIdentityStore::with(identity))
            .bot_of(me))
    }

    /// A bot host for this room: it runs bots on this client whenever it is
    /// host, `play` driving each one once it holds its seat (given the
    /// bot's own handle; when `play` returns, the bot keeps its seat). Seat
    /// new bots with [`BotHost::add`]; when this client becomes host, it
    /// takes over every bot seat the previous host ran, by itself, with a
    /// new `play` (the seat, its state and profile stay in the room, and
    /// nobody sees the bot leave). Spawn the [`BotDriver`] next to the
    /// room's driver on every client that may become host.
    ///
    /// The bot host holds a handle of this room, so the room runs as long
    /// as the bot driver does. When the room is left, its bots leave too;
    /// when this client just goes away (its drivers dropped, the process
    /// ends), the relay keeps the bots' seats for its grace period after
    /// the host changes, and the next host's bot host takes them over.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn bot_host<F, Fut>(&self, play: F) -> (BotHost, BotDriver)
    where
        F: Fn(Room) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        BotHost::new(self.clone(), play)
    }

    /// The bots seated in the room, in seating order.
    pub fn bots(&self) -> Vec<PlayerId> {
        self.players()
            .into_iter()
            .filter(|p| p.is_bot)
            .map(|p| p.id)
            .collect()
    }
}
