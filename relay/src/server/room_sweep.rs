//! The expiry sweep: every `--room-sweep-secs`, rooms nobody used for
//! `--room-ttl-secs` are deleted with their index rows.

use super::context::RelayContext;
use super::room_delete;
use std::sync::Arc;

/// Starts the sweep (unless rooms never expire); it stops with the relay.
pub(crate) fn spawn(shared: &Arc<RelayContext>) {
    let ttl = shared.config.room_ttl;
    if ttl.is_zero() {
        return;
    }
    let every = shared.config.room_sweep_interval;
    let weak = Arc::downgrade(shared);
    let mut shutdown = shared.shutdown.subscribe();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
            let Some(shared) = weak.upgrade() else {
                return;
            };
            match room_delete::sweep(shared.registry.services(), ttl).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rooms = n, ?ttl, "expired rooms deleted"),
                Err(e) => tracing::warn!(error = %e, "room expiry sweep failed"),
            }
        }
    });
}
