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
export function withField(options, field, value) {
  return { ...options, [field]: value };
}
export function options(relayUrl, roomCode) {
  return { relayUrl, roomCode, profile: { name: 'Ada' }, defaultStates: { round: 3, title: { text: 'hi' } } };
}
")]
extern "C" {
    fn memoryStorage() -> JsValue;
    fn options(relay_url: &str, room_code: &str) -> JsValue;
    #[wasm_bindgen(js_name = withField)]
    fn with_field(options: JsValue, field: &str, value: JsValue) -> JsValue;
}

/// The `code` of a JS error.
fn code(error: &JsValue) -> Option<String> {
    Reflect::get(error, &"code".into()).ok()?.as_string()
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

#[wasm_bindgen_test]
fn option_fields_and_targets_of_the_wrong_shape_are_refused() {
    let good = || options("ws://127.0.0.1:9", "ROOM");
    let bad: [(&str, JsValue); 6] = [
        ("relayUrl", JsValue::UNDEFINED),
        ("roomCode", 5.into()),
        ("maxPlayers", 70000.into()),
        ("gracePeriodMs", 1.5.into()),
        ("onlyExisting", "yes".into()),
        ("defaultStates", js_sys::Array::new().into()),
    ];
    for (field, value) in bad {
        let refused = WasmRoom::new(
            with_field(good(), field, value),
            memoryStorage(),
            JsValue::UNDEFINED,
        );
        let error = refused.err().unwrap_or_else(|| panic!("{field} refused"));
        assert_eq!(code(&error).as_deref(), Some("INVALID_OPTIONS"), "{field}");
    }
    // Absent, as JSON sees it: null, and numbers JSON turns into null.
    let absent = with_field(
        with_field(good(), "maxPlayers", f64::NAN.into()),
        "roomCode",
        JsValue::NULL,
    );
    WasmRoom::new(absent, memoryStorage(), JsValue::UNDEFINED).expect("room");

    let room = WasmRoom::new(good(), memoryStorage(), JsValue::UNDEFINED).expect("room");
    let target = Object::new();
    Reflect::set(&target, &"mode".into(), &"nobody".into()).expect("set");
    let error = room
        .call_rpc("echo".into(), JsValue::NULL, target.into(), 1000)
        .expect_err("unknown mode refused");
    assert_eq!(code(&error).as_deref(), Some("INVALID_TARGET"));
}

#[wasm_bindgen_test]
fn the_memory_grows_by_half_again_not_by_each_allocation() {
    use core::arch::wasm32::memory_size;
    // 64 MiB held in 16 KiB blocks, the reservation made after each as
    // after a driver turn. Without it, the memory grows by each block's
    // 64 KiB page: about a thousand grows.
    let mut held = Vec::new();
    let mut last = memory_size::<0>();
    let mut grows = 0;
    for _ in 0..4096 {
        held.push(vec![1u8; 16 * 1024]);
        coinop_wasm::heap::reserve_after_growth();
        let now = memory_size::<0>();
        if now != last {
            grows += 1;
            last = now;
        }
    }
    assert!(memory_size::<0>() * 65536 >= 64 << 20);
    assert!(grows <= 30, "the memory grew {grows} times");
    drop(held);
}
