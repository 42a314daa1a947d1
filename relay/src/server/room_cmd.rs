//! Messages into a room task, and the handle that sends them.

use super::conn_outbox::ConnOutbox;
use crate::core::{ConnId, Snapshot};
use coinop_protocol::{ClientMessage, ErrorCode, Join, Seq};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The room's answer to a join.
#[derive(Debug)]
pub(crate) enum JoinReply {
    /// Seated; the welcome is queued in the outbox.
    Accepted,
    /// Refused; the error frame and close are queued in the outbox.
    Refused,
    /// The room was unloading; look it up again.
    Retry,
}

/// One input for a room task.
pub(crate) enum RoomCmd {
    Join {
        conn: ConnId,
        join: Box<Join>,
        outbox: Arc<ConnOutbox>,
        reply: oneshot::Sender<JoinReply>,
    },
    Message {
        conn: ConnId,
        msg: ClientMessage,
    },
    Disconnected {
        conn: ConnId,
    },
    /// The storage answer to the outstanding persist: durable up to this
    /// seq, or failed.
    Persisted(Option<Seq>),
    /// The storage answer to the outstanding compaction, with the hash of
    /// every change in the snapshot when it was asked to list them.
    Compacted(Option<(Snapshot, Option<Vec<[u8; 32]>>)>),
    /// Delete the room (its owner asked over HTTP, who was checked): close
    /// everyone, remove its storage, unload; then answer.
    Delete(oneshot::Sender<()>),
    /// The inspector's question: the room's report as JSON.
    Inspect(oneshot::Sender<serde_json::Value>),
    Shutdown,
    /// Cluster mode: another node took the room's lease, or a write failed.
    /// Close every connection with this (retryable) code and reason (they
    /// reconnect) and stop, storing nothing more.
    Evict(ErrorCode, &'static str),
}

/// Sends to one room task.
#[derive(Clone)]
pub(crate) struct RoomHandle {
    pub(crate) tx: mpsc::Sender<RoomCmd>,
    /// Tells apart two incarnations of a room in the registry.
    pub(crate) id: u64,
}
