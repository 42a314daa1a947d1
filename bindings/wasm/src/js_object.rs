//! `JsObject`: the fields of a plain JS object (the options JS passes), read
//! as `JSON.stringify` would see them: `undefined`, `null`, functions and
//! non-finite numbers are absent. Read directly rather than through a serde
//! struct: each derived deserializer cost several KiB of Wasm.

use crate::convert::to_json;
use crate::error::js_error;
use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;

/// A JS object whose fields are read one by one; errors carry `code`.
pub struct JsObject<'a> {
    value: JsValue,
    code: &'a str,
}

impl<'a> JsObject<'a> {
    /// `value` as an object: an error (with `code`) naming `what` when it is not one.
    pub fn required(value: JsValue, code: &'a str, what: &str) -> Result<Self, JsValue> {
        if value.is_object() && !value.is_function() {
            Ok(JsObject { value, code })
        } else {
            Err(js_error(code, &format!("{what} must be an object")))
        }
    }

    /// The field `name`, `None` when absent.
    fn field(&self, name: &str) -> Option<JsValue> {
        let value = Reflect::get(&self.value, &JsValue::from_str(name)).ok()?;
        let absent = value.is_undefined()
            || value.is_null()
            || value.is_function()
            || value.is_symbol()
            || value.as_f64().is_some_and(|n| !n.is_finite());
        (!absent).then_some(value)
    }

    fn invalid(&self, name: &str, expected: &str) -> JsValue {
        js_error(self.code, &format!("{name} must be {expected}"))
    }

    /// A string field.
    pub fn string(&self, name: &str) -> Result<Option<String>, JsValue> {
        self.field(name)
            .map(|v| v.as_string().ok_or_else(|| self.invalid(name, "a string")))
            .transpose()
    }

    /// A required string field.
    pub fn required_string(&self, name: &str) -> Result<String, JsValue> {
        self.string(name)?
            .ok_or_else(|| js_error(self.code, &format!("missing field `{name}`")))
    }

    /// A boolean field.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, JsValue> {
        self.field(name)
            .map(|v| v.as_bool().ok_or_else(|| self.invalid(name, "a boolean")))
            .transpose()
    }

    /// A whole-number field from 0 to `max`.
    pub fn uint(&self, name: &str, max: u32) -> Result<Option<u32>, JsValue> {
        self.field(name)
            .map(|v| match v.as_f64() {
                Some(n) if n.fract() == 0.0 && (0.0..=f64::from(max)).contains(&n) => Ok(n as u32),
                _ => Err(self.invalid(name, &format!("a whole number from 0 to {max}"))),
            })
            .transpose()
    }

    /// An object field.
    pub fn object(&self, name: &str) -> Result<Option<JsObject<'a>>, JsValue> {
        self.field(name)
            .map(|v| JsObject::required(v, self.code, name))
            .transpose()
    }

    /// An array-of-strings field.
    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, JsValue> {
        self.field(name)
            .map(|v| {
                let items = Array::is_array(&v).then(|| Array::from(&v));
                items
                    .and_then(|items| items.iter().map(|item| item.as_string()).collect())
                    .ok_or_else(|| self.invalid(name, "an array of strings"))
            })
            .transpose()
    }

    /// An object field as JSON: its keys and values.
    pub fn json_map(
        &self,
        name: &str,
    ) -> Result<Option<serde_json::Map<String, serde_json::Value>>, JsValue> {
        let Some(value) = self.field(name) else {
            return Ok(None);
        };
        match to_json(value).map_err(|_| self.invalid(name, "JSON"))? {
            serde_json::Value::Object(map) => Ok(Some(map)),
            _ => Err(self.invalid(name, "an object")),
        }
    }
}
