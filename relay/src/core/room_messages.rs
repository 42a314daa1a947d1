//! Everything a joined client may send besides publishes.

use super::conn_id::ConnId;
use super::effect::{CoalesceKey, Delivery, close_code};
use super::room_state::RoomState;
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
                let rpc = RelayMessage::Rpc {
                    call,
                    from: player.clone(),
                    name,
                    payload,
                    want_reply,
                };
                self.rpc(conn, player, call, target, rpc, want_reply);
            }
            ClientMessage::RpcReply { call, to, outcome } => {
                if let Some(to_conn) = self.roster.conn_of(&to) {
                    let msg = RelayMessage::RpcReply {
                        call,
                        from: player,
                        outcome,
                    };
                    self.send(to_conn, &msg);
                }
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
        if !self
            .unreliable
            .set(value.clone(), self.limits.max_unreliable_values)
        {
            let text = "the room holds too many unreliable keys".to_owned();
            return self.error(conn, ErrorCode::INVALID_FIELD, text, None);
        }
        let delivery = Delivery::Unreliable(CoalesceKey {
            sender,
            target,
            key,
        });
        self.broadcast_as(&RelayMessage::Unreliable(value), Some(conn), delivery);
    }

    fn rpc(
        &mut self,
        conn: ConnId,
        caller: PlayerId,
        call: CallId,
        target: RpcTarget,
        rpc: RelayMessage,
        want_reply: bool,
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
                            let from = who.unwrap_or(caller);
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
        for receiver in receivers {
            self.effects.push(super::Effect::Send {
                conn: receiver,
                frame: frame.clone(),
                delivery: Delivery::Reliable,
            });
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
        if let Some(kicked) = self.roster.conn_of(&target) {
            let text = "removed by the host".to_owned();
            self.fatal(kicked, ErrorCode::KICKED, text, close_code::POLICY);
        }
        self.remove_player(&target, None);
    }
}
