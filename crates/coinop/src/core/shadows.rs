//! Unreliable values that shadow document values (see [`crate::Reliability`]).

use coinop_protocol::{PlayerId, StateTarget};
use serde_json::Value as Json;
use std::collections::HashMap;

/// The latest unreliable value per (target, key), with who wrote it.
#[derive(Debug, Default)]
pub(crate) struct Shadows {
    values: HashMap<(StateTarget, String), (Json, PlayerId)>,
}

impl Shadows {
    /// Records an unreliable write.
    pub(crate) fn set(&mut self, target: StateTarget, key: String, value: Json, by: PlayerId) {
        self.values.insert((target, key), (value, by));
    }

    /// The shadow value, if any.
    pub(crate) fn get(&self, target: &StateTarget, key: &str) -> Option<&Json> {
        // A borrowed tuple key is not expressible for HashMap lookups, so
        // build the owned key; keys are short.
        self.values
            .get(&(target.clone(), key.to_owned()))
            .map(|(v, _)| v)
    }

    /// A reliable write happened: the shadow goes. Returns whether one existed.
    pub(crate) fn clear(&mut self, target: &StateTarget, key: &str) -> bool {
        self.values
            .remove(&(target.clone(), key.to_owned()))
            .is_some()
    }

    /// The sender retracted its value: it goes if it is still the one shown.
    pub(crate) fn clear_from(
        &mut self,
        target: &StateTarget,
        key: &str,
        sender: &PlayerId,
    ) -> bool {
        let k = (target.clone(), key.to_owned());
        if self.values.get(&k).is_some_and(|(_, by)| by == sender) {
            self.values.remove(&k);
            return true;
        }
        false
    }

    /// The player left: every value they wrote goes. Returns the keys removed.
    pub(crate) fn clear_sender(&mut self, sender: &PlayerId) -> Vec<(StateTarget, String)> {
        let gone: Vec<_> = self
            .values
            .iter()
            .filter(|(_, (_, by))| by == sender)
            .map(|(k, _)| k.clone())
            .collect();
        for k in &gone {
            self.values.remove(k);
        }
        gone
    }

    /// Every shadowed key of a target.
    pub(crate) fn keys(&self, target: &StateTarget) -> impl Iterator<Item = &str> {
        self.values
            .keys()
            .filter(move |(t, _)| t == target)
            .map(|(_, k)| k.as_str())
    }

    /// Forgets everything (a new welcome carries the current values).
    pub(crate) fn clear_all(&mut self) {
        self.values.clear();
    }
}
