//! Import by object path (`/flags/123`) or by a JSON id that also names
//! the body fields to manage, so the first plan after import is clean:
//! `{"path": "/flags/123", "body": ["name", "enabled"]}`.

use super::{ImportMarker, Private};
use crate::provider::resource::{ImportRequest, ImportResponse};
use crate::provider::{Diagnostics, Value};

pub(super) fn import(req: ImportRequest) -> ImportResponse {
    let mut diagnostics = Diagnostics::new();
    let usage = "Use the object's path, such as /flags/123, or a JSON object such as \
                 {\"path\": \"/flags/123\", \"body\": [\"name\", \"enabled\"]} to also name the body fields to manage.";
    let (object_path, fields) = if req.id.trim_start().starts_with('{') {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct JsonId {
            path: String,
            body: Option<Vec<String>>,
        }
        match serde_json::from_str::<JsonId>(&req.id) {
            Ok(j) => (j.path, j.body),
            Err(e) => {
                diagnostics.error(
                    "Invalid import id",
                    format!("The JSON import id could not be read ({e}). {usage}"),
                );
                return ImportResponse {
                    diagnostics,
                    ..Default::default()
                };
            }
        }
    } else {
        (req.id.clone(), None)
    };
    let trimmed = object_path.trim_end_matches('/');
    let Some((collection, id)) = trimmed
        .rsplit_once('/')
        .filter(|(_, id)| !id.is_empty() && trimmed.starts_with('/'))
    else {
        diagnostics.error(
            "Invalid import id",
            format!("{object_path:?} is not an object path. {usage}"),
        );
        return ImportResponse {
            diagnostics,
            ..Default::default()
        };
    };
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8_lossy()
        .into_owned();
    let collection = if collection.is_empty() {
        "/"
    } else {
        collection
    };
    // Every attribute null (of its type), then what the id tells us.
    let crate::provider::Type::Object(attrs) = super::schema().block.value_type() else {
        unreachable!("a block's type is an object type")
    };
    let mut state_fields: std::collections::BTreeMap<String, Value> = attrs
        .into_iter()
        .map(|(k, t)| (k, Value::Null(t)))
        .collect();
    state_fields.insert("path".into(), Value::string(collection));
    state_fields.insert("id".into(), Value::string(id));
    let state = Value::Object(state_fields);
    let private = Private {
        import: Some(ImportMarker { fields }),
        ..Default::default()
    };
    ImportResponse {
        state: Some(state),
        private: private.encode(),
        diagnostics,
    }
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
