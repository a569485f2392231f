//! `json_equal(a, b)`: whether two values mean the same JSON document.

use super::{Function, FunctionError, Parameter, arg};
use crate::json::semantically_equal;
use crate::{Type, Value};

pub(super) fn function() -> Function {
    Function {
        name: "json_equal",
        summary: "Whether two values mean the same JSON document",
        description: "Compares two values the way the provider compares a body with what the \
             API returned when it looks for drift: as JSON documents, so a list equals a \
             tuple with the same elements, a map equals an object with the same keys, and \
             `1` equals `1.0`. Key order never matters; element order does. Useful in \
             `check` blocks and preconditions, and with `jsondecode` of an API's answer.",
        parameters: vec![
            Parameter {
                name: "a",
                ty: Type::Dynamic,
                allow_null: true,
                description: "A value.",
            },
            Parameter {
                name: "b",
                ty: Type::Dynamic,
                allow_null: true,
                description: "Another value.",
            },
        ],
        variadic: None,
        returns: Type::Bool,
        example: r#"output "same_document" {
  value = provider::driver::json_equal(jsondecode("{\"n\": 1.0, \"tags\": [\"a\"]}"), { tags = ["a"], n = 1 })
}

output "order_matters_in_lists" {
  value = provider::driver::json_equal(["a", "b"], ["b", "a"])
}"#,
        example_outputs: r#"{"same_document": true, "order_matters_in_lists": false}"#,
        call,
    }
}

fn call(args: &[Value]) -> Result<Value, FunctionError> {
    Ok(Value::Bool(semantically_equal(
        arg(args, 0)?,
        arg(args, 1)?,
    )))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::json::from_json;

    #[test]
    fn spelling_and_key_order_do_not_matter_but_element_order_does() {
        let eq = |a, b| function().call(&[from_json(&a), from_json(&b)]).unwrap();
        assert_eq!(
            eq(json!({"n": 1.0, "t": ["a"]}), json!({"t": ["a"], "n": 1})),
            Value::Bool(true)
        );
        assert_eq!(eq(json!(["a", "b"]), json!(["b", "a"])), Value::Bool(false));
        assert_eq!(eq(json!({"a": null}), json!({})), Value::Bool(false));
    }
}
