//! # coinop-wasm
//!
//! The thin wasm-bindgen layer between the `coinop` SDK and the `coinop` npm
//! package (`bindings/js`). It exposes one class, `WasmRoom`; the npm
//! package wraps it in Playroom Kit's names. Values cross as plain JS values
//! (JSON-compatible), errors as `Error` objects carrying a stable `code`.
//!
//! Only meaningful on `wasm32-unknown-unknown`; on other targets the crate is
//! empty so the workspace still builds natively.
#![cfg(target_arch = "wasm32")]

mod console;
mod convert;
mod error;
mod event;
#[doc(hidden)]
pub mod heap;
mod identity;
mod js_object;
mod options;
mod replica;
mod room;

pub use room::WasmRoom;
