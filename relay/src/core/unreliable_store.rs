//! The latest unreliable value per (target, key), in memory only.

use coinop_protocol::{PlayerId, StateTarget, UnreliableValue};
use std::collections::HashMap;

/// Latest value wins per (target, key). Iteration follows the order in
/// which each slot was first written, so the core stays deterministic.
#[derive(Debug, Default)]
pub(crate) struct UnreliableStore {
    slots: HashMap<(StateTarget, String), (u64, UnreliableValue)>,
    next_order: u64,
}

impl UnreliableStore {
    /// Stores the value unless it would open a slot beyond `max_slots`.
    /// Returns whether it was stored.
    pub(crate) fn set(&mut self, value: UnreliableValue, max_slots: usize) -> bool {
        let slot = (value.target.clone(), value.key.clone());
        if let Some(existing) = self.slots.get_mut(&slot) {
            existing.1 = value;
            return true;
        }
        if self.slots.len() >= max_slots {
            return false;
        }
        self.next_order += 1;
        self.slots.insert(slot, (self.next_order, value));
        true
    }

    /// Every current value, oldest slot first.
    pub(crate) fn values(&self) -> Vec<UnreliableValue> {
        let mut all: Vec<&(u64, UnreliableValue)> = self.slots.values().collect();
        all.sort_by_key(|(order, _)| *order);
        all.into_iter().map(|(_, v)| v.clone()).collect()
    }

    /// Drops the values that belong to `player`.
    pub(crate) fn clear_player(&mut self, player: &PlayerId) {
        self.slots
            .retain(|(target, _), _| !matches!(target, StateTarget::Player(p) if p == player));
    }
}
