//! Runs inside a real JS engine: Node by default, headless Chromium with
//! `WASM_BINDGEN_USE_BROWSER=1` (see `.ci/test-all`).
#![cfg(target_arch = "wasm32")]

use coinop_wasm::WasmRoom;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(inline_js = "
export function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => items.has(k) ? items.get(k) : null, setItem: (k, v) => items.set(k, v), items };
}
export function options(relayUrl, roomCode) {
  return { relayUrl, roomCode, profile: { name: 'Ada' }, defaultStates: { round: 3, title: { text: 'hi' } } };
}
")]
extern "C" {
    fn memoryStorage() -> JsValue;
    fn options(relay_url: &str, room_code: &str) -> JsValue;
}

fn stored_identities(storage: &JsValue) -> u32 {
    let items = Reflect::get(storage, &"items".into()).expect("items");
    Reflect::get(&items, &"size".into())
        .expect("size")
        .as_f64()
        .expect("number") as u32
}

#[wasm_bindgen_test]
fn identity_is_created_once_and_reused() {
    let storage = memoryStorage();
    // Nothing listens on port 9: the room is built and stays offline.
    let first = WasmRoom::new(
        options("ws://127.0.0.1:9", "ROOM"),
        storage.clone(),
        JsValue::UNDEFINED,
    )
    .expect("room");
    let second = WasmRoom::new(
        options("ws://127.0.0.1:9", "ROOM"),
        storage.clone(),
        JsValue::UNDEFINED,
    )
    .expect("room");
    assert_eq!(stored_identities(&storage), 1);
    assert_eq!(first.my_id(), second.my_id());
    let other = WasmRoom::new(
        options("ws://127.0.0.1:9", "ROOM"),
        memoryStorage(),
        JsValue::UNDEFINED,
    )
    .expect("room");
    assert_ne!(first.my_id(), other.my_id());
}

#[wasm_bindgen_test]
fn defaults_and_local_writes_read_back_as_plain_js_values() {
    let room = WasmRoom::new(
        options("ws://127.0.0.1:9", "ROOM"),
        memoryStorage(),
        JsValue::UNDEFINED,
    )
    .expect("room");
    assert_eq!(room.get_state("round").as_f64(), Some(3.0));
    let title = room.get_state("title");
    assert!(
        title.is_instance_of::<Object>(),
        "objects cross as plain objects, not Maps"
    );
    assert_eq!(
        Reflect::get(&title, &"text".into())
            .expect("text")
            .as_string()
            .as_deref(),
        Some("hi")
    );
    assert!(room.get_state("missing").is_undefined());
    room.set_state(
        "list",
        js_sys::Array::of2(&1.into(), &"two".into()).into(),
        true,
    )
    .expect("set");
    let list = js_sys::Array::from(&room.get_state("list"));
    assert_eq!(list.length(), 2);
    assert_eq!(list.get(1).as_string().as_deref(), Some("two"));
}

#[wasm_bindgen_test]
fn bad_input_becomes_errors_with_codes() {
    let bad = WasmRoom::new(
        JsValue::from_str("not options"),
        memoryStorage(),
        JsValue::UNDEFINED,
    );
    let error = bad.err().expect("refused");
    assert_eq!(
        Reflect::get(&error, &"code".into())
            .expect("code")
            .as_string()
            .as_deref(),
        Some("INVALID_OPTIONS")
    );

    let room = WasmRoom::new(
        options("ws://127.0.0.1:9", "ROOM"),
        memoryStorage(),
        JsValue::UNDEFINED,
    )
    .expect("room");
    let error = room
        .increment("n", 0.5)
        .expect_err("fractional increment refused");
    assert_eq!(
        Reflect::get(&error, &"code".into())
            .expect("code")
            .as_string()
            .as_deref(),
        Some("INVALID_VALUE")
    );
    let error = room
        .set_player_state("not a valid id!", "k", JsValue::NULL, true)
        .expect_err("bad id");
    assert_eq!(
        Reflect::get(&error, &"code".into())
            .expect("code")
            .as_string()
            .as_deref(),
        Some("INVALID_ID")
    );
}
