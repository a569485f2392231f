//! Long-running writes, in the styles real APIs use: a write answers at
//! once, and an operation finishes it after `async_polls` looks. How the
//! operation is announced and followed is `Faults::async_style`.

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value as Json, json};

use super::{Store, error, json_response, split_object};

/// How a long-running write is announced and followed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum AsyncStyle {
    /// `202`, an `Operation-Location` header and a body naming the
    /// operation (and the object's id); the operation's `status` is
    /// `running`, then `succeeded` or `failed` (with `error.message`).
    #[default]
    OperationLocation,
    /// The write's usual answer plus an `Azure-AsyncOperation` header; the
    /// operation's `status` is `InProgress`, then `Succeeded`, `Failed`
    /// (with `error.message`) or `Canceled`.
    Azure,
    /// `202` with the object and a `Location` of the operation, which
    /// answers `202` until done, then `200`; `409` with the message when
    /// it failed.
    StatusCode,
    /// `202` with the object and nothing to follow: the object shows
    /// `state: provisioning` (a deleted one `deleting`) until it has been
    /// read `async_polls` times. (In every style, reads of the object
    /// move its operation on.)
    Object,
    /// `202`, `Operation-Location`, and no id anywhere: the finished
    /// operation names the object in `resourceLocation`.
    IdInResult,
}

impl AsyncStyle {
    /// From its name in the faults' JSON.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "operation_location" => Self::OperationLocation,
            "azure" => Self::Azure,
            "status_code" => Self::StatusCode,
            "object" => Self::Object,
            "id_in_result" => Self::IdInResult,
            _ => return None,
        })
    }
}

/// A long-running write in progress.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    polls_left: u32,
    /// The object it is about.
    object: (String, u64),
    /// A delete removes the object when it completes.
    delete: bool,
    failure: Option<String>,
    cancel: bool,
    style: AsyncStyle,
    /// It has taken effect.
    done: bool,
}

/// Turns a finished synchronous write (`done`) into the start of an
/// operation: the object shows `state: provisioning` (or `deleting`) until
/// it completes.
pub(crate) fn start(
    s: &mut Store,
    method: &Method,
    path: &str,
    done: Response,
    polls: u32,
) -> Response {
    let location = done
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let object = match (
        method,
        location.as_deref().and_then(split_object),
        split_object(path),
    ) {
        (&Method::POST, Some((c, id)), _) => (c.to_owned(), id),
        (_, _, Some((c, id))) => (c.to_owned(), id),
        _ => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot tell which object the operation is about",
            );
        }
    };
    let delete = *method == Method::DELETE;
    if delete && let Some(o) = s.last_deleted.take() {
        // Deleted when the operation completes: put it back until then.
        s.collections
            .entry(object.0.clone())
            .or_default()
            .insert(object.1, o);
    }
    let shown = s
        .collections
        .get_mut(&object.0)
        .and_then(|m| m.get_mut(&object.1))
        .map(|o| {
            o["state"] = json!(if delete { "deleting" } else { "provisioning" });
            o.clone()
        });
    s.next_op += 1;
    let n = s.next_op;
    let style = s.faults.async_style;
    s.operations.insert(
        n,
        Operation {
            polls_left: polls,
            object: object.clone(),
            delete,
            failure: s.faults.async_failure.clone(),
            cancel: s.faults.async_cancel,
            style,
            done: false,
        },
    );
    announce(style, n, object.1, done.status(), shown.filter(|_| !delete))
}

/// The answer that starts operation `n` about object `id`.
fn announce(
    style: AsyncStyle,
    n: u64,
    id: u64,
    status: StatusCode,
    object: Option<Json>,
) -> Response {
    let op_path = format!("/operations/{n}");
    let op_header = |r: &mut Response, name: &'static str| {
        r.headers_mut()
            .insert(name, HeaderValue::from_str(&op_path).expect("ascii"));
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(1u64));
    };
    let object_or_empty = |status| match &object {
        Some(o) => json_response(status, o),
        None => empty(status),
    };
    match style {
        AsyncStyle::OperationLocation | AsyncStyle::IdInResult => {
            let answer = match style {
                AsyncStyle::OperationLocation => {
                    json!({"status": "running", "operation": op_path, "id": id})
                }
                _ => json!({"status": "running", "operation": op_path}),
            };
            let mut r = json_response(StatusCode::ACCEPTED, &answer);
            op_header(&mut r, "operation-location");
            r
        }
        AsyncStyle::Azure => {
            let accepted = if object.is_some() {
                status
            } else {
                StatusCode::ACCEPTED
            };
            let mut r = object_or_empty(accepted);
            op_header(&mut r, "azure-asyncoperation");
            r
        }
        AsyncStyle::StatusCode => {
            let mut r = object_or_empty(StatusCode::ACCEPTED);
            op_header(&mut r, "location");
            r
        }
        AsyncStyle::Object => object_or_empty(StatusCode::ACCEPTED),
    }
}

fn empty(status: StatusCode) -> Response {
    let mut r = Response::new(axum::body::Body::empty());
    *r.status_mut() = status;
    r
}

/// One look at operation `n` (a poll, or a read of its object): whether
/// it is finished, having taken effect; `None` for an unknown one.
fn advance(s: &mut Store, n: u64) -> Option<bool> {
    let op = s.operations.get_mut(&n)?;
    if op.polls_left > 1 {
        op.polls_left -= 1;
        return Some(false);
    }
    if op.done {
        return Some(true);
    }
    op.done = true;
    let op = op.clone();
    let (c, id) = op.object;
    let objects = s.collections.get_mut(&c);
    match (op.failure.is_some() || op.cancel, op.delete) {
        (true, _) => {
            if let Some(o) = objects.and_then(|m| m.get_mut(&id)) {
                o["state"] = json!("failed");
            }
        }
        (false, true) => {
            objects.map(|m| m.remove(&id));
        }
        (false, false) => {
            if let Some(o) = objects.and_then(|m| m.get_mut(&id)) {
                o["state"] = json!("ready");
            }
        }
    }
    Some(true)
}

/// A poll of operation `n`, answered in its style.
pub(crate) fn poll(s: &mut Store, n: u64) -> Response {
    s.counters.op_polls += 1;
    let Some(finished) = advance(s, n) else {
        return error(StatusCode::NOT_FOUND, "no such operation");
    };
    let Some(op) = s.operations.get(&n) else {
        return error(StatusCode::NOT_FOUND, "no such operation");
    };
    let (c, id) = &op.object;
    let resource = format!("{c}/{id}");
    let failed = op.failure.as_ref().map(|m| json!({"message": m}));
    match (op.style, finished) {
        (AsyncStyle::StatusCode, false) => empty(StatusCode::ACCEPTED),
        (AsyncStyle::StatusCode, true) => match failed {
            Some(e) => json_response(StatusCode::CONFLICT, &json!({"error": e})),
            None => empty(StatusCode::OK),
        },
        (AsyncStyle::Azure, false) => {
            json_response(StatusCode::OK, &json!({"status": "InProgress"}))
        }
        (AsyncStyle::Azure, true) => json_response(
            StatusCode::OK,
            &match (failed, op.cancel) {
                (Some(e), _) => json!({"status": "Failed", "error": e}),
                (None, true) => json!({"status": "Canceled"}),
                (None, false) => json!({"status": "Succeeded"}),
            },
        ),
        (_, false) => json_response(StatusCode::OK, &json!({"status": "running"})),
        (_, true) => json_response(
            StatusCode::OK,
            &match (failed, op.cancel) {
                (Some(e), _) => json!({"status": "failed", "error": e}),
                (None, true) => json!({"status": "canceled"}),
                (None, false) => {
                    json!({"status": "succeeded", "resource": resource, "resourceLocation": resource, "resourceId": id})
                }
            },
        ),
    }
}

/// A read of object `id` of collection `c`: its operations go on, as a
/// real API's do whoever looks (a client may follow the object rather than
/// the operation).
pub(crate) fn object_read(s: &mut Store, c: &str, id: u64) {
    let running: Vec<u64> = s
        .operations
        .iter()
        .filter(|(_, op)| !op.done && op.object.0 == c && op.object.1 == id)
        .map(|(n, _)| *n)
        .collect();
    for n in running {
        advance(s, n);
    }
}
