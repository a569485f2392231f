//! Terraform values as JSON and back, for bodies sent to and read from APIs,
//! and semantic equality: two values that mean the same JSON are equal
//! whatever their Terraform types (list or tuple, map or object) or number
//! spelling.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::{Number, Type, Value};

/// A value that has no JSON form.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ToJsonError {
    /// Part of it is not known yet.
    #[error("the value at {0} is not known yet")]
    Unknown(String),
    /// JSON has no infinity.
    #[error("the number at {0} is infinite; JSON cannot carry it")]
    Infinite(String),
}

/// Converts a known value to JSON. Pointers in errors are RFC 6901.
pub fn to_json(v: &Value) -> Result<Json, ToJsonError> {
    to_json_at(v, "")
}

fn to_json_at(v: &Value, at: &str) -> Result<Json, ToJsonError> {
    let here = || {
        if at.is_empty() {
            "/".to_owned()
        } else {
            at.to_owned()
        }
    };
    Ok(match v {
        Value::Null(_) => Json::Null,
        Value::Unknown(_) => return Err(ToJsonError::Unknown(here())),
        Value::Bool(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.clone()),
        Value::Number(n) => {
            // With arbitrary precision on, serde_json keeps every digit.
            serde_json::from_str(&n.to_string()).map_err(|_| ToJsonError::Infinite(here()))?
        }
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, it)| to_json_at(it, &format!("{at}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(_, m) | Value::Object(m) => Json::Object(
            m.iter()
                .map(|(k, it)| Ok((k.clone(), to_json_at(it, &format!("{at}/{}", escape(k)))?)))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// Converts JSON to a value as HCL would write it: objects, tuples, and
/// `null` of dynamic type.
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null(Type::Dynamic),
        Json::Bool(b) => Value::Bool(*b),
        Json::String(s) => Value::String(s.clone()),
        Json::Number(n) => match number(n) {
            Some(n) => Value::Number(n),
            // serde_json only produces valid numbers; keep the text if not.
            None => Value::String(n.to_string()),
        },
        Json::Array(items) => Value::Tuple(items.iter().map(from_json).collect()),
        Json::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// JSON read as a value of type `ty` (an import id giving arguments, say):
/// objects become objects of the type's attributes (missing ones null),
/// and anything that does not fit is an error naming where.
pub fn typed(j: &Json, ty: &Type) -> Result<Value, String> {
    typed_at(j, ty, "")
}

fn typed_at(j: &Json, ty: &Type, at: &str) -> Result<Value, String> {
    let here = || {
        if at.is_empty() {
            "/".to_owned()
        } else {
            at.to_owned()
        }
    };
    let wrong = |what: &str| Err(format!("{} must be {what}", here()));
    Ok(match (ty, j) {
        (_, Json::Null) => Value::Null(ty.clone()),
        (Type::Dynamic, _) => from_json(j),
        (Type::String, Json::String(s)) => Value::String(s.clone()),
        (Type::String, _) => return wrong("a string"),
        (Type::Bool, Json::Bool(b)) => Value::Bool(*b),
        (Type::Bool, _) => return wrong("true or false"),
        (Type::Number, Json::Number(n)) => match number(n) {
            Some(n) => Value::Number(n),
            None => return wrong("a number"),
        },
        (Type::Number, _) => return wrong("a number"),
        (Type::List(e) | Type::Set(e), Json::Array(items)) => {
            let vals = items
                .iter()
                .enumerate()
                .map(|(i, x)| typed_at(x, e, &format!("{at}/{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, Type::Set(_)) {
                Value::Set((**e).clone(), vals)
            } else {
                Value::List((**e).clone(), vals)
            }
        }
        (Type::Map(e), Json::Object(m)) => Value::Map(
            (**e).clone(),
            m.iter()
                .map(|(k, x)| Ok((k.clone(), typed_at(x, e, &format!("{at}/{}", escape(k)))?)))
                .collect::<Result<_, String>>()?,
        ),
        (Type::Object(attrs), Json::Object(m)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(format!(
                    "{} has no field {extra:?}; it has {}",
                    here(),
                    attrs.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            Value::Object(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        let v = m.get(k).unwrap_or(&Json::Null);
                        Ok((k.clone(), typed_at(v, t, &format!("{at}/{}", escape(k)))?))
                    })
                    .collect::<Result<_, String>>()?,
            )
        }
        (Type::Tuple(types), Json::Array(items)) if types.len() == items.len() => Value::Tuple(
            types
                .iter()
                .zip(items)
                .enumerate()
                .map(|(i, (t, x))| typed_at(x, t, &format!("{at}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        (Type::List(_) | Type::Set(_) | Type::Tuple(_), _) => return wrong("a list"),
        (Type::Map(_) | Type::Object(_), _) => return wrong("an object"),
    })
}

/// A JSON number, every digit kept.
pub fn number(n: &serde_json::Number) -> Option<Number> {
    n.to_string().parse().ok()
}

/// Whether two values mean the same JSON document.
pub fn semantically_equal(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Null(_), Null(_)) => true,
        (Unknown(_), _) | (_, Unknown(_)) => false,
        (Bool(x), Bool(y)) => x == y,
        (String(x), String(y)) => x == y,
        (Number(x), Number(y)) => x == y,
        (List(_, x) | Set(_, x) | Tuple(x), List(_, y) | Set(_, y) | Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| semantically_equal(p, q))
        }
        (Map(_, x) | Object(x), Map(_, y) | Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| semantically_equal(v, w)))
        }
        _ => false,
    }
}

/// RFC 6901 escaping of one reference token.
pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_escaped(&mut out, token);
    out
}

/// Appends one reference token, RFC 6901-escaped, to a pointer being built.
pub fn push_escaped(out: &mut String, token: &str) {
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_keeps_every_digit() {
        let j: Json = serde_json::from_str(
            r#"{"big":123456789012345678901234567890.25,"l":[1,"a",null,{"x":true}]}"#,
        )
        .unwrap();
        assert_eq!(to_json(&from_json(&j)).unwrap(), j);
    }

    #[test]
    fn types_and_spellings_do_not_matter() {
        let hcl = Value::object([
            ("n", Value::Number("1".parse().unwrap())),
            ("l", Value::List(Type::String, vec![Value::string("a")])),
        ]);
        let api = from_json(&json!({"l": ["a"], "n": 1.0}));
        assert!(semantically_equal(&hcl, &api));
        assert!(!semantically_equal(
            &hcl,
            &from_json(&json!({"l": ["a"], "n": "1"}))
        ));
        assert!(!semantically_equal(
            &hcl,
            &from_json(&json!({"l": ["a"], "n": 1, "extra": 0}))
        ));
    }

    #[test]
    fn unknowns_cannot_be_sent() {
        let v = Value::object([("a", Value::Tuple(vec![Value::Unknown(Type::String)]))]);
        assert_eq!(to_json(&v), Err(ToJsonError::Unknown("/a/0".into())));
    }
}
