//! Test identities: player ids, secrets and joins made from names.

use coinop_protocol::{Join, PlayerId, Profile, RoomCode, Secret};

/// The player id `name`; panics if it is not a valid id.
pub fn pid(name: &str) -> PlayerId {
    PlayerId::new(name).expect("a valid player id")
}

/// A secret derived from the player's name (at least 16 bytes), so that the
/// same name always presents the same secret.
pub fn secret_for(player: &str) -> Secret {
    let mut bytes = player.as_bytes().to_vec();
    bytes.resize(Secret::MIN_LEN.max(bytes.len()), b'#');
    Secret::new(bytes).expect("a secret of the player's name is valid")
}

/// A join of `player` (named after itself, with [`secret_for`] its name)
/// into room `room`; change it with `Join`'s `with_*` methods or fields.
pub fn join_msg(room: &str, player: &str) -> Join {
    let profile = Profile {
        name: player.into(),
        ..Profile::default()
    };
    let code = RoomCode::new(room).expect("a valid room code");
    Join::new(code, pid(player), secret_for(player)).with_profile(profile)
}

/// The `Authorization` header value of the relay's per-player HTTP API for
/// `player`: `Bearer` and the hex of [`secret_for`] its name.
pub fn bearer_for(player: &str) -> String {
    let hex: String = secret_for(player)
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("Bearer {hex}")
}
