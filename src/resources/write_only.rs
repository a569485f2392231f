//! Write-only values (`body_wo`): merged into what is sent, their secrets
//! masked in every message, the fields they set found again to keep them
//! out of state, and refused where they collide with the managed body.
//! Shared by every type that takes a write-only body.

use crate::Value;
use crate::pointer::Pointer;
use crate::runtime::Runtime;

/// `body` with `wo` merged in (objects deeply, `wo` winning). Its string
/// values join the redactor first, so no message shows them.
pub(crate) fn merged(rt: &Runtime, body: &Value, wo: &Value) -> Value {
    fn secrets(v: &Value, rt: &Runtime) {
        match v {
            Value::String(s) => rt.observers().redactor.add(s.clone()),
            Value::Object(m) | Value::Map(_, m) => m.values().for_each(|x| secrets(x, rt)),
            Value::List(_, a) | Value::Set(_, a) | Value::Tuple(a) => {
                a.iter().for_each(|x| secrets(x, rt))
            }
            _ => {}
        }
    }
    secrets(wo, rt);
    fn merge(base: &Value, extra: &Value) -> Value {
        match (base, extra) {
            (Value::Object(b) | Value::Map(_, b), Value::Object(e) | Value::Map(_, e)) => {
                let mut out = b.clone();
                for (k, v) in e {
                    let merged = match b.get(k) {
                        Some(existing) => merge(existing, v),
                        None => v.clone(),
                    };
                    out.insert(k.clone(), merged);
                }
                Value::Object(out)
            }
            (_, extra) => extra.clone(),
        }
    }
    merge(body, wo)
}

/// The pointers of the fields a write-only value sets (leaves; a list is
/// one leaf).
pub(crate) fn leaf_pointers(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) | Value::Map(_, m) if !m.is_empty() => {
            for (k, x) in m {
                leaf_pointers(x, &format!("{at}/{}", crate::json::escape(k)), out);
            }
        }
        Value::Null(_) => {}
        _ if !at.is_empty() => out.push(at.to_owned()),
        _ => {}
    }
}

/// The first field (as its path of names) that both objects set to a
/// value that is not null. Unknown values count as set.
pub(crate) fn both_set(a: &Value, b: &Value) -> Option<Vec<String>> {
    let (Some(a), Some(b)) = (fields(a), fields(b)) else {
        return None;
    };
    for (k, va) in a {
        let Some(vb) = b.get(k) else { continue };
        if va.is_null() || vb.is_null() {
            continue;
        }
        let mut path = vec![k.clone()];
        match (fields(va), fields(vb)) {
            (Some(_), Some(_)) => {
                if let Some(mut rest) = both_set(va, vb) {
                    path.append(&mut rest);
                    return Some(path);
                }
            }
            _ => return Some(path),
        }
    }
    None
}

/// The fields of an object or a map value.
fn fields(v: &Value) -> Option<&std::collections::BTreeMap<String, Value>> {
    match v {
        Value::Object(m) | Value::Map(_, m) => Some(m),
        _ => None,
    }
}

/// `response` without the fields at `pointers`.
pub(crate) fn without_pointers(mut response: Value, pointers: &[String]) -> Value {
    fn remove_at(v: &mut Value, tokens: &[String]) {
        let Some((first, rest)) = tokens.split_first() else {
            return;
        };
        if let Value::Object(m) | Value::Map(_, m) = v {
            if rest.is_empty() {
                m.remove(first);
            } else if let Some(child) = m.get_mut(first) {
                remove_at(child, rest);
            }
        }
    }
    for p in pointers {
        if let Ok(ptr) = Pointer::parse(p) {
            remove_at(&mut response, ptr.tokens());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_json, to_json};
    use serde_json::json;

    #[test]
    fn the_first_field_set_in_both_bodies_is_named() {
        let both = |a, b| both_set(&from_json(&a), &from_json(&b));
        assert_eq!(
            both(
                json!({"name": "a", "credentials": {"user": "a", "kind": "x"}}),
                json!({"credentials": {"user": "b"}})
            ),
            Some(vec!["credentials".to_owned(), "user".to_owned()])
        );
        assert_eq!(
            both(json!({"name": "a"}), json!({"password": "p"})),
            None,
            "different fields"
        );
        assert_eq!(
            both(json!({"password": null}), json!({"password": "p"})),
            None,
            "a null field is not set"
        );
        assert_eq!(
            both(
                json!({"credentials": {"user": "a"}}),
                json!({"credentials": {"password": "p"}})
            ),
            None,
            "different fields of one object"
        );
        assert_eq!(
            both(json!({"token": "a"}), json!({"token": {"value": "p"}})),
            Some(vec!["token".to_owned()])
        );
    }

    #[test]
    fn write_only_fields_are_stripped_from_responses() {
        let wo = from_json(&json!({"credentials": {"password": "p", "user": "u"}, "token": "t"}));
        let mut ptrs = Vec::new();
        leaf_pointers(&wo, "", &mut ptrs);
        assert_eq!(
            ptrs,
            ["/credentials/password", "/credentials/user", "/token"]
        );
        let resp = from_json(
            &json!({"id": 1, "credentials": {"password": "p", "user": "u", "kind": "x"}, "token": "t"}),
        );
        let cleaned = without_pointers(resp, &ptrs);
        assert_eq!(
            to_json(&cleaned).unwrap(),
            json!({"id": 1, "credentials": {"kind": "x"}})
        );
    }
}
