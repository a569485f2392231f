//! The JSON encoding of Terraform values, as stored in state files and sent
//! in UpgradeResourceState: objects are JSON objects, and a `dynamic` value
//! is `{"value": ..., "type": ...}`.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::CodecError;
use framework::{AttributePath, Number, Type, Value};

/// Decodes stored JSON as a value of `ty`. Object attributes the type does
/// not know are dropped: state written by an older schema may carry them.
pub fn decode_json(j: &Json, ty: &Type) -> Result<Value, CodecError> {
    from_json(j, ty, &AttributePath::default())
}

fn from_json(j: &Json, ty: &Type, path: &AttributePath) -> Result<Value, CodecError> {
    if j.is_null() {
        return Ok(Value::Null(ty.clone()));
    }
    let mismatch = || CodecError::new(path, format!("expected {ty}, got {}", short(j)));
    match ty {
        Type::Dynamic => {
            let (Some(v), Some(t)) = (j.get("value"), j.get("type")) else {
                return Err(mismatch());
            };
            let actual = Type::from_json(t).map_err(|e| CodecError::new(path, e.to_string()))?;
            from_json(v, &actual, path)
        }
        Type::String => j.as_str().map(Value::string).ok_or_else(mismatch),
        Type::Bool => j.as_bool().map(Value::Bool).ok_or_else(mismatch),
        Type::Number => match j {
            // With arbitrary precision on, the text is the original digits.
            Json::Number(n) => n
                .to_string()
                .parse::<Number>()
                .map(Value::Number)
                .map_err(|_| mismatch()),
            // cty writes numbers as strings when they are too big for JSON readers.
            Json::String(s) => s
                .parse::<Number>()
                .map(Value::Number)
                .map_err(|_| mismatch()),
            _ => Err(mismatch()),
        },
        Type::List(e) | Type::Set(e) => {
            let items = j.as_array().ok_or_else(mismatch)?;
            let items = items
                .iter()
                .enumerate()
                .map(|(i, it)| from_json(it, e, &path.index(i)))
                .collect::<Result<Vec<_>, _>>()?;
            let e = (**e).clone();
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(e, items)
            } else {
                Value::Set(e, items)
            })
        }
        Type::Tuple(ts) => {
            let items = j
                .as_array()
                .filter(|a| a.len() == ts.len())
                .ok_or_else(mismatch)?;
            let items = items
                .iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (it, t))| from_json(it, t, &path.index(i)))
                .collect::<Result<_, _>>()?;
            Ok(Value::Tuple(items))
        }
        Type::Map(e) => {
            let m = j.as_object().ok_or_else(mismatch)?;
            let mut out = BTreeMap::new();
            for (k, v) in m {
                out.insert(k.clone(), from_json(v, e, &path.key(k))?);
            }
            Ok(Value::Map((**e).clone(), out))
        }
        Type::Object(attrs) => {
            let m = j.as_object().ok_or_else(mismatch)?;
            let mut out = BTreeMap::new();
            for (k, t) in attrs {
                let v = match m.get(k) {
                    Some(v) => from_json(v, t, &path.attr(k))?,
                    None => Value::Null(t.clone()),
                };
                out.insert(k.clone(), v);
            }
            Ok(Value::Object(out))
        }
    }
}

fn short(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_state_decodes_with_dynamic_and_big_numbers() {
        let ty = Type::object([
            ("id", Type::String),
            ("body", Type::Dynamic),
            ("n", Type::Number),
        ]);
        let j: Json = serde_json::from_str(
            r#"{"id":"7","body":{"value":{"a":[1,"x"]},"type":["object",{"a":["tuple",["number","string"]]}]},
                "n":123456789012345678901234567890.5,"removed_attr":true}"#,
        )
        .unwrap();
        let v = decode_json(&j, &ty).unwrap();
        assert_eq!(v.get("id"), Some(&Value::string("7")));
        assert_eq!(
            v.get("body"),
            Some(&Value::object([(
                "a",
                Value::Tuple(vec![Value::Number(Number::from(1i64)), Value::string("x")])
            )]))
        );
        assert_eq!(
            v.get("n").unwrap().as_number().unwrap().to_string(),
            "123456789012345678901234567890.5"
        );
        assert_eq!(v.get("removed_attr"), None);
    }

    #[test]
    fn wrong_shapes_name_the_path() {
        let ty = Type::object([("tags", Type::map(Type::String))]);
        let j: Json = serde_json::from_str(r#"{"tags":{"a":1}}"#).unwrap();
        assert_eq!(
            decode_json(&j, &ty).unwrap_err().to_string(),
            r#"expected string, got a number at tags["a"]"#
        );
    }

    proptest::proptest! {
        /// State JSON from any earlier version (or a corrupt file) is read
        /// into the current type, or refused with a path: never a panic.
        #[test]
        fn any_state_json_decodes_or_is_refused(
            text in "[\\[\\]{}:,\"a-z0-9. -]{0,60}",
            ty in crate::codec::msgpack::tests::arb_type(),
        ) {
            if let Ok(j) = serde_json::from_str::<Json>(&text) {
                let _ = decode_json(&j, &ty);
            }
        }
    }
}
