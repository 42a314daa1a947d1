//! Persistent data: per player, across rooms and sessions. The rules a
//! write must keep (key length, bytes per key, keys per player, list
//! length), decided here without I/O; the storage thread runs
//! [`PersistentWrite::apply`] between its read and its write, so two
//! connections of one player cannot both pass a limit they share.

use coinop_protocol::{Bytes, ErrorCode, PersistentValue};

/// The limits on one player's persistent data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistentLimits {
    /// Longest key, in bytes.
    pub max_key_bytes: usize,
    /// Most bytes under one key (a value, or a whole list's entries).
    pub max_value_bytes: usize,
    /// Most keys per player.
    pub max_keys: usize,
    /// Most entries in one list.
    pub max_list_len: usize,
}

impl PersistentLimits {
    /// The production defaults (the relay's flags start from these).
    pub const DEFAULT: PersistentLimits = PersistentLimits {
        max_key_bytes: 256,
        max_value_bytes: 64 * 1024,
        max_keys: 256,
        max_list_len: 1000,
    };
}

impl Default for PersistentLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A write to one persistent key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersistentWrite {
    /// Replace the key's value (a list too); `None` deletes the key.
    Set(Option<Bytes>),
    /// Append to the key's list, creating it.
    Insert(Bytes),
}

/// Why a persistent request was refused: a stable code and a sentence.
pub type Refusal = (ErrorCode, String);

/// Refuses a key that is empty or longer than the limit.
pub fn check_key(key: &str, limits: &PersistentLimits) -> Result<(), Refusal> {
    if key.is_empty() || key.len() > limits.max_key_bytes {
        let text = format!("keys are 1 to {} bytes", limits.max_key_bytes);
        return Err((ErrorCode::INVALID_FIELD, text));
    }
    Ok(())
}

impl PersistentWrite {
    /// The key's value after this write, given its value now and how many
    /// keys the player holds; or why the write is refused (nothing changes).
    pub fn apply(
        self,
        current: Option<PersistentValue>,
        keys_held: usize,
        limits: &PersistentLimits,
    ) -> Result<Option<PersistentValue>, Refusal> {
        let new_key = current.is_none();
        let next = match (self, current) {
            (PersistentWrite::Set(None), _) => return Ok(None),
            (PersistentWrite::Set(Some(value)), _) => PersistentValue::One(value),
            (PersistentWrite::Insert(value), None) => PersistentValue::List(vec![value]),
            (PersistentWrite::Insert(value), Some(PersistentValue::List(mut items))) => {
                if items.len() >= limits.max_list_len {
                    let text = format!("lists hold at most {} entries", limits.max_list_len);
                    return Err((ErrorCode::PERSISTENT_LIST_TOO_LONG, text));
                }
                items.push(value);
                PersistentValue::List(items)
            }
            (PersistentWrite::Insert(_), Some(PersistentValue::One(_))) => {
                let text = "the key holds one value, not a list: set it first".to_owned();
                return Err((ErrorCode::INVALID_FIELD, text));
            }
        };
        if next.byte_len() > limits.max_value_bytes {
            let text = format!("a key holds at most {} bytes", limits.max_value_bytes);
            return Err((ErrorCode::PERSISTENT_VALUE_TOO_LARGE, text));
        }
        if new_key && keys_held >= limits.max_keys {
            let text = format!("a player holds at most {} keys", limits.max_keys);
            return Err((ErrorCode::TOO_MANY_PERSISTENT_KEYS, text));
        }
        Ok(Some(next))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const LIMITS: PersistentLimits = PersistentLimits {
        max_key_bytes: 4,
        max_value_bytes: 8,
        max_keys: 2,
        max_list_len: 3,
    };

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    fn code(r: Result<Option<PersistentValue>, Refusal>) -> ErrorCode {
        r.unwrap_err().0
    }

    #[test]
    fn every_limit_has_its_code_and_a_refusal_changes_nothing() {
        assert_eq!(
            check_key("", &LIMITS).unwrap_err().0,
            ErrorCode::INVALID_FIELD
        );
        assert_eq!(
            check_key("toolong", &LIMITS).unwrap_err().0,
            ErrorCode::INVALID_FIELD
        );
        let set = |v| PersistentWrite::Set(Some(b(v)));
        let big = set("123456789").apply(None, 0, &LIMITS);
        assert_eq!(code(big), ErrorCode::PERSISTENT_VALUE_TOO_LARGE);
        assert_eq!(
            code(set("x").apply(None, 2, &LIMITS)),
            ErrorCode::TOO_MANY_PERSISTENT_KEYS
        );
        // Replacing a key the player holds needs no new key.
        let one = Some(PersistentValue::One(b("a")));
        assert!(set("x").apply(one.clone(), 2, &LIMITS).is_ok());

        let mut list = None;
        for v in ["a", "b", "c"] {
            list = PersistentWrite::Insert(b(v))
                .apply(list, 0, &LIMITS)
                .unwrap();
        }
        assert_eq!(
            list,
            Some(PersistentValue::List(vec![b("a"), b("b"), b("c")]))
        );
        let full = PersistentWrite::Insert(b("d")).apply(list, 0, &LIMITS);
        assert_eq!(code(full), ErrorCode::PERSISTENT_LIST_TOO_LONG);
        let onto_one = PersistentWrite::Insert(b("d")).apply(one, 0, &LIMITS);
        assert_eq!(code(onto_one), ErrorCode::INVALID_FIELD);
        let grown = Some(PersistentValue::List(vec![b("1234567")]));
        let too_big = PersistentWrite::Insert(b("89")).apply(grown, 0, &LIMITS);
        assert_eq!(code(too_big), ErrorCode::PERSISTENT_VALUE_TOO_LARGE);
        assert_eq!(PersistentWrite::Set(None).apply(None, 9, &LIMITS), Ok(None));
    }
}
