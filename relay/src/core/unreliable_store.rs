//! The latest unreliable value per (target, key), in memory only.

use coinop_protocol::{PlayerId, StateTarget, UnreliableValue};
use std::collections::HashMap;

/// Latest value wins per (target, key). Iteration follows the order in
/// which each slot was first written, so the core stays deterministic.
#[derive(Debug, Default)]
pub(crate) struct UnreliableStore {
    slots: HashMap<(StateTarget, String), (u64, UnreliableValue)>,
    next_order: u64,
    /// Bytes of the keys and values kept.
    bytes: u64,
}

/// Why a value was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    /// It would open a slot beyond the most the room keeps.
    Slots,
    /// It would take the room's values beyond their byte limit.
    Bytes,
}

fn size(value: &UnreliableValue) -> u64 {
    (value.key.len() + value.value.len()) as u64
}

impl UnreliableStore {
    /// Stores the value unless it would open a slot beyond `max_slots` or
    /// take the values kept beyond `max_bytes`.
    pub(crate) fn set(
        &mut self,
        value: UnreliableValue,
        max_slots: usize,
        max_bytes: u64,
    ) -> Result<(), Full> {
        let slot = (value.target.clone(), value.key.clone());
        let old = self.slots.get(&slot).map_or(0, |(_, v)| size(v));
        if self.bytes - old + size(&value) > max_bytes {
            return Err(Full::Bytes);
        }
        self.bytes = self.bytes - old + size(&value);
        if let Some(existing) = self.slots.get_mut(&slot) {
            existing.1 = value;
            return Ok(());
        }
        if self.slots.len() >= max_slots {
            self.bytes -= size(&value);
            return Err(Full::Slots);
        }
        self.next_order += 1;
        self.slots.insert(slot, (self.next_order, value));
        Ok(())
    }

    /// Every current value, oldest slot first.
    pub(crate) fn values(&self) -> Vec<UnreliableValue> {
        let mut all: Vec<&(u64, UnreliableValue)> = self.slots.values().collect();
        all.sort_by_key(|(order, _)| *order);
        all.into_iter().map(|(_, v)| v.clone()).collect()
    }

    /// Drops the values that belong to `player`.
    pub(crate) fn clear_player(&mut self, player: &PlayerId) {
        let mut freed = 0;
        self.slots.retain(|(target, _), (_, value)| {
            let keep = !matches!(target, StateTarget::Player(p) if p == player);
            if !keep {
                freed += size(value);
            }
            keep
        });
        self.bytes -= freed;
    }
}
