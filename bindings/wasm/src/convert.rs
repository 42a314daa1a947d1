//! JS values ⇄ JSON values.

use serde::Serialize;
use wasm_bindgen::JsValue;

/// A JS value as JSON (`undefined` becomes `null`).
pub fn to_json(value: JsValue) -> Result<serde_json::Value, JsValue> {
    if value.is_undefined() {
        return Ok(serde_json::Value::Null);
    }
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| crate::error::js_error("INVALID_VALUE", &e.to_string()))
}

/// Any serializable value as a plain JS value: objects, not `Map`s.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::UNDEFINED)
}

/// A JSON value as JS, `undefined` for `None`.
pub fn opt_to_js(value: Option<serde_json::Value>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, |v| to_js(&v))
}
