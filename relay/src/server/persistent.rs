//! Persistent data requests: answered by the connection itself, not its
//! room, since the data is the player's across rooms. The player is the
//! one the handshake checked against its secret, so nobody reads or writes
//! another player's data.

use super::context::RelayContext;
use crate::core::{PersistentWrite, Refusal, check_key};
use crate::storage::StorageError;
use coinop_protocol::{ClientMessage, ErrorCode, PlayerId, ReplyOutcome};

/// A persistent data request taken out of the message stream.
pub(crate) struct Request {
    request: u64,
    key: String,
    /// `None` reads.
    write: Option<PersistentWrite>,
}

impl Request {
    /// The persistent data request `msg` is, if it is one.
    pub(crate) fn of(msg: &ClientMessage) -> Option<Request> {
        let (request, key, write) = match msg {
            ClientMessage::PersistentGet { request, key } => (request, key, None),
            ClientMessage::PersistentSet {
                request,
                key,
                value,
            } => (request, key, Some(PersistentWrite::Set(value.clone()))),
            ClientMessage::PersistentInsert {
                request,
                key,
                value,
            } => (request, key, Some(PersistentWrite::Insert(value.clone()))),
            _ => return None,
        };
        Some(Request {
            request: *request,
            key: key.clone(),
            write,
        })
    }

    /// The request's number, echoed in its reply.
    pub(crate) fn number(&self) -> u64 {
        self.request
    }

    /// Carries the request out for `player`; a write is answered once durable.
    pub(crate) async fn serve(self, shared: &RelayContext, player: &PlayerId) -> ReplyOutcome {
        let limits = shared.config.persistent.clone();
        if let Err((code, message)) = check_key(&self.key, &limits) {
            return ReplyOutcome::Refused { code, message };
        }
        let (player, key) = (player.clone(), self.key);
        let write = self.write;
        // Read, check and write in one call on the storage thread: nothing
        // else runs between them.
        let result = shared
            .storage
            .call(move |s| {
                let current = s.persistent_get(&player, &key)?;
                let Some(write) = write else {
                    return Ok(Ok(ReplyOutcome::Value(current)));
                };
                let held = s.persistent_key_count(&player)?;
                match write.apply(current, held, &limits) {
                    Ok(next) => {
                        s.persistent_put(&player, &key, next.as_ref())?;
                        Ok(Ok(ReplyOutcome::Done))
                    }
                    Err(refusal) => Ok(Err::<ReplyOutcome, Refusal>(refusal)),
                }
            })
            .await;
        outcome(result)
    }
}

fn outcome(result: Result<Result<ReplyOutcome, Refusal>, StorageError>) -> ReplyOutcome {
    match result {
        Ok(Ok(outcome)) => outcome,
        Ok(Err((code, message))) => ReplyOutcome::Refused { code, message },
        Err(e) => {
            tracing::error!(error = %e, "persistent data request failed");
            ReplyOutcome::Refused {
                code: ErrorCode::STORAGE_UNAVAILABLE,
                message: "storage is unavailable".into(),
            }
        }
    }
}
