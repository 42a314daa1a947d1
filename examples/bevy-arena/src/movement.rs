//! Moving this player: steering in, an unreliable position out.

use crate::arena::{ArenaConfig, POS, Vec2, coin_of, spot};
use bevy::prelude::*;
use coinop_bevy::CoinopRoom;
use coinop_bevy::coinop::{Reliability, Room};

/// Where this player wants to go: a direction, each axis in `-1..=1`.
/// Front ends (keyboard, touch, a bot) write it; the game reads it.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct Steering(pub Vec2);

/// This player's position, moved locally every frame and published at most
/// every [`Me::SEND_EVERY_MS`].
#[derive(Resource, Debug, Default)]
pub struct Me {
    /// Where I am, once placed.
    pub pos: Option<Vec2>,
    last_sent_ms: u64,
    sent: Option<Vec2>,
}

impl Me {
    /// Position updates per second: 20, plenty for a smooth remote view.
    pub const SEND_EVERY_MS: u64 = 50;
}

/// Steering toward `target` from `from` (what a bot does).
pub fn steer_toward(from: Vec2, target: Vec2) -> Steering {
    let d = [target[0] - from[0], target[1] - from[1]];
    let len = (d[0] * d[0] + d[1] * d[1]).sqrt();
    if len < 0.01 {
        Steering::default()
    } else {
        Steering([d[0] / len, d[1] / len])
    }
}

/// A bot's steering: toward the coin, when there is one.
pub fn steer_to_coin(room: &Room, me: &Me) -> Steering {
    match (me.pos, coin_of(room)) {
        (Some(from), Some(coin)) => steer_toward(from, coin),
        _ => Steering::default(),
    }
}

pub(crate) fn move_me(
    room: Option<Res<CoinopRoom>>,
    config: Res<ArenaConfig>,
    steering: Res<Steering>,
    time: Res<Time>,
    mut me: ResMut<Me>,
) {
    let Some(room) = room else { return };
    let pos = match me.pos {
        Some(p) => p,
        // Back where this player was (a reload), or a fresh spot.
        None => room
            .get_player_state::<Vec2>(&room.me(), POS)
            .unwrap_or_else(|| spot(&config, seed_of(&room))),
    };
    let step = config.speed * time.delta_secs();
    let next = [
        (pos[0] + steering.0[0] * step).clamp(0.0, config.width),
        (pos[1] + steering.0[1] * step).clamp(0.0, config.height),
    ];
    me.pos = Some(next);
    let now = room.server_time_ms();
    if me.sent != Some(next) && now.saturating_sub(me.last_sent_ms) >= Me::SEND_EVERY_MS {
        // Unreliable: latest wins, never stored; a dropped update is
        // replaced by the next one 50 ms later.
        if room
            .set_my_state(POS, &next, Reliability::Unreliable)
            .is_ok()
        {
            me.sent = Some(next);
            me.last_sent_ms = now;
        }
    }
}

fn seed_of(room: &Room) -> u64 {
    room.me()
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        })
}
