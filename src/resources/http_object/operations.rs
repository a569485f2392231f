//! How each operation reaches the API: method, path and query templates,
//! headers, where the object is in the answer, what is added to the body.
//! Set per operation in the `create`, `read`, `update` and `delete` blocks;
//! the defaults are the shape of most REST APIs (POST to `path`, the object
//! at `object_path`, by default `{path}/{id}`).

use super::args::HttpObjectArgs;
use bytes::Bytes;
use serde_json::Value as Json;

use super::args::{DeleteOperation, OperationArgs, ReadOperation, WriteOperation};
use crate::pointer::Pointer;
use crate::resources::precheck::PrecheckBlock;
use crate::template::{self, Template, Values};
use crate::{AttributePath, Diagnostics};
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
    /// A read that finds the object in a list: the fields it must have.
    pub(super) search: Vec<(Pointer, Template)>,
    /// A JSON Patch applied to what a read found.
    pub(super) patch: Option<json_patch::Patch>,
    /// Where a read's answer sits in the object.
    pub(super) answer_at: Option<Pointer>,
    /// Fields set in the sent body, such as the id for an update sent to
    /// the collection.
    pub(super) add_to_body: Vec<(Pointer, Template)>,
    /// Fields left out of the sent body.
    pub(super) remove_from_body: Vec<Pointer>,
    /// The body a delete sends, or a write sends instead of `body`; its
    /// strings are templates.
    pub(super) body: Option<Json>,
    /// What to wait for before the write is sent.
    pub(super) precheck: Option<PrecheckBlock>,
    /// An update's answer names the object's new id.
    pub(super) returns_new_id: bool,
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
        r.body = match (body, self.operation, &self.body) {
            // A read's own body (an RPC-style read), always JSON.
            (Body::Empty, Operation::Read, Some(_)) => {
                let j = self.rendered_body(values)?.unwrap_or(Json::Null);
                let bytes = serde_json::to_vec(&j).map_err(|e| format!("body: {e}"))?;
                Body::Json(bytes.into())
            }
            (body, ..) => body,
        };
        Ok(r)
    }

    /// `body` with this operation's `add_to_body` fields set and its
    /// `remove_from_body` fields taken out.
    pub(super) fn with_added(&self, mut body: Json, values: &Values<'_>) -> Result<Json, String> {
        for (p, t) in &self.add_to_body {
            let value = t.render_json(values)?;
            set(&mut body, p.tokens(), value)?;
        }
        for p in &self.remove_from_body {
            remove(&mut body, p.tokens());
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

/// Removes the field at `tokens`, if there is one (an array element by
/// its index).
fn remove(j: &mut Json, tokens: &[String]) {
    let Some((last, parents)) = tokens.split_last() else {
        return;
    };
    let mut at = j;
    for t in parents {
        let next = match at {
            Json::Object(m) => m.get_mut(t),
            Json::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        };
        let Some(next) = next else { return };
        at = next;
    }
    match at {
        Json::Object(m) => {
            m.remove(last);
        }
        Json::Array(a) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < a.len()) {
                a.remove(i);
            }
        }
        _ => {}
    }
}

/// Body bytes of a JSON body, as the driver sends them.
pub(super) fn json_body(j: &Json) -> Body {
    Body::Json(Bytes::from(j.to_string()))
}

/// The resource-level pieces every operation starts from.
pub(super) struct Base<'a> {
    pub(super) headers: &'a [(String, Template)],
    pub(super) query: &'a [(String, Template)],
    pub(super) object_path: Template,
    pub(super) create_method: Method,
    pub(super) update_method: Method,
}

impl Op {
    /// An operation with its defaults: `method` at `path`, the resource's
    /// query and headers.
    fn base(operation: Operation, method: Method, path: Template, base: &Base<'_>) -> Op {
        Op {
            operation,
            method,
            path,
            query: base.query.to_vec(),
            headers: base.headers.to_vec(),
            pointer: None,
            search: Vec::new(),
            patch: None,
            answer_at: None,
            add_to_body: Vec::new(),
            remove_from_body: Vec::new(),
            body: None,
            precheck: None,
            returns_new_id: false,
        }
    }

    /// What an operation block says over the defaults: its method, path,
    /// and query and headers added to (and replacing by name) the
    /// resource's.
    fn with(mut self, args: OperationArgs) -> Op {
        if let Some(m) = args.method {
            self.method = m.0;
        }
        if let Some(p) = args.path {
            self.path = p.0;
        }
        for (k, t) in args.query.map(|q| q.0).unwrap_or_default() {
            self.query.retain(|(name, _)| *name != k);
            self.query.push((k, t));
        }
        for (k, t) in args.headers.map(|h| h.0).unwrap_or_default() {
            self.headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case(&k));
            self.headers.push((k, t));
        }
        self
    }

    /// The create: `create_method` at `path` by default. Its templates
    /// cannot use what exists only afterwards (diagnosed on `at`).
    pub(super) fn create(
        base: &Base<'_>,
        block: Option<WriteOperation>,
        at: &AttributePath,
        diags: &mut Diagnostics,
    ) -> Option<Op> {
        let path = Template::parse("{path}").ok()?;
        let op = Op::base(Operation::Create, base.create_method.clone(), path, base);
        let op = Op::write(op, block);
        create_templates_known(&op, at, diags).then_some(op)
    }

    /// The read: a `GET` of `object_path` by default.
    pub(super) fn read(base: &Base<'_>, block: Option<ReadOperation>) -> Op {
        let op = Op::base(Operation::Read, Method::GET, base.object_path.clone(), base);
        match block {
            None => op,
            Some(b) => Op {
                pointer: b.pointer,
                search: b.search.map(|f| f.0).unwrap_or_default(),
                patch: b.patch.map(|p| p.0),
                answer_at: b.answer_at,
                body: b.body.map(|t| t.0),
                ..op.with(b.operation)
            },
        }
    }

    /// The update: `update_method` at `object_path` by default.
    pub(super) fn update(base: &Base<'_>, block: Option<WriteOperation>) -> Op {
        let path = base.object_path.clone();
        let op = Op::base(Operation::Update, base.update_method.clone(), path, base);
        Op::write(op, block)
    }

    /// The delete: a `DELETE` of `object_path` by default.
    pub(super) fn delete(base: &Base<'_>, block: Option<DeleteOperation>) -> Op {
        let op = Op::base(
            Operation::Delete,
            Method::DELETE,
            base.object_path.clone(),
            base,
        );
        match block {
            None => op,
            Some(b) => Op {
                body: b.body.map(|t| t.0),
                precheck: b.precheck,
                ..op.with(b.operation)
            },
        }
    }

    fn write(op: Op, block: Option<WriteOperation>) -> Op {
        match block {
            None => op,
            Some(b) => Op {
                pointer: b.pointer,
                body: b.body.map(|t| t.0),
                add_to_body: b.add_to_body.map(|f| f.0).unwrap_or_default(),
                remove_from_body: b
                    .remove_from_body
                    .unwrap_or_default()
                    .into_iter()
                    .map(|f| f.0)
                    .collect(),
                precheck: b.precheck,
                returns_new_id: b.returns_new_id,
                ..op.with(b.operation)
            },
        }
    }
}

/// A create happens before the object exists: its templates cannot use
/// the id or what the server returned.
fn create_templates_known(op: &Op, at: &AttributePath, diags: &mut Diagnostics) -> bool {
    let mut in_body = Vec::new();
    if let Some(b) = &op.body {
        body_templates(b, &mut in_body);
    }
    let templates = std::iter::once(&op.path)
        .chain(op.query.iter().map(|(_, t)| t))
        .chain(op.headers.iter().map(|(_, t)| t))
        .chain(op.add_to_body.iter().map(|(_, t)| t))
        .chain(in_body.iter());
    let mut ok = true;
    for t in templates {
        if t.uses_id() || t.uses_response() {
            diags.attribute_error(
                at.attr(HttpObjectArgs::PATH),
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

/// The templates among the strings of a body (checked when decoded).
fn body_templates(j: &Json, out: &mut Vec<Template>) {
    match j {
        Json::String(s) => out.extend(Template::parse(s).ok()),
        Json::Array(items) => items.iter().for_each(|i| body_templates(i, out)),
        Json::Object(m) => m.values().for_each(|v| body_templates(v, out)),
        _ => {}
    }
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
            search: Vec::new(),
            patch: None,
            answer_at: None,
            add_to_body: Vec::new(),
            remove_from_body: Vec::new(),
            body: None,
            precheck: None,
            returns_new_id: false,
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
    fn fields_are_added_to_and_removed_from_the_body() {
        let op = Op {
            operation: Operation::Update,
            method: Method::POST,
            path: Template::parse("{path}").unwrap(),
            query: Vec::new(),
            headers: Vec::new(),
            pointer: None,
            search: Vec::new(),
            patch: None,
            answer_at: None,
            add_to_body: vec![(
                Pointer::parse("/meta/id").unwrap(),
                Template::parse("{id}").unwrap(),
            )],
            remove_from_body: ["/status", "/tags/0", "/absent/x", "/name/x"]
                .iter()
                .map(|p| Pointer::parse(p).unwrap())
                .collect(),
            body: None,
            precheck: None,
            returns_new_id: false,
        };
        let body = json!({"name": "a", "status": "on", "tags": ["t0", "t1"]});
        let fill = Values {
            id: Some("7"),
            path: Some("/x"),
            body: Some(&body),
            ..Values::default()
        };
        assert_eq!(
            op.with_added(body.clone(), &fill).unwrap(),
            json!({"name": "a", "meta": {"id": "7"}, "tags": ["t1"]})
        );
    }
}
