//! The arena's shared data, as stored in the room.

use bevy::prelude::Resource;
use coinop_bevy::coinop::Room;
use serde::{Deserialize, Serialize};

/// A point on the arena, in arena units (`0..width`, `0..height`).
pub type Vec2 = [f32; 2];

/// Room state key of the coin's position (host-written, reliable).
pub const COIN: &str = "coin";
/// Room state key of the current [`Round`] (host-written, reliable).
pub const ROUND: &str = "round";
/// Player state key of a position (the player's own, unreliable).
pub const POS: &str = "pos";
/// Player state key of a score (host-written, reliable).
pub const SCORE: &str = "score";

/// How big the arena is and how long a round lasts.
#[derive(Resource, Debug, Clone)]
pub struct ArenaConfig {
    /// Arena width in units.
    pub width: f32,
    /// Arena height in units.
    pub height: f32,
    /// Units per second a player moves.
    pub speed: f32,
    /// How close a player must come to take the coin.
    pub reach: f32,
    /// How long a round lasts.
    pub round_ms: u64,
}

impl Default for ArenaConfig {
    fn default() -> Self {
        ArenaConfig {
            width: 40.0,
            height: 20.0,
            speed: 12.0,
            reach: 1.2,
            round_ms: 60_000,
        }
    }
}

/// The round in play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// 1, 2, …
    pub number: u32,
    /// When it ends, on the relay's clock (`Room::server_time_ms`).
    pub ends_at: u64,
    /// Who won the previous round, by name.
    pub last_winner: Option<String>,
}

/// The round in play, if the host started one.
pub fn round_of(room: &Room) -> Option<Round> {
    room.get_state(ROUND)
}

/// Where the coin is, if the host placed it.
pub fn coin_of(room: &Room) -> Option<Vec2> {
    room.get_state(COIN)
}

/// A spot on the arena picked from `seed`: the host's choice, written to the
/// room, so no client needs the same random numbers.
pub fn spot(config: &ArenaConfig, seed: u64) -> Vec2 {
    // SplitMix64: a well-spread spot from consecutive seeds.
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let fx = (z & 0xFFFF) as f32 / 65535.0;
    let fy = ((z >> 16) & 0xFFFF) as f32 / 65535.0;
    [
        1.0 + fx * (config.width - 2.0),
        1.0 + fy * (config.height - 2.0),
    ]
}

/// Distance between two points.
pub fn distance(a: Vec2, b: Vec2) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}
