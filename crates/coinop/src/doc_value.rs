//! Converting JSON values to automerge values and back.
//!
//! Strings become `Str`, integers `Int` (or `Uint` above `i64::MAX`),
//! other numbers `F64`, `true`/`false` and `null` automerge's own; an
//! object or an array is stored whole, as its JSON text in a `Bytes`
//! scalar. `set_state` replaces a value whole (Playroom's rule, and how
//! Yjs stores a plain object in a `Y.Map`), so a value gains nothing from
//! being a map of fields, and a map per write costs: every write made a
//! new object, and automerge 0.12 keeps every object ever made in an index
//! it copies on each apply and walks each one apart (BENCHMARKS.md, issue
//! 14: a write of `{t, seq}` committed 40-60 % faster as one scalar).
//!
//! Reading takes both forms: a map or list (written by an older coinop,
//! or by hand through `Room::with_doc`) reads as the JSON it holds, and
//! bytes read as the object or array whose JSON text they are, or else as
//! an array of numbers (coinop never writes other bytes).

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value};
use serde_json::{Map, Number, Value as Json};

/// Writes `value` at `prop` of `obj`, replacing what was there.
pub(crate) fn put_json<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    prop: Prop,
    value: &Json,
) -> Result<(), AutomergeError> {
    tx.put(obj, prop, scalar(value))
}

/// The scalar a state value is stored as: JSON objects and arrays as their
/// text, in bytes.
pub(crate) fn scalar(value: &Json) -> ScalarValue {
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
        // A `Value` always serializes (its keys are strings).
        Json::Array(_) | Json::Object(_) => {
            ScalarValue::Bytes(serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec()))
        }
    }
}

/// The object or array whose JSON text `bytes` are, if they are one.
fn json_text(bytes: &[u8]) -> Option<Json> {
    if !matches!(bytes.first(), Some(b'{' | b'[')) {
        return None;
    }
    serde_json::from_slice::<Json>(bytes)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
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
        ScalarValue::Bytes(b) => {
            json_text(b).unwrap_or_else(|| Json::Array(b.iter().map(|x| Json::from(*x)).collect()))
        }
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
    fn json_values_round_trip() {
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
    fn objects_and_arrays_are_one_scalar_of_json_text() {
        let mut doc = AutoCommit::new();
        put_json(&mut doc, &ROOT, "k".into(), &json!({"a": [1, 2]})).unwrap();
        let (v, _) = doc.get(ROOT, "k").unwrap().unwrap();
        let expected = ScalarValue::Bytes(br#"{"a":[1,2]}"#.to_vec());
        assert_eq!(v, Value::Scalar(std::borrow::Cow::Owned(expected)));
        // One op: no object made for the value.
        assert_eq!(doc.get_last_local_change().unwrap().len(), 1);
    }

    #[test]
    fn maps_and_lists_written_field_by_field_still_read_as_json() {
        // How coinop stored objects before, and what `with_doc` may write.
        let mut doc = AutoCommit::new();
        let map = doc.put_object(ROOT, "k", ObjType::Map).unwrap();
        doc.put(&map, "x", 1).unwrap();
        let list = doc.put_object(&map, "tags", ObjType::List).unwrap();
        doc.insert(&list, 0, "a").unwrap();
        let inner = doc.insert_object(&list, 1, ObjType::Map).unwrap();
        doc.put(&inner, "y", ScalarValue::Bytes(br#"[true]"#.to_vec()))
            .unwrap();
        assert_eq!(
            get_json(&doc, &ROOT, "k"),
            Some(json!({"x": 1, "tags": ["a", {"y": [true]}]}))
        );
    }

    #[test]
    fn bytes_that_are_not_an_object_or_array_read_as_numbers() {
        for (bytes, expected) in [
            (b"\"s\"".to_vec(), json!([34, 115, 34])),
            (b"{oops".to_vec(), json!([123, 111, 111, 112, 115])),
            (Vec::new(), json!([])),
        ] {
            let mut doc = AutoCommit::new();
            doc.put(ROOT, "k", ScalarValue::Bytes(bytes)).unwrap();
            assert_eq!(get_json(&doc, &ROOT, "k"), Some(expected));
        }
    }
}
