//! What outlives a connection: bans kept after a kick, and deleting the
//! room. The room's owner ([`super::RoomMeta::owner`]) is the only one who
//! may delete it, and nobody may kick them.

use super::conn_id::ConnId;
use super::effect::{Effect, close_code};
use super::room_state::RoomState;
use coinop_protocol::{ErrorCode, PlayerId};

impl RoomState {
    /// Whether `player` is the room's owner.
    pub(crate) fn is_owner(&self, player: &PlayerId) -> bool {
        self.meta.owner.as_ref() == Some(player)
    }

    /// Remembers a kicked player so that they cannot come back until
    /// unbanned; the shell stores it with the room.
    pub(crate) fn ban(&mut self, player: PlayerId) {
        if self.banned.insert(player.clone()) {
            self.effects.push(Effect::SetBanned {
                player,
                banned: true,
            });
        }
    }

    /// Host (or owner) only: lets a kicked player join again.
    pub(crate) fn unban(&mut self, conn: ConnId, by: &PlayerId, player: PlayerId) {
        if self.roster.host() != Some(by) && !self.is_owner(by) {
            let text = "only the host may unban".to_owned();
            return self.error(conn, ErrorCode::NOT_HOST, text, None);
        }
        if self.banned.remove(&player) {
            self.effects.push(Effect::SetBanned {
                player,
                banned: false,
            });
        }
    }

    /// Owner only, from inside the room: deletes it.
    pub(crate) fn delete_by(&mut self, conn: ConnId, by: &PlayerId) {
        if !self.is_owner(by) {
            let text = "only the room's owner may delete it".to_owned();
            return self.error(conn, ErrorCode::NOT_OWNER, text, None);
        }
        self.delete_now();
    }

    /// Deletes the room: every live connection gets ROOM_DELETED and is
    /// closed, later joins are refused, and [`Effect::DeleteRoom`] asks the
    /// shell to remove its storage once [`RoomState::is_idle`] (no write
    /// of the room is still on its way to storage). The caller has checked
    /// that the deleter is the owner. Deleting twice does nothing more.
    pub fn delete(&mut self) -> Vec<Effect> {
        self.delete_now();
        std::mem::take(&mut self.effects)
    }

    fn delete_now(&mut self) {
        if self.deleted {
            return;
        }
        self.deleted = true;
        let conns: Vec<ConnId> = self.roster.conns().collect();
        for conn in conns {
            let text = "the room was deleted by its owner".to_owned();
            self.fatal(conn, ErrorCode::ROOM_DELETED, text, close_code::POLICY);
        }
        self.roster.clear();
        self.unreliable = Default::default();
        self.banned.clear();
        self.effects.push(Effect::DeleteRoom);
    }

    /// Whether the room was deleted (its storage goes once it is idle).
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }
}
