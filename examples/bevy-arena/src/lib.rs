//! bevy-arena: players move on a shared arena and race for a coin.
//!
//! - Positions travel on coinop's unreliable channel (`pos` in each
//!   player's state), at most 20 times a second per player.
//! - Scores, the coin and the round are reliable state, and only the host
//!   writes them: it awards a point when a player touches the coin, moves
//!   the coin, and ends a round when its time is up (Playroom's "the host
//!   decides" pattern). When the host leaves, the next host carries on
//!   from the same state.
//! - A late joiner reads the game as it is from the room's document.
//!
//! The game is plain Bevy ECS ([`ArenaPlugin`]); a front end only fills
//! [`Steering`] and draws an [`ArenaView`]: a terminal natively
//! (`terminal`), a 2D canvas in the browser (`web`).
#![allow(elided_lifetimes_in_paths)]

mod arena;
mod host_rules;
mod movement;
mod view;

#[cfg(not(target_arch = "wasm32"))]
pub mod terminal;
#[cfg(target_arch = "wasm32")]
mod web;

pub use arena::{ArenaConfig, Round, Vec2, coin_of, round_of};
pub use movement::{Me, Steering, steer_to_coin, steer_toward};
pub use view::{ArenaView, PlayerView};

use bevy::prelude::*;

/// The game's systems. Add it next to `coinop_bevy::CoinopPlugin`.
#[derive(Default)]
pub struct ArenaPlugin {
    /// Round length and arena size.
    pub config: ArenaConfig,
}

impl Plugin for ArenaPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.config.clone())
            .init_resource::<Steering>()
            .init_resource::<Me>()
            .add_systems(
                Update,
                (movement::move_me, host_rules::run_the_game).chain(),
            );
    }
}
