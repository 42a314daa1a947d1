//! Automerge documents that produce real change bytes.

use automerge::transaction::Transactable;
use coinop_protocol::Bytes;

use crate::Joined;

/// An automerge document whose every write yields one change.
pub struct Doc(pub automerge::AutoCommit);

impl Default for Doc {
    fn default() -> Self {
        Doc::new()
    }
}

impl Doc {
    /// An empty document with a random actor.
    pub fn new() -> Self {
        Doc(automerge::AutoCommit::new())
    }

    /// Sets `key` to `v` on the root map and returns the change.
    pub fn change(&mut self, key: &str, v: i64) -> Bytes {
        self.0
            .put(automerge::ROOT, key, v)
            .expect("put on the root map");
        last_change(&mut self.0)
    }
}

/// Builds a document from catch-up data (snapshot, then entries).
pub fn doc_from(joined: &Joined) -> automerge::AutoCommit {
    let mut doc = match &joined.snapshot {
        Some((_, bytes)) => automerge::AutoCommit::load(bytes).expect("relay snapshot loads"),
        None => automerge::AutoCommit::new(),
    };
    for e in &joined.entries {
        doc.load_incremental(&e.change)
            .expect("relay changes apply");
    }
    doc
}

/// Incompressible bytes (xorshift), so that change sizes are what they seem.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A valid change carrying `len` incompressible bytes (its own document).
pub fn big_change(len: usize, seed: u64) -> Bytes {
    let mut doc = automerge::AutoCommit::new();
    let blob = automerge::ScalarValue::Bytes(noise(len, seed));
    doc.put(automerge::ROOT, "blob", blob)
        .expect("put on the root map");
    last_change(&mut doc)
}

/// Commits and returns the bytes of the change just made.
fn last_change(doc: &mut automerge::AutoCommit) -> Bytes {
    doc.commit();
    let change = doc.get_last_local_change().expect("a change was made");
    Bytes::copy_from_slice(change.raw_bytes())
}
