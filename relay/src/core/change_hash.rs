//! The hash that names an automerge change, in a file of its own: the log
//! and the folded changes' fingerprints both use it.

/// An automerge change hash.
pub(crate) type Hash = [u8; 32];
