//! JS values ⇄ JSON values, through the engine's own `JSON`: values are
//! JSON-compatible by contract, and this keeps a serde-to-JS layer out of the
//! package (smaller Wasm).

use crate::error::js_error;
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// A JS value as JSON (`undefined` becomes `null`); failures are `INVALID_VALUE`.
pub fn to_json(value: JsValue) -> Result<serde_json::Value, JsValue> {
    let code = "INVALID_VALUE";
    if value.is_undefined() {
        return Ok(serde_json::Value::Null);
    }
    let text = js_sys::JSON::stringify(&value)
        .map_err(|_| js_error(code, "the value cannot be converted to JSON"))?;
    let text: String = text.into();
    // from_slice, not from_str: the SDK parses with from_slice, and each
    // reader is a whole copy of serde_json's parser in the Wasm.
    serde_json::from_slice(text.as_bytes()).map_err(|e| js_error(code, &e.to_string()))
}

/// A JSON value as a plain JS value.
pub fn to_js(value: &serde_json::Value) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// A JSON value as JS, `undefined` for `None`.
pub fn opt_to_js(value: Option<serde_json::Value>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, |v| to_js(&v))
}

/// A plain JS object with these fields, set in this order. Callers list
/// them sorted by name: the order the objects had when they were built as
/// JSON (serde_json sorts keys) and parsed by JS.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}
