//! Browser transport: `web-sys` WebSocket (binary frames as array buffers)
//! bridged to futures channels, `setTimeout` timers, `Date.now()`; the
//! driver's yield to the event loop is in [`super::web_yield`].

use super::{FrameSink, FrameStream, Transport};
use crate::error::Error;
use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

/// WebSockets in the browser.
pub(crate) struct WebTransport;

/// The browser decides whom `wss://` trusts; extra roots are ignored.
#[derive(Clone, Default)]
pub(crate) struct TlsTrust;

impl TlsTrust {
    /// Ignores the roots: a page cannot add any.
    pub(crate) fn with_roots(_pem: &[Vec<u8>]) -> Result<Self, Error> {
        Ok(TlsTrust)
    }
}

/// Owns the socket and its callbacks; closes the socket when the driver
/// drops both halves.
struct Socket {
    ws: WebSocket,
    // The callbacks live as long as the socket that calls them.
    _open: Closure<dyn FnMut(Event)>,
    _error: Closure<dyn FnMut(Event)>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onerror(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

fn js_err(e: wasm_bindgen::JsValue) -> Error {
    Error::Transport(format!("{e:?}"))
}

impl Transport for WebTransport {
    type Trust = TlsTrust;

    async fn connect(url: &str, _tls: &TlsTrust) -> Result<(FrameSink, FrameStream), Error> {
        let ws = WebSocket::new(url).map_err(js_err)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let (open_tx, open_rx) = oneshot::channel::<Result<(), Error>>();
        let open_tx = Rc::new(RefCell::new(Some(open_tx)));
        let (in_tx, in_rx) = mpsc::unbounded::<Result<Vec<u8>, Error>>();

        let o = open_tx.clone();
        let onopen = Closure::<dyn FnMut(Event)>::new(move |_| {
            if let Some(tx) = o.borrow_mut().take() {
                let _ = tx.send(Ok(()));
            }
        });
        let o = open_tx.clone();
        let onerror = Closure::<dyn FnMut(Event)>::new(move |_| {
            if let Some(tx) = o.borrow_mut().take() {
                let _ = tx.send(Err(Error::Transport("websocket error".into())));
            }
        });
        let tx = in_tx.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            // Text frames are not part of the protocol; ignore them.
            if let Ok(buf) = e.data().dyn_into::<js_sys::ArrayBuffer>() {
                let _ = tx.unbounded_send(Ok(js_sys::Uint8Array::new(&buf).to_vec()));
            }
        });
        let o = open_tx;
        let onclose = Closure::<dyn FnMut(CloseEvent)>::new(move |_| {
            if let Some(tx) = o.borrow_mut().take() {
                let _ = tx.send(Err(Error::Transport("websocket closed".into())));
            }
            in_tx.close_channel();
        });
        ws.set_onopen(Some(onopen.as_ref().unchecked_ref()));
        ws.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        ws.set_onclose(Some(onclose.as_ref().unchecked_ref()));
        let socket = Rc::new(Socket {
            ws,
            _open: onopen,
            _error: onerror,
            _message: onmessage,
            _close: onclose,
        });
        open_rx
            .await
            .map_err(|_| Error::Transport("websocket dropped".into()))??;

        let sink = futures_util::sink::unfold(socket.clone(), |s, frame: Vec<u8>| async move {
            s.ws.send_with_u8_array(&frame).map_err(js_err)?;
            Ok::<_, Error>(s)
        });
        let stream = in_rx.map(move |item| {
            let _keep_open = &socket;
            item
        });
        Ok((Box::pin(sink), Box::pin(stream)))
    }
}

/// Sleeps for `ms` milliseconds (`setTimeout`).
pub(crate) async fn sleep_ms(ms: u64) {
    gloo_timers::future::TimeoutFuture::new(ms.min(u32::MAX as u64) as u32).await;
}

/// Wall-clock milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Runs `f` after yielding to the event loop once (a browser page has no
/// thread to spare), so the page can render what is already there first.
pub(crate) fn off_thread<T: 'static>(f: impl FnOnce() -> T + 'static) -> super::OffThread<T> {
    Box::pin(async move {
        sleep_ms(0).await;
        Some(f())
    })
}
