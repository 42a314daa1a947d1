//! Sizes checked before anything is sent: what the relay would refuse is
//! refused at the call instead, so nothing is queued that can never be
//! accepted (a change over the frame limit would otherwise be resent, and
//! refused, on every start).

use crate::doc_value::put_json;
use crate::error::{Error, SizeOf};
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use coinop_protocol::{Limits, Profile};
use serde_json::Value as Json;

/// Room for a message's own fields around its payload (tags, varints,
/// ids, a key or handler name is added separately).
pub(crate) const FRAME_OVERHEAD: usize = 64;

/// A change's bytes as automerge encodes them are at most this many times
/// the value's [`json_size`] (each JSON element becomes one op, a handful
/// of bytes in run-length-encoded columns). Values whose estimate could
/// reach the limit are measured exactly.
const CHANGE_PER_JSON_BYTE: usize = 8;

/// The largest change the relay takes: its change limit, and the frame
/// that carries the publish.
pub(crate) fn change_limit(limits: &Limits) -> usize {
    (limits.max_change_bytes as usize).min(publish_budget(limits))
}

/// Bytes of change data one publish frame may carry.
pub(crate) fn publish_budget(limits: &Limits) -> usize {
    (limits.max_frame_bytes as usize).saturating_sub(FRAME_OVERHEAD)
}

/// Room for what a profile change writes besides the profile's strings.
const PROFILE_CHANGE_OVERHEAD: usize = 1024;

/// Refuses a profile the relay would refuse: it travels in the join
/// frame and in a change of the document.
pub(crate) fn check_profile(profile: &Profile, limits: &Limits) -> Result<(), Error> {
    let size = profile.name.len() + profile.color.len() + profile.avatar.len();
    let limit = (limits.max_profile_bytes as usize)
        .min(change_limit(limits).saturating_sub(PROFILE_CHANGE_OVERHEAD));
    check(SizeOf::Profile, size, limit)
}

/// Refuses `size` over `limit`.
pub(crate) fn check(what: SizeOf, size: usize, limit: usize) -> Result<(), Error> {
    if size > limit {
        return Err(Error::TooLarge { what, size, limit });
    }
    Ok(())
}

/// A cheap, allocation-free estimate of a value's JSON length.
pub(crate) fn json_size(v: &Json) -> usize {
    match v {
        Json::Null | Json::Bool(_) => 5,
        Json::Number(_) => 10,
        Json::String(s) => s.len() + 2,
        Json::Array(a) => 2 + a.iter().map(|v| json_size(v) + 1).sum::<usize>(),
        Json::Object(m) => {
            2 + m
                .iter()
                .map(|(k, v)| k.len() + 4 + json_size(v))
                .sum::<usize>()
        }
    }
}

/// What a reliable write of `value` under `key` adds to a change, for
/// grouping buffered writes: its JSON estimate scaled to change bytes, or
/// the change's exact size when that could matter.
/// Refuses a write whose own change would exceed `limit`.
pub(crate) fn write_cost(key: &str, value: &Json, limit: usize) -> Result<usize, Error> {
    let estimate = (json_size(value) + key.len()) * CHANGE_PER_JSON_BYTE;
    if estimate <= limit / 2 {
        return Ok(estimate);
    }
    let size = measured_change(key, value)?;
    check(SizeOf::Change, size, limit)?;
    Ok(size.max(limit / 2 + 1))
}

/// The bytes of a change that writes only `value` under `key`, on a
/// scratch document (its cost follows the value's size, like the write's).
fn measured_change(key: &str, value: &Json) -> Result<usize, Error> {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let map = tx.put_object(ROOT, "state", automerge::ObjType::Map)?;
    put_json(&mut tx, &map, key.into(), value)?;
    tx.commit();
    Ok(doc
        .get_changes(&[])
        .iter()
        .map(|c| c.raw_bytes().len())
        .sum())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn the_estimate_bounds_the_change() {
        let samples = [
            json!((0..2000).collect::<Vec<_>>()),
            json!((0..500).map(|_| json!({})).collect::<Vec<_>>()),
            json!(
                (0..500)
                    .map(|i| (format!("k{i}"), json!(i)))
                    .collect::<serde_json::Map<_, _>>()
            ),
            json!("x".repeat(5000)),
            json!([[[[1]]], null, true, 1.5]),
        ];
        for v in samples {
            let exact = measured_change("k", &v).unwrap();
            assert!(exact <= (json_size(&v) + 1) * CHANGE_PER_JSON_BYTE, "{v}");
        }
    }

    #[test]
    fn a_write_over_the_limit_is_refused() {
        let big = json!("x".repeat(10_000));
        assert!(matches!(
            write_cost("k", &big, 5_000),
            Err(Error::TooLarge {
                what: SizeOf::Change,
                ..
            })
        ));
        assert!(write_cost("k", &big, 20_000).is_ok());
        assert!(write_cost("k", &json!(1), 1_000).unwrap() < 500);
    }
}
