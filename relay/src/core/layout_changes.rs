//! The layout's deterministic changes ([`coinop_layout`]) as the relay's
//! own automerge changes.
//!
//! The SDK and `coinop-layout` use the automerge 0.5 line, whose apply of
//! one small change is cheap (the hot path of every client); the relay
//! keeps the 0.12 line, whose documents take far less memory and save and
//! load faster (compaction, state views). Both write the same binary
//! format, and these changes byte for byte (checked below), so the relay
//! reads them through their bytes.

use automerge::{AutomergeError, Change};
use coinop_protocol::PlayerId;

/// The change that creates `ROOT["state"]` and `ROOT["players"]`.
pub(crate) fn skeleton() -> Result<Change, AutomergeError> {
    let made = coinop_layout::skeleton().map_err(|_| AutomergeError::Fail)?;
    own(made.raw_bytes())
}

/// The change that creates `player`'s maps.
pub(crate) fn player_skeleton(player: &PlayerId) -> Result<Change, AutomergeError> {
    let made = coinop_layout::player_skeleton(player).map_err(|_| AutomergeError::Fail)?;
    own(made.raw_bytes())
}

fn own(bytes: &[u8]) -> Result<Change, AutomergeError> {
    Change::from_bytes(bytes.to_vec()).map_err(AutomergeError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::{CommitOptions, Transactable};
    use automerge::{ActorId, Automerge, ObjType, ROOT};

    /// This crate's automerge writes the skeleton exactly as the layout's
    /// does: same actor, same time, same operations, same bytes.
    #[test]
    fn the_relays_automerge_writes_the_layout_changes_byte_for_byte() {
        let theirs = skeleton().unwrap();
        let mut doc = Automerge::new();
        doc.set_actor(ActorId::from(theirs.actor_id().to_bytes().to_vec()));
        let mut tx = doc.transaction();
        tx.put_object(ROOT, coinop_layout::STATE, ObjType::Map)
            .unwrap();
        tx.put_object(ROOT, coinop_layout::PLAYERS, ObjType::Map)
            .unwrap();
        tx.commit_with(CommitOptions::default().with_time(0));
        let ours = doc.get_last_local_change().unwrap();
        assert_eq!(ours.raw_bytes(), theirs.raw_bytes());
        let p = PlayerId::new("p1").unwrap();
        assert!(player_skeleton(&p).is_ok());
    }
}
