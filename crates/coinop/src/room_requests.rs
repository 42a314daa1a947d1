//! Persistent data and matchmaking: requests the relay answers itself.
//!
//! Persistent data belongs to the player, not the room: the relay keeps it
//! across rooms and sessions, bound to the player's secret (Playroom Kit's
//! `setPersistentData`, `getPersistentData`, `insertPersistentData`).
//! Values travel as JSON. Each call needs a connection (else
//! [`Error::Offline`]) and ends with the relay's answer, a refusal
//! ([`Error::Relay`] with `PERSISTENT_VALUE_TOO_LARGE`,
//! `TOO_MANY_PERSISTENT_KEYS`, `PERSISTENT_LIST_TOO_LONG`,
//! `INVALID_FIELD`), or a timeout ([`Error::RpcTimeout`]).

use crate::error::Error;
use crate::room::Room;
use crate::shared::lock;
use crate::transport::now_ms;
use bytes::Bytes;
use coinop_protocol::ClientMessage;
use futures_channel::oneshot;
use serde::Serialize;
use serde::de::DeserializeOwned;

impl Room {
    /// Stores `value` under this player's persistent `key`, replacing what
    /// it held (a list too); resolves once the relay stored it durably.
    pub async fn set_persistent_data<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<(), Error> {
        let value = Some(Bytes::from(serde_json::to_vec(value)?));
        let key = key.to_owned();
        self.request("setPersistentData", move |request| {
            ClientMessage::PersistentSet {
                request,
                key,
                value,
            }
        })
        .await
        .map(drop)
    }

    /// Deletes this player's persistent `key`.
    pub async fn delete_persistent_data(&self, key: &str) -> Result<(), Error> {
        let key = key.to_owned();
        self.request("setPersistentData", move |request| {
            ClientMessage::PersistentSet {
                request,
                key,
                value: None,
            }
        })
        .await
        .map(drop)
    }

    /// Appends `value` to the list under this player's persistent `key`
    /// (creating it); read it back as a `Vec`.
    pub async fn insert_persistent_data<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<(), Error> {
        let value = Bytes::from(serde_json::to_vec(value)?);
        let key = key.to_owned();
        self.request("insertPersistentData", move |request| {
            ClientMessage::PersistentInsert {
                request,
                key,
                value,
            }
        })
        .await
        .map(drop)
    }

    /// This player's persistent `key`: `None` when unset; a list reads as
    /// a `Vec` of its entries.
    pub async fn get_persistent_data<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, Error> {
        let key = key.to_owned();
        let bytes = self
            .request("getPersistentData", move |request| {
                ClientMessage::PersistentGet { request, key }
            })
            .await?;
        Ok(serde_json::from_slice::<Option<T>>(&bytes)?)
    }

    /// Host only: opens this room to matchmaking for the builder's game
    /// ([`crate::RoomBuilder::game`]), so that players matchmaking for it
    /// are seated here while seats are open (Playroom Kit's
    /// `startMatchmaking`: the party stays together, with its state).
    pub async fn start_matchmaking(&self) -> Result<(), Error> {
        if !self.is_host() {
            return Err(Error::NotHost);
        }
        self.request("startMatchmaking", |request| {
            ClientMessage::StartMatchmaking {
                request,
                game: None,
            }
        })
        .await
        .map(drop)
    }

    async fn request(
        &self,
        what: &'static str,
        make: impl FnOnce(u64) -> ClientMessage,
    ) -> Result<Bytes, Error> {
        let rx = self.with_core(|c| {
            let id = c.request(now_ms(), what, make)?;
            // Registered under the core lock, so the reply cannot be
            // delivered before the waiter exists.
            let (tx, rx) = oneshot::channel();
            lock(&self.shared.waiters).insert(id, tx);
            Ok::<_, Error>(rx)
        })?;
        rx.await.map_err(|_| Error::Closed)?
    }
}
