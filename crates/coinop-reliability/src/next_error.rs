//! Waiting for the relay's refusal of a message that is not a publish.

use coinop_harness::{Client, Event};
use coinop_protocol::{ErrorCode, RelayMessage};
use std::time::Duration;

/// The code of the next error `client` is sent (other frames skipped), or
/// `None` when nothing comes within 2 s or the connection ends.
pub async fn next_error(client: &mut Client) -> Option<ErrorCode> {
    // Bounded: each wait is 2 s at most, and a silent relay ends it.
    loop {
        match client.event_within(Duration::from_secs(2)).await? {
            Event::Frame(RelayMessage::Error { code, .. }) => return Some(code),
            Event::Frame(_) => {}
            Event::Closed(_) => return None,
        }
    }
}
