//! `json_pointer(value, pointer, default...)`: RFC 6901 lookup.

use super::{Function, FunctionError, Parameter, arg};
use crate::pointer::Pointer;
use crate::{Type, Value};

pub(super) fn function() -> Function {
    Function {
        name: "json_pointer",
        summary: "The part of a value a JSON Pointer (RFC 6901) names",
        description: "Looks up `pointer` (such as `\"/data/0/id\"`; `\"\"` is the whole value) in \
             `value`, which may be any value: an object, a map, a list, or a decoded JSON \
             document such as a resource's `response`. Array elements are numbered from 0; \
             `~1` stands for `/` and `~0` for `~` in a key. The part keeps its type. When \
             nothing (or null) is there, the optional third argument is returned; without it the call \
             fails, naming the pointer.",
        parameters: vec![
            Parameter {
                name: "value",
                ty: Type::Dynamic,
                allow_null: true,
                description: "The value to look into.",
            },
            Parameter {
                name: "pointer",
                ty: Type::String,
                allow_null: false,
                description: "An RFC 6901 JSON Pointer, such as `\"/spec/replicas\"`.",
            },
        ],
        variadic: Some(Parameter {
            name: "default",
            ty: Type::Dynamic,
            allow_null: true,
            description: "At most one: returned when nothing is at the pointer.",
        }),
        returns: Type::Dynamic,
        example: r#"locals {
  team = jsondecode("{\"data\": [{\"id\": \"a1\", \"owner\": null}]}")
}

output "first_id" {
  value = provider::driver::json_pointer(local.team, "/data/0/id")
}

output "owner_or_default" {
  value = provider::driver::json_pointer(local.team, "/data/0/owner/email", "nobody")
}"#,
        example_outputs: r#"{"first_id": "a1", "owner_or_default": "nobody"}"#,
        call,
    }
}

fn call(args: &[Value]) -> Result<Value, FunctionError> {
    let value = arg(args, 0)?;
    let text = arg(args, 1)?
        .as_str()
        .ok_or_else(|| FunctionError::argument(1, "pointer must be a string"))?;
    let pointer = Pointer::parse(text).map_err(|e| FunctionError::argument(1, e))?;
    if args.len() > 3 {
        return Err(FunctionError::argument(
            3,
            "json_pointer takes at most one default (the third argument)",
        ));
    }
    match (pointer.get_value(value), args.get(2)) {
        (Some(found), _) if !found.is_null() || args.len() < 3 => Ok(found.clone()),
        (_, Some(default)) => Ok(default.clone()),
        (_, None) => Err(FunctionError::argument(
            1,
            format!(
                "nothing is at {text:?} in the value; pass a default as the third argument \
                 (such as null) to accept that"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_json;

    fn call_with(args: Vec<Value>) -> Result<Value, FunctionError> {
        function().call(&args)
    }

    #[test]
    fn finds_nested_parts_and_keeps_their_type() {
        let doc = from_json(&serde_json::json!({"data": [{"id": "a1", "a/b": {"~k": 2}}]}));
        let got = call_with(vec![doc.clone(), Value::string("/data/0/id")]).unwrap();
        assert_eq!(got, Value::string("a1"));
        let got = call_with(vec![doc.clone(), Value::string("/data/0/a~1b/~0k")]).unwrap();
        assert_eq!(got, from_json(&serde_json::json!(2)));
        assert_eq!(
            call_with(vec![doc.clone(), Value::string("")]).unwrap(),
            doc
        );
    }

    #[test]
    fn a_missing_part_takes_the_default_or_names_the_pointer() {
        let doc = from_json(&serde_json::json!({"a": 1}));
        let fallback = Value::string("none");
        assert_eq!(
            call_with(vec![doc.clone(), Value::string("/b"), fallback.clone()]).unwrap(),
            fallback
        );
        let e = call_with(vec![doc.clone(), Value::string("/b")]).unwrap_err();
        assert_eq!(e.argument, Some(1));
        assert!(e.text.contains("\"/b\""), "{}", e.text);
        let e = call_with(vec![doc.clone(), Value::string("b")]).unwrap_err();
        assert_eq!(e.argument, Some(1));
        assert!(e.text.contains("must start with"), "{}", e.text);
        let e = call_with(vec![doc, Value::string("/a"), fallback.clone(), fallback]).unwrap_err();
        assert_eq!(e.argument, Some(3));
    }

    proptest::proptest! {
        #[test]
        fn any_pointer_text_is_answered_without_panic(text in ".{0,40}") {
            let doc = from_json(&serde_json::json!({"a": [1, {"b": null}]}));
            let _ = call_with(vec![doc, Value::string(text)]);
        }
    }
}
