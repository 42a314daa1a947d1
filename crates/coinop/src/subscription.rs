//! A subscription to a room's events.

use crate::event::Event;
use futures_channel::mpsc::UnboundedReceiver;
use futures_util::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The events of one room, from the moment of subscription (with a replay of
/// the players already present). Use it as a [`Stream`] in async code, or
/// call [`Events::drain`] once per frame in a game loop. The stream ends
/// when every [`crate::Room`] handle is dropped. Undrained events queue up,
/// so drop subscriptions you no longer read.
#[derive(Debug)]
pub struct Events {
    pub(crate) rx: UnboundedReceiver<Event>,
}

impl Events {
    /// The next event if one is ready, without waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }

    /// Every event ready now, without waiting.
    pub fn drain(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.try_recv()).collect()
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        Pin::new(&mut self.rx).poll_next(cx)
    }
}
