//! Encoding and decoding of whole frames.

use crate::client_message::ClientMessage;
use crate::relay_message::RelayMessage;

/// A frame could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not a valid message.
    #[error("malformed frame: {0}")]
    Malformed(#[from] postcard::Error),
    /// A valid message was followed by extra bytes.
    #[error("malformed frame: {0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// The first frame was not a join.
    #[error("the first frame must be a join")]
    NotAJoin,
}

fn decode_exact<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, DecodeError> {
    let (msg, rest) = postcard::take_from_bytes(bytes)?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    Ok(msg)
}

fn encode<T: serde::Serialize>(msg: &T) -> Vec<u8> {
    // Serializing our own types into a Vec cannot fail: every field is a
    // plain value and postcard only errors on unsupported serde features.
    postcard::to_stdvec(msg).unwrap_or_else(|e| unreachable!("postcard encode: {e}"))
}

impl ClientMessage {
    /// Encodes the message as one binary frame.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes one binary frame.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_exact(bytes)
    }
}

impl RelayMessage {
    /// Encodes the message as one binary frame.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes one binary frame.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_exact(bytes)
    }
}

/// Reads the protocol version from a join frame without decoding the rest,
/// so that a relay can answer a client of another version with a clear
/// error even when the rest of its join has a different layout.
pub fn peek_version(frame: &[u8]) -> Result<u16, DecodeError> {
    // Tag 0 (`ClientMessage::Join`) then `Join::version`: both frozen.
    let (tag, rest): (u32, _) = postcard::take_from_bytes(frame)?;
    if tag != 0 {
        return Err(DecodeError::NotAJoin);
    }
    let (version, _): (u16, _) = postcard::take_from_bytes(rest)?;
    Ok(version)
}
