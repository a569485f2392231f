//! The resource identity of `driver_http_object` (Terraform 1.12+): the
//! collection path and the object's id (named as the resource's own), the two things that name an object
//! whatever its shape. `import { identity = { path = "/flags", id = "42" } }`
//! imports it; everything else comes from the configuration.

use super::args::HttpObjectArgs;
use serde_json::json;

use crate::resource::{IdentityAttribute, IdentitySchema};
use crate::{Type, Value};

pub(super) fn schema() -> IdentitySchema {
    IdentitySchema {
        version: 0,
        attributes: vec![
            IdentityAttribute {
                name: HttpObjectArgs::PATH,
                ty: Type::String,
                required_for_import: true,
                description: "The collection's path, as the resource's `path`, such as `\"/flags\"`.",
            },
            IdentityAttribute {
                name: HttpObjectArgs::ID,
                ty: Type::String,
                required_for_import: true,
                description: "The object's id, as the resource's `id`.",
            },
        ],
    }
}

/// The identity of the object `id` of the collection at `path`.
pub(crate) fn identity(path: &str, id: &str) -> Value {
    Value::object([
        (HttpObjectArgs::PATH, Value::string(path)),
        (HttpObjectArgs::ID, Value::string(id)),
    ])
}

/// `{path, id}` once both are known and the id is not empty.
pub(super) fn of(state: &Value) -> Option<Value> {
    let path = state.get(HttpObjectArgs::PATH)?.as_str()?;
    let id = state
        .get(HttpObjectArgs::ID)?
        .as_str()
        .filter(|i| !i.is_empty())?;
    Some(identity(path, id))
}

/// The JSON import id an identity stands for.
pub(super) fn import_id(identity: &Value) -> Result<String, String> {
    let field = |name: &str| {
        identity
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                format!(
                    "the identity's {name} must be set, such as {name} = \"{}\"",
                    if name == HttpObjectArgs::PATH {
                        "/flags"
                    } else {
                        "42"
                    }
                )
            })
    };
    let (path, id) = (field(HttpObjectArgs::PATH)?, field(HttpObjectArgs::ID)?);
    Ok(json!({HttpObjectArgs::PATH: path, HttpObjectArgs::ID: id}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_is_the_collection_and_the_id() {
        let state = Value::object([
            ("path", Value::string("/flags")),
            ("id", Value::string("42")),
            ("body", Value::Null(Type::Dynamic)),
        ]);
        let identity = of(&state).unwrap();
        assert_eq!(identity.ty(), schema().value_type());
        assert_eq!(
            import_id(&identity).unwrap(),
            r#"{"path":"/flags","id":"42"}"#
        );
        let pending = state.with_attr("id", Value::string(""));
        assert_eq!(of(&pending), None, "no identity before the id is known");
        let e = import_id(&Value::object([
            ("path", Value::string("/flags")),
            ("id", Value::Null(Type::String)),
        ]))
        .unwrap_err();
        assert!(e.contains("id must be set"), "{e}");
    }
}
