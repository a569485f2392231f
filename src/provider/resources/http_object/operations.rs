//! How each operation reaches the API: method, path and query templates,
//! headers, where the object is in the answer, what is added to the body.
//! Set per operation in the `create`, `read`, `update` and `delete` blocks;
//! the defaults are the shape of most REST APIs (POST to `path`, the object
//! at `object_path`, by default `{path}/{id}`).

use bytes::Bytes;
use serde_json::Value as Json;

use super::template::{Fill, Template};
use crate::drivers::Operation;
use crate::drivers::http::{Body, HttpRequest, Method};
use crate::provider::pointer::Pointer;
use crate::provider::resources::common::string_map;
use crate::provider::{AttributePath, Diagnostics, Value};

/// One operation, with its defaults applied.
#[derive(Clone, Debug)]
pub(super) struct Op {
    pub(super) operation: Operation,
    pub(super) method: Method,
    pub(super) path: Template,
    /// The resource's query, then this operation's (values are templates).
    pub(super) query: Vec<(String, Template)>,
    /// The resource's headers, then this operation's.
    pub(super) headers: Vec<(String, String)>,
    /// Where the object is in the answer (read, create, update).
    pub(super) pointer: Option<Pointer>,
    /// Fields set in the sent body, such as the id for an update sent to
    /// the collection.
    pub(super) add_to_body: Vec<(Pointer, Template)>,
    /// A body sent with a delete.
    pub(super) body: Option<Value>,
}

/// A request target, rendered.
#[derive(Debug)]
pub(super) struct Target {
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
}

impl Op {
    /// The path and query for this object. A `?` in the path template
    /// starts more query parameters.
    pub(super) fn target(&self, fill: &Fill<'_>) -> Result<Target, String> {
        let rendered = self.path.render_path(fill)?;
        let (path, inline) = match rendered.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (rendered, None),
        };
        let mut query: Vec<(String, String)> = inline
            .iter()
            .flat_map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned())
            .collect();
        for (k, t) in &self.query {
            query.push((k.clone(), t.render(fill)?));
        }
        Ok(Target { path, query })
    }

    /// The request for this object, with `body` sent as given.
    pub(super) fn request(&self, fill: &Fill<'_>, body: Body) -> Result<HttpRequest, String> {
        let t = self.target(fill)?;
        let mut r = HttpRequest::new(self.operation, self.method.clone(), t.path);
        r.query = t.query;
        r.headers = self.headers.clone();
        r.body = body;
        Ok(r)
    }

    /// `body` with this operation's `add_to_body` fields set.
    pub(super) fn with_added(&self, mut body: Json, fill: &Fill<'_>) -> Result<Json, String> {
        for (p, t) in &self.add_to_body {
            let value = Json::String(t.render(fill)?);
            set(&mut body, p.tokens(), value)?;
        }
        Ok(body)
    }
}

/// Sets `value` at `tokens`, creating objects on the way.
fn set(j: &mut Json, tokens: &[String], value: Json) -> Result<(), String> {
    let Some((first, rest)) = tokens.split_first() else {
        *j = value;
        return Ok(());
    };
    if j.is_null() {
        *j = Json::Object(Default::default());
    }
    let Json::Object(m) = j else {
        return Err(format!("the body has no object to hold {first:?}"));
    };
    set(m.entry(first.clone()).or_insert(Json::Null), rest, value)
}

/// Body bytes of a JSON body, as the driver sends them.
pub(super) fn json_body(j: &Json) -> Body {
    Body::Json(Bytes::from(j.to_string()))
}

/// Parses a method name into a diagnostic on `at` if it is not one.
fn method(name: &str, at: &AttributePath, diags: &mut Diagnostics) -> Option<Method> {
    match Method::parse(name) {
        Ok(m) => Some(m),
        Err(e) => {
            diags.attribute_error(at.clone(), "Invalid method", e);
            None
        }
    }
}

/// Parses a path template, which must start with `/` or `{path}`.
pub(super) fn path_template(
    text: &str,
    at: &AttributePath,
    diags: &mut Diagnostics,
) -> Option<Template> {
    if !(text.starts_with('/') || text.starts_with("{path}")) {
        diags.attribute_error(
            at.clone(),
            "Invalid path",
            format!(
                "{text:?} must start with \"/\" or \"{{path}}\"; it is appended to the provider's \
                 endpoint, as in \"/flags/{{id}}\"."
            ),
        );
        return None;
    }
    if text.contains('#') || text.contains(char::is_whitespace) {
        diags.attribute_error(
            at.clone(),
            "Invalid path",
            format!("{text:?} contains a fragment or whitespace."),
        );
        return None;
    }
    match Template::parse(text) {
        Ok(t) => Some(t),
        Err(e) => {
            diags.attribute_error(at.clone(), "Invalid path", e);
            None
        }
    }
}

/// The resource-level pieces every operation starts from.
pub(super) struct Base<'a> {
    pub(super) headers: &'a [(String, String)],
    pub(super) query: &'a [(String, String)],
    pub(super) object_path: Template,
    pub(super) create_method: Method,
    pub(super) update_method: Method,
}

/// Parses one operation block (`block` may be absent) over its defaults.
pub(super) fn parse_op(
    operation: Operation,
    block: Option<&Value>,
    base: &Base<'_>,
    at: &AttributePath,
    diags: &mut Diagnostics,
    known: &mut bool,
) -> Option<Op> {
    let (default_method, default_path) = match operation {
        Operation::Create => (base.create_method.clone(), Template::parse("{path}").ok()?),
        Operation::Read => (Method::GET, base.object_path.clone()),
        Operation::Update => (base.update_method.clone(), base.object_path.clone()),
        Operation::Delete => (Method::DELETE, base.object_path.clone()),
    };
    let query_templates =
        |pairs: &[(String, String)], at: &AttributePath, diags: &mut Diagnostics| {
            pairs
                .iter()
                .filter_map(|(k, v)| match Template::parse(v) {
                    Ok(t) => Some((k.clone(), t)),
                    Err(e) => {
                        diags.attribute_error(at.key(k), "Invalid query template", e);
                        None
                    }
                })
                .collect::<Vec<_>>()
        };
    let base_query = query_templates(base.query, &AttributePath::root("query"), diags);
    let mut op = Op {
        operation,
        method: default_method,
        path: default_path,
        query: base_query,
        headers: base.headers.to_vec(),
        pointer: None,
        add_to_body: Vec::new(),
        body: None,
    };
    let Some(b) = block.filter(|b| !b.is_null()) else {
        return Some(op);
    };
    let text = |name: &str, known: &mut bool| match b.get(name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(x) if !x.is_wholly_known() => {
            *known = false;
            None
        }
        _ => None,
    };
    let mut ok = true;
    if let Some(m) = text("method", known) {
        match method(&m, &at.attr("method"), diags) {
            Some(m) => op.method = m,
            None => ok = false,
        }
    }
    if let Some(p) = text("path", known) {
        match path_template(&p, &at.attr("path"), diags) {
            Some(t) => op.path = t,
            None => ok = false,
        }
    }
    let q = string_map(b, "query", known);
    let extra = query_templates(&q, &at.attr("query"), diags);
    for (k, t) in extra {
        op.query.retain(|(name, _)| *name != k);
        op.query.push((k, t));
    }
    for (k, v) in string_map(b, "headers", known) {
        op.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(&k));
        op.headers.push((k, v));
    }
    if let Some(p) = text("pointer", known) {
        match Pointer::parse(&p) {
            Ok(p) => op.pointer = Some(p),
            Err(e) => {
                diags.attribute_error(at.attr("pointer"), "Invalid JSON Pointer", e);
                ok = false;
            }
        }
    }
    for (p, v) in string_map(b, "add_to_body", known) {
        match (Pointer::parse(&p), Template::parse(&v)) {
            (Ok(p), Ok(t)) if !p.tokens().is_empty() => op.add_to_body.push((p, t)),
            (Ok(_), Ok(_)) => {
                diags.attribute_error(
                    at.attr("add_to_body").key(&p),
                    "Invalid JSON Pointer",
                    "Name a field of the body, as in \"/id\".",
                );
                ok = false;
            }
            (Err(e), _) | (_, Err(e)) => {
                diags.attribute_error(at.attr("add_to_body").key(&p), "Invalid add_to_body", e);
                ok = false;
            }
        }
    }
    if let Some(body) = b.get("body").filter(|v| !v.is_null()) {
        if body.is_wholly_known() {
            op.body = Some(body.clone());
        } else {
            *known = false;
        }
    }
    if operation == Operation::Create && op.path.uses_id() {
        diags.attribute_error(
            at.attr("path"),
            "{id} in the create path",
            "The id is not known before the object is created. To create at a name you choose, \
             put the name in the path (or take it from the body: {body/name}).",
        );
        ok = false;
    }
    ok.then_some(op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_query_in_the_path_template_joins_the_query() {
        let op = Op {
            operation: Operation::Read,
            method: Method::GET,
            path: Template::parse("/todos?id=eq.{id}&select=*").unwrap(),
            query: vec![("limit".into(), Template::parse("1").unwrap())],
            headers: Vec::new(),
            pointer: None,
            add_to_body: Vec::new(),
            body: None,
        };
        let body = json!({});
        let t = op
            .target(&Fill {
                id: Some("3"),
                path: "/todos",
                body: &body,
            })
            .unwrap();
        assert_eq!(t.path, "/todos");
        assert_eq!(
            t.query,
            [
                ("id".into(), "eq.3".into()),
                ("select".into(), "*".into()),
                ("limit".into(), "1".into())
            ]
        );
    }

    #[test]
    fn fields_are_added_to_the_body() {
        let op = Op {
            operation: Operation::Update,
            method: Method::POST,
            path: Template::parse("{path}").unwrap(),
            query: Vec::new(),
            headers: Vec::new(),
            pointer: None,
            add_to_body: vec![(
                Pointer::parse("/meta/id").unwrap(),
                Template::parse("{id}").unwrap(),
            )],
            body: None,
        };
        let body = json!({"name": "a"});
        let fill = Fill {
            id: Some("7"),
            path: "/x",
            body: &body,
        };
        assert_eq!(
            op.with_added(body.clone(), &fill).unwrap(),
            json!({"name": "a", "meta": {"id": "7"}})
        );
    }
}
