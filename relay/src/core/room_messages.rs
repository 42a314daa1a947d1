//! Everything a joined client may send besides publishes.

use super::conn_id::ConnId;
use super::effect::{CoalesceKey, Delivery, close_code};
use super::room_state::RoomState;
use super::unreliable_store::Full;
use coinop_protocol::{
    Bytes, CallId, ClientMessage, ErrorCode, PlayerId, RelayMessage, ReplyOutcome, Role,
    RpcOutcome, RpcTarget, StateTarget, UnreliableValue,
};

/// The longest game id, in bytes.
pub const MAX_GAME_BYTES: usize = 128;

impl RoomState {
    pub(crate) fn message(&mut self, conn: ConnId, msg: ClientMessage, now: u64) {
        let Some(player) = self.roster.player_of(conn).cloned() else {
            // Not (or no longer) a member: replaced, kicked or left.
            return;
        };
        let spectator = self
            .roster
            .seat(&player)
            .is_some_and(|s| s.info.role == Role::Spectator);
        match msg {
            ClientMessage::Publish { client_ref, .. } if spectator => {
                let text = "spectators are read-only".to_owned();
                self.error(conn, ErrorCode::READ_ONLY, text, Some(client_ref));
            }
            ClientMessage::Unreliable { .. } if spectator => {
                let text = "spectators are read-only".to_owned();
                self.error(conn, ErrorCode::READ_ONLY, text, None);
            }
            ClientMessage::Publish {
                client_ref,
                changes,
            } => self.publish(conn, client_ref, changes),
            ClientMessage::Unreliable { target, key, value } => {
                self.unreliable_value(conn, player, target, key, value)
            }
            ClientMessage::Rpc {
                call,
                target,
                name,
                payload,
                want_reply,
            } => {
                let size = name.len() + payload.len();
                if size > self.limits.max_rpc_bytes {
                    return self.rpc_too_large(conn, size);
                }
                let rpc = RelayMessage::Rpc {
                    call,
                    from: player.clone(),
                    name,
                    payload,
                    want_reply,
                };
                self.rpc(conn, player, call, target, rpc, want_reply, now);
            }
            ClientMessage::RpcReply { call, to, outcome } => {
                self.rpc_reply(conn, player, call, to, outcome, now)
            }
            ClientMessage::TransferHost { to } => self.transfer_host(conn, &player, to),
            ClientMessage::StartMatchmaking { request, game } => {
                let outcome = self.start_matchmaking(&player, game);
                self.send(conn, &RelayMessage::Reply { request, outcome });
            }
            ClientMessage::Kick { player: target } => self.kick(conn, &player, target),
            ClientMessage::Leave => {
                self.remove_player(&player, Some(conn));
                self.effects.push(super::Effect::Close {
                    conn,
                    code: close_code::NORMAL,
                    reason: "left".to_owned(),
                });
            }
            ClientMessage::Ping { client_time } => {
                let pong = RelayMessage::Pong {
                    client_time,
                    server_time: now,
                };
                self.send(conn, &pong);
            }
            ClientMessage::Unban { player: target } => self.unban(conn, &player, target),
            ClientMessage::DeleteRoom => self.delete_by(conn, &player),
            ClientMessage::Join(_) => {
                let text = "already joined".to_owned();
                self.fatal(
                    conn,
                    ErrorCode::UNEXPECTED_MESSAGE,
                    text,
                    close_code::POLICY,
                );
                self.disconnected(conn, now);
            }
            other => {
                let text = format!("unsupported message {other:?}");
                self.error(conn, ErrorCode::UNEXPECTED_MESSAGE, text, None);
            }
        }
    }

    fn unreliable_value(
        &mut self,
        conn: ConnId,
        sender: PlayerId,
        target: StateTarget,
        key: String,
        value: Bytes,
    ) {
        if key.len() > self.limits.max_key_bytes {
            let text = format!("keys are at most {} bytes", self.limits.max_key_bytes);
            return self.error(conn, ErrorCode::INVALID_FIELD, text, None);
        }
        if value.len() > self.limits.max_unreliable_value_bytes {
            let text = format!(
                "unreliable values are at most {} bytes",
                self.limits.max_unreliable_value_bytes
            );
            return self.error(conn, ErrorCode::VALUE_TOO_LARGE, text, None);
        }
        if let StateTarget::Player(p) = &target
            && self.roster.seat(p).is_none()
        {
            return self.error(
                conn,
                ErrorCode::NO_SUCH_PLAYER,
                format!("{p} is not seated"),
                None,
            );
        }
        let value = UnreliableValue {
            sender: sender.clone(),
            target: target.clone(),
            key: key.clone(),
            value,
        };
        let (slots, bytes) = (
            self.limits.max_unreliable_values,
            self.limits.max_unreliable_bytes,
        );
        match self.unreliable.set(value.clone(), slots, bytes) {
            Ok(()) => {}
            Err(Full::Slots) => {
                let text = "the room holds too many unreliable keys".to_owned();
                return self.error(conn, ErrorCode::INVALID_FIELD, text, None);
            }
            Err(Full::Bytes) => {
                let text = format!("the room holds {bytes} bytes of unreliable values");
                return self.error(conn, ErrorCode::VALUE_TOO_LARGE, text, None);
            }
        }
        let delivery = Delivery::Unreliable(CoalesceKey {
            sender,
            target,
            key,
        });
        self.broadcast_as(&RelayMessage::Unreliable(value), Some(conn), delivery);
    }

    #[allow(clippy::too_many_arguments)]
    fn rpc(
        &mut self,
        conn: ConnId,
        caller: PlayerId,
        call: CallId,
        target: RpcTarget,
        rpc: RelayMessage,
        want_reply: bool,
        now: u64,
    ) {
        let frame = Bytes::from(rpc.encode());
        let receivers: Vec<ConnId> = match &target {
            RpcTarget::All => self.roster.conns().collect(),
            RpcTarget::Others => self.roster.conns().filter(|c| *c != conn).collect(),
            RpcTarget::Host | RpcTarget::Player(_) => {
                let who = match &target {
                    RpcTarget::Player(p) => Some(p.clone()),
                    _ => self.roster.host().cloned(),
                };
                match who.as_ref().and_then(|p| self.roster.conn_of(p)) {
                    Some(c) => vec![c],
                    None => {
                        if want_reply {
                            let from = who.unwrap_or_else(|| caller.clone());
                            let reply = RelayMessage::RpcReply {
                                call,
                                from,
                                outcome: RpcOutcome::Err("the target is not connected".into()),
                            };
                            self.send(conn, &reply);
                        }
                        Vec::new()
                    }
                }
            }
        };
        if want_reply && !receivers.is_empty() {
            let answerers = receivers
                .iter()
                .filter_map(|c| self.roster.player_of(*c).cloned())
                .collect();
            let expires_at = now.saturating_add(self.limits.rpc_reply_ms);
            let max = self.limits.max_calls_per_player;
            if !self
                .calls
                .track(&caller, call, answerers, now, expires_at, max)
            {
                let text = format!("at most {max} calls may wait for replies");
                return self.error(conn, ErrorCode::TOO_MANY_CALLS, text, None);
            }
        }
        for receiver in receivers {
            self.effects.push(super::Effect::Send {
                conn: receiver,
                frame: frame.clone(),
                delivery: Delivery::Reliable,
            });
        }
    }

    fn rpc_too_large(&mut self, conn: ConnId, size: usize) {
        let text = format!(
            "the RPC has {size} bytes, the limit is {}",
            self.limits.max_rpc_bytes
        );
        self.error(conn, ErrorCode::RPC_TOO_LARGE, text, None);
    }

    /// Forwards a reply to its caller when it answers a call the relay
    /// forwarded to `replier` (see [`super::rpc_calls`]).
    fn rpc_reply(
        &mut self,
        conn: ConnId,
        replier: PlayerId,
        call: CallId,
        to: PlayerId,
        outcome: RpcOutcome,
        now: u64,
    ) {
        let size = match &outcome {
            RpcOutcome::Ok(bytes) => bytes.len(),
            RpcOutcome::Err(text) => text.len(),
        };
        if size > self.limits.max_rpc_bytes {
            return self.rpc_too_large(conn, size);
        }
        if !self.calls.answer(&to, call, &replier, now) {
            let text = format!("{to} has no call {} waiting for your reply", call.0);
            return self.error(conn, ErrorCode::RPC_REPLY_REFUSED, text, None);
        }
        if let Some(to_conn) = self.roster.conn_of(&to) {
            let msg = RelayMessage::RpcReply {
                call,
                from: replier,
                outcome,
            };
            self.send(to_conn, &msg);
        }
    }

    fn transfer_host(&mut self, conn: ConnId, player: &PlayerId, to: PlayerId) {
        if self.roster.host() != Some(player) {
            return self.error(
                conn,
                ErrorCode::NOT_HOST,
                "only the host may transfer".into(),
                None,
            );
        }
        if self.roster.seat(&to).is_none() {
            return self.error(
                conn,
                ErrorCode::NO_SUCH_PLAYER,
                format!("{to} is not seated"),
                None,
            );
        }
        if self.roster.seat(&to).is_some_and(|s| s.info.bot) {
            let text = format!("{to} is a bot");
            return self.error(conn, ErrorCode::BOT_CANNOT_HOST, text, None);
        }
        if self
            .roster
            .seat(&to)
            .is_some_and(|s| s.info.role == Role::Spectator)
        {
            let text = "spectators are read-only and cannot be host".to_owned();
            return self.error(conn, ErrorCode::INVALID_FIELD, text, None);
        }
        if self.roster.host() == Some(&to) {
            return;
        }
        self.roster.set_host(Some(to.clone()));
        self.broadcast(
            &RelayMessage::HostChanged {
                host: Some(to.clone()),
            },
            None,
        );
        self.index_host(to);
    }

    /// Opens the room to matchmaking for `game` (or the game its players
    /// named); host only.
    fn start_matchmaking(&mut self, player: &PlayerId, game: Option<String>) -> ReplyOutcome {
        let refuse = |code, message: &str| ReplyOutcome::Refused {
            code,
            message: message.to_owned(),
        };
        if self.roster.host() != Some(player) {
            return refuse(ErrorCode::NOT_HOST, "only the host may start matchmaking");
        }
        let Some(game) = game.or_else(|| self.game.clone()) else {
            return refuse(ErrorCode::GAME_ID_REQUIRED, "matchmaking needs a game id");
        };
        if game.is_empty() || game.len() > MAX_GAME_BYTES {
            return refuse(ErrorCode::INVALID_FIELD, "game ids are 1 to 128 bytes");
        }
        self.game = Some(game);
        self.public = true;
        ReplyOutcome::Done
    }

    fn kick(&mut self, conn: ConnId, player: &PlayerId, target: PlayerId) {
        if self.roster.host() != Some(player) {
            return self.error(
                conn,
                ErrorCode::NOT_HOST,
                "only the host may kick".into(),
                None,
            );
        }
        if self.roster.seat(&target).is_none() {
            let text = format!("{target} is not seated");
            return self.error(conn, ErrorCode::NO_SUCH_PLAYER, text, None);
        }
        if self.is_owner(&target) {
            let text = "the room's owner cannot be kicked".to_owned();
            return self.error(conn, ErrorCode::NOT_OWNER, text, None);
        }
        // Kept with the room: the kicked player cannot simply join again.
        self.ban(target.clone());
        if let Some(kicked) = self.roster.conn_of(&target) {
            let text = "removed by the host".to_owned();
            self.fatal(kicked, ErrorCode::KICKED, text, close_code::POLICY);
        }
        self.remove_player(&target, None);
    }
}
