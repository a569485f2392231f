//! Path and query templates: `{id}` (the object's id), `{path}` (the
//! collection path) and `{body/<pointer>}` (a value of the body, such as
//! `{body/name}`), with `{{` and `}}` for literal braces. In a path each
//! value is percent-encoded as one segment (`{path}` is taken as it is); in
//! a query it is taken as it is (the query string is encoded when sent).

use serde_json::Value as Json;

use crate::provider::pointer::Pointer;

/// One piece of a template.
#[derive(Clone, Debug, PartialEq)]
enum Part {
    Text(String),
    Id,
    Path,
    Body(Pointer),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Template(Vec<Part>);

/// What a template is filled with.
#[derive(Clone, Copy, Debug)]
pub(super) struct Fill<'a> {
    /// The object's id, if known.
    pub(super) id: Option<&'a str>,
    /// The collection path (`path`).
    pub(super) path: &'a str,
    /// The body as JSON.
    pub(super) body: &'a Json,
}

/// Characters escaped in a path segment (RFC 3986 pchar complement).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Template {
    /// Parses `text`; the error says what is wrong, for a diagnostic.
    pub(super) fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("{{") {
                literal.push('{');
                rest = after;
            } else if let Some(after) = rest.strip_prefix("}}") {
                literal.push('}');
                rest = after;
            } else if let Some(after) = rest.strip_prefix('{') {
                let Some(end) = after.find('}') else {
                    return Err(format!(
                        "{text:?} has a \"{{\" without its \"}}\" (write {{{{ for a literal brace)"
                    ));
                };
                let (name, after) = after.split_at(end);
                let part = match name {
                    "id" => Part::Id,
                    "path" => Part::Path,
                    _ => match name.strip_prefix("body") {
                        Some(p) if p.starts_with('/') => Part::Body(Pointer::parse(p)?),
                        _ => {
                            return Err(format!(
                                "{text:?} uses {{{name}}}; the placeholders are {{id}}, {{path}} and \
                                 {{body/<pointer>}} such as {{body/name}}"
                            ));
                        }
                    },
                };
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(part);
                rest = after.get(1..).unwrap_or_default();
            } else if c == '}' {
                return Err(format!(
                    "{text:?} has a \"}}\" without its \"{{\" (write }}}} for a literal brace)"
                ));
            } else {
                literal.push(c);
                rest = rest.get(c.len_utf8()..).unwrap_or_default();
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template(parts))
    }

    /// Whether it uses `{id}`.
    pub(super) fn uses_id(&self) -> bool {
        self.0.contains(&Part::Id)
    }

    /// The text, with values as they are.
    pub(super) fn render(&self, fill: &Fill<'_>) -> Result<String, String> {
        self.render_with(fill, |v, out| out.push_str(v))
    }

    /// A path: each `{id}` and body value is one percent-encoded segment.
    pub(super) fn render_path(&self, fill: &Fill<'_>) -> Result<String, String> {
        self.render_with(fill, |v, out| {
            out.extend(percent_encoding::utf8_percent_encode(v, SEGMENT));
        })
    }

    fn render_with(
        &self,
        fill: &Fill<'_>,
        value: impl Fn(&str, &mut String),
    ) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Path => out.push_str(fill.path.trim_end_matches('/')),
                Part::Id => match fill.id {
                    Some(id) => value(id, &mut out),
                    None => return Err("{id} is not known before the object is created".into()),
                },
                Part::Body(p) => match p.get(fill.body) {
                    Some(Json::String(s)) => value(s, &mut out),
                    Some(v @ (Json::Number(_) | Json::Bool(_))) => value(&v.to_string(), &mut out),
                    _ => return Err(format!("the body has no text, number or bool at {p}")),
                },
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fill<'a>(body: &'a Json) -> Fill<'a> {
        Fill {
            id: Some("a b/1"),
            path: "/things/",
            body,
        }
    }

    #[test]
    fn placeholders_are_filled_and_encoded_where_needed() {
        let body = json!({"zone": {"name": "ex ample.org."}, "n": 5});
        let t = Template::parse("{path}/{body/zone/name}/{id}?x={{y}}").unwrap();
        assert_eq!(
            t.render_path(&fill(&body)).unwrap(),
            "/things/ex%20ample.org./a%20b%2F1?x={y}"
        );
        let q = Template::parse("eq.{id}").unwrap();
        assert_eq!(q.render(&fill(&body)).unwrap(), "eq.a b/1");
        assert_eq!(
            Template::parse("{body/n}")
                .unwrap()
                .render(&fill(&body))
                .unwrap(),
            "5"
        );
        assert!(Template::parse("{path}/{id}").unwrap().uses_id());
    }

    #[test]
    fn mistakes_are_explained() {
        for bad in ["{nope}", "{id", "x}", "{body}", "{bodyx}", "{body/~2}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
        let body = json!({"list": [1]});
        let t = Template::parse("/{body/missing}").unwrap();
        assert!(t.render(&fill(&body)).unwrap_err().contains("/missing"));
        let no_id = Fill {
            id: None,
            path: "/x",
            body: &body,
        };
        assert!(Template::parse("{id}").unwrap().render(&no_id).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_a_template_or_an_explanation(s in "\\PC{0,30}") {
            if let Ok(t) = Template::parse(&s) {
                let body = json!({"a": "b"});
                let _ = t.render_path(&fill(&body));
            }
        }
    }
}
