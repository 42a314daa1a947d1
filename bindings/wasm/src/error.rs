//! Errors as JS `Error` objects with a stable `code` property.

use wasm_bindgen::JsValue;

/// A JS `Error` with `code` set.
pub fn js_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&error, &"code".into(), &code.into());
    error.into()
}

/// The code JS sees for an SDK error: the relay's code when there is one.
pub fn code_of(error: &coinop::Error) -> String {
    match error.code() {
        Some(code) => code.name().to_owned(),
        None => match error {
            coinop::Error::Offline => "OFFLINE",
            coinop::Error::Closed => "CLOSED",
            coinop::Error::NotHost => "NOT_HOST",
            coinop::Error::RpcFailed(_) => "RPC_FAILED",
            coinop::Error::Json(_) => "INVALID_VALUE",
            coinop::Error::InvalidId(_) => "INVALID_ID",
            coinop::Error::InvalidUrl(_) => "INVALID_URL",
            coinop::Error::Transport(_) => "TRANSPORT",
            _ => "INTERNAL",
        }
        .to_owned(),
    }
}

/// An SDK error as a JS `Error`.
pub fn from_sdk(error: coinop::Error) -> JsValue {
    js_error(&code_of(&error), &error.to_string())
}
