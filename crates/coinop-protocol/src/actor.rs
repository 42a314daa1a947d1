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
//! The document's shared containers (its skeleton, each player's maps, a
//! new counter) are made by *deterministic* changes that every client
//! produces byte for byte, so they cannot be written under a session actor.
//! Their actor is [`content_actor`]: a fixed prefix and a hash of the
//! change itself without its actor field ([`content_address`]). The relay
//! refuses such a change unless the hash matches, so nobody can publish
//! other content under a deterministic actor before the real change.
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

/// Bytes that start a content-addressed actor id.
pub const CONTENT_PREFIX: [u8; 8] = *b"coinop=\0";

/// Bytes of a content-addressed actor id: the prefix, then 16 hash bytes.
pub const CONTENT_ACTOR_BYTES: usize = CONTENT_PREFIX.len() + 16;

/// The magic bytes that start every automerge chunk.
const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// The first 16 bytes of SHA-256 over an automerge change chunk without
/// its actor field: the chunk type, the dependencies, then everything after
/// the actor. A change refers to its own actor only there (its operations
/// name it as actor index 0), so the address is the same whatever actor id
/// the change is written under. `None` when `change` is not a change chunk.
pub fn content_address(change: &[u8]) -> Option<[u8; 16]> {
    let rest = change.strip_prefix(&CHUNK_MAGIC)?;
    let (&kind, rest) = rest.get(4..)?.split_first()?;
    let mut body = rest;
    let len = leb128::read::unsigned(&mut body).ok()?;
    if kind != 1 || u64::try_from(body.len()).ok()? != len {
        return None;
    }
    let mut cursor = body;
    let deps = leb128::read::unsigned(&mut cursor).ok()?;
    let deps_bytes = usize::try_from(deps).ok()?.checked_mul(32)?;
    cursor = cursor.get(deps_bytes..)?;
    let before_actor = body.len() - cursor.len();
    let actor_len = leb128::read::unsigned(&mut cursor).ok()?;
    let after_actor = cursor.get(usize::try_from(actor_len).ok()?..)?;
    let mut hash = Sha256::new();
    hash.update([kind]);
    hash.update(&body[..before_actor]);
    hash.update(after_actor);
    let mut address = [0; 16];
    address.copy_from_slice(&hash.finalize()[..16]);
    Some(address)
}

/// The actor id of a change whose [`content_address`] is `address`.
pub fn content_actor(address: [u8; 16]) -> Vec<u8> {
    let mut id = Vec::with_capacity(CONTENT_ACTOR_BYTES);
    id.extend_from_slice(&CONTENT_PREFIX);
    id.extend_from_slice(&address);
    id
}

/// Whether `actor` claims to be content-addressed: such a change must
/// pass [`is_own_content_address`].
pub fn is_content_actor(actor: &[u8]) -> bool {
    actor.len() == CONTENT_ACTOR_BYTES && actor.starts_with(&CONTENT_PREFIX)
}

/// Whether `change`, written under `actor`, is the one change that actor
/// names.
pub fn is_own_content_address(actor: &[u8], change: &[u8]) -> bool {
    is_content_actor(actor)
        && content_address(change).is_some_and(|a| actor[CONTENT_PREFIX.len()..] == a)
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

    /// A change chunk by hand: deps, actor, then `rest` as its other fields.
    fn chunk(deps: &[[u8; 32]], actor: &[u8], rest: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        leb128::write::unsigned(&mut body, deps.len() as u64).expect("vec");
        for d in deps {
            body.extend_from_slice(d);
        }
        leb128::write::unsigned(&mut body, actor.len() as u64).expect("vec");
        body.extend_from_slice(actor);
        body.extend_from_slice(rest);
        let mut out = CHUNK_MAGIC.to_vec();
        out.extend_from_slice(&[0; 4]);
        out.push(1);
        leb128::write::unsigned(&mut out, body.len() as u64).expect("vec");
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn the_address_ignores_the_actor_and_nothing_else() {
        let a = content_address(&chunk(&[[1; 32]], b"placeholder", b"ops")).expect("chunk");
        assert_eq!(
            Some(a),
            content_address(&chunk(&[[1; 32]], &content_actor(a), b"ops"))
        );
        assert_ne!(
            Some(a),
            content_address(&chunk(&[[1; 32]], b"placeholder", b"opz"))
        );
        assert_ne!(
            Some(a),
            content_address(&chunk(&[[2; 32]], b"placeholder", b"ops"))
        );
        let real = chunk(&[[1; 32]], &content_actor(a), b"ops");
        assert!(is_own_content_address(&content_actor(a), &real));
        let forged = chunk(&[[1; 32]], &content_actor(a), b"evil");
        assert!(!is_own_content_address(&content_actor(a), &forged));
        assert!(!is_own_content_address(b"placeholder", &real));
    }

    #[test]
    fn truncated_or_foreign_chunks_have_no_address() {
        let whole = chunk(&[[1; 32], [2; 32]], b"actor", b"ops");
        for cut in 0..whole.len() {
            assert_eq!(content_address(&whole[..cut]), None, "cut at {cut}");
        }
        let mut document = whole.clone();
        document[8] = 0;
        assert_eq!(content_address(&document), None);
        let mut huge_deps = whole;
        huge_deps[10] = 0xff;
        assert_eq!(content_address(&huge_deps), None);
    }
}
