//! Replays saved fuzz inputs (`fuzz/regressions/`) through every decoder.

use coinop_protocol::{ClientMessage, RelayMessage, peek_version};
use std::path::Path;

#[test]
fn saved_fuzz_inputs_decode_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions exists") {
        let path = entry.expect("readable dir entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let frame = std::fs::read(&path).expect("readable input");
        let _ = peek_version(&frame);
        let _ = ClientMessage::decode(&frame);
        let _ = RelayMessage::decode(&frame);
        replayed += 1;
    }
    assert!(replayed > 0, "no saved inputs found in {}", dir.display());
}

#[test]
fn a_huge_length_prefix_is_refused_without_allocating_it() {
    // Publish with a changes vector claiming 2^32-1 entries in a 7-byte frame.
    let frame = [0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f];
    assert!(ClientMessage::decode(&frame).is_err());
}
