//! `merge_patch(target, patch)`: RFC 7386 JSON Merge Patch.

use serde_json::Value as Json;

use super::{Function, FunctionError, Parameter, json_of};
use crate::json::from_json;
use crate::{Type, Value};

pub(super) fn function() -> Function {
    Function {
        name: "merge_patch",
        summary: "A value with a JSON Merge Patch (RFC 7386) applied",
        description: "Applies `patch` to `target` as RFC 7386 says: an object in the patch is \
             merged key by key, recursively; a key set to `null` in the patch is removed; \
             anything else (strings, numbers, lists) replaces what was there. Both are treated \
             as JSON documents, so the result is an object (or whatever the patch puts at \
             the top). Useful to layer environment overrides on a shared body, or to see what \
             an API will hold after an `update_method = \"PATCH\"` update.",
        parameters: vec![
            Parameter {
                name: "target",
                ty: Type::Dynamic,
                allow_null: true,
                description: "The document to patch.",
            },
            Parameter {
                name: "patch",
                ty: Type::Dynamic,
                allow_null: true,
                description: "The merge patch.",
            },
        ],
        variadic: None,
        returns: Type::Dynamic,
        example: r#"output "production_body" {
  value = provider::driver::merge_patch(
    { name = "web", labels = { tier = "front", team = "a" } },
    { labels = { team = null, env = "prod" } }
  )
}"#,
        example_outputs: r#"{"production_body": {"name": "web", "labels": {"tier": "front", "env": "prod"}}}"#,
        call,
    }
}

fn call(args: &[Value]) -> Result<Value, FunctionError> {
    let target = json_of(args, 0, "target")?;
    let patch = json_of(args, 1, "patch")?;
    Ok(from_json(&apply(target, patch)))
}

/// RFC 7386 section 2, iteratively deep only as deep as the patch is.
fn apply(target: Json, patch: Json) -> Json {
    let Json::Object(patch) = patch else {
        return patch;
    };
    let mut target = match target {
        Json::Object(t) => t,
        _ => serde_json::Map::new(),
    };
    for (k, v) in patch {
        if v.is_null() {
            target.remove(&k);
        } else {
            let current = target.remove(&k).unwrap_or(Json::Null);
            target.insert(k, apply(current, v));
        }
    }
    Json::Object(target)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The examples of RFC 7386, appendix A.
    #[test]
    fn the_rfc_examples() {
        let cases = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (
                json!({"a":"b","b":"c"}),
                json!({"a":null}),
                json!({"b":"c"}),
            ),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a":{"bb":{"ccc":null}}}),
                json!({"a":{"bb":{}}}),
            ),
        ];
        for (target, patch, want) in cases {
            assert_eq!(
                apply(target.clone(), patch.clone()),
                want,
                "{target} + {patch}"
            );
        }
    }

    #[test]
    fn called_with_terraform_values() {
        let got = function()
            .call(&[
                from_json(&json!({"name":"web","labels":{"team":"a"}})),
                from_json(&json!({"labels":{"team":null,"env":"prod"}})),
            ])
            .unwrap();
        assert_eq!(
            got,
            from_json(&json!({"name":"web","labels":{"env":"prod"}}))
        );
    }

    proptest::proptest! {
        /// Applying a patch twice changes nothing more (RFC 7386 patches
        /// are idempotent).
        #[test]
        fn patches_are_idempotent(a in "[a-c]{1}", b in "[a-c]{1}", n in 0i64..3, drop in proptest::bool::ANY) {
            let target = json!({ a.clone(): {"x": n}, "k": [n] });
            let patch = json!({ b.clone(): if drop { Json::Null } else { json!({"y": n}) }, a.clone(): {"x": null} });
            let once = apply(target, patch.clone());
            proptest::prop_assert_eq!(apply(once.clone(), patch), once);
        }
    }
}
