//! What `driver_http_object` runs with: its declared arguments
//! (`args.rs`) resolved into each operation's request, the listing, the
//! waits and the drift rules.

use std::time::Duration;

use drivers::Operation;
use drivers::Sensitive;
use drivers::http::{Body, HttpRequest, Method};
use framework::settings::{FieldPointer, Settings as _};
use serde_json::Value as Json;

use super::answer::Reading;
pub(super) use super::args::ListRefresh;
use super::args::{ContentType, HttpObjectArgs, ListBlock, WriteOperation};
use super::operations::{Base, Op, json_body};
use crate::drift::DriftRules;
use crate::listing::{ListRequest, PaginationBlock, PaginationSettings};
use crate::pointer::Pointer;
use crate::resources::common::{DriftBlock, DriftMode, Timeouts, TimeoutsBlock};
use crate::template::{Template, Values};
use crate::{AttributePath, Diagnostics, Value};

/// The resource's arguments, checked.
#[derive(Clone, Debug)]
pub(super) struct Settings {
    /// The collection path, without the query a `path` may carry (that
    /// query is the first part of `query`).
    pub(super) path: String,
    pub(super) id_pointer: Pointer,
    /// Each operation, defaults applied.
    pub(super) create: Op,
    pub(super) read: Op,
    pub(super) update: Op,
    pub(super) delete: Op,
    /// Bodies are sent form-encoded instead of as JSON.
    pub(super) form: bool,
    /// The configured body is a JSON array: an answer that is an array is
    /// the object itself, never "an array of one".
    pub(super) array_body: bool,
    /// A condition under which an object that still answers is gone
    /// (soft deletes).
    pub(super) gone_when: Option<WaitFor>,
    /// The resource's headers and query (values are templates).
    pub(super) headers: Vec<(String, Template)>,
    pub(super) query: Vec<(String, Template)>,
    pub(super) force_new: Vec<Pointer>,
    /// The key of writes that must not overlap.
    pub(super) write_lock: Option<Template>,
    pub(super) drift_mode: DriftMode,
    pub(super) drift_rules: DriftRules,
    pub(super) timeouts: Timeouts,
    pub(super) poll: Option<Poll>,
    pub(super) wait_for: Option<WaitFor>,
    pub(super) consistency_window: Duration,
    /// The fields kept in `response`; `None` keeps all.
    pub(super) response_fields: Option<Vec<Pointer>>,
    /// Fields of `body` the API keeps unique.
    pub(super) natural_key: Vec<Pointer>,
    /// Adopt an existing object with the same natural key on create.
    pub(super) adopt_existing: bool,
    /// How to list the collection.
    pub(super) list: List,
}

/// How to list the collection.
#[derive(Clone, Debug, Default)]
pub(super) struct List {
    /// The listing's path; `None`: the resource's `path`.
    pub(super) path: Option<String>,
    /// Where the items are in the answer; `None`: found by shape.
    pub(super) items_pointer: Option<Pointer>,
    /// The listing's query; `None`: the resource's `query`.
    pub(super) query: Option<Vec<(String, Template)>>,
    /// How its pages follow each other.
    pub(super) paging: PaginationSettings,
    /// What refresh takes from the listing.
    pub(super) refresh: ListRefresh,
}

/// How to follow a long-running operation.
#[derive(Clone, Debug)]
pub(super) struct Poll {
    /// `None`: the status is the HTTP status code.
    pub(super) status_pointer: Option<Pointer>,
    pub(super) pending: Vec<String>,
    pub(super) success: Vec<String>,
    pub(super) url_pointer: Option<Pointer>,
    pub(super) message_pointer: Option<Pointer>,
    pub(super) interval: Duration,
    /// The object itself is polled, whatever the answer names.
    pub(super) object_only: bool,
    /// Where a finished create's operation names the new object's id.
    pub(super) id_pointer: Option<Pointer>,
}

/// A readiness condition.
#[derive(Clone, Debug)]
pub(super) struct WaitFor {
    pub(super) pointer: Pointer,
    pub(super) values: Vec<String>,
}

/// How often `wait_for` reads the object without a `poll` block (the
/// default `poll.interval`).
pub(super) const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

impl Settings {
    /// The collection's listing: `list.path` (else `path`), `list.query`
    /// (else `query`), the resource's headers. Templates there can use
    /// `{path}` only: a listing is not about one object.
    pub(super) fn list_request(&self) -> Result<ListRequest, String> {
        let values = Values {
            path: Some(&self.path),
            ..Values::default()
        };
        let render = |pairs: &[(String, Template)], header: bool| {
            pairs
                .iter()
                .map(|(k, t)| {
                    let v = if header {
                        t.render_header(&values)
                    } else {
                        t.render_text(&values)
                    };
                    v.map(|v| (k.clone(), v))
                        .map_err(|e| format!("the listing's {k}: {e}"))
                })
                .collect::<Result<Vec<_>, String>>()
        };
        let (path, mut query) = match &self.list.path {
            Some(p) => split_path(p),
            None => (self.path.clone(), Vec::new()),
        };
        let mut first = HttpRequest::new(Operation::Read, Method::GET, path);
        query.extend(render(
            self.list.query.as_deref().unwrap_or(&self.query),
            false,
        )?);
        first.query = query;
        first.headers = render(&self.headers, true)?;
        first.body = Body::Empty;
        Ok(ListRequest {
            first,
            items_pointer: self.list.items_pointer.clone(),
            paging: self.list.paging.clone(),
        })
    }

    /// What templates are filled with for the object `id` whose managed
    /// body is `body` and whose last answer was `response`.
    pub(super) fn values<'a>(
        &'a self,
        id: Option<&'a str>,
        body: &'a Json,
        response: Option<&'a Json>,
    ) -> Values<'a> {
        Values {
            id,
            path: Some(&self.path),
            body: Some(body),
            response,
            base: None,
        }
    }

    /// How a read answer holds the object, the search's templates filled
    /// with `values`.
    pub(super) fn reading(&self, values: &Values<'_>) -> Result<Reading, Diagnostics> {
        let search = self
            .read
            .search
            .iter()
            .map(|(p, t)| {
                t.render_text(values)
                    .map(|v| (p.clone(), v))
                    .map_err(|e| format!("read.search {p}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                let mut d = Diagnostics::new();
                d.attribute_error(
                    AttributePath::root(HttpObjectArgs::READ),
                    "Cannot build the read's search",
                    format!("{e}. Nothing was sent."),
                );
                d
            })?;
        Ok(Reading {
            pointer: self.read.pointer.clone(),
            array_body: self.array_body,
            search,
            patch: self.read.patch.clone(),
            answer_at: self.read.answer_at.clone(),
        })
    }

    /// Holds this object's write lock (if it has one) until the guard is
    /// dropped: `Ok(None)` without one; an error when the key cannot be
    /// built or Terraform asked to stop while waiting.
    pub(super) async fn write_lock(
        &self,
        rt: &crate::runtime::Runtime,
        body: &Json,
        limit: Option<Duration>,
    ) -> Result<Option<tokio::sync::OwnedMutexGuard<()>>, Diagnostics> {
        let Some(t) = &self.write_lock else {
            return Ok(None);
        };
        let mut d = Diagnostics::new();
        let key = match t.render_text(&self.values(None, body, None)) {
            Ok(k) => k,
            Err(e) => {
                d.attribute_error(
                    AttributePath::root(HttpObjectArgs::WRITE_LOCK),
                    "Cannot build the write lock's key",
                    format!("{e}. Nothing was sent."),
                );
                return Err(d);
            }
        };
        match rt.write_locks.hold(&key, &rt.stop, limit).await {
            Some(guard) => Ok(Some(guard)),
            None => {
                d.error(
                    "Stopped while waiting for another write",
                    format!(
                        "Terraform asked the provider to stop, or the operation's timeout \
                         passed, while it waited for another write of {key:?} (write_lock). \
                         Nothing was sent."
                    ),
                );
                Err(d)
            }
        }
    }

    /// Where the object is read: its identity, to tell whether a change of
    /// arguments is another object.
    pub(super) fn identity(&self, id: Option<&str>, body: &Json) -> Option<String> {
        let t = self.read.target(&self.values(id, body, None)).ok()?;
        Some(format!("{}?{:?}", t.path, t.query))
    }

    /// The body to send: JSON, or form fields when `content_type` says so.
    pub(super) fn encode(&self, body: &Json) -> Result<Body, String> {
        if !self.form {
            return Ok(json_body(body));
        }
        let Json::Object(m) = body else {
            return Err("a form body must be an object of fields".into());
        };
        let mut fields = Vec::new();
        for (k, v) in m {
            form_fields(k, v, 0, &mut fields)?;
        }
        Ok(Body::Form(fields))
    }
}

/// Deepest nesting written into a form body.
const MAX_FORM_DEPTH: usize = 16;

/// `v` as form fields named from `name`: nested objects and lists in the
/// bracket notation form APIs read (`metadata[tier]=gold`,
/// `tags[0]=a`); a null is an empty value.
fn form_fields(
    name: &str,
    v: &Json,
    depth: usize,
    out: &mut Vec<(String, Sensitive)>,
) -> Result<(), String> {
    if depth > MAX_FORM_DEPTH {
        return Err(format!(
            "the form field {name:?} is nested more than {MAX_FORM_DEPTH} levels deep"
        ));
    }
    match v {
        Json::String(s) => out.push((name.to_owned(), Sensitive(s.clone()))),
        Json::Number(_) | Json::Bool(_) => out.push((name.to_owned(), Sensitive(v.to_string()))),
        Json::Null => out.push((name.to_owned(), Sensitive(String::new()))),
        Json::Object(m) => {
            for (k, x) in m {
                form_fields(&format!("{name}[{k}]"), x, depth + 1, out)?;
            }
        }
        Json::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                form_fields(&format!("{name}[{i}]"), x, depth + 1, out)?;
            }
        }
    }
    Ok(())
}

/// Parses the configuration at apply time, when every value is known: an
/// unknown one is a bug (in Terraform or here), said so.
pub(super) fn parse_for_apply(config: &Value, diags: &mut Diagnostics) -> Option<Settings> {
    let args = HttpObjectArgs::decode(config, diags).for_apply(diags)?;
    resolve(args, diags)
}

/// Parses the arguments (a configuration or a stored state). Returns
/// `None` if any is invalid or not known yet.
pub(super) fn parse(v: &Value, diags: &mut Diagnostics) -> Option<Settings> {
    let args = HttpObjectArgs::decode(v, diags).known()?;
    resolve(args, diags)
}

/// The resource's headers; a vendor JSON `content_type` is what the API
/// speaks both ways, so it is sent as `Content-Type` and `Accept` unless
/// the headers name them.
fn headers(
    configured: Option<crate::template::HeaderTemplates>,
    content_type: &ContentType,
) -> Vec<(String, Template)> {
    let mut headers = configured.map(|h| h.0).unwrap_or_default();
    if let Some(media) = content_type.vendor_json() {
        for name in ["Content-Type", "Accept"] {
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
                headers.push((name.to_owned(), Template::literal(media)));
            }
        }
    }
    headers
}

/// Whether the object is created by a `PUT` at `path` itself (a name the
/// configuration chose): then `path` is the object's own path, and it is
/// read, updated and deleted there.
fn put_at_path(create_method: &Method, create: Option<&WriteOperation>) -> bool {
    let op = create.map(|c| &c.operation);
    let method = op
        .and_then(|o| o.method.as_ref())
        .map_or(create_method, |m| &m.0);
    *method == Method::PUT && op.is_none_or(|o| o.path.is_none())
}

/// The settings the operations run with, from the declared arguments:
/// defaults that depend on other arguments, and each operation's request.
fn resolve(a: HttpObjectArgs, diags: &mut Diagnostics) -> Option<Settings> {
    let (path, path_query) = split_path(&a.path.0);
    let create_method = a.create_method.map_or(Method::POST, |m| m.0);
    let object_path = match a.object_path {
        Some(t) => t.0,
        None if put_at_path(&create_method, a.create.as_ref()) => Template::parse("{path}").ok()?,
        None => Template::parse("{path}/{id}").ok()?,
    };
    // A query in `path` comes first; `query` adds to it.
    let mut query: Vec<(String, Template)> = path_query
        .into_iter()
        .map(|(k, v)| (k, Template::literal(&v)))
        .collect();
    query.extend(a.query.map(|q| q.0).unwrap_or_default());
    let headers = headers(a.headers, &a.content_type);
    let base = Base {
        headers: &headers,
        query: &query,
        object_path,
        create_method,
        update_method: a.update_method.map_or(Method::PUT, |m| m.0),
    };
    let root = AttributePath::default();
    let create = Op::create(&base, a.create, &root.attr(HttpObjectArgs::CREATE), diags)?;
    let read = Op::read(&base, a.read);
    let update = Op::update(&base, a.update);
    let delete = Op::delete(&base, a.delete);
    let (drift_mode, drift_rules) = DriftBlock::settings(a.drift);
    let pointers = |p: Option<Vec<FieldPointer>>| -> Vec<Pointer> {
        p.unwrap_or_default().into_iter().map(|f| f.0).collect()
    };
    Some(Settings {
        path,
        id_pointer: a.id_pointer,
        create,
        read,
        update,
        delete,
        form: a.content_type == ContentType::Form,
        array_body: matches!(
            a.body.ty(),
            crate::Type::List(_) | crate::Type::Tuple(_) | crate::Type::Set(_)
        ),
        gone_when: a.gone_when.map(|g| WaitFor {
            pointer: g.pointer,
            values: g.values,
        }),
        headers,
        query,
        force_new: pointers(a.force_new),
        write_lock: a.write_lock.map(|t| t.0),
        drift_mode,
        drift_rules,
        timeouts: TimeoutsBlock::settings(a.timeouts),
        poll: a.poll.map(|p| {
            let (pending, success) = p.statuses();
            Poll {
                status_pointer: p.status_pointer,
                pending,
                success,
                url_pointer: p.url_pointer,
                message_pointer: p.message_pointer,
                interval: p.interval.0,
                object_only: p.follow == super::args::PollTarget::Object,
                id_pointer: p.id_pointer,
            }
        }),
        wait_for: a.wait_for.map(|w| WaitFor {
            pointer: w.pointer,
            values: w.values,
        }),
        consistency_window: a.consistency_window,
        response_fields: a.response_fields.map(|f| pointers(Some(f))),
        natural_key: pointers(a.natural_key),
        adopt_existing: a.adopt_existing,
        list: a.list.map(list).unwrap_or_default(),
    })
}

/// How to list the collection, from the `list` block.
fn list(l: ListBlock) -> List {
    List {
        path: l.path.map(|p| p.0),
        items_pointer: l.items_pointer,
        query: l.query.map(|q| q.0),
        paging: PaginationBlock::settings(l.pagination),
        refresh: l.refresh_from_listing,
    }
}

/// A path with its query split off, as decoded pairs.
fn split_path(p: &str) -> (String, Vec<(String, String)>) {
    match p.split_once('?') {
        Some((path, q)) => (
            path.to_owned(),
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect(),
        ),
        None => (p.to_owned(), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_form_fields_use_bracket_notation_and_a_bounded_depth() {
        let mut out = Vec::new();
        form_fields(
            "m",
            &json!({"tier": "gold", "tags": ["a", 2], "on": true, "none": null}),
            0,
            &mut out,
        )
        .unwrap();
        let pairs: Vec<(String, String)> = out.into_iter().map(|(k, v)| (k, v.0)).collect();
        assert_eq!(
            pairs,
            [
                ("m[tier]".to_owned(), "gold".to_owned()),
                ("m[tags][0]".to_owned(), "a".to_owned()),
                ("m[tags][1]".to_owned(), "2".to_owned()),
                ("m[on]".to_owned(), "true".to_owned()),
                ("m[none]".to_owned(), String::new()),
            ]
        );
        let mut deep = json!("x");
        for _ in 0..20 {
            deep = json!([deep]);
        }
        assert!(
            form_fields("d", &deep, 0, &mut Vec::new())
                .unwrap_err()
                .contains("nested")
        );
    }
}
