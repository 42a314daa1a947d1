//! What only the host decides: points, the coin, the rounds.

use crate::arena::{
    ArenaConfig, COIN, POS, ROUND, Round, SCORE, Vec2, coin_of, distance, round_of, spot,
};
use bevy::prelude::*;
use coinop_bevy::CoinopRoom;
use coinop_bevy::coinop::{Reliability, Room};

pub(crate) fn run_the_game(room: Option<Res<CoinopRoom>>, config: Res<ArenaConfig>) {
    let Some(room) = room else { return };
    if !room.is_host() {
        return;
    }
    // Errors (offline, closed) are retried by the next frame.
    let _ = referee(&room, &config);
}

fn referee(room: &Room, config: &ArenaConfig) -> Result<(), coinop_bevy::coinop::Error> {
    let now = room.server_time_ms();
    let round = match round_of(room) {
        Some(r) if now < r.ends_at => r,
        ended => return next_round(room, config, ended, now),
    };
    let Some(coin) = coin_of(room) else {
        return room.set_state(COIN, &spot(config, now), Reliability::Reliable);
    };
    for player in room.players() {
        let Some(pos) = room.get_player_state::<Vec2>(&player.id, POS) else {
            continue;
        };
        if distance(pos, coin) <= config.reach {
            let score: i64 = room.get_player_state(&player.id, SCORE).unwrap_or(0);
            room.set_player_state(&player.id, SCORE, &(score + 1), Reliability::Reliable)?;
            let seed = now ^ (round.number as u64) << 48 ^ score as u64;
            room.set_state(COIN, &spot(config, seed), Reliability::Reliable)?;
            // One point per coin: the next player reaches the new one.
            break;
        }
    }
    Ok(())
}

fn next_round(
    room: &Room,
    config: &ArenaConfig,
    ended: Option<Round>,
    now: u64,
) -> Result<(), coinop_bevy::coinop::Error> {
    let players = room.players();
    let winner = players
        .iter()
        .map(|p| {
            (
                room.get_player_state::<i64>(&p.id, SCORE).unwrap_or(0),
                &p.profile.name,
            )
        })
        .filter(|(score, _)| *score > 0)
        .max_by_key(|(score, _)| *score)
        .map(|(_, name)| name.clone());
    for p in &players {
        room.set_player_state(&p.id, SCORE, &0, Reliability::Reliable)?;
    }
    room.set_state(COIN, &spot(config, now), Reliability::Reliable)?;
    room.set_state(
        ROUND,
        &Round {
            number: ended.as_ref().map_or(1, |r| r.number + 1),
            ends_at: now + config.round_ms,
            last_winner: if ended.is_some() { winner } else { None },
        },
        Reliability::Reliable,
    )
}
