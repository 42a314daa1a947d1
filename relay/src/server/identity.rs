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
/// Runs on the storage thread, so two first joins cannot race.
pub(crate) async fn check_or_bind(
    storage: &StorageHandle,
    player: &PlayerId,
    secret: &[u8],
) -> Result<bool, StorageError> {
    let hash = hash_secret(secret);
    let player = player.clone();
    storage
        .call(move |s| match s.secret_hash(&player)? {
            Some(stored) => Ok(constant_time_eq(&stored, &hash)),
            None => {
                s.put_secret_hash(&player, hash)?;
                Ok(true)
            }
        })
        .await
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
