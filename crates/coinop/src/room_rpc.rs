//! Remote procedure calls and fire-and-forget events between players.
//!
//! Arguments and results travel as JSON, so Rust and JS clients can call
//! each other. Handlers are plain synchronous closures, run by the driver
//! task as calls arrive; a handler that needs async work can spawn it and
//! answer through state instead.

use crate::error::Error;
use crate::room::Room;
use crate::shared::{Handler, lock};
use crate::transport::now_ms;
use bytes::Bytes;
use coinop_protocol::{CallId, PlayerId, RpcOutcome, RpcTarget};
use futures_channel::oneshot;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

impl Room {
    /// Registers the handler for calls named `name`, replacing any other.
    /// It gets the argument and the caller (stamped by the relay) and
    /// returns a value or an error message for the caller. A call whose
    /// argument does not deserialize as `A` is answered with an error.
    ///
    /// A client with no handler for a name does not answer: the call shows
    /// up as [`crate::Event::RpcRequest`] instead, for the application to
    /// answer with [`Room::reply_rpc`] (async handlers) or to ignore. The
    /// first reply resolves a call; one nobody answers ends in
    /// [`Error::RpcTimeout`].
    pub fn register_rpc<A, R, F>(&self, name: &str, handler: F)
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(A, PlayerId) -> Result<R, String> + Send + Sync + 'static,
    {
        let h: Handler = Arc::new(move |payload: Bytes, from: PlayerId| {
            let arg = match serde_json::from_slice::<A>(&payload) {
                Ok(a) => a,
                Err(e) => return RpcOutcome::Err(format!("bad argument: {e}")),
            };
            match handler(arg, from).map(|r| serde_json::to_vec(&r)) {
                Ok(Ok(bytes)) => RpcOutcome::Ok(Bytes::from(bytes)),
                Ok(Err(e)) => RpcOutcome::Err(format!("bad result: {e}")),
                Err(msg) => RpcOutcome::Err(msg),
            }
        });
        lock(&self.shared.handlers).insert(name.to_owned(), h);
    }

    /// Answers an [`crate::Event::RpcRequest`]: `Ok(value)` resolves the
    /// caller's call with `value`, `Err(message)` fails it with
    /// [`Error::RpcFailed`]. Answering when offline, twice, or a call that
    /// wanted no reply is harmless (the relay or the caller drops it).
    pub fn reply_rpc(
        &self,
        call: u64,
        to: &PlayerId,
        outcome: Result<serde_json::Value, String>,
    ) -> Result<(), Error> {
        let outcome = match outcome {
            Ok(value) => RpcOutcome::Ok(Bytes::from(serde_json::to_vec(&value)?)),
            Err(message) => RpcOutcome::Err(message),
        };
        self.with_core(|c| c.reply_rpc(CallId(call), to.clone(), outcome));
        Ok(())
    }

    /// Removes the handler for `name`.
    pub fn unregister_rpc(&self, name: &str) {
        lock(&self.shared.handlers).remove(name);
    }

    /// Calls `name` on `target` and waits for the first reply, or fails with
    /// [`Error::RpcTimeout`] after the builder's RPC timeout. Fails at once
    /// with [`Error::Offline`] when not connected.
    pub async fn call<A: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        target: RpcTarget,
        name: &str,
        arg: &A,
    ) -> Result<R, Error> {
        self.call_inner(target, name, arg, None).await
    }

    /// [`Room::call`] with its own timeout.
    pub async fn call_with_timeout<A: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        target: RpcTarget,
        name: &str,
        arg: &A,
        timeout: Duration,
    ) -> Result<R, Error> {
        self.call_inner(target, name, arg, Some(timeout.as_millis() as u64))
            .await
    }

    async fn call_inner<A: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        target: RpcTarget,
        name: &str,
        arg: &A,
        timeout_ms: Option<u64>,
    ) -> Result<R, Error> {
        let payload = Bytes::from(serde_json::to_vec(arg)?);
        let rx = self.with_core(|c| {
            let call = c.call(now_ms(), target, name, payload, timeout_ms)?;
            // Registered under the core lock, so the reply cannot be
            // delivered before the waiter exists.
            let (tx, rx) = oneshot::channel();
            lock(&self.shared.waiters).insert(call, tx);
            Ok::<_, Error>(rx)
        })?;
        let bytes = rx.await.map_err(|_| Error::Closed)??;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Sends a fire-and-forget call (an event): handlers run, nobody replies.
    pub fn send_rpc<A: Serialize + ?Sized>(
        &self,
        target: RpcTarget,
        name: &str,
        arg: &A,
    ) -> Result<(), Error> {
        let payload = Bytes::from(serde_json::to_vec(arg)?);
        self.with_core(|c| c.send_rpc(target, name, payload))
    }
}
