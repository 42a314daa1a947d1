//! Which changes a snapshot folded in, by hash, while the room is loaded.
//!
//! The snapshot's [`super::ActorClock`] names folded changes by actor and
//! seq, which is all a republish needs; but a new change names its
//! dependencies by hash, and a rewrite of a folded change has its actor and
//! seq with other content. Both need the hashes. They are collected as the
//! log is folded (each change passed through the log first), as 64-bit
//! fingerprints keyed per room: 8 bytes a change instead of 32, and a
//! client, who never learns the key, cannot make up a hash that matches
//! one.
//!
//! A room loaded from storage with a snapshot does not know the hashes
//! folded before the load (finding them means parsing the whole history,
//! which the load avoids): until its first compaction lists them,
//! [`FoldedHashes::holds`] answers "unknown".
//!
//! The log's changes not yet folded are known by the same fingerprints
//! ([`FoldedHashes::fingerprint`]; the key stays for the room's life), so
//! a compaction moves them here as they are.

use super::change_hash::Hash;
use super::print_set::PrintSet;
use std::hash::{BuildHasher, RandomState};

#[derive(Debug)]
pub(crate) struct FoldedHashes {
    key: RandomState,
    /// Fingerprints of every folded change; `None` when changes folded
    /// before the room was loaded are unknown.
    known: Option<PrintSet>,
}

impl Default for FoldedHashes {
    fn default() -> Self {
        Self {
            key: RandomState::new(),
            known: Some(PrintSet::default()),
        }
    }
}

impl FoldedHashes {
    /// From now on, the folded changes are not known: the room's snapshot
    /// was folded before it was loaded.
    pub(crate) fn forget(&mut self) {
        self.known = None;
    }

    /// The folded changes are exactly `hashes` (listed by a compaction).
    pub(crate) fn set_known(&mut self, hashes: &[Hash]) {
        let known = hashes.iter().map(|h| self.fingerprint(h)).collect();
        self.known = Some(known);
    }

    /// Whether every folded change is known.
    pub(crate) fn is_known(&self) -> bool {
        self.known.is_some()
    }

    /// The room's 64-bit fingerprint of a change hash.
    pub(crate) fn fingerprint(&self, hash: &Hash) -> u64 {
        self.key.hash_one(hash)
    }

    /// Records that the changes of these fingerprints were folded in.
    /// Changes folded before the load stay unknown, so nothing is recorded
    /// then.
    pub(crate) fn extend(&mut self, prints: Vec<u64>) {
        if let Some(known) = &mut self.known {
            known.extend(prints);
        }
    }

    /// Whether the change of this fingerprint was folded in; `None` when
    /// that cannot be told.
    pub(crate) fn holds(&self, print: u64) -> Option<bool> {
        Some(self.known.as_ref()?.contains(print))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_what_it_saw_unless_loaded() {
        let mut folded = FoldedHashes::default();
        folded.extend(vec![folded.fingerprint(&[1; 32])]);
        assert_eq!(folded.holds(folded.fingerprint(&[1; 32])), Some(true));
        assert_eq!(folded.holds(folded.fingerprint(&[2; 32])), Some(false));
        let mut loaded = FoldedHashes::default();
        loaded.forget();
        loaded.extend(vec![loaded.fingerprint(&[1; 32])]);
        assert_eq!(loaded.holds(loaded.fingerprint(&[1; 32])), None);
        let before = loaded.fingerprint(&[3; 32]);
        loaded.set_known(&[[3; 32]]);
        assert_eq!(loaded.holds(loaded.fingerprint(&[3; 32])), Some(true));
        assert_eq!(loaded.fingerprint(&[3; 32]), before, "one key for life");
        assert!(loaded.is_known());
    }
}
