//! The client's entry point for every frame the relay sends.
#![no_main]

use coinop_protocol::RelayMessage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|frame: &[u8]| {
    if let Ok(msg) = RelayMessage::decode(frame) {
        let again = RelayMessage::decode(&msg.encode()).expect("re-decode");
        assert_eq!(again, msg);
    }
});
