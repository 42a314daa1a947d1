//! Messages a room received, and the room as the inspector shows it.

use crate::core::RoomState;
use coinop_protocol::ClientMessage;
use serde_json::{Value, json};
use std::time::Instant;

/// Messages a room received, per channel. Kept by the room task; counting
/// is two additions, and the clock is read only when the inspector asks.
#[derive(Debug)]
pub(crate) struct RoomCounters {
    reliable_total: u64,
    unreliable_total: u64,
    /// When the rates were last computed, and the totals then.
    sample: (Instant, u64, u64),
    rates: (f64, f64),
}

impl Default for RoomCounters {
    fn default() -> Self {
        Self {
            reliable_total: 0,
            unreliable_total: 0,
            sample: (Instant::now(), 0, 0),
            rates: (0.0, 0.0),
        }
    }
}

impl RoomCounters {
    /// Counts one message from a client. Heartbeats are not app traffic.
    pub(crate) fn count(&mut self, msg: &ClientMessage) {
        match msg {
            ClientMessage::Ping { .. } => {}
            ClientMessage::Unreliable { .. } => self.unreliable_total += 1,
            _ => self.reliable_total += 1,
        }
    }

    /// Recomputes the rates over the time since the last sample, once that
    /// is at least a second (several viewers polling share one sample).
    fn roll(&mut self) {
        let (at, reliable, unreliable) = self.sample;
        let elapsed = at.elapsed().as_secs_f64();
        if elapsed >= 1.0 {
            self.rates = (
                (self.reliable_total - reliable) as f64 / elapsed,
                (self.unreliable_total - unreliable) as f64 / elapsed,
            );
            self.sample = (Instant::now(), self.reliable_total, self.unreliable_total);
        }
    }

    /// The room as the inspector shows it.
    pub(crate) fn report(&mut self, room: &RoomState) -> Value {
        self.roll();
        let host = room.host();
        let players: Vec<Value> = room
            .players()
            .iter()
            .map(|p| {
                json!({
                    "id": p.id.as_str(),
                    "name": p.profile.name,
                    "color": p.profile.color,
                    "online": room.roster.conn_of(&p.id).is_some(),
                    "host": host == Some(&p.id),
                })
            })
            .collect();
        json!({
            "code": room.code().as_str(),
            "players": players,
            "connections": room.connections(),
            "stored_bytes": room.stored_bytes(),
            "head": room.head().0,
            "reliable_per_sec": round(self.rates.0),
            "unreliable_per_sec": round(self.rates.1),
            "reliable_total": self.reliable_total,
            "unreliable_total": self.unreliable_total,
        })
    }
}

/// A rate rounded to one decimal, as the inspector shows rates.
pub(crate) fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
