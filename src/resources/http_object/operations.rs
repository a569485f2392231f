//! How each operation reaches the API: method, path and query templates,
//! headers, where the object is in the answer, what is added to the body.
//! Set per operation in the `create`, `read`, `update` and `delete` blocks;
//! the defaults are the shape of most REST APIs (POST to `path`, the object
//! at `object_path`, by default `{path}/{id}`).

use bytes::Bytes;
use serde_json::Value as Json;

use crate::pointer::Pointer;
use crate::resources::common::string_map;
use crate::template::{self, Place, Template, Values};
use crate::{AttributePath, Diagnostics, Value};
use drivers::Operation;
use drivers::http::{Body, HttpRequest, Method};

/// One operation, with its defaults applied.
#[derive(Clone, Debug)]
pub(super) struct Op {
    pub(super) operation: Operation,
    pub(super) method: Method,
    pub(super) path: Template,
    /// The resource's query, then this operation's (values are templates).
    pub(super) query: Vec<(String, Template)>,
    /// The resource's headers, then this operation's (values are templates).
    pub(super) headers: Vec<(String, Template)>,
    /// Where the object is in the answer (read, create, update).
    pub(super) pointer: Option<Pointer>,
    /// Fields set in the sent body, such as the id for an update sent to
    /// the collection.
    pub(super) add_to_body: Vec<(Pointer, Template)>,
    /// A body sent with a delete; its strings are templates.
    pub(super) body: Option<Json>,
}

/// A request target, rendered.
#[derive(Debug)]
pub(super) struct Target {
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
}

impl Op {
    /// The path and query for this object: a `?` in the path template
    /// starts query parameters, then the resource's and this operation's
    /// `query`.
    pub(super) fn target(&self, values: &Values<'_>) -> Result<Target, String> {
        let rendered = self.path.render_path(values)?;
        let mut query = rendered.query;
        for (k, t) in &self.query {
            query.push((k.clone(), t.render_text(values)?));
        }
        Ok(Target {
            path: rendered.path,
            query,
        })
    }

    /// The request for this object, with `body` sent as given.
    pub(super) fn request(&self, values: &Values<'_>, body: Body) -> Result<HttpRequest, String> {
        let t = self.target(values)?;
        let mut r = HttpRequest::new(self.operation, self.method.clone(), t.path);
        r.query = t.query;
        r.headers = self
            .headers
            .iter()
            .map(|(k, t)| {
                t.render_header(values)
                    .map(|v| (k.clone(), v))
                    .map_err(|e| format!("header {k}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        r.body = body;
        Ok(r)
    }

    /// `body` with this operation's `add_to_body` fields set.
    pub(super) fn with_added(&self, mut body: Json, values: &Values<'_>) -> Result<Json, String> {
        for (p, t) in &self.add_to_body {
            let value = t.render_json(values)?;
            set(&mut body, p.tokens(), value)?;
        }
        Ok(body)
    }

    /// The delete body, its templates rendered.
    pub(super) fn rendered_body(&self, values: &Values<'_>) -> Result<Option<Json>, String> {
        self.body
            .as_ref()
            .map(|b| template::render_body(b, values))
            .transpose()
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

/// Parses a path template, which must start with `/`, `{path}` or a
/// `{+…}` value.
pub(super) fn path_template(
    text: &str,
    at: &AttributePath,
    diags: &mut Diagnostics,
) -> Option<Template> {
    template::parse_at(text, Place::Path, at, diags)
}

/// Parses a map of templates (query or header values), each checked for
/// `place`; the keys of header maps must be header names.
pub(super) fn templates(
    pairs: &[(String, String)],
    place: Place,
    at: &AttributePath,
    diags: &mut Diagnostics,
) -> Vec<(String, Template)> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            if place == Place::Header
                && let Err(e) = template::check_header_name(k)
            {
                diags.attribute_error(at.key(k), "Invalid header name", e);
                return None;
            }
            Some((k.clone(), template::parse_at(v, place, &at.key(k), diags)?))
        })
        .collect()
}

/// The resource-level pieces every operation starts from.
pub(super) struct Base<'a> {
    pub(super) headers: &'a [(String, Template)],
    pub(super) query: &'a [(String, Template)],
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
    let mut op = Op {
        operation,
        method: default_method,
        path: default_path,
        query: base.query.to_vec(),
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
    for (k, t) in templates(&q, Place::Query, &at.attr("query"), diags) {
        op.query.retain(|(name, _)| *name != k);
        op.query.push((k, t));
    }
    let h = string_map(b, "headers", known);
    for (k, t) in templates(&h, Place::Header, &at.attr("headers"), diags) {
        op.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(&k));
        op.headers.push((k, t));
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
        let here = at.attr("add_to_body").key(&p);
        match (
            Pointer::parse(&p),
            template::parse_at(&v, Place::Body, &here, diags),
        ) {
            (Ok(p), Some(t)) if !p.tokens().is_empty() => op.add_to_body.push((p, t)),
            (Ok(_), Some(_)) => {
                diags.attribute_error(
                    here,
                    "Invalid JSON Pointer",
                    "Name a field of the body, as in \"/id\".",
                );
                ok = false;
            }
            (Err(e), _) => {
                diags.attribute_error(here, "Invalid add_to_body", e);
                ok = false;
            }
            (_, None) => ok = false,
        }
    }
    if let Some(body) = b.get("body").filter(|v| !v.is_null()) {
        match body_templates(body, &at.attr("body"), diags, known) {
            Some(j) => op.body = Some(j),
            None => ok &= *known,
        }
    }
    if operation == Operation::Create {
        ok &= create_templates_known(&op, at, diags);
    }
    ok.then_some(op)
}

/// A body whose strings are templates, as JSON; `None` when it is not
/// known yet or a template is wrong (diagnosed on `at`).
fn body_templates(
    body: &Value,
    at: &AttributePath,
    diags: &mut Diagnostics,
    known: &mut bool,
) -> Option<Json> {
    if !body.is_wholly_known() {
        *known = false;
        return None;
    }
    let json = match crate::json::to_json(body) {
        Ok(j) => j,
        Err(e) => {
            diags.attribute_error(at.clone(), "Invalid body", e.to_string());
            return None;
        }
    };
    let before = diags.has_error();
    for (pointer, t) in template::body_templates(&json) {
        match t {
            Err(e) => {
                diags.attribute_error(at.clone(), "Invalid template", format!("at {pointer}: {e}"))
            }
            Ok(t) => {
                for l in t.lookalikes() {
                    diags.attribute_warning(
                        at.clone(),
                        "Not a placeholder",
                        template::lookalike_advice(&l),
                    );
                }
            }
        }
    }
    (before || !diags.has_error()).then_some(json)
}

/// A create happens before the object exists: its templates cannot use
/// the id or what the server returned.
fn create_templates_known(op: &Op, at: &AttributePath, diags: &mut Diagnostics) -> bool {
    let templates = std::iter::once(&op.path)
        .chain(op.query.iter().map(|(_, t)| t))
        .chain(op.headers.iter().map(|(_, t)| t))
        .chain(op.add_to_body.iter().map(|(_, t)| t));
    let mut ok = true;
    for t in templates {
        if t.uses_id() || t.uses_response() {
            diags.attribute_error(
                at.attr("path"),
                "{id} or {response/…} in a create template",
                "The id and the server's answer are not known before the object is created. To \
                 create at a name you choose, put the name in the path (or take it from the \
                 body: {body/name}).",
            );
            ok = false;
        }
    }
    ok
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
            .target(&Values {
                id: Some("3"),
                path: Some("/todos"),
                body: Some(&body),
                ..Values::default()
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
        let fill = Values {
            id: Some("7"),
            path: Some("/x"),
            body: Some(&body),
            ..Values::default()
        };
        assert_eq!(
            op.with_added(body.clone(), &fill).unwrap(),
            json!({"name": "a", "meta": {"id": "7"}})
        );
    }
}
