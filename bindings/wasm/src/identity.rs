//! The player's identity, kept in a JS store with `getItem`/`setItem`
//! (`localStorage` in browsers).

use coinop::{Identity, MemoryIdentityStore};
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

const DEFAULT_KEY: &str = "coinop.identity";

/// Loads the identity stored under `key` in `storage`, or makes and stores a
/// new one. A stored value that does not decode is replaced (and the reason
/// logged), since the alternative is a client that can never join.
pub fn load_or_create(
    storage: &JsValue,
    key: Option<&str>,
) -> Result<MemoryIdentityStore, JsValue> {
    let key = key.map_or_else(|| DEFAULT_KEY.to_owned(), |k| format!("{DEFAULT_KEY}.{k}"));
    if let Some(text) = call(storage, "getItem", &[key.as_str().into()])?.as_string() {
        match Identity::decode(&text) {
            Ok(identity) => return Ok(MemoryIdentityStore::with(identity)),
            Err(e) => crate::console::warn(&format!(
                "coinop: stored identity unreadable ({e}); making a new one"
            )),
        }
    }
    let identity = Identity::generate().map_err(crate::error::from_sdk)?;
    call(
        storage,
        "setItem",
        &[key.as_str().into(), identity.encode().into()],
    )?;
    Ok(MemoryIdentityStore::with(identity))
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &method.into())?
        .dyn_into()
        .map_err(|_| {
            crate::error::js_error("INVALID_STORAGE", &format!("storage has no {method}()"))
        })?;
    f.apply(target, &args.iter().collect())
}
