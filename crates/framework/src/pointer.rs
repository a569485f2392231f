//! JSON Pointers (RFC 6901): parsed once, with diagnostics-friendly errors.

use std::fmt;

use serde_json::Value as Json;

use super::Value;

/// A parsed JSON Pointer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(Vec<String>);

impl Pointer {
    /// The pointer to one top-level field.
    pub fn from_field(name: &str) -> Pointer {
        Pointer(vec![name.to_owned()])
    }

    /// Parses `""` (the whole document) or `/a/b~1c/0`.
    pub fn parse(s: &str) -> Result<Pointer, String> {
        if s.is_empty() {
            return Ok(Pointer(Vec::new()));
        }
        let Some(rest) = s.strip_prefix('/') else {
            return Err(format!(
                "{s:?} is not a JSON Pointer: it must start with \"/\", as in \"/id\" or \"/data/id\""
            ));
        };
        rest.split('/')
            .map(|t| {
                if t.contains('~')
                    && !t
                        .replace("~0", "")
                        .replace("~1", "")
                        .chars()
                        .all(|c| c != '~')
                {
                    return Err(format!(
                        "{s:?} has an invalid escape: use ~0 for ~ and ~1 for /"
                    ));
                }
                Ok(t.replace("~1", "/").replace("~0", "~"))
            })
            .collect::<Result<_, _>>()
            .map(Pointer)
    }

    /// The reference tokens.
    pub fn tokens(&self) -> &[String] {
        &self.0
    }

    /// The JSON value it points at.
    pub fn get<'j>(&self, mut j: &'j Json) -> Option<&'j Json> {
        for t in &self.0 {
            j = match j {
                Json::Object(m) => m.get(t)?,
                Json::Array(a) => a.get(index(t)?)?,
                _ => return None,
            };
        }
        Some(j)
    }

    /// The Terraform value it points at.
    pub fn get_value<'v>(&self, mut v: &'v Value) -> Option<&'v Value> {
        for t in &self.0 {
            v = match v {
                Value::Object(m) | Value::Map(_, m) => m.get(t)?,
                Value::List(_, a) | Value::Set(_, a) | Value::Tuple(a) => a.get(index(t)?)?,
                _ => return None,
            };
        }
        Some(v)
    }
}

/// Array indices: digits without leading zeros.
fn index(t: &str) -> Option<usize> {
    if t.is_empty() || (t.len() > 1 && t.starts_with('0')) {
        return None;
    }
    t.parse().ok()
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.0 {
            write!(f, "/{}", super::json::escape(t))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc6901_examples() {
        let doc = json!({"foo": ["bar", "baz"], "": 0, "a/b": 1, "m~n": 8});
        assert_eq!(Pointer::parse("").unwrap().get(&doc), Some(&doc));
        assert_eq!(
            Pointer::parse("/foo/0").unwrap().get(&doc),
            Some(&json!("bar"))
        );
        assert_eq!(Pointer::parse("/a~1b").unwrap().get(&doc), Some(&json!(1)));
        assert_eq!(Pointer::parse("/m~0n").unwrap().get(&doc), Some(&json!(8)));
        assert_eq!(Pointer::parse("/").unwrap().get(&doc), Some(&json!(0)));
        assert_eq!(Pointer::parse("/foo/01").unwrap().get(&doc), None);
        assert_eq!(Pointer::parse("/a~1b").unwrap().to_string(), "/a~1b");
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(
            Pointer::parse("id")
                .unwrap_err()
                .contains("must start with")
        );
        assert!(Pointer::parse("/a~2").unwrap_err().contains("escape"));
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_a_pointer_or_an_explanation(s in "\\PC{0,40}") {
            match Pointer::parse(&s) {
                // A pointer prints back to text that parses to itself.
                Ok(p) => proptest::prop_assert_eq!(Pointer::parse(&p.to_string()).unwrap(), p),
                Err(e) => proptest::prop_assert!(e.contains("JSON Pointer") || e.contains("escape")),
            }
        }

        #[test]
        fn lookups_never_panic(s in "(/[a-z0-9~]{0,3}){0,4}") {
            if let Ok(p) = Pointer::parse(&s) {
                let doc = json!({"a": [1, {"b": null}], "0": {"1": 2}});
                let _ = p.get(&doc);
            }
        }
    }
}
