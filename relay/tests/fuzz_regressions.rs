//! Replays every saved fuzz input (`fuzz/regressions/<target>-*`) and the
//! fuzz corpora, if present, through the same code as the fuzz targets.

use coinop_relay::core::fuzzing::{handle_from_bytes, load_from_bytes};
use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    let dirs = [root.join("regressions"), root.join("corpus").join(target)];
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if dir.ends_with("regressions") && !name.starts_with(&format!("{target}-")) {
                continue;
            }
            let data = std::fs::read(&path).expect("readable input");
            run(&data);
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn saved_room_load_inputs_do_not_panic() {
    let n = replay("room_load", load_from_bytes);
    assert!(n > 0, "no saved room_load inputs");
}

#[test]
fn saved_room_handle_inputs_do_not_panic() {
    let n = replay("room_handle", handle_from_bytes);
    assert!(n > 0, "no saved room_handle inputs");
}

#[test]
fn empty_and_tiny_inputs_do_not_panic() {
    for data in [
        &[][..],
        &[1],
        &[1, 0xff, 0xff],
        &[0x87, 1, 0, 0],
        &[6, 0, 0],
    ] {
        load_from_bytes(data);
        handle_from_bytes(data);
    }
}

/// The change bytes of a saved `room_load-automerge-*` crash: automerge 0.12
/// panics (`unwrap` on `None` in its bundle decoder) on `bundle-decoder-panic`
/// and tries to allocate 2 GiB on `bundle-2gib-allocation`.
fn poisoned_change(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("fuzz/regressions/room_load-automerge-{name}"));
    let data = std::fs::read(path).expect("the saved crash input");
    // One piece: a tag byte and a u16 length, then the change.
    data[3..].to_vec()
}

#[test]
fn changes_that_break_automerge_are_refused_not_fatal() {
    for name in ["bundle-decoder-panic", "bundle-2gib-allocation"] {
        refused_not_fatal(poisoned_change(name));
    }
}

fn refused_not_fatal(change: Vec<u8>) {
    use coinop_protocol::*;
    use coinop_relay::core::*;
    let code = RoomCode::new("PANIC").expect("valid code");
    let meta = RoomMeta {
        code: code.clone(),
        epoch: 1,
        max_players: 4,
        grace_ms: 0,
        created_ms: 0,
        owner: None,
        rules: Default::default(),
    };
    let mut room = RoomState::new(meta, RoomLimits::default());
    let player = PlayerId::new("mallory").expect("valid id");
    let join = Join::new(
        code,
        player,
        Secret::new(vec![3; 16]).expect("valid secret"),
    );
    room.handle(
        Input::Join {
            conn: ConnId(1),
            join,
        },
        1,
    );
    let publish = ClientMessage::Publish {
        client_ref: 9,
        changes: vec![Bytes::from(change)],
    };
    let effects = room.handle(
        Input::Message {
            conn: ConnId(1),
            msg: publish,
        },
        2,
    );
    let refused = effects.iter().any(|e| match e {
        Effect::Send { frame, .. } => matches!(
            RelayMessage::decode(frame),
            Ok(RelayMessage::Error { code, fatal: false, client_ref: Some(9), .. })
                if code == ErrorCode::INVALID_CHANGE
        ),
        _ => false,
    });
    assert!(refused, "{effects:?}");
    assert_eq!(room.head(), Seq(0));
}
