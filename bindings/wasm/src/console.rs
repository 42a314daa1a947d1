//! Warnings on the JS console, for what the binding recovers from by itself.

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `console.warn(message)`, when the global has a console.
pub fn warn(message: &str) {
    let console = Reflect::get(&js_sys::global(), &"console".into()).unwrap_or(JsValue::UNDEFINED);
    if let Ok(warn) = Reflect::get(&console, &"warn".into())
        .and_then(|f| f.dyn_into::<Function>().map_err(JsValue::from))
    {
        let _ = warn.call1(&console, &message.into());
    }
}
