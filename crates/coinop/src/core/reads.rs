//! Reading room state, players and status from the core.

use super::room_core::RoomCore;
use crate::doc_layout;
use crate::doc_value::get_json;
use crate::player::Player;
use coinop_protocol::{PlayerId, PlayerInfo, Profile, StateTarget};
use serde_json::Value as Json;
use std::collections::BTreeSet;

impl RoomCore {
    /// The value visible at `key`: the unreliable shadow, else the document
    /// value, else the default.
    pub(crate) fn get_state(&self, target: &StateTarget, key: &str) -> Option<Json> {
        if let Some(v) = self.shadows.get(target, key) {
            return Some(v.clone());
        }
        if let Some(v) = self.writes.get(target, key) {
            return Some(v.clone());
        }
        if let Some(shown) = self.unapplied.get(target, key) {
            return shown
                .cloned()
                .or_else(|| self.defaults(target).get(key).cloned());
        }
        if let Some(v) = self.reads.value(self.read_doc(), target, key) {
            return Some(v);
        }
        self.defaults(target).get(key).cloned()
    }

    /// Every key with a visible value, sorted.
    pub(crate) fn keys(&self, target: &StateTarget) -> Vec<String> {
        use automerge::ReadDoc;
        let mut keys: BTreeSet<String> = BTreeSet::new();
        let doc = self.read_doc();
        if let Some(map) = doc_layout::state_map(doc, target) {
            keys.extend(doc.keys(&map));
        }
        for (key, has_value) in self.unapplied.keys(target) {
            if has_value {
                keys.insert(key.to_owned());
            } else {
                keys.remove(key);
            }
        }
        keys.extend(self.defaults(target).keys().cloned());
        keys.extend(self.shadows.keys(target).map(str::to_owned));
        keys.extend(self.writes.keys(target).map(str::to_owned));
        keys.into_iter().collect()
    }

    pub(crate) fn defaults(
        &self,
        target: &StateTarget,
    ) -> &std::collections::BTreeMap<String, Json> {
        match target {
            StateTarget::Room => &self.cfg.default_states,
            StateTarget::Player(_) => &self.cfg.default_player_states,
        }
    }

    /// A player's profile: the document's copy, else (for this player) the
    /// configured one, else the one from the roster.
    pub(crate) fn profile(&self, player: &PlayerId) -> Option<Profile> {
        self.profile_in_doc(player)
            .or_else(|| (player == &self.cfg.player).then(|| self.cfg.profile.clone()))
            .or_else(|| self.roster.get(player).map(|p| p.profile.clone()))
    }

    /// A player's profile as the document holds it, if it holds a name.
    pub(crate) fn profile_in_doc(&self, player: &PlayerId) -> Option<Profile> {
        let doc = self.read_doc();
        doc_layout::profile_map(doc, player).and_then(|map| {
            let field = |k: &str| match get_json(doc, &map, k) {
                Some(Json::String(s)) => Some(s),
                _ => None,
            };
            Some(Profile {
                name: field("name")?,
                color: field("color").unwrap_or_default(),
                avatar: field("avatar").unwrap_or_default(),
            })
        })
    }

    /// The application's view of a roster entry.
    pub(crate) fn player_view(&self, info: &PlayerInfo) -> Player {
        Player {
            id: info.id.clone(),
            profile: self
                .profile(&info.id)
                .unwrap_or_else(|| info.profile.clone()),
            joined_at: info.joined_at,
            is_host: self.roster.host.as_ref() == Some(&info.id),
            is_me: info.id == self.cfg.player,
            is_bot: info.bot,
            role: info.role,
        }
    }

    /// Seated players in seating order.
    pub(crate) fn players(&self) -> Vec<Player> {
        self.roster
            .players
            .iter()
            .map(|p| self.player_view(p))
            .collect()
    }

    /// Whether this client is the host.
    pub(crate) fn is_host(&self) -> bool {
        self.roster.host.as_ref() == Some(&self.cfg.player)
    }
}
