//! The matchmaker: one task owns the public room index
//! ([`crate::core::PublicRooms`]), so every placement is decided in one
//! place, in order; connections ask it for a seat, rooms report their
//! seats to it, the HTTP listing reads it.

use super::clock::now_ms;
use super::random::random_u64;
use crate::core::{Placement, PublicRoom, PublicRooms};
use coinop_protocol::{PlayerId, RoomCode};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

enum Cmd {
    Find {
        game: String,
        player: PlayerId,
        max_players: u16,
        wait_ms: u64,
        reply: oneshot::Sender<(RoomCode, u16)>,
    },
    Seats {
        game: String,
        code: RoomCode,
        seated: Vec<PlayerId>,
        max_players: u16,
    },
    Release {
        game: String,
        code: RoomCode,
        player: PlayerId,
    },
    List {
        game: String,
        reply: oneshot::Sender<Vec<PublicRoom>>,
    },
}

/// A handle to the matchmaker task; cheap to clone.
#[derive(Clone)]
pub(crate) struct Matchmaker {
    // Unbounded: room tasks report without waiting; what is queued is
    // bounded by the rooms and connections that report.
    tx: mpsc::UnboundedSender<Cmd>,
}

impl Matchmaker {
    /// Starts the task (on the current tokio runtime).
    pub(crate) fn spawn() -> Matchmaker {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(rx));
        Matchmaker { tx }
    }

    /// A seat for `player` in a public room of `game`: the room's code and
    /// cap. Waits up to `wait_ms` for an open room before one is made.
    /// `None` when the matchmaker stopped.
    pub(crate) async fn find(
        &self,
        game: String,
        player: PlayerId,
        max_players: u16,
        wait_ms: u64,
    ) -> Option<(RoomCode, u16)> {
        let (reply, rx) = oneshot::channel();
        let cmd = Cmd::Find {
            game,
            player,
            max_players,
            wait_ms,
            reply,
        };
        self.tx.send(cmd).ok()?;
        rx.await.ok()
    }

    /// A public room's seated players now.
    pub(crate) fn seats(&self, game: String, code: RoomCode, seated: Vec<PlayerId>, max: u16) {
        let _ = self.tx.send(Cmd::Seats {
            game,
            code,
            seated,
            max_players: max,
        });
    }

    /// The join `find` placed `player` for did not seat it.
    pub(crate) fn release(&self, game: String, code: RoomCode, player: PlayerId) {
        let _ = self.tx.send(Cmd::Release { game, code, player });
    }

    /// The public rooms of `game` someone sits in, fullest first.
    pub(crate) async fn list(&self, game: String) -> Vec<PublicRoom> {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Cmd::List { game, reply }).is_err() {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }
}

/// A code for a new public room: long enough that it names no stored room.
fn fresh_code() -> RoomCode {
    let code = format!("pub-{:012x}", random_u64() & 0xffff_ffff_ffff);
    RoomCode::new(code).unwrap_or_else(|e| unreachable!("a valid code: {e}"))
}

async fn run(mut rx: mpsc::UnboundedReceiver<Cmd>) {
    let mut index = PublicRooms::new();
    let mut replies: Replies = HashMap::new();
    let mut next_request = 0u64;
    let fresh = &mut fresh_code;
    loop {
        let wait = index
            .next_deadline()
            .map(|at| Duration::from_millis(at.saturating_sub(now_ms())));
        let cmd = match wait {
            Some(wait) => match tokio::time::timeout(wait, rx.recv()).await {
                Ok(cmd) => cmd,
                Err(_) => {
                    let placed = index.tick(now_ms(), fresh);
                    deliver(&mut index, &mut replies, placed);
                    continue;
                }
            },
            None => rx.recv().await,
        };
        let Some(cmd) = cmd else {
            return;
        };
        let now = now_ms();
        let placed = match cmd {
            Cmd::Find {
                game,
                player,
                max_players,
                wait_ms,
                reply,
            } => {
                next_request += 1;
                replies.insert(next_request, (game.clone(), player.clone(), reply));
                let deadline = now.saturating_add(wait_ms);
                index.request(
                    next_request,
                    game,
                    player,
                    max_players,
                    deadline,
                    now,
                    fresh,
                )
            }
            Cmd::Seats {
                game,
                code,
                seated,
                max_players,
            } => index.seats(&game, &code, seated, max_players, now, fresh),
            Cmd::Release { game, code, player } => index.release(&game, &code, &player, now, fresh),
            Cmd::List { game, reply } => {
                let _ = reply.send(index.list(&game));
                Vec::new()
            }
        };
        deliver(&mut index, &mut replies, placed);
    }
}

/// Who waits for each request's placement.
type Replies = HashMap<u64, (String, PlayerId, oneshot::Sender<(RoomCode, u16)>)>;

/// Answers placed requests; the seat of one whose asker is gone is freed
/// at once (which may place others).
fn deliver(index: &mut PublicRooms, replies: &mut Replies, mut placed: Vec<Placement>) {
    while let Some(p) = placed.pop() {
        let Some((game, player, reply)) = replies.remove(&p.request) else {
            continue;
        };
        if reply.send((p.code.clone(), p.max_players)).is_err() {
            placed.extend(index.release(&game, &p.code, &player, now_ms(), &mut fresh_code));
        }
    }
}
