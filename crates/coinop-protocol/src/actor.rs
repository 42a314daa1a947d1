//! Automerge actor ids that name their player.
//!
//! Changes are opaque to the protocol, but the relay reads one thing in
//! them: the author's actor id. A client writes its own changes under a
//! *session actor* of [`SESSION_ACTOR_BYTES`] bytes: the player's
//! [`player_tag`] followed by 16 bytes unique to the session. The relay
//! refuses ([`crate::ErrorCode::FOREIGN_ACTOR`]) a change that continues an
//! actor tagged for another player once that player has published under it
//! in the room, so nobody can publish "the next change" of somebody else's
//! actor and have the real one refused as a duplicate sequence number.
//!
//! ```
//! use coinop_protocol::{PlayerId, actor};
//!
//! let alice = PlayerId::new("alice").unwrap();
//! let bob = PlayerId::new("bob").unwrap();
//! let id = actor::session_actor(&alice, [7; 16]);
//! assert_eq!(actor::tag_of(&id), Some(actor::player_tag(&alice)));
//! assert!(actor::is_tagged_for(&id, &actor::player_tag(&alice)));
//! assert!(!actor::is_tagged_for(&id, &actor::player_tag(&bob)));
//! ```

use crate::PlayerId;
use sha2::{Digest, Sha256};

/// Bytes of a [`PlayerTag`].
pub const TAG_BYTES: usize = 16;

/// Bytes of a session actor id: the tag, then 16 session bytes.
pub const SESSION_ACTOR_BYTES: usize = TAG_BYTES + 16;

/// The first [`TAG_BYTES`] bytes of SHA-256 over `"coinop-actor\0"` and the
/// player id: public, fixed per player, and infeasible to match with
/// another id.
pub type PlayerTag = [u8; TAG_BYTES];

/// The tag that starts every session actor of `player`.
pub fn player_tag(player: &PlayerId) -> PlayerTag {
    let mut hash = Sha256::new();
    hash.update(b"coinop-actor\0");
    hash.update(player.as_str().as_bytes());
    let mut tag = [0; TAG_BYTES];
    tag.copy_from_slice(&hash.finalize()[..TAG_BYTES]);
    tag
}

/// A session actor id for `player`: its tag, then `session` (random, or
/// derived from a per-session seed).
pub fn session_actor(player: &PlayerId, session: [u8; 16]) -> Vec<u8> {
    let mut id = Vec::with_capacity(SESSION_ACTOR_BYTES);
    id.extend_from_slice(&player_tag(player));
    id.extend_from_slice(&session);
    id
}

/// The player tag an actor id carries, if it has a session actor's length.
/// Any 32-byte id is read as tagged: an id of another length (the shared
/// deterministic actors, or a client that does not tag) names no player.
pub fn tag_of(actor: &[u8]) -> Option<PlayerTag> {
    if actor.len() != SESSION_ACTOR_BYTES {
        return None;
    }
    actor[..TAG_BYTES].try_into().ok()
}

/// Whether `actor` is a session actor tagged with `tag`.
pub fn is_tagged_for(actor: &[u8], tag: &PlayerTag) -> bool {
    tag_of(actor).as_ref() == Some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player(id: &str) -> PlayerId {
        PlayerId::new(id).expect("valid id")
    }

    #[test]
    fn tags_are_fixed_per_player_and_differ_between_players() {
        assert_eq!(player_tag(&player("alice")), player_tag(&player("alice")));
        assert_ne!(player_tag(&player("alice")), player_tag(&player("alicf")));
        // Pinned: the SDK, the Wasm build and the relay must agree forever.
        assert_eq!(
            player_tag(&player("alice"))[..4],
            Sha256::digest(b"coinop-actor\0alice")[..4]
        );
    }

    #[test]
    fn only_session_length_ids_carry_a_tag() {
        let alice = player("alice");
        let id = session_actor(&alice, [1; 16]);
        assert_eq!(id.len(), SESSION_ACTOR_BYTES);
        assert!(is_tagged_for(&id, &player_tag(&alice)));
        assert_eq!(tag_of(&id[..16]), None);
        assert_eq!(tag_of(&[0; 33]), None);
        assert!(!is_tagged_for(&[0; 16], &player_tag(&alice)));
    }
}
