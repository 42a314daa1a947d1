//! What a front end draws, read from the room in one place.

use crate::arena::{POS, Round, SCORE, Vec2, coin_of, round_of};
use crate::movement::Me;
use coinop_bevy::coinop::{Room, Status};

/// One player as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerView {
    /// The profile's name.
    pub name: String,
    /// The profile's color (`#rrggbb`), if any.
    pub color: String,
    /// Where they are, once they sent a position.
    pub pos: Option<Vec2>,
    /// Points this round.
    pub score: i64,
    /// This client's player.
    pub is_me: bool,
    /// The room's host (referee).
    pub is_host: bool,
}

/// The whole screen's content.
#[derive(Debug, Clone, PartialEq)]
pub struct ArenaView {
    /// The room code others join with.
    pub code: String,
    /// Connection status.
    pub status: Status,
    /// Every local write is stored by the relay.
    pub saved: bool,
    /// The round in play.
    pub round: Option<Round>,
    /// Seconds left in the round.
    pub seconds_left: u64,
    /// Where the coin is.
    pub coin: Option<Vec2>,
    /// Players, highest score first.
    pub players: Vec<PlayerView>,
}

impl ArenaView {
    /// Reads the view; this player's position comes from `me` (moved this
    /// frame), everyone else's from the room.
    pub fn read(room: &Room, me: &Me) -> ArenaView {
        let my_id = room.me();
        let host = room.host();
        let mut players: Vec<PlayerView> = room
            .players()
            .into_iter()
            .map(|p| PlayerView {
                is_me: p.id == my_id,
                is_host: host.as_ref() == Some(&p.id),
                pos: if p.id == my_id {
                    me.pos
                } else {
                    room.get_player_state(&p.id, POS)
                },
                score: room.get_player_state(&p.id, SCORE).unwrap_or(0),
                color: p.profile.color.clone(),
                name: p.profile.name.clone(),
            })
            .collect();
        players.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
        let round = round_of(room);
        let now = room.server_time_ms();
        ArenaView {
            code: room.room_code().map(|c| c.to_string()).unwrap_or_default(),
            status: room.status(),
            saved: room.is_saved(),
            seconds_left: round
                .as_ref()
                .map_or(0, |r| r.ends_at.saturating_sub(now) / 1000),
            round,
            coin: coin_of(room),
            players,
        }
    }
}
