//! The arguments of driver_http_object, parsed and checked. Every bad value
//! is a diagnostic on its attribute; unknown values are skipped.

use reqwest::Method;

use crate::drivers::Operation;
use crate::drivers::http::HttpRequest;

use super::super::common::{DriftMode, Timeouts, parse_drift, parse_timeouts, pointer_list, string_map};
use crate::provider::drift::DriftRules;
use crate::provider::pointer::Pointer;
use crate::provider::{AttributePath, Diagnostics, Value};

/// How updates are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UpdateMethod {
    /// The whole configured body.
    Put,
    /// A JSON merge patch of what changed.
    Patch,
}

/// The resource's arguments, checked.
#[derive(Clone, Debug)]
pub(super) struct Settings {
    pub(super) path: String,
    pub(super) id_pointer: Pointer,
    pub(super) object_path: String,
    pub(super) create_method: Method,
    pub(super) update_method: UpdateMethod,
    pub(super) headers: Vec<(String, String)>,
    pub(super) query: Vec<(String, String)>,
    pub(super) force_new: Vec<Pointer>,
    pub(super) drift_mode: DriftMode,
    pub(super) drift_rules: DriftRules,
    pub(super) timeouts: Timeouts,
}

impl Settings {
    /// A request for this object with its headers and query.
    pub(super) fn request(&self, op: Operation, method: Method, path: String, body: Option<bytes::Bytes>) -> HttpRequest {
        let mut r = HttpRequest::new(op, method, path);
        r.query = self.query.clone();
        r.headers = self.headers.clone();
        r.body = body;
        r
    }

    /// The object's path with `{id}` and `{path}` substituted.
    pub(super) fn object_path_for(&self, id: &str) -> String {
        let id = percent_encoding::utf8_percent_encode(id, SEGMENT).to_string();
        self.object_path.replace("{path}", self.path.trim_end_matches('/')).replace("{id}", &id)
    }
}

/// Characters escaped in a path segment (RFC 3986 pchar complement).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

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
    if let Some(p) = &object_path {
        check_path(p, &root.attr("object_path"), diags);
    }
    let id_pointer = match Pointer::parse(id_pointer.as_deref().unwrap_or("/id")) {
        Ok(p) => Some(p),
        Err(e) => {
            diags.attribute_error(root.attr("id_pointer"), "Invalid id_pointer", e);
            None
        }
    };
    let create_method = match create_method.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("POST") => Some(Method::POST),
        Some("PUT") => Some(Method::PUT),
        Some(other) => {
            diags.attribute_error(root.attr("create_method"), "Invalid create_method", format!("{other:?} is not supported; use \"POST\" or \"PUT\"."));
            None
        }
    };
    let update_method = match update_method.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("PUT") => Some(UpdateMethod::Put),
        Some("PATCH") => Some(UpdateMethod::Patch),
        Some(other) => {
            diags.attribute_error(root.attr("update_method"), "Invalid update_method", format!("{other:?} is not supported; use \"PUT\" (the full body) or \"PATCH\" (a JSON merge patch)."));
            None
        }
    };
    let headers = string_map(v, "headers", &mut known);
    let query = string_map(v, "query", &mut known);
    let force_new = pointer_list(v.get("force_new"), &root.attr("force_new"), diags, &mut known);

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

    if diags.has_error() && !before || !known {
        return None;
    }
    let path = path?;
    Some(Settings {
        object_path: object_path.unwrap_or_else(|| "{path}/{id}".to_owned()),
        path,
        id_pointer: id_pointer?,
        create_method: create_method?,
        update_method: update_method?,
        headers,
        query,
        force_new,
        drift_mode,
        drift_rules,
        timeouts,
    })
}

fn check_path(p: &str, at: &AttributePath, diags: &mut Diagnostics) {
    if !p.starts_with('/') {
        diags.attribute_error(at.clone(), "Invalid path", format!("{p:?} must start with \"/\"; it is appended to the provider's endpoint, as in \"/flags\"."));
    } else if p.contains(['?', '#']) {
        diags.attribute_error(at.clone(), "Invalid path", format!("{p:?} contains a query or fragment; put query parameters in the query argument."));
    } else if p.contains(char::is_whitespace) {
        diags.attribute_error(at.clone(), "Invalid path", format!("{p:?} contains whitespace."));
    }
}

