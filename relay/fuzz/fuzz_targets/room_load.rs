//! The room load path: whatever bytes storage hands back as a snapshot and
//! log, `RoomState::load` returns an error or a room, never panics.
#![no_main]

use coinop_relay::core::fuzzing::load_from_bytes;
use libfuzzer_sys::fuzz_target;
use std::sync::Once;

static LET_CAUGHT_PANICS_UNWIND: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's panic hook aborts before any `catch_unwind` can act,
    // but the relay deliberately catches automerge's parser panics (it
    // panics on some malformed changes). A panic that escapes the relay
    // still aborts (libfuzzer-sys aborts when the input unwinds out) and is
    // reported; replay it with `cargo test` to see its message.
    LET_CAUGHT_PANICS_UNWIND.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    load_from_bytes(data);
});
