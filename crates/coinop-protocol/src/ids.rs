//! Validated identifiers: room codes, player ids and player secrets.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Why an identifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The identifier is empty or longer than allowed.
    #[error("{what} must be 1 to {max} characters long, got {len}")]
    Length {
        /// Which identifier.
        what: &'static str,
        /// The maximum length.
        max: usize,
        /// The length given.
        len: usize,
    },
    /// The identifier holds a character outside `[A-Za-z0-9_-]`.
    #[error("{what} may only contain ASCII letters, digits, '-' and '_'")]
    Charset {
        /// Which identifier.
        what: &'static str,
    },
}

fn check(what: &'static str, s: &str, max: usize) -> Result<(), IdError> {
    if s.is_empty() || s.len() > max {
        return Err(IdError::Length {
            what,
            max,
            len: s.len(),
        });
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(IdError::Charset { what });
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The longest accepted identifier, in bytes.
            pub const MAX_LEN: usize = $max;

            /// Validates `s` (1 to [`Self::MAX_LEN`] characters of `[A-Za-z0-9_-]`).
            pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                check($what, &s, $max)?;
                Ok(Self(s))
            }

            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id!(
    /// A room's code or id: 1–64 characters of `[A-Za-z0-9_-]`. Relay-made
    /// codes are 4 uppercase letters; clients may bring their own ids.
    RoomCode,
    "room code",
    64
);

string_id!(
    /// A player's stable id, made by the client and kept locally:
    /// 1–64 characters of `[A-Za-z0-9_-]` (a UUID fits).
    PlayerId,
    "player id",
    64
);

/// A player's secret: 16–64 random bytes made by the client on first run and
/// kept locally. The relay stores only a hash of it and demands it on every
/// later join with the same [`PlayerId`].
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Secret(#[serde(with = "serde_bytes_compat")] Vec<u8>);

impl Secret {
    /// Shortest accepted secret, in bytes.
    pub const MIN_LEN: usize = 16;
    /// Longest accepted secret, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Validates the secret's length.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, IdError> {
        let bytes = bytes.into();
        if bytes.len() < Self::MIN_LEN || bytes.len() > Self::MAX_LEN {
            return Err(IdError::Length {
                what: "secret",
                max: Self::MAX_LEN,
                len: bytes.len(),
            });
        }
        Ok(Self(bytes))
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes = serde_bytes_compat::deserialize(d)?;
        Self::new(bytes).map_err(serde::de::Error::custom)
    }
}

/// Byte strings encoded as one length-prefixed blob rather than a sequence.
mod serde_bytes_compat {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(bytes::Bytes::deserialize(d)?.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_validate() {
        assert!(RoomCode::new("ABCD").is_ok());
        assert!(PlayerId::new("0b5e-4f_x").is_ok());
        assert!(matches!(RoomCode::new(""), Err(IdError::Length { .. })));
        assert!(matches!(
            PlayerId::new("a".repeat(65)),
            Err(IdError::Length { .. })
        ));
        assert!(matches!(RoomCode::new("a b"), Err(IdError::Charset { .. })));
        assert!(Secret::new(vec![0; 15]).is_err());
        assert!(Secret::new(vec![0; 16]).is_ok());
        assert!(Secret::new(vec![0; 65]).is_err());
    }

    #[test]
    fn invalid_ids_do_not_decode() {
        let bad = postcard::to_stdvec(&"not valid!").unwrap();
        assert!(postcard::from_bytes::<PlayerId>(&bad).is_err());
    }

    #[test]
    fn secret_debug_hides_bytes() {
        let s = Secret::new(vec![7; 16]).unwrap();
        assert_eq!(format!("{s:?}"), "Secret(..)");
    }
}
