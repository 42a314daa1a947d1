//! Player credentials: SHA-256 of the secret, compared in constant time.

use crate::storage::{StorageError, StorageHandle};
use coinop_protocol::PlayerId;
use sha2::{Digest, Sha256};

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
/// other reads it back and is refused.
pub(crate) async fn check_or_bind(
    storage: &StorageHandle,
    player: &PlayerId,
    secret: &[u8],
) -> Result<bool, StorageError> {
    let hash = hash_secret(secret);
    let stored = match read_hash(storage, player).await? {
        Some(stored) => stored,
        None => {
            storage.bind_secret(player.clone(), hash).await?;
            read_hash(storage, player)
                .await?
                .ok_or_else(|| StorageError::Corrupt("a bound secret is not stored".into()))?
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
    player: &PlayerId,
    secret: &[u8],
) -> Result<bool, StorageError> {
    let hash = hash_secret(secret);
    let player = player.clone();
    storage
        .call(move |s| {
            Ok(s.secret_hash(&player)?
                .is_some_and(|h| constant_time_eq(&h, &hash)))
        })
        .await
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
