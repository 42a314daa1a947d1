//! Bots run by this client: seats of their own in the same room.

use crate::builder::RoomBuilder;
use crate::error::Error;
use crate::identity::{Identity, MemoryIdentityStore};
use crate::room::Room;
use coinop_protocol::PlayerId;

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
        Ok(RoomBuilder::new(self.shared.relay_url.clone())
            .room(code.as_str())
            .identity_store(MemoryIdentityStore::with(identity))
            .bot_of(me))
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
