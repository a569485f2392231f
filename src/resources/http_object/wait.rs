//! Waiting on the API: following long-running operations (`poll`),
//! readiness (`wait_for`), and reads that tolerate eventual consistency
//! (`consistency_window`). Every request goes through the engine; every
//! wait stops at the operation's deadline or Terraform's stop.

use crate::http_client::HttpClient;
use std::time::Duration;

use drivers::http::Method;
use serde_json::Value as Json;

use super::now_ms;
use super::settings::{DEFAULT_POLL_INTERVAL, Poll, Settings};
use crate::Diagnostics;
use crate::failure::report;
use crate::pointer::Pointer;
pub(super) use crate::resources::pause::pause;
use crate::runtime::Runtime;
use drivers::http::{HttpRequest, HttpResponse};
use drivers::{Operation, Outcome};
use engine::{EngineError, OperationContext};

fn text(j: &Json) -> Option<String> {
    match j {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A GET of a status link (a path below the endpoint).
fn get(path: String, query: Vec<(String, String)>) -> HttpRequest {
    let mut r = HttpRequest::new(Operation::Read, Method::GET, path);
    r.query = query;
    r
}

/// After a write answered `resp`: if it started a long-running operation,
/// follows it to the end and gives the last poll's answer (`Ok(None)`:
/// nothing to follow; `Json::Null` when it had no JSON body). `object`
/// reads the object itself (polled when the API gives no status URL; for
/// a delete, its 404 means done; `None` when the object is not known yet).
pub(super) async fn settle(
    rt: &Runtime,
    s: &Settings,
    resp: &HttpResponse,
    object: Option<&HttpRequest>,
    ctx: &OperationContext,
    op: Operation,
) -> Result<Option<Json>, Diagnostics> {
    let Some(poll) = &s.poll else {
        return Ok(None);
    };
    let body: Option<Json> = serde_json::from_slice(&resp.body).ok();
    let status = status_of(poll, resp.status, body.as_ref());
    // An operation header says the work goes on, whatever the status.
    let running = resp.status == 202
        || async_operation(resp).is_some()
        || resp.operation_location.is_some()
        || status.as_ref().is_some_and(|st| poll.pending.contains(st));
    if !running {
        return Ok(None);
    }
    let link = if poll.object_only {
        None
    } else {
        status_link(poll, resp, body.as_ref())
    };
    let (request, shown) = poll_request(rt, link.as_deref(), object)?;
    let mut polling = Polling {
        request,
        shown,
        polling_object: link.is_none(),
        azure: link.is_some() && link == async_operation(resp),
        wait: resp.retry_after.unwrap_or(poll.interval),
        last: status.unwrap_or_else(|| "202 Accepted".into()),
        polls: 0,
    };
    // Without a timeout for the operation, a server that answers "still
    // running" forever is not followed forever either.
    let limit = ctx
        .deadline
        .is_none()
        .then(|| tokio::time::Instant::now() + UNTIMED_POLL_LIMIT);
    loop {
        if let Some(done) = polling.poll_once(rt, poll, ctx, op).await? {
            return Ok(Some(done));
        }
        if limit.is_some_and(|l| tokio::time::Instant::now() >= l) {
            let mut d = Diagnostics::new();
            d.error(
                "Operation still running",
                format!(
                    "The {op} operation at {} is still running (status {:?}) after {} polls over \
                     {} hours, the limit without a timeout. It may still finish: check it, and \
                     set timeouts.{op} to wait longer.",
                    polling.shown,
                    polling.last,
                    polling.polls,
                    UNTIMED_POLL_LIMIT.as_secs() / 3600
                ),
            );
            return Err(d);
        }
    }
}

/// How long an operation is followed when its `timeouts` set no limit.
const UNTIMED_POLL_LIMIT: Duration = Duration::from_secs(2 * 3600);

/// An answer's status: at `status_pointer` in its body, or (without one)
/// its HTTP status code.
fn status_of(poll: &Poll, code: u16, body: Option<&Json>) -> Option<String> {
    match &poll.status_pointer {
        Some(p) => body.and_then(|b| p.get(b)).and_then(text),
        None => Some(code.to_string()),
    }
}

/// Azure's `Azure-AsyncOperation` header: the operation's status URL.
fn async_operation(resp: &HttpResponse) -> Option<String> {
    resp.headers
        .iter()
        .find(|(k, _)| k == "azure-asyncoperation")
        .map(|(_, v)| v.clone())
}

/// Where the operation's status is: the URL at `url_pointer` in the
/// answer, else `Azure-AsyncOperation`, else `Operation-Location`, else
/// the `Location` of a 202.
fn status_link(poll: &Poll, resp: &HttpResponse, body: Option<&Json>) -> Option<String> {
    poll.url_pointer
        .as_ref()
        .and_then(|p| {
            body.and_then(|b| p.get(b))
                .and_then(Json::as_str)
                .map(str::to_owned)
        })
        .or_else(|| async_operation(resp))
        .or_else(|| resp.operation_location.clone())
        .or_else(|| {
            (resp.status == 202)
                .then(|| resp.location.clone())
                .flatten()
        })
}

/// The request that polls `link` (or the object itself), and its URL for
/// messages. A status link is polled only below the endpoint: the
/// provider's requests never go anywhere else.
fn poll_request(
    rt: &Runtime,
    link: Option<&str>,
    object: Option<&HttpRequest>,
) -> Result<(HttpRequest, String), Diagnostics> {
    let client = rt.client::<HttpClient>()?;
    let (l, object) = match (link, object) {
        (Some(l), object) => (l, object),
        (None, Some(o)) => return Ok((o.clone(), client.url(&o.path))),
        (None, None) => {
            let mut d = Diagnostics::new();
            d.error(
                "Nothing to poll",
                "The API answered that the work goes on, but named no status URL and no id \
                 for the object, so there is nothing to follow. Set poll.url_pointer to where \
                 the answer names its operation, or id_pointer to where it names the object.",
            );
            return Err(d);
        }
    };
    match crate::template::resolve_link(l, client.base_url()) {
        Ok((path, query)) => {
            let mut r = get(path, query);
            if let Some(o) = object {
                r.headers = o.headers.clone();
            }
            let shown = client.url(&r.path);
            Ok((r, shown))
        }
        Err(e) => {
            let mut d = Diagnostics::new();
            d.error(
                "Status URL refused",
                rt.scrub(&format!(
                    "The API answered that the operation goes on at a URL the provider does not \
                     send requests to: {e}. The operation may still be running: check it, then \
                     run terraform apply again."
                )),
            );
            Err(d)
        }
    }
}

/// A long-running operation being followed.
struct Polling {
    request: HttpRequest,
    shown: String,
    /// The object itself is polled (no status URL).
    polling_object: bool,
    /// The status URL is Azure's `Azure-AsyncOperation`.
    azure: bool,
    wait: Duration,
    last: String,
    polls: u32,
}

impl Polling {
    /// Waits, polls once: the last answer when the operation is over,
    /// `None` while it runs, an error when it failed.
    async fn poll_once(
        &mut self,
        rt: &Runtime,
        poll: &Poll,
        ctx: &OperationContext,
        op: Operation,
    ) -> Result<Option<Json>, Diagnostics> {
        let client = rt.client::<HttpClient>()?;
        let shown = &self.shown;
        let what = format!(
            "The operation at {shown} (last status {:?}, {} polls)",
            self.last, self.polls
        );
        pause(self.wait, ctx, &what).await?;
        self.polls += 1;
        let mut d = Diagnostics::new();
        let r = match client.execute(&self.request, ctx).await {
            Ok(Outcome::Done(r)) => r,
            // The object itself is gone: a delete is done.
            Ok(Outcome::Gone) if self.polling_object && op == Operation::Delete => {
                return Ok(Some(Json::Null));
            }
            Ok(Outcome::Gone) => {
                d.error(
                    "Operation not found",
                    format!("GET {shown} answered 404 while following the operation."),
                );
                return Err(d);
            }
            Err(e) => {
                report(rt, &mut d, "Polling failed", &format!("GET {shown}"), &e);
                return Err(d);
            }
        };
        let answer: Json = serde_json::from_slice(&r.body).unwrap_or(Json::Null);
        match self.status(poll, op, r.status, &answer) {
            Some(st) if poll.success.contains(&st) => {
                tracing::debug!(polls = self.polls, url = %shown, "operation finished");
                Ok(Some(answer))
            }
            Some(st) if poll.pending.contains(&st) => {
                self.last = st;
                self.wait = r.retry_after.unwrap_or(poll.interval);
                Ok(None)
            }
            other => {
                let message = failure_message(poll, &answer);
                d.error(
                    "Operation failed",
                    rt.scrub(&format!(
                        "The {op} operation at {shown} ended with status {}{}.",
                        other.map_or_else(|| "(none)".to_owned(), |s| format!("{s:?}")),
                        message
                            .map(|m| format!(". The API says: {m}"))
                            .unwrap_or_default()
                    )),
                );
                Err(d)
            }
        }
    }
}

impl Polling {
    /// A poll answer's status. Polling by HTTP status code (no
    /// `status_pointer`) needs two exceptions: an `Azure-AsyncOperation`
    /// URL always answers 200, with the status at `/status`
    /// (`Succeeded`, `Failed`, `Canceled`, else running); and a deleted
    /// object polled itself is gone only at its 404, so any answer means
    /// it is still there.
    fn status(&self, poll: &Poll, op: Operation, code: u16, answer: &Json) -> Option<String> {
        let running = || poll.pending.first().cloned();
        if self.polling_object && op == Operation::Delete {
            // The object is gone only at its 404: while it answers (even
            // with a success status, as before the delete took effect),
            // the delete runs, unless its status says it failed.
            return match status_of(poll, code, Some(answer)) {
                Some(s)
                    if poll.status_pointer.is_some()
                        && !poll.success.contains(&s)
                        && !poll.pending.contains(&s) =>
                {
                    Some(s)
                }
                _ => running(),
            };
        }
        if poll.status_pointer.is_some() {
            return status_of(poll, code, Some(answer));
        }
        if self.azure {
            return match answer.get("status").and_then(Json::as_str) {
                Some("Succeeded") => poll.success.first().cloned(),
                Some(s @ ("Failed" | "Canceled")) => Some(s.to_owned()),
                _ => running(),
            };
        }
        Some(code.to_string())
    }
}

fn failure_message(poll: &Poll, answer: &Json) -> Option<String> {
    let explicit = poll
        .message_pointer
        .as_ref()
        .and_then(|p| p.get(answer))
        .and_then(text);
    explicit.or_else(|| {
        ["/error/message", "/message", "/error", "/detail"]
            .iter()
            .filter_map(|p| Pointer::parse(p).ok())
            .find_map(|p| p.get(answer).and_then(text))
    })
}

/// Reads the object until `wait_for` holds; returns the ready object.
pub(super) async fn ready(
    rt: &Runtime,
    s: &Settings,
    object: &HttpRequest,
    reading: &super::answer::Reading,
    ctx: &OperationContext,
) -> Result<Option<Json>, Diagnostics> {
    let Some(w) = &s.wait_for else {
        return Ok(None);
    };
    let client = rt.client::<HttpClient>()?;
    let interval = s
        .poll
        .as_ref()
        .map_or(DEFAULT_POLL_INTERVAL, |p| p.interval);
    let request = object;
    let object_path = &object.path;
    let mut last: Option<String> = None;
    loop {
        match client.execute(request, ctx).await {
            Ok(Outcome::Done(r)) => {
                let obj = match super::answer::read(&r, reading) {
                    Ok(super::answer::Found::Object(j)) => j,
                    _ => Json::Null,
                };
                let value = w.pointer.get(&obj).and_then(text);
                if value.as_ref().is_some_and(|v| w.values.contains(v)) {
                    return Ok(Some(obj));
                }
                last = value;
            }
            // Not visible yet: keep waiting.
            Ok(Outcome::Gone) => {}
            Err(e) => {
                let mut d = Diagnostics::new();
                report(
                    rt,
                    &mut d,
                    "Waiting for readiness failed",
                    &format!("GET {}", client.url(object_path)),
                    &e,
                );
                return Err(d);
            }
        }
        let what = format!(
            "Waiting for {} to be one of {:?} at {} (now {})",
            w.pointer,
            w.values,
            client.url(object_path),
            last.as_deref()
                .map_or("absent".to_owned(), |v| format!("{v:?}"))
        );
        pause(interval, ctx, &what).await?;
    }
}

/// GET of the object that treats a 404 within `consistency_window` of our
/// last write as "not visible yet".
pub(super) async fn read_object(
    rt: &Runtime,
    s: &Settings,
    object: &HttpRequest,
    ctx: &OperationContext,
    last_write_ms: Option<u64>,
) -> Result<Result<Outcome<HttpResponse>, EngineError>, Diagnostics> {
    let client = rt.client::<HttpClient>()?;
    let request = object;
    let object_path = &object.path;
    let mut delay = Duration::from_millis(250);
    loop {
        let r = client.execute(request, ctx).await;
        let window_left = last_write_ms
            .map(|t| (t + s.consistency_window.as_millis() as u64).saturating_sub(now_ms()))
            .unwrap_or(0);
        if !matches!(r, Ok(Outcome::Gone)) || window_left == 0 {
            return Ok(r);
        }
        tracing::debug!(
            object_path,
            window_left_ms = window_left,
            "404 soon after a write: retrying"
        );
        let wait = delay.min(Duration::from_millis(window_left));
        pause(
            wait,
            ctx,
            &format!("Reading {} after a write", client.url(object_path)),
        )
        .await?;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
