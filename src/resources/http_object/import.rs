//! Import by object path (`/flags/123`), or by a JSON id that also names
//! the body fields to manage and the arguments the configuration sets, so
//! the first plan after import is clean:
//! `{"path": "/flags/123", "body": ["name", "enabled"]}`, or
//! `{"path": "/silences", "id": "abc", "read": {"path": "/silence/{id}"},
//!   "body": {"comment": null, "matchers": [{"name": null}]}}`.

use crate::resources::kept_answer::KeptAnswer;
use std::collections::BTreeMap;

use serde_json::Value as Json;

use framework::settings::{Decoded, Settings as _};

use super::args::HttpObjectArgs;
use super::{ImportMarker, Private};
use crate::json::typed;
use crate::resource::{ImportRequest, ImportResponse};
use crate::{Diagnostics, Type, Value};

const USAGE: &str = "Use the object's path, such as /flags/123, or a JSON object such as \
    {\"path\": \"/flags/123\", \"body\": [\"name\", \"enabled\"]}: \"path\" is the object's path, \
    or with \"id\" the collection's; \"body\" names the fields to manage (a list of names or JSON \
    Pointers, or an object of the fields, nested); any other argument of the resource (such as \
    \"object_path\" or a \"read\" block) is taken as the configuration sets it.";

fn invalid(detail: String) -> ImportResponse {
    let mut diagnostics = Diagnostics::new();
    diagnostics.error("Invalid import id", format!("{detail} {USAGE}"));
    ImportResponse {
        diagnostics,
        ..Default::default()
    }
}

/// An object path split into the collection path and the id; a relative
/// path (`posts/3`) keeps its collection relative, as `path` may be.
fn split(object_path: &str) -> Option<(String, String)> {
    let trimmed = object_path.trim_end_matches('/');
    let (collection, id) = trimmed
        .rsplit_once('/')
        .filter(|(c, id)| !id.is_empty() && (c.is_empty() || !c.starts_with("//")))?;
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8_lossy()
        .into_owned();
    let collection = if collection.is_empty() {
        "/"
    } else {
        collection
    };
    Some((collection.to_owned(), id))
}

pub(super) fn import(req: ImportRequest) -> ImportResponse {
    // Every attribute null (of its type), then what the id tells us.
    let Type::Object(attrs) = super::schema().block.value_type() else {
        return invalid("The resource's schema is not an object (a bug).".into());
    };
    let mut state: BTreeMap<String, Value> = attrs
        .iter()
        .map(|(k, t)| (k.clone(), Value::Null(t.clone())))
        .collect();
    let marker = if req.id.trim_start().starts_with('{') {
        match from_json_id(&req.id, &attrs, &mut state) {
            Ok(marker) => marker,
            Err(why) => return invalid(why),
        }
    } else {
        match split(&req.id) {
            Some((collection, id)) => {
                state.insert(HttpObjectArgs::PATH.into(), Value::string(collection));
                state.insert(HttpObjectArgs::ID.into(), Value::string(id));
                ImportMarker::default()
            }
            None => return invalid(format!("{:?} is not an object path.", req.id)),
        }
    };
    let state = Value::Object(state);
    // The arguments the id set are checked as the configuration's would be.
    let mut diagnostics = Diagnostics::new();
    if HttpObjectArgs::decode(&state, &mut diagnostics) == Decoded::Invalid {
        return ImportResponse {
            diagnostics,
            ..Default::default()
        };
    }
    let private = Private {
        import: Some(marker),
        ..Default::default()
    };
    ImportResponse {
        state: Some(state),
        private: private.encode(),
        diagnostics,
    }
}

/// A JSON import id into `state`: its path and id, the fields to manage
/// (returned), and any other argument as the configuration sets it.
fn from_json_id(
    text: &str,
    attrs: &BTreeMap<String, Type>,
    state: &mut BTreeMap<String, Value>,
) -> Result<ImportMarker, String> {
    let j: serde_json::Map<String, Json> = serde_json::from_str(text)
        .map_err(|e| format!("The JSON import id could not be read ({e})."))?;
    let Some(Json::String(path)) = j.get(HttpObjectArgs::PATH) else {
        return Err("The JSON import id needs \"path\" (a string).".into());
    };
    let (collection, id) = match j.get(HttpObjectArgs::ID) {
        Some(Json::String(id)) if !id.is_empty() => (path.clone(), id.clone()),
        Some(_) => return Err("\"id\" must be a non-empty string.".into()),
        None => split(path).ok_or_else(|| format!("{path:?} is not an object path."))?,
    };
    state.insert(HttpObjectArgs::PATH.into(), Value::string(collection));
    state.insert(HttpObjectArgs::ID.into(), Value::string(id));
    for (k, v) in &j {
        type A = HttpObjectArgs;
        if [A::PATH, A::ID, A::BODY].contains(&k.as_str()) {
            continue;
        }
        let settable = attrs
            .get(k)
            .filter(|_| ![KeptAnswer::RESPONSE, A::BODY_WO].contains(&k.as_str()));
        let Some(ty) = settable else {
            return Err(format!("{k:?} is not an argument of driver_http_object."));
        };
        let value = typed(v, ty).map_err(|e| format!("\"{k}\": {e}."))?;
        state.insert(k.clone(), value);
    }
    body_marker(j.get(HttpObjectArgs::BODY))
}

/// Which body fields to manage: a list of names or JSON Pointers, or an
/// object of the fields (nested).
fn body_marker(body: Option<&Json>) -> Result<ImportMarker, String> {
    let mut marker = ImportMarker::default();
    match body {
        None | Some(Json::Null) => {}
        Some(Json::Array(fields)) => {
            let names: Option<Vec<String>> = fields
                .iter()
                .map(|f| f.as_str().map(str::to_owned))
                .collect();
            let names = names.ok_or_else(|| {
                "\"body\" as a list must hold field names or JSON Pointers.".to_owned()
            })?;
            if let Some(bad) = names
                .iter()
                .find(|n| super::read::field_pointer(n).is_none())
            {
                return Err(format!(
                    "{bad:?} in \"body\" is not a field name or JSON Pointer."
                ));
            }
            marker.fields = Some(names);
        }
        Some(t @ Json::Object(_)) => marker.template = Some(t.clone()),
        Some(_) => return Err("\"body\" must be a list of fields or an object.".into()),
    }
    Ok(marker)
}

/// The state an import of a listed item would hold: the whole item as
/// `body` (so configuration generated from it manages every field and
/// plans clean), and as `response`.
pub(crate) fn listed_state(path: &str, id: &str, item: &Json) -> Value {
    type A = HttpObjectArgs;
    let Type::Object(attrs) = super::schema().block.value_type() else {
        return Value::Null(Type::Dynamic);
    };
    let mut state: BTreeMap<String, Value> = attrs
        .into_iter()
        .map(|(k, t)| (k.clone(), Value::Null(t)))
        .collect();
    state.insert(A::PATH.into(), Value::string(path));
    state.insert(A::ID.into(), Value::string(id));
    state.insert(A::BODY.into(), crate::json::from_json(item));
    state.insert(KeptAnswer::RESPONSE.into(), crate::json::from_json(item));
    Value::Object(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_split_into_collection_and_id() {
        let r = import(ImportRequest {
            id: "/api/flags/a%2Fb".into(),
        });
        let s = r.state.unwrap();
        assert_eq!(s.get("path").unwrap().as_str(), Some("/api/flags"));
        assert_eq!(s.get("id").unwrap().as_str(), Some("a/b"));
        assert!(r.diagnostics.is_empty());
        assert_eq!(s.ty(), super::super::schema().block.value_type());
        let s = import(ImportRequest {
            id: "posts/3".into(),
        })
        .state
        .unwrap();
        assert_eq!(s.get("path").unwrap().as_str(), Some("posts"));
        assert_eq!(s.get("id").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn json_ids_name_fields() {
        let r = import(ImportRequest {
            id: r#"{"path": "/flags/7", "body": ["name"]}"#.into(),
        });
        assert_eq!(
            Private::decode(&r.private).import.unwrap().fields.unwrap(),
            ["name"]
        );
    }

    #[test]
    fn bad_ids_explain_the_forms() {
        for id in [
            "flags",
            "/",
            r#"{"path": 1}"#,
            r#"{"path": "/a/1", "extra": 1}"#,
        ] {
            let r = import(ImportRequest { id: id.into() });
            assert!(r.diagnostics.has_error(), "{id}");
            assert!(
                r.diagnostics
                    .iter()
                    .next()
                    .unwrap()
                    .detail
                    .contains("/flags/123"),
                "{id}"
            );
        }
    }

    #[test]
    fn arguments_in_an_id_are_checked_like_the_configuration() {
        let r = import(ImportRequest {
            id: r#"{"path": "/flags/7", "object_path": "/flags/../{id}"}"#.into(),
        });
        assert!(r.state.is_none());
        let d = r.diagnostics.iter().next().unwrap();
        assert_eq!(d.attribute.as_ref().unwrap().to_string(), "object_path");
    }

    proptest::proptest! {
        #[test]
        fn any_import_id_is_a_state_or_an_explanation(id in "\\PC{0,60}") {
            let r = import(ImportRequest { id: id.clone() });
            proptest::prop_assert!(r.state.is_some() != r.diagnostics.has_error(), "{id:?}");
        }

        #[test]
        fn json_import_ids_never_panic(path in "/[a-z%0-9/]{0,12}", fields in proptest::collection::vec("[a-z/~01]{0,6}", 0..4)) {
            let id = serde_json::json!({"path": path, "body": fields}).to_string();
            let _ = import(ImportRequest { id });
        }
    }
}
