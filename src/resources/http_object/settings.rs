//! The arguments of driver_http_object, parsed and checked. Every bad value
//! is a diagnostic on its attribute; unknown values are skipped.

use drivers::http::Method;

use serde_json::Value as Json;

use super::operations::{Base, Op, json_body, parse_op, path_template, templates};
use crate::template::{self, Place, Template, Values};
use drivers::Operation;
use drivers::Sensitive;
use drivers::http::{Body, HttpRequest};

use super::super::common::{
    DriftMode, Timeouts, parse_drift, parse_timeouts, pointer_list, string_map, strings,
};
use crate::drift::DriftRules;
use crate::listing::{ListRequest, PaginationSettings, parse_pagination};
use crate::pointer::Pointer;
use std::time::Duration;

use crate::{AttributePath, Diagnostics, Value, parse_duration};

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
    /// A condition under which an object that still answers is gone
    /// (soft deletes).
    pub(super) gone_when: Option<WaitFor>,
    /// The resource's headers and query (values are templates).
    pub(super) headers: Vec<(String, Template)>,
    pub(super) query: Vec<(String, Template)>,
    pub(super) force_new: Vec<Pointer>,
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

/// What refresh takes from the collection's listing
/// (`list.refresh_from_listing`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum ListRefresh {
    /// Nothing: each object is read on its own.
    #[default]
    None,
    /// Which objects still exist: one missing from a complete listing is
    /// gone; the others are still read one by one for drift.
    Deletions,
    /// Everything: listed items are whole objects, compared for drift as
    /// they are listed.
    Full,
}

/// How to follow a long-running operation.
#[derive(Clone, Debug)]
pub(super) struct Poll {
    pub(super) status_pointer: Pointer,
    pub(super) pending: Vec<String>,
    pub(super) success: Vec<String>,
    pub(super) url_pointer: Option<Pointer>,
    pub(super) message_pointer: Option<Pointer>,
    pub(super) interval: Duration,
}

/// A readiness condition.
#[derive(Clone, Debug)]
pub(super) struct WaitFor {
    pub(super) pointer: Pointer,
    pub(super) values: Vec<String>,
}

/// Default `poll.interval`.
pub(super) const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Default `consistency_window`.
pub(super) const DEFAULT_CONSISTENCY_WINDOW: Duration = Duration::from_secs(10);

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
        m.iter()
            .map(|(k, v)| match v {
                Json::String(s) => Ok((k.clone(), Sensitive(s.clone()))),
                Json::Number(_) | Json::Bool(_) => Ok((k.clone(), Sensitive(v.to_string()))),
                Json::Null => Ok((k.clone(), Sensitive(String::new()))),
                _ => Err(format!(
                    "the form field {k:?} is a list or an object; form bodies hold text, numbers \
                     and bools only"
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Body::Form)
    }
}

/// Parses the configuration at apply time, when every value is known: an
/// unknown one is a bug (in Terraform or here), said so.
pub(super) fn parse_for_apply(config: &Value, diags: &mut Diagnostics) -> Option<Settings> {
    let parsed = parse(config, diags);
    if parsed.is_none() && !diags.has_error() {
        diags.error(
            "Configuration not known at apply",
            "Some arguments are still unknown during apply. This is a bug in the provider; please \
             report it.",
        );
    }
    parsed
}

/// Parses the arguments. Returns `None` if any is invalid or unknown.
pub(super) fn parse(v: &Value, diags: &mut Diagnostics) -> Option<Settings> {
    let before = diags.has_error();
    let mut known = true;
    let mut string = |name: &str| -> Option<String> {
        match v.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(x) if !x.is_wholly_known() => {
                known = false;
                None
            }
            _ => None,
        }
    };
    let path = string("path");
    let id_pointer = string("id_pointer");
    let object_path = string("object_path");
    let create_method = string("create_method");
    let update_method = string("update_method");
    let root = AttributePath::default();

    if let Some(p) = &path {
        check_path(p, &root.attr("path"), diags);
    }
    let (path, path_query) = match path {
        Some(p) => {
            let (p, q) = split_path(&p);
            (Some(p), q)
        }
        None => (None, Vec::new()),
    };
    let object_path = match &object_path {
        Some(p) => path_template(p, &root.attr("object_path"), diags),
        None => Template::parse("{path}/{id}").ok(),
    };
    let id_pointer = match Pointer::parse(id_pointer.as_deref().unwrap_or("/id")) {
        Ok(p) => Some(p),
        Err(e) => {
            diags.attribute_error(root.attr("id_pointer"), "Invalid id_pointer", e);
            None
        }
    };
    let create_method = match create_method
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("POST") => Some(Method::POST),
        Some("PUT") => Some(Method::PUT),
        Some("PATCH") => Some(Method::PATCH),
        Some(other) => {
            diags.attribute_error(
                root.attr("create_method"),
                "Invalid create_method",
                format!(
                    "{other:?} is not supported; use \"POST\", \"PUT\" or \"PATCH\" (or any \
                     method in the create block)."
                ),
            );
            None
        }
    };
    let update_method = match update_method
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("PUT") => Some(Method::PUT),
        Some("PATCH") => Some(Method::PATCH),
        Some("POST") => Some(Method::POST),
        Some(other) => {
            diags.attribute_error(
                root.attr("update_method"),
                "Invalid update_method",
                format!(
                    "{other:?} is not supported; use \"PUT\" (the full body), \"PATCH\" (a \
                     JSON merge patch) or \"POST\" (the full body)."
                ),
            );
            None
        }
    };
    let headers = templates(
        &string_map(v, "headers", &mut known),
        Place::Header,
        &root.attr("headers"),
        diags,
    );
    // A query in `path` comes first; `query` adds to it.
    let mut query: Vec<(String, Template)> = path_query
        .into_iter()
        .map(|(k, v)| (k, Template::literal(&v)))
        .collect();
    query.extend(templates(
        &string_map(v, "query", &mut known),
        Place::Query,
        &root.attr("query"),
        diags,
    ));
    for (legacy, block, what) in [
        ("create_method", "create", "method"),
        ("update_method", "update", "method"),
        ("object_path", "read", "path"),
    ] {
        let set = |v: &Value| !v.is_null();
        if v.get(legacy).is_some_and(set) && v.get(block).and_then(|b| b.get(what)).is_some_and(set)
        {
            diags.attribute_error(
                root.attr(legacy),
                format!("{legacy} and {block}.{what} both set"),
                format!("Set one of them: {block}.{what} is the newer way to say {legacy}."),
            );
        }
    }
    let ops = match (&create_method, &update_method, &object_path) {
        (Some(c), Some(u), Some(o)) => {
            let base = Base {
                headers: &headers,
                query: &query,
                object_path: o.clone(),
                create_method: c.clone(),
                update_method: u.clone(),
            };
            let mut one = |op: Operation, name: &str| {
                parse_op(op, v.get(name), &base, &root.attr(name), diags, &mut known)
            };
            (
                one(Operation::Create, "create"),
                one(Operation::Read, "read"),
                one(Operation::Update, "update"),
                one(Operation::Delete, "delete"),
            )
        }
        _ => (None, None, None, None),
    };
    let form = match v.get("content_type") {
        None | Some(Value::Null(_)) => false,
        Some(Value::String(t)) => match t.as_str() {
            "application/json" => false,
            "application/x-www-form-urlencoded" => true,
            other => {
                diags.attribute_error(
                    root.attr("content_type"),
                    "Invalid content_type",
                    format!(
                        "{other:?} is not supported; use \"application/json\" (the default) or \
                         \"application/x-www-form-urlencoded\"."
                    ),
                );
                false
            }
        },
        Some(_) => {
            known = false;
            false
        }
    };
    let gone_when = match v.get("gone_when") {
        Some(w @ Value::Object(_)) => parse_wait_for(w, &root.attr("gone_when"), diags, &mut known),
        _ => None,
    };
    let force_new = pointer_list(
        v.get("force_new"),
        &root.attr("force_new"),
        diags,
        &mut known,
    );
    let natural_key = pointer_list(
        v.get("natural_key"),
        &root.attr("natural_key"),
        diags,
        &mut known,
    );
    let adopt_existing = matches!(v.get("adopt_existing"), Some(Value::Bool(true)));
    if adopt_existing && natural_key.is_empty() && known {
        diags.attribute_error(
            root.attr("adopt_existing"),
            "adopt_existing needs natural_key",
            "An existing object is found by its natural key: set natural_key to the JSON Pointers \
             of the fields the API keeps unique, such as [\"/name\"].",
        );
    }
    let list = match v.get("list") {
        Some(l @ Value::Object(_)) => parse_list(l, &root.attr("list"), diags, &mut known),
        _ => List::default(),
    };
    let response_fields = match v.get("response_fields") {
        None | Some(Value::Null(_)) => None,
        Some(f) => Some(pointer_list(
            Some(f),
            &root.attr("response_fields"),
            diags,
            &mut known,
        )),
    };

    let (drift_mode, drift_rules) = match v.get("drift") {
        Some(d @ Value::Object(_)) => parse_drift(d, &root.attr("drift"), diags, &mut known),
        Some(Value::Unknown(_)) => {
            known = false;
            (DriftMode::Revert, DriftRules::default())
        }
        _ => (DriftMode::Revert, DriftRules::default()),
    };
    let timeouts = match v.get("timeouts") {
        Some(t @ Value::Object(_)) => parse_timeouts(t, &root.attr("timeouts"), diags, &mut known),
        _ => Timeouts::default(),
    };

    let poll = match v.get("poll") {
        Some(p @ Value::Object(_)) => parse_poll(p, &root.attr("poll"), diags, &mut known),
        _ => None,
    };
    let wait_for = match v.get("wait_for") {
        Some(w @ Value::Object(_)) => parse_wait_for(w, &root.attr("wait_for"), diags, &mut known),
        _ => None,
    };
    let consistency_window = match v.get("consistency_window") {
        Some(Value::String(d)) => match parse_duration(d) {
            Ok(d) => d,
            Err(e) => {
                diags.attribute_error(
                    root.attr("consistency_window"),
                    "Invalid consistency_window",
                    e,
                );
                DEFAULT_CONSISTENCY_WINDOW
            }
        },
        Some(x) if !x.is_wholly_known() => {
            known = false;
            DEFAULT_CONSISTENCY_WINDOW
        }
        _ => DEFAULT_CONSISTENCY_WINDOW,
    };

    if diags.has_error() && !before || !known {
        return None;
    }
    let path = path?;
    let (create, read, update, delete) = ops;
    Some(Settings {
        path,
        id_pointer: id_pointer?,
        create: create?,
        read: read?,
        update: update?,
        delete: delete?,
        form,
        gone_when,
        headers,
        query,
        force_new,
        drift_mode,
        drift_rules,
        timeouts,
        poll,
        wait_for,
        consistency_window,
        response_fields,
        natural_key,
        adopt_existing,
        list,
    })
}

fn parse_list(l: &Value, at: &AttributePath, diags: &mut Diagnostics, known: &mut bool) -> List {
    let path = match l.get("path") {
        Some(Value::String(p)) => {
            check_path(p, &at.attr("path"), diags);
            Some(p.clone())
        }
        Some(x) if !x.is_wholly_known() => {
            *known = false;
            None
        }
        _ => None,
    };
    let query = match l.get("query") {
        None | Some(Value::Null(_)) => None,
        Some(_) => Some(templates(
            &string_map(l, "query", known),
            Place::Query,
            &at.attr("query"),
            diags,
        )),
    };
    let refresh = match l.get("refresh_from_listing") {
        Some(Value::String(r)) => match r.as_str() {
            "none" => ListRefresh::None,
            "deletions" => ListRefresh::Deletions,
            "full" => ListRefresh::Full,
            other => {
                diags.attribute_error(
                    at.attr("refresh_from_listing"),
                    "Invalid refresh_from_listing",
                    format!(
                        "{other:?} is not a choice: \"full\" (listed items are whole objects), \
                         \"deletions\" (the listing only tells which objects exist) or \"none\"."
                    ),
                );
                ListRefresh::None
            }
        },
        Some(x) if !x.is_wholly_known() => {
            *known = false;
            ListRefresh::None
        }
        _ => ListRefresh::None,
    };
    List {
        path,
        items_pointer: pointer(l, "items_pointer", at, diags, known),
        query,
        paging: parse_pagination(l.get("pagination"), &at.attr("pagination"), diags, known),
        refresh,
    }
}

fn pointer(
    v: &Value,
    name: &str,
    at: &AttributePath,
    diags: &mut Diagnostics,
    known: &mut bool,
) -> Option<Pointer> {
    match v.get(name) {
        Some(Value::String(s)) => match Pointer::parse(s) {
            Ok(p) => Some(p),
            Err(e) => {
                diags.attribute_error(at.attr(name), "Invalid JSON Pointer", e);
                None
            }
        },
        Some(x) if !x.is_wholly_known() => {
            *known = false;
            None
        }
        _ => None,
    }
}

fn values(v: &Value, name: &str, known: &mut bool) -> Vec<String> {
    strings(v.get(name), known)
        .into_iter()
        .map(|(_, s)| s)
        .collect()
}

fn parse_poll(
    p: &Value,
    at: &AttributePath,
    diags: &mut Diagnostics,
    known: &mut bool,
) -> Option<Poll> {
    let status_pointer = pointer(p, "status_pointer", at, diags, known);
    let pending = values(p, "pending", known);
    let success = values(p, "success", known);
    if *known && success.is_empty() {
        diags.attribute_error(
            at.attr("success"),
            "No success values",
            "Name the status values that mean the operation succeeded, as in [\"succeeded\"].",
        );
    }
    if let Some(both) = pending.iter().find(|x| success.contains(x)) {
        diags.attribute_error(
            at.attr("pending"),
            "Status both pending and success",
            format!("{both:?} is in both lists; a status is one or the other."),
        );
    }
    let interval = match p.get("interval") {
        Some(Value::String(d)) => match parse_duration(d) {
            Ok(d) if !d.is_zero() => d,
            Ok(_) => {
                diags.attribute_error(
                    at.attr("interval"),
                    "Invalid interval",
                    "The poll interval must be longer than zero.",
                );
                DEFAULT_POLL_INTERVAL
            }
            Err(e) => {
                diags.attribute_error(at.attr("interval"), "Invalid interval", e);
                DEFAULT_POLL_INTERVAL
            }
        },
        _ => DEFAULT_POLL_INTERVAL,
    };
    Some(Poll {
        status_pointer: status_pointer?,
        pending,
        success,
        url_pointer: pointer(p, "url_pointer", at, diags, known),
        message_pointer: pointer(p, "message_pointer", at, diags, known),
        interval,
    })
}

fn parse_wait_for(
    w: &Value,
    at: &AttributePath,
    diags: &mut Diagnostics,
    known: &mut bool,
) -> Option<WaitFor> {
    let p = pointer(w, "pointer", at, diags, known);
    let vals = values(w, "values", known);
    if *known && vals.is_empty() {
        diags.attribute_error(
            at.attr("values"),
            "No values to wait for",
            "Name the values that mean the object is ready, as in [\"ready\"].",
        );
    }
    Some(WaitFor {
        pointer: p?,
        values: vals,
    })
}

/// A collection path the user wrote: `/` first, a clean path, perhaps
/// with a query (`/objects?version=v1`).
fn check_path(p: &str, at: &AttributePath, diags: &mut Diagnostics) {
    if let Err(e) = template::check_literal_path(p).and_then(|()| {
        if p.starts_with('/') {
            Ok(())
        } else {
            Err(format!("{p:?} must start with \"/\", as in \"/flags\""))
        }
    }) {
        diags.attribute_error(at.clone(), "Invalid path", e);
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
