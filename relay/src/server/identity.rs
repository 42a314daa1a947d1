//! Player credentials: SHA-256 of the secret, compared in constant time.

use crate::storage::{StorageError, StorageHandle};
use coinop_protocol::PlayerId;
use hashlink::LruCache;
use sha2::{Digest, Sha256};
use std::sync::Mutex;

/// How many players' bound hashes [`BoundSecrets`] keeps (about 100 bytes
/// each).
const CACHED_BINDINGS: usize = 8192;

/// The secret hashes of recently checked players, so that a reconnect or a
/// join to another room does not cost a read on the storage thread, where
/// it would queue with every room's appends. A binding never changes once
/// stored, so a cached hash cannot go stale; only bindings that storage
/// returned (durable ones) are cached.
pub(crate) struct BoundSecrets(Mutex<LruCache<PlayerId, [u8; 32]>>);

impl Default for BoundSecrets {
    fn default() -> Self {
        Self(Mutex::new(LruCache::new(CACHED_BINDINGS)))
    }
}

impl BoundSecrets {
    fn get(&self, player: &PlayerId) -> Option<[u8; 32]> {
        self.0.lock().ok()?.get(player).copied()
    }

    fn remember(&self, player: &PlayerId, hash: [u8; 32]) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(player.clone(), hash);
        }
    }

    /// The bound hash: from the cache, else read from storage (and cached).
    async fn lookup(
        &self,
        storage: &StorageHandle,
        player: &PlayerId,
    ) -> Result<Option<[u8; 32]>, StorageError> {
        if let Some(hash) = self.get(player) {
            return Ok(Some(hash));
        }
        let stored = read_hash(storage, player).await?;
        if let Some(hash) = stored {
            self.remember(player, hash);
        }
        Ok(stored)
    }
}

/// SHA-256 of a secret.
pub(crate) fn hash_secret(secret: &[u8]) -> [u8; 32] {
    Sha256::digest(secret).into()
}

/// Compares without an early exit, so timing does not reveal the prefix.
pub(crate) fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Binds the player id to the secret on first use; later, checks it.
///
/// A first binding is durable before this returns, and rides the storage
/// thread's group commit instead of costing an fsync of its own. Two first
/// joins racing with different secrets: the first committed wins, and the
/// other gets its hash back and is refused. One trip to the storage thread
/// when the binding is not cached.
pub(crate) async fn check_or_bind(
    storage: &StorageHandle,
    bound: &BoundSecrets,
    player: &PlayerId,
    secret: &[u8],
) -> Result<bool, StorageError> {
    let hash = hash_secret(secret);
    let stored = match bound.get(player) {
        Some(stored) => stored,
        None => {
            let stored = storage.check_or_bind(player.clone(), hash).await?;
            bound.remember(player, stored);
            stored
        }
    };
    Ok(constant_time_eq(&stored, &hash))
}

async fn read_hash(
    storage: &StorageHandle,
    player: &PlayerId,
) -> Result<Option<[u8; 32]>, StorageError> {
    let player = player.clone();
    storage.call(move |s| s.secret_hash(&player)).await
}

/// Checks a secret without binding (for the HTTP API).
pub(crate) async fn check(
    storage: &StorageHandle,
    bound: &BoundSecrets,
    player: &PlayerId,
    secret: &[u8],
) -> Result<bool, StorageError> {
    let stored = bound.lookup(storage, player).await?;
    Ok(stored.is_some_and(|h| constant_time_eq(&h, &hash_secret(secret))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_and_unequal_hashes() {
        let a = hash_secret(b"0123456789abcdef");
        let b = hash_secret(b"0123456789abcdeg");
        assert!(constant_time_eq(&a, &a));
        assert!(!constant_time_eq(&a, &b));
    }
}
