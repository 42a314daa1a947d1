//! A room document laid out as the SDK lays it out, for tests that write
//! changes by hand: honest ones, and forged ones a hostile player sends.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ROOT, ReadDoc};
use coinop_layout::{player_skeleton, skeleton};
use coinop_protocol::Bytes;
use coinop_protocol::actor::session_actor;

use crate::identities::pid;

/// A document writing under `player`'s session actor, holding the
/// skeleton and the skeletons of some players.
pub struct RoomDoc(pub AutoCommit);

impl RoomDoc {
    /// `player`'s document (session actor bytes all `session`) with the
    /// skeleton and the skeleton of each of `players`.
    pub fn new(player: &str, session: u8, players: &[&str]) -> RoomDoc {
        let actor = session_actor(&pid(player), [session; 16]);
        let mut doc = AutoCommit::new().with_actor(ActorId::from(actor));
        doc.apply_changes([skeleton().expect("the skeleton")])
            .expect("the skeleton applies");
        for p in players {
            doc.apply_changes([player_skeleton(&pid(p)).expect("a player skeleton")])
                .expect("a player skeleton applies");
        }
        RoomDoc(doc)
    }

    /// The layout changes of a room with `players`: the skeleton, then each
    /// player's, as bytes to publish.
    pub fn layout(players: &[&str]) -> Vec<Bytes> {
        std::iter::once(skeleton().expect("the skeleton"))
            .chain(
                players
                    .iter()
                    .map(|p| player_skeleton(&pid(p)).expect("a skeleton")),
            )
            .map(|c| Bytes::copy_from_slice(c.raw_bytes()))
            .collect()
    }

    /// The object at `path` from the root (map keys); panics if absent.
    pub fn map(&self, path: &[&str]) -> ObjId {
        path.iter().fold(ROOT, |obj, key| {
            self.0
                .get(&obj, *key)
                .expect("readable")
                .unwrap_or_else(|| panic!("no {key:?} in the document"))
                .1
        })
    }

    /// Commits what `edit` does and returns the change.
    pub fn write(&mut self, edit: impl FnOnce(&mut AutoCommit)) -> Bytes {
        edit(&mut self.0);
        self.0.commit();
        let change = self.0.get_last_local_change().expect("a change was made");
        Bytes::copy_from_slice(change.raw_bytes())
    }

    /// Sets `key` to `v` in the map at `path` and returns the change.
    pub fn put(&mut self, path: &[&str], key: &str, v: i64) -> Bytes {
        let map = self.map(path);
        self.write(|d| {
            d.put(&map, key, v).expect("put");
        })
    }

    /// Applies changes made elsewhere (bytes as published).
    pub fn apply(&mut self, changes: &[Bytes]) {
        for c in changes {
            let change = automerge::Change::from_bytes(c.to_vec()).expect("a change");
            self.0.apply_changes([change]).expect("applies");
        }
    }
}
