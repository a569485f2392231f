//! Where a resource keeps the API's answer: `response`, or, when the
//! answer holds secrets (`response_is_sensitive`), `sensitive_response`.
//! Terraform fixes sensitivity per attribute in the schema, so a secret
//! answer needs an attribute of its own; the other one is then null. Every
//! state a resource type is given goes through [`gather`] and every state
//! and plan it returns through [`place`], so the code between only ever
//! reads and writes `response`.
//!
//! `sensitive_response` is an object whose `value` is sensitive, not a
//! sensitive attribute: Terraform records the path of a sensitive
//! attribute in every instance's state even when it is null, while a
//! sensitive attribute inside a null object costs nothing. Objects that
//! keep their answer in the open pay nothing for the option.

use framework::settings::Settings;
use framework::{Attribute, NestedObject, ObjectNesting};

use crate::{Type, Value};

/// The attributes, flattened into each resource and data source type that
/// keeps an answer (with [`sensitive_attribute`] added to its schema).
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct KeptAnswer {
    /// The answer holds secrets (tokens, keys): it is kept in
    /// `sensitive_response.value`, hidden in plans and output, and
    /// `response` is null (restful's `use_sensitive_output`).
    #[setting(default = false)]
    pub(crate) response_is_sensitive: bool,
    /// The API's answer (decoded JSON; a string when it is not JSON): for
    /// an object, the last full representation the server returned,
    /// server-added fields included. Only the `response_fields` when those
    /// are set; null when `response_is_sensitive` is set.
    #[setting(computed)]
    pub(crate) response: Option<Value>,
}

/// The attribute that keeps a sensitive answer.
pub(crate) const SENSITIVE_RESPONSE: &str = "sensitive_response";
/// Its one attribute, the answer.
const VALUE: &str = "value";

/// `sensitive_response`'s schema: a computed object whose `value` is
/// sensitive.
pub(crate) fn sensitive_attribute() -> Attribute {
    Attribute::computed_nested(
        SENSITIVE_RESPONSE,
        NestedObject {
            attributes: vec![
                Attribute::computed(VALUE, Type::Dynamic)
                    .describe("The answer, as `response` would hold it.")
                    .sensitive(),
            ],
            nesting: ObjectNesting::Single,
        },
    )
    .describe(
        "With `response_is_sensitive`, the answer in `value` (as in \
         `sensitive_response.value.token`), hidden in plans and output; null otherwise.",
    )
}

fn secret_type() -> Type {
    Type::object([(VALUE, Type::Dynamic)])
}

/// `state` with its answer in `response`, wherever it was kept.
pub(crate) fn gather(state: Value) -> Value {
    let secret = state
        .get(SENSITIVE_RESPONSE)
        .and_then(|s| s.get(VALUE))
        .filter(|v| !v.is_null())
        .cloned();
    match secret {
        Some(secret) => state
            .with_attr(KeptAnswer::RESPONSE, secret)
            .with_attr(SENSITIVE_RESPONSE, Value::Null(secret_type())),
        None => state,
    }
}

/// `state` (whose answer is in `response`) with its answer where
/// `response_is_sensitive` says; the other attribute null. A null or
/// non-object state is unchanged.
pub(crate) fn place(state: Value) -> Value {
    if !matches!(state, Value::Object(_)) {
        return state;
    }
    let kept = state
        .get(KeptAnswer::RESPONSE)
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic));
    let sensitive = state
        .get(KeptAnswer::RESPONSE_IS_SENSITIVE)
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (public, secret) = if sensitive {
        (Value::Null(Type::Dynamic), Value::object([(VALUE, kept)]))
    } else {
        (kept, Value::Null(secret_type()))
    };
    state
        .with_attr(KeptAnswer::RESPONSE, public)
        .with_attr(SENSITIVE_RESPONSE, secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(flag: bool, response: Value, secret: Value) -> Value {
        Value::object([
            (KeptAnswer::RESPONSE_IS_SENSITIVE, Value::Bool(flag)),
            (KeptAnswer::RESPONSE, response),
            (SENSITIVE_RESPONSE, secret),
        ])
    }

    fn secret_of(state: &Value) -> Option<&Value> {
        state.get(SENSITIVE_RESPONSE).and_then(|s| s.get(VALUE))
    }

    #[test]
    fn a_sensitive_answer_moves_out_of_response_and_back() {
        let token = Value::object([("token", Value::string("s3cret"))]);
        let null = || Value::Null(Type::Dynamic);
        let hidden = place(state(true, token.clone(), Value::Null(secret_type())));
        assert_eq!(hidden.get(KeptAnswer::RESPONSE), Some(&null()));
        assert_eq!(secret_of(&hidden), Some(&token));
        assert_eq!(place(gather(hidden.clone())), hidden, "a round trip");
        let shown = place(gather(
            hidden.with_attr(KeptAnswer::RESPONSE_IS_SENSITIVE, Value::Bool(false)),
        ));
        assert_eq!(shown.get(KeptAnswer::RESPONSE), Some(&token));
        assert_eq!(
            shown.get(SENSITIVE_RESPONSE),
            Some(&Value::Null(secret_type())),
            "null, so nothing sensitive is recorded for it"
        );
    }

    #[test]
    fn an_unknown_answer_is_unknown_where_it_will_be_kept() {
        let unknown = Value::Unknown(Type::Dynamic);
        let planned = place(state(true, unknown.clone(), Value::Null(secret_type())));
        assert_eq!(secret_of(&planned), Some(&unknown));
        assert_eq!(
            planned.get(KeptAnswer::RESPONSE),
            Some(&Value::Null(Type::Dynamic))
        );
        assert_eq!(
            place(Value::Null(Type::Dynamic)),
            Value::Null(Type::Dynamic)
        );
        // The code between writes only `response`: an empty answer stays
        // empty, whatever the plan held.
        let written = gather(planned).with_attr(KeptAnswer::RESPONSE, Value::Null(Type::Dynamic));
        assert_eq!(
            secret_of(&place(written)),
            Some(&Value::Null(Type::Dynamic))
        );
    }
}
