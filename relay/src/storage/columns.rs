//! Conversions between stored columns and the relay's types, shared by the
//! SQL backends.

use super::error::StorageError;
use coinop_protocol::{Bytes, PersistentValue, PlayerId, RoomCode};

/// Stored data that does not have the expected shape.
pub(crate) fn corrupt(what: impl Into<String>) -> StorageError {
    StorageError::Corrupt(what.into())
}

/// A stored room code.
pub(crate) fn room_code(s: String) -> Result<RoomCode, StorageError> {
    RoomCode::new(s).map_err(|e| corrupt(e.to_string()))
}

/// A stored player id.
pub(crate) fn player_id(s: String) -> Result<PlayerId, StorageError> {
    PlayerId::new(s).map_err(|e| corrupt(e.to_string()))
}

// SQL integers are i64; our u64 values (seqs, epochs, times) are stored
// bit-for-bit so that random epochs above i64::MAX round-trip.
pub(crate) fn to_sql(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

/// The u64 stored by [`to_sql`].
pub(crate) fn from_sql(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// The `pos` of a key's row when it holds one value rather than a list
/// (whose entries are at 0, 1, ...).
pub(crate) const ONE_VALUE: i64 = -1;

/// The rows (`pos`, value) a persistent key's value is stored as: one at
/// [`ONE_VALUE`], or a list's entries at 0, 1, ...; none to delete it.
pub(crate) fn persistent_rows(value: Option<&PersistentValue>) -> Vec<(i64, &[u8])> {
    match value {
        None => Vec::new(),
        Some(PersistentValue::One(v)) => vec![(ONE_VALUE, v)],
        Some(PersistentValue::List(items)) => (0..).zip(items.iter().map(|v| &v[..])).collect(),
    }
}

/// The value stored as these rows (`pos`, value) in `pos` order, the
/// inverse of [`persistent_rows`]; `None` when there are none.
pub(crate) fn persistent_value(
    rows: impl IntoIterator<Item = (i64, Vec<u8>)>,
) -> Option<PersistentValue> {
    let mut items = Vec::new();
    for (pos, value) in rows {
        if pos == ONE_VALUE {
            return Some(PersistentValue::One(Bytes::from(value)));
        }
        items.push(Bytes::from(value));
    }
    (!items.is_empty()).then_some(PersistentValue::List(items))
}
