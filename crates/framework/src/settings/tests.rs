use std::collections::BTreeMap;
use std::time::Duration;

use super::{Choice, Decoded, Settings};
use crate::pointer::Pointer;
use crate::{AttributePath, Diagnostics, Number, Presence, Type, Value};

/// How often.
#[derive(Debug, Clone, Copy, PartialEq, Choice)]
enum Pace {
    /// As fast as allowed.
    Fast,
    /// Gently.
    #[choice(name = "go-slow")]
    Slow,
}

/// Retries.
#[derive(Debug, Clone, PartialEq, Settings)]
struct Retry {
    /// Attempts in all.
    #[setting(default = 5)]
    max_attempts: u32,
    /// Longest wait.
    #[setting(default = "30s")]
    max_backoff: Duration,
}

/// A header.
#[derive(Debug, Clone, PartialEq, Settings)]
struct Header {
    /// Its name.
    name: String,
}

/// A thing.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = Thing::check)]
struct Thing {
    /// Where it lives.
    path: String,
    /// The pointer.
    id_pointer: Option<Pointer>,
    /// A secret.
    #[setting(sensitive)]
    token: Option<String>,
    /// Labels.
    labels: Option<BTreeMap<String, String>>,
    /// The pace.
    pace: Option<Pace>,
    /// Any value.
    body: Value,
    /// What the server says.
    #[setting(computed)]
    id: Option<String>,
    /// Retrying here.
    #[setting(block)]
    retry: Option<Retry>,
    /// Headers.
    #[setting(block)]
    header: Vec<Header>,
    /// A keyword.
    #[setting(name = "in")]
    place: Option<String>,
}

impl Thing {
    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        if self.path == "/forbidden" {
            d.attribute_error(at.attr("path"), "Forbidden", "not this one");
        }
    }
}

fn config(pairs: &[(&str, Value)]) -> Value {
    let Type::Object(attrs) = Thing::block(None).value_type() else {
        panic!("an object")
    };
    let mut m: BTreeMap<String, Value> = attrs
        .into_iter()
        .map(|(k, t)| (k, Value::Null(t)))
        .collect();
    for (k, v) in pairs {
        m.insert((*k).to_owned(), v.clone());
    }
    Value::Object(m)
}

#[test]
fn the_schema_comes_from_the_fields() {
    let b = Thing::block(None);
    assert_eq!(b.description, "A thing.");
    let path = b.attribute("path").unwrap();
    assert_eq!(
        (path.presence, &path.description[..]),
        (Presence::Required, "Where it lives.")
    );
    assert!(b.attribute("token").unwrap().sensitive);
    assert_eq!(b.attribute("id").unwrap().presence, Presence::Computed);
    assert!(b.attribute("in").is_some() && b.attribute("place").is_none());
    assert_eq!(
        b.attribute("labels").unwrap().value_type(),
        Type::map(Type::String)
    );
    let retry = b.block("retry").unwrap();
    assert_eq!(retry.block.description, "Retrying here.");
    assert_eq!(
        retry.block.attribute("max_backoff").unwrap().description,
        "Longest wait. Defaults to `\"30s\"`."
    );
    assert_eq!(
        retry.block.attribute("max_attempts").unwrap().description,
        "Attempts in all. Defaults to `5`."
    );
    assert_eq!(
        b.block("header").unwrap().nesting,
        crate::BlockNesting::List
    );
}

#[test]
fn decoding_applies_defaults_and_reads_nested_blocks() {
    let retry = Value::object([
        ("max_attempts", Value::Null(Type::Number)),
        ("max_backoff", Value::string("1m")),
    ]);
    let header = Value::object([("name", Value::string("X-A"))]);
    let c = config(&[
        ("path", Value::string("/x")),
        ("pace", Value::string("go-slow")),
        ("body", Value::Unknown(Type::Dynamic)),
        ("retry", retry),
        (
            "header",
            Value::List(Type::object([("name", Type::String)]), vec![header]),
        ),
    ]);
    let mut d = Diagnostics::new();
    let Decoded::Known(t) = Thing::decode(&c, &mut d) else {
        panic!("{d:?}")
    };
    assert_eq!(t.pace, Some(Pace::Slow));
    assert_eq!(
        t.body,
        Value::Unknown(Type::Dynamic),
        "a raw value may be unknown"
    );
    assert_eq!(
        t.retry,
        Some(Retry {
            max_attempts: 5,
            max_backoff: Duration::from_secs(60)
        })
    );
    assert_eq!(t.header, [Header { name: "X-A".into() }]);
    assert!(d.is_empty());
}

#[test]
fn unknown_values_make_the_block_unknown_and_bad_ones_name_their_path() {
    let mut d = Diagnostics::new();
    let c = config(&[
        ("path", Value::Unknown(Type::String)),
        ("body", Value::string("b")),
    ]);
    assert_eq!(Thing::decode(&c, &mut d), Decoded::Unknown);
    assert!(d.is_empty());

    let retry = Value::object([
        ("max_attempts", Value::Number(Number::from(-1i64))),
        ("max_backoff", Value::string("soon")),
    ]);
    let c = config(&[
        ("path", Value::Unknown(Type::String)),
        ("body", Value::string("b")),
        ("pace", Value::string("warp")),
        ("id_pointer", Value::string("id")),
        ("retry", retry),
    ]);
    let mut d = Diagnostics::new();
    assert_eq!(Thing::decode(&c, &mut d), Decoded::Invalid);
    let paths: Vec<String> = d
        .iter()
        .map(|x| x.attribute.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "id_pointer",
            "pace",
            "retry.max_attempts",
            "retry.max_backoff"
        ]
    );
    let pace = d.iter().find(|x| x.detail.contains("warp")).unwrap();
    assert!(
        pace.detail.contains("\"go-slow\" (Gently.)"),
        "{}",
        pace.detail
    );
}

#[test]
fn checks_across_fields_run_on_known_values() {
    let mut d = Diagnostics::new();
    let c = config(&[
        ("path", Value::string("/forbidden")),
        ("body", Value::string("b")),
    ]);
    assert_eq!(Thing::decode(&c, &mut d), Decoded::Invalid);
    assert_eq!(d.iter().next().unwrap().summary, "Forbidden");
    assert_eq!(Pace::choices().len(), 2);
}
