//! The body as it is sent: `body_wo` merged in, nulls left out of full
//! bodies, merge patches for PATCH updates.

use super::args::HttpObjectArgs;
use serde_json::Value as Json;

use super::operations::Op;
use super::settings::Settings;
use crate::json::to_json;
use crate::resources::write_only::leaf_pointers;
use crate::runtime::Runtime;
use crate::{AttributePath, Diagnostics, Value};
use drivers::http::Body;

/// The body with `body_wo` merged in (objects deeply, `body_wo` winning);
/// its strings join the redactor first.
pub(super) fn with_write_only(rt: &Runtime, body: &Value, config: &Value) -> Value {
    match config.get(HttpObjectArgs::BODY_WO).filter(|v| !v.is_null()) {
        Some(wo) => crate::resources::write_only::merged(rt, body, wo),
        None => body.clone(),
    }
}

/// What `op` sends for the managed `body` (or the block's own body, its
/// templates filled, sent as written): `body_wo` merged in, nulls left out
/// of a full body (`strip_nulls`: a null field is not managed), the
/// operation's `add_to_body` fields set, encoded as JSON or as a form.
pub(super) fn payload(
    rt: &Runtime,
    s: &Settings,
    op: &Op,
    body: &Value,
    config: &Value,
    fill: &crate::template::Values<'_>,
    strip_nulls: bool,
) -> Result<Body, Diagnostics> {
    let fail = |summary: &str, detail: String| {
        let mut d = Diagnostics::new();
        d.attribute_error(AttributePath::root(HttpObjectArgs::BODY), summary, detail);
        d
    };
    let own = op
        .rendered_body(fill)
        .map_err(|e| fail("Body cannot be sent", format!("{}.body: {e}", op.operation)))?;
    let (body, strip_nulls) = match own {
        Some(j) => (crate::json::from_json(&j), false),
        None => (body.clone(), strip_nulls),
    };
    let mut j = to_json(&with_write_only(rt, &body, config))
        .map_err(|e| fail("Body cannot be sent", e.to_string()))?;
    if strip_nulls {
        remove_null_fields(&mut j);
    }
    let j = op.with_added(j, fill).map_err(|e| {
        fail(
            "Body cannot be sent",
            format!("{} add_to_body: {e}", op.operation),
        )
    })?;
    s.encode(&j).map_err(|e| fail("Body cannot be sent", e))
}

/// The pointers `body_wo` sets, from the configuration.
pub(super) fn write_only_pointers(config: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(wo) = config.get(HttpObjectArgs::BODY_WO) {
        leaf_pointers(wo, "", &mut out);
    }
    out
}

pub(super) fn remove_null_fields(j: &mut Json) {
    match j {
        Json::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(remove_null_fields);
        }
        Json::Array(a) => a.iter_mut().for_each(remove_null_fields),
        _ => {}
    }
}

pub(super) use crate::listing::id_text;

/// RFC 7386 merge patch that turns `old` into `new`.
pub(super) fn merge_patch(old: &Json, new: &Json) -> Json {
    match (old, new) {
        (Json::Object(o), Json::Object(n)) => {
            let mut patch = serde_json::Map::new();
            for (k, nv) in n {
                match o.get(k) {
                    Some(ov) if ov == nv => {}
                    Some(ov) if ov.is_object() && nv.is_object() => {
                        patch.insert(k.clone(), merge_patch(ov, nv));
                    }
                    _ => {
                        patch.insert(k.clone(), nv.clone());
                    }
                }
            }
            for k in o.keys().filter(|k| !n.contains_key(*k)) {
                patch.insert(k.clone(), Json::Null);
            }
            Json::Object(patch)
        }
        _ => new.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_carries_only_the_change() {
        let old = json!({"a": 1, "b": {"c": 1, "d": 2}, "gone": true, "l": [1]});
        let new = json!({"a": 1, "b": {"c": 5, "d": 2}, "l": [1, 2], "new": "x"});
        assert_eq!(
            merge_patch(&old, &new),
            json!({"b": {"c": 5}, "gone": null, "l": [1, 2], "new": "x"})
        );
    }

    #[test]
    fn ids_may_be_numbers() {
        assert_eq!(id_text(&json!(42)), Some("42".into()));
        assert_eq!(id_text(&json!("a-1")), Some("a-1".into()));
        assert_eq!(id_text(&json!(null)), None);
        assert_eq!(id_text(&json!("")), None);
    }
}
