//! What one read from a relay connection produced.

use coinop_protocol::RelayMessage;

/// A relay frame or the end of the connection.
#[derive(Debug)]
pub enum Event {
    /// A decoded relay frame.
    Frame(RelayMessage),
    /// The connection closed, with the close code if one came.
    Closed(Option<u16>),
}
