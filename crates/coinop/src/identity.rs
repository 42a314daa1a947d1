//! Who this client is: a stable player id and the secret that proves it.

use crate::error::Error;
use coinop_protocol::{PlayerId, Secret};
use std::sync::Mutex;

/// A player's identity: made once, kept by an [`IdentityStore`], presented
/// on every join. The relay binds the id to the secret on first join, so a
/// restarted client with the same identity rejoins as the same player and
/// nobody else can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The stable player id (a UUID v4).
    pub player: PlayerId,
    /// 32 random bytes.
    pub secret: Secret,
}

impl Identity {
    /// A fresh random identity.
    pub fn generate() -> Result<Self, Error> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)
            .map_err(|e| Error::Corrupt(format!("no randomness available: {e}")))?;
        Ok(Identity {
            player: PlayerId::new(uuid::Uuid::new_v4().to_string())?,
            secret: Secret::new(secret.to_vec())?,
        })
    }

    /// The text form used by the stores: `player_id` and hex secret on two lines.
    pub fn encode(&self) -> String {
        format!("{}\n{}\n", self.player, hex::encode(self.secret.as_bytes()))
    }

    /// Parses [`Identity::encode`]'s output.
    pub fn decode(text: &str) -> Result<Self, Error> {
        let mut lines = text.lines();
        let (Some(player), Some(secret)) = (lines.next(), lines.next()) else {
            return Err(Error::Corrupt("identity: expected two lines".into()));
        };
        let secret = hex::decode(secret.trim())
            .map_err(|e| Error::Corrupt(format!("identity secret: {e}")))?;
        Ok(Identity {
            player: PlayerId::new(player.trim())?,
            secret: Secret::new(secret)?,
        })
    }
}

/// Where the identity is kept: a file natively, `localStorage` in the
/// browser (implemented by the bindings), memory in tests.
pub trait IdentityStore: Send + Sync {
    /// The stored identity, if any.
    fn load(&self) -> Result<Option<Identity>, Error>;
    /// Stores the identity, replacing any other.
    fn save(&self, identity: &Identity) -> Result<(), Error>;

    /// The stored identity, or a new one that is saved first.
    fn load_or_create(&self) -> Result<Identity, Error> {
        if let Some(id) = self.load()? {
            return Ok(id);
        }
        let id = Identity::generate()?;
        self.save(&id)?;
        Ok(id)
    }
}

/// An identity kept in memory only: a new player per process unless the
/// same store is reused.
#[derive(Debug, Default)]
pub struct MemoryIdentityStore {
    identity: Mutex<Option<Identity>>,
}

impl MemoryIdentityStore {
    /// A store that already holds `identity`.
    pub fn with(identity: Identity) -> Self {
        MemoryIdentityStore {
            identity: Mutex::new(Some(identity)),
        }
    }
}

impl IdentityStore for MemoryIdentityStore {
    fn load(&self) -> Result<Option<Identity>, Error> {
        Ok(self
            .identity
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone())
    }

    fn save(&self, identity: &Identity) -> Result<(), Error> {
        *self.identity.lock().unwrap_or_else(|e| e.into_inner()) = Some(identity.clone());
        Ok(())
    }
}

impl<T: IdentityStore + ?Sized> IdentityStore for std::sync::Arc<T> {
    fn load(&self) -> Result<Option<Identity>, Error> {
        (**self).load()
    }
    fn save(&self, identity: &Identity) -> Result<(), Error> {
        (**self).save(identity)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn identity_text_round_trips_and_store_keeps_it() {
        let id = Identity::generate().unwrap();
        assert_eq!(Identity::decode(&id.encode()).unwrap(), id);
        assert!(Identity::decode("x").is_err());
        assert!(Identity::decode("p\nzz\n").is_err());
        let store = MemoryIdentityStore::default();
        let a = store.load_or_create().unwrap();
        assert_eq!(store.load_or_create().unwrap(), a);
        assert_ne!(Identity::generate().unwrap(), a);
    }
}
