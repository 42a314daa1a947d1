//! What a game's UI shows about the connection.

use bevy_ecs::resource::Resource;
use coinop::{Error, Status};

/// The room's connection as of this frame, for UI: updated in `PreUpdate`.
#[derive(Resource, Debug, Clone)]
pub struct CoinopStatus {
    /// Where the room stands with the relay; `None` while no
    /// [`crate::CoinopRoom`] is present.
    pub status: Option<Status>,
    /// Every local reliable write is stored by the relay.
    pub saved: bool,
    /// Why the room stopped for good, if it did.
    pub error: Option<Error>,
}

impl Default for CoinopStatus {
    fn default() -> Self {
        CoinopStatus {
            status: None,
            saved: true,
            error: None,
        }
    }
}
