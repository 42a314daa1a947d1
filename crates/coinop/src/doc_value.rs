//! Converting JSON values to native automerge values and back.
//!
//! Objects become maps, arrays lists, strings `Str`, integers `Int` (or
//! `Uint` above `i64::MAX`), other numbers `F64`. So the document stays
//! readable by any automerge tool, not a blob of JSON text.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value, hydrate};
use serde_json::{Map, Number, Value as Json};
use std::collections::HashMap;

/// Writes `value` at `prop` of `obj`, replacing what was there.
pub(crate) fn put_json<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    prop: Prop,
    value: &Json,
) -> Result<(), AutomergeError> {
    if !matches!(value, Json::Object(_) | Json::Array(_)) {
        return tx.put(obj, prop, scalar(value));
    }
    // The object and everything in it in one batch: automerge splices all
    // its ops into the document at once, instead of one op at a time (a
    // seven-field object commits about three times as fast).
    tx.batch_create_object(obj, prop, &hydrated(value), false)?;
    Ok(())
}

/// `value` as automerge's in-memory tree of values.
fn hydrated(value: &Json) -> hydrate::Value {
    match value {
        Json::Object(map) => {
            let entries: HashMap<String, hydrate::Value> =
                map.iter().map(|(k, v)| (k.clone(), hydrated(v))).collect();
            hydrate::Value::Map(entries.into())
        }
        Json::Array(items) => {
            let items: Vec<hydrate::Value> = items.iter().map(hydrated).collect();
            hydrate::Value::List(items.into())
        }
        scalar_value => hydrate::Value::Scalar(scalar(scalar_value)),
    }
}

fn scalar(value: &Json) -> ScalarValue {
    match value {
        Json::Null => ScalarValue::Null,
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                ScalarValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                ScalarValue::Uint(u)
            } else {
                ScalarValue::F64(n.as_f64().unwrap_or(0.0))
            }
        }
        // Composite values never reach here (see `put_json`).
        Json::Array(_) | Json::Object(_) => ScalarValue::Null,
    }
}

/// Reads the value at `prop` of `obj` as JSON; `None` when absent.
pub(crate) fn get_json<R: ReadDoc>(doc: &R, obj: &ObjId, prop: impl Into<Prop>) -> Option<Json> {
    let (value, id) = doc.get(obj, prop).ok()??;
    Some(to_json(doc, &value, &id))
}

/// The value op `op` wrote at `key` of map `obj`, while it is visible
/// (a conflict shows several: the winner is not always the one wanted).
pub(crate) fn get_json_of<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    key: &str,
    op: (u64, &automerge::ActorId),
) -> Option<Json> {
    doc.get_all(obj, key)
        .ok()?
        .into_iter()
        .find(|(_, id)| matches!(id, ObjId::Id(c, a, _) if *c == op.0 && a == op.1))
        .map(|(value, id)| to_json(doc, &value, &id))
}

fn to_json<R: ReadDoc>(doc: &R, value: &Value<'_>, id: &ObjId) -> Json {
    match value {
        Value::Scalar(s) => scalar_to_json(s),
        Value::Object(ObjType::Map | ObjType::Table) => {
            let mut out = Map::new();
            for key in doc.keys(id) {
                if let Some(v) = get_json(doc, id, key.as_str()) {
                    out.insert(key, v);
                }
            }
            Json::Object(out)
        }
        Value::Object(ObjType::List) => {
            let len = doc.length(id);
            Json::Array(
                (0..len)
                    .map(|i| get_json(doc, id, i).unwrap_or(Json::Null))
                    .collect(),
            )
        }
        Value::Object(ObjType::Text) => Json::String(doc.text(id).unwrap_or_default()),
    }
}

pub(crate) fn scalar_to_json(s: &ScalarValue) -> Json {
    match s {
        ScalarValue::Null | ScalarValue::Unknown { .. } => Json::Null,
        ScalarValue::Boolean(b) => Json::Bool(*b),
        ScalarValue::Str(s) => Json::String(s.to_string()),
        ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Json::from(*i),
        ScalarValue::Uint(u) => Json::from(*u),
        ScalarValue::F64(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
        ScalarValue::Counter(c) => Json::from(i64::from(c)),
        ScalarValue::Bytes(b) => Json::Array(b.iter().map(|x| Json::from(*x)).collect()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use automerge::{AutoCommit, ROOT};
    use serde_json::json;

    fn round_trip(v: Json) -> Json {
        let mut doc = AutoCommit::new();
        put_json(&mut doc, &ROOT, "k".into(), &v).unwrap();
        get_json(&doc, &ROOT, "k").unwrap()
    }

    #[test]
    fn json_values_round_trip_as_native_values() {
        for v in [
            json!(null),
            json!(true),
            json!(-5),
            json!(u64::MAX),
            json!(1.5),
            json!("hé"),
            json!([1, "a", [null], {"x": 2}]),
            json!({"pos": {"x": 1, "y": -2.25}, "tags": ["a", "b"], "empty": {}}),
        ] {
            assert_eq!(round_trip(v.clone()), v);
        }
    }

    #[test]
    fn objects_are_native_maps() {
        let mut doc = AutoCommit::new();
        put_json(&mut doc, &ROOT, "k".into(), &json!({"a": 1})).unwrap();
        let (v, _) = doc.get(ROOT, "k").unwrap().unwrap();
        assert_eq!(v, Value::Object(ObjType::Map));
    }
}
