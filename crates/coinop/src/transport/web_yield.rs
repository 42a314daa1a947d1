//! One turn of the event loop, without `setTimeout`'s clamp.
//!
//! A frame wakes the driver in a microtask, before the event loop has
//! handed over the frames that arrived with it (other sockets' too, when
//! many clients share a page or process); after one macrotask they are all
//! queued, and the core applies them as one batch. Node has `setImmediate`
//! for that macrotask. A browser has only `setTimeout(0)`, which the HTML
//! standard clamps to 4 ms once timers nest five deep, and a busy driver's
//! turns do nest: a turn that finds the next frame already there yields
//! again from inside the timer that woke it. In headless Chromium, 50 such
//! yields in a row took 195 ms by `setTimeout` and 1 ms by a message to a
//! `MessageChannel`, which is what browsers get here (as React's scheduler
//! does).

use futures_channel::oneshot;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageChannel, MessagePort};

/// How this global yields: chosen once per thread (page or worker).
enum Yielder {
    /// Node (and Bun): `setImmediate`. A `MessageChannel` there would keep
    /// the process alive until closed.
    Immediate(js_sys::Function),
    /// Browsers: a message to ourselves, one per waiting yield, answered
    /// in order.
    Channel(Channel),
    /// Neither: `setTimeout(0)`, clamps and all.
    Timeout(js_sys::Function),
    /// No scheduler at all: do not wait.
    None,
}

struct Channel {
    port: MessagePort,
    waiting: Rc<RefCell<VecDeque<oneshot::Sender<()>>>>,
    // Kept alive as long as the thread: the channel and its listener.
    _channel: MessageChannel,
    _on_message: Closure<dyn FnMut()>,
}

thread_local! {
    static YIELDER: Yielder = Yielder::new();
}

impl Yielder {
    fn new() -> Self {
        let global = js_sys::global();
        let function = |name: &str| {
            js_sys::Reflect::get(&global, &JsValue::from_str(name))
                .ok()?
                .dyn_into::<js_sys::Function>()
                .ok()
        };
        if let Some(immediate) = function("setImmediate") {
            return Yielder::Immediate(immediate);
        }
        if let Some(channel) = Channel::new() {
            return Yielder::Channel(channel);
        }
        function("setTimeout").map_or(Yielder::None, Yielder::Timeout)
    }
}

impl Channel {
    fn new() -> Option<Self> {
        let channel = MessageChannel::new().ok()?;
        let waiting: Rc<RefCell<VecDeque<oneshot::Sender<()>>>> = Rc::default();
        let queue = waiting.clone();
        let on_message = Closure::<dyn FnMut()>::new(move || {
            if let Some(tx) = queue.borrow_mut().pop_front() {
                let _ = tx.send(());
            }
        });
        channel
            .port1()
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(Channel {
            port: channel.port2(),
            waiting,
            _channel: channel,
            _on_message: on_message,
        })
    }

    /// Queues a wake-up for the next turn; false if the message could not
    /// be posted.
    fn post(&self, tx: oneshot::Sender<()>) -> bool {
        self.waiting.borrow_mut().push_back(tx);
        if self.port.post_message(&JsValue::UNDEFINED).is_ok() {
            return true;
        }
        self.waiting.borrow_mut().pop_back();
        false
    }
}

/// Waits for the event loop's next macrotask (see the module's notes).
pub(crate) async fn let_io_arrive() {
    let (tx, rx) = oneshot::channel::<()>();
    let scheduled = YIELDER.with(|yielder| match yielder {
        Yielder::Immediate(f) | Yielder::Timeout(f) => {
            let wake = Closure::once_into_js(move || {
                let _ = tx.send(());
            });
            f.call1(&JsValue::NULL, &wake).is_ok()
        }
        Yielder::Channel(channel) => channel.post(tx),
        Yielder::None => false,
    });
    if scheduled {
        let _ = rx.await;
    }
}
