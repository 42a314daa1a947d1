//! JS values ⇄ JSON values, through the engine's own `JSON`: values are
//! JSON-compatible by contract, and this keeps a serde-to-JS layer out of the
//! package (smaller Wasm).

use crate::error::js_error;
use serde::Serialize;
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
    serde_json::from_str(&text).map_err(|e| js_error(code, &e.to_string()))
}

/// Any serializable value as a plain JS value.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// A JSON value as JS, `undefined` for `None`.
pub fn opt_to_js(value: Option<serde_json::Value>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, |v| to_js(&v))
}
