//! The relay's entry point for every frame a client sends.
#![no_main]

use coinop_protocol::{ClientMessage, peek_version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|frame: &[u8]| {
    let _ = peek_version(frame);
    if let Ok(msg) = ClientMessage::decode(frame) {
        // Whatever decodes must encode back to an equal message.
        let again = ClientMessage::decode(&msg.encode()).expect("re-decode");
        assert_eq!(again, msg);
    }
});
