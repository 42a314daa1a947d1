//! What the core hands out: frames for the relay, events for the
//! application, results for RPC callers and calls for local handlers. The
//! core only adds to them; the driver and the handle take them.

use super::incoming_rpc::IncomingRpc;
use crate::error::Error;
use crate::event::Event;
use bytes::Bytes;
use coinop_protocol::{CallId, ClientMessage};
use std::collections::VecDeque;

/// A call's result: the reply's JSON bytes, or why there is none.
pub(crate) type Completion = (CallId, Result<Bytes, Error>);

/// The core's outputs, waiting to be taken.
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    frames: VecDeque<ClientMessage>,
    events: Vec<Event>,
    completions: Vec<Completion>,
    rpcs: Vec<IncomingRpc>,
}

impl Outputs {
    /// Queues a frame for the relay.
    pub(crate) fn send(&mut self, msg: ClientMessage) {
        self.frames.push_back(msg);
    }

    /// Drops the queued frames (the connection they were for is gone).
    pub(crate) fn drop_frames(&mut self) {
        self.frames.clear();
    }

    /// The next frame to send.
    pub(crate) fn next_frame(&mut self) -> Option<ClientMessage> {
        self.frames.pop_front()
    }

    /// Reports an event to the application.
    pub(crate) fn event(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Resolves a call.
    pub(crate) fn complete(&mut self, call: CallId, result: Result<Bytes, Error>) {
        self.completions.push((call, result));
    }

    /// Hands a call to the local handlers.
    pub(crate) fn incoming_rpc(&mut self, rpc: IncomingRpc) {
        self.rpcs.push(rpc);
    }

    /// Events reported since the last call.
    pub(crate) fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Calls resolved since the last call.
    pub(crate) fn take_completions(&mut self) -> Vec<Completion> {
        std::mem::take(&mut self.completions)
    }

    /// Calls for local handlers since the last call.
    pub(crate) fn take_rpcs(&mut self) -> Vec<IncomingRpc> {
        std::mem::take(&mut self.rpcs)
    }
}
