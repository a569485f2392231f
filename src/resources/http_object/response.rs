//! What of the server's representation is kept in `response`.
//!
//! Everything, by default. Fields that `body_wo` set are always dropped (the
//! API's echo of a secret must not reach state), and `response_fields`
//! keeps only the named fields: state is rewritten after every resource, so
//! large responses cost every apply and plan (see docs/performance.md).

use crate::Value;
use crate::pointer::Pointer;

/// `response` as it is stored.
pub(super) fn stored(response: Value, write_only: &[String], keep: Option<&[Pointer]>) -> Value {
    let response = crate::resources::write_only::without_pointers(response, write_only);
    match keep {
        Some(fields) => only_pointers(&response, fields),
        None => response,
    }
}

/// Only the fields at `pointers`, inside the objects that hold them. A
/// pointer into a list keeps the whole list (a list with holes would mean
/// something else); a field the response lacks is left out.
pub(crate) fn only_pointers(response: &Value, pointers: &[Pointer]) -> Value {
    let mut out = Value::Object(Default::default());
    for p in pointers {
        copy_at(response, p.tokens(), &mut out);
    }
    out
}

fn copy_at(from: &Value, tokens: &[String], to: &mut Value) {
    let Some((first, rest)) = tokens.split_first() else {
        *to = from.clone();
        return;
    };
    let (Value::Object(src) | Value::Map(_, src)) = from else {
        // A list (or a scalar) on the way: keep it whole.
        if !matches!(from, Value::Null(_)) {
            *to = from.clone();
        }
        return;
    };
    let Some(child) = src.get(first) else { return };
    // `to` mirrors `from` (an empty object, or a copy kept by a shorter
    // pointer), so it is an object here too.
    let Value::Object(dst) = to else { return };
    let slot = dst
        .entry(first.clone())
        .or_insert_with(|| Value::Object(Default::default()));
    copy_at(child, rest, slot);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_json, to_json};
    use serde_json::json;

    fn pointers(p: &[&str]) -> Vec<Pointer> {
        p.iter().map(|s| Pointer::parse(s).unwrap()).collect()
    }

    #[test]
    fn only_the_named_fields_are_kept_inside_their_objects() {
        let resp = from_json(&json!({
            "id": 7, "name": "a", "status": {"phase": "Ready", "conditions": [1, 2]},
            "tags": [{"k": "x"}], "spec": {"big": "y"}
        }));
        let kept = stored(
            resp,
            &[],
            Some(&pointers(&[
                "/id",
                "/status/phase",
                "/tags/0/k",
                "/missing/x",
            ])),
        );
        assert_eq!(
            to_json(&kept).unwrap(),
            json!({"id": 7, "status": {"phase": "Ready"}, "tags": [{"k": "x"}]})
        );
    }

    #[test]
    fn a_field_and_one_inside_it_keep_the_whole_field() {
        let resp = from_json(&json!({"a": {"b": 1, "c": 2}, "d": 3}));
        for order in [["/a", "/a/b"], ["/a/b", "/a"]] {
            let kept = stored(resp.clone(), &[], Some(&pointers(&order)));
            assert_eq!(
                to_json(&kept).unwrap(),
                json!({"a": {"b": 1, "c": 2}}),
                "{order:?}"
            );
        }
    }

    #[test]
    fn no_fields_keeps_an_empty_object_and_none_keeps_everything() {
        let resp = from_json(&json!({"id": 1, "x": 2}));
        assert_eq!(
            to_json(&stored(resp.clone(), &[], Some(&[]))).unwrap(),
            json!({})
        );
        assert_eq!(
            to_json(&stored(resp, &[], None)).unwrap(),
            json!({"id": 1, "x": 2})
        );
    }

    #[test]
    fn write_only_fields_are_dropped_even_when_named() {
        let resp = from_json(&json!({"id": 1, "credentials": {"password": "p", "kind": "x"}}));
        let kept = stored(
            resp,
            &["/credentials/password".into()],
            Some(&pointers(&["/id", "/credentials"])),
        );
        assert_eq!(
            to_json(&kept).unwrap(),
            json!({"id": 1, "credentials": {"kind": "x"}})
        );
    }
}
