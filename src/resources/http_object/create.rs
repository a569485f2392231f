//! Creating the object: one request (with the plan's idempotency key), then
//! following a long-running operation, readiness, and reading it back.
//!
//! Exactly once: an object the API may have created is never dropped from
//! state. When the answer is lost (the connection broke after sending, the
//! API went down), the object is looked up by `natural_key` and adopted if
//! it is there; otherwise it is kept in state as tainted with a `pending`
//! mark, which refresh resolves by the same lookup. With `adopt_existing`,
//! an object that already has the natural key is adopted instead of
//! created again.

use super::args::HttpObjectArgs;
use crate::http_client::HttpClient;
use crate::resources::kept_answer::KeptAnswer;
use serde_json::Value as Json;

use super::body::{id_text, payload, write_only_pointers};
use super::lookup::{self, Found};
use super::read::read_back_at_path;
use super::settings::Settings;
use super::{PENDING_ID, Private, TYPE, answer, now_ms, response, settings, update, wait};
use crate::drift::{reconcile, server_added, server_spelling};
use crate::failure;
use crate::json::{from_json, to_json};
use crate::resource::{CreateRequest, CreateResponse, UpdateRequest};
use crate::runtime::Runtime;
use crate::{Diagnostics, Type, Value};
use drivers::http::{Body, HttpRequest, HttpResponse, IDEMPOTENCY_KEY};
use drivers::{Operation, Outcome};
use engine::OperationContext;

/// Nothing was created.
fn nothing(diagnostics: Diagnostics) -> CreateResponse {
    CreateResponse {
        diagnostics,
        ..Default::default()
    }
}

pub(super) async fn create(rt: &Runtime, req: CreateRequest) -> CreateResponse {
    let mut diags = Diagnostics::new();
    let Some(s) = settings::parse_for_apply(&req.config, &mut diags) else {
        return nothing(diags);
    };
    let s = &s;
    let planned_body = planned_body(&req.planned_state);
    let body_json = to_json(&planned_body).unwrap_or(Json::Null);
    // Held until the create has settled (the guard drops on return).
    let _lock = match s.write_lock(rt, &body_json, s.timeouts.create).await {
        Ok(guard) => guard,
        Err(d) => return nothing(d),
    };
    if s.adopt_existing {
        match existing(rt, s, &body_json).await {
            Ok(None) => {}
            Ok(Some((id, object, why))) => return adopt(rt, s, req, id, object, &why).await,
            Err(d) => return nothing(d),
        }
    }
    let http = match create_request(rt, s, &req, &planned_body, &body_json) {
        Ok(h) => h,
        Err(d) => return nothing(d),
    };
    let ctx = OperationContext::new(s.timeouts.create, rt.stop.clone()).about(TYPE, None);
    if let Some(p) = &s.create.precheck {
        let values = s.values(None, &body_json, None);
        if let Err(d) = crate::resources::precheck::wait(rt, p, &values, "create", &ctx).await {
            return nothing(d);
        }
    }
    match send(rt, s, &http, &ctx, &body_json).await {
        Sent::Answered(resp) => identified(rt, s, req, &http, &resp, &body_json, &ctx).await,
        Sent::Failed(d) => nothing(d),
        Sent::Found { id, object, note } => adopt(rt, s, req, id, object, &note).await,
        Sent::Unknown { why, found } => unknown_outcome(rt, s, req, &why, found).await,
    }
}

/// The planned body of a state.
fn planned_body(planned: &Value) -> Value {
    planned
        .get(HttpObjectArgs::BODY)
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic))
}

/// With `adopt_existing`: the object that already has the natural key,
/// with why it is adopted; `Err` when nothing may be created.
async fn existing(
    rt: &Runtime,
    s: &Settings,
    body_json: &Json,
) -> Result<Option<(String, Json, String)>, Diagnostics> {
    let mut diags = Diagnostics::new();
    match lookup::find(rt, s, body_json).await {
        Ok(Found::One { id, object }) => {
            let why = format!(
                "An object with the same natural key ({}) already exists as {}; it was \
                 adopted instead of creating a duplicate (adopt_existing).",
                lookup::describe(body_json, &s.natural_key),
                id
            );
            Ok(Some((id, object, why)))
        }
        Ok(Found::Absent) => Ok(None),
        Ok(Found::Many(n)) => {
            diags.attribute_error(
                crate::AttributePath::root(HttpObjectArgs::NATURAL_KEY),
                "Natural key is not unique",
                format!(
                    "{n} objects in the collection have {}; adopt_existing will not guess \
                     which one is meant. Nothing was created.",
                    lookup::describe(body_json, &s.natural_key)
                ),
            );
            Err(diags)
        }
        Err(d) => {
            diags.extend(d);
            diags.error(
                "Not created",
                "adopt_existing could not check whether the object already exists, so \
                 nothing was created (creating could duplicate it). Run apply again.",
            );
            Err(diags)
        }
    }
}

/// The create request, with the plan's idempotency key: the same on every
/// retry of this create.
fn create_request(
    rt: &Runtime,
    s: &Settings,
    req: &CreateRequest,
    planned_body: &Value,
    body_json: &Json,
) -> Result<HttpRequest, Diagnostics> {
    let values = s.values(None, body_json, None);
    let payload = payload(rt, s, &s.create, planned_body, &req.config, &values, true)?;
    let mut http = super::request_for(rt, &s.create, values, payload)?;
    if let Some(key) = Private::decode(&req.planned_private).idempotency_key
        && !http
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(IDEMPOTENCY_KEY))
    {
        http.headers.push((IDEMPOTENCY_KEY.to_owned(), key));
    }
    // With a natural key, a create that may have happened is looked up
    // before it is sent again, rather than trusting the API to honour the
    // idempotency key.
    http.check_before_repeat = !s.natural_key.is_empty();
    Ok(http)
}

/// Sends at most this many creates with one key while its outcome is unknown.
const MAX_KEYED_SENDS: u32 = 30;

/// Time between two sends of a create whose outcome is unknown.
const KEYED_RESEND_PAUSE: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether a create whose outcome is unknown (no natural key to look it up)
/// is sent again with the same `Idempotency-Key`, after a pause: only
/// within `timeouts.create` (without one, the outcome is reported at once),
/// not after Terraform asked to stop, and at most `MAX_KEYED_SENDS` times.
/// An API that honours the key answers with the object the first send made.
async fn resend_with_key(
    rt: &Runtime,
    http: &HttpRequest,
    ctx: &OperationContext,
    sends: u32,
) -> bool {
    let keyed = http
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case(IDEMPOTENCY_KEY));
    let Some(deadline) = ctx.deadline else {
        return false;
    };
    let time_left = deadline.saturating_duration_since(tokio::time::Instant::now());
    if !keyed
        || rt.stop.is_cancelled()
        || sends >= MAX_KEYED_SENDS
        || time_left <= KEYED_RESEND_PAUSE
    {
        return false;
    }
    wait::pause(
        KEYED_RESEND_PAUSE,
        ctx,
        "Sending the create again with its key",
    )
    .await
    .is_ok()
}

/// How sending the create went.
enum Sent {
    /// The API answered success.
    Answered(HttpResponse),
    /// Nothing was created.
    Failed(Diagnostics),
    /// The answer was lost, and the object was found by its natural key.
    Found {
        id: String,
        object: Json,
        note: String,
    },
    /// The answer was lost, and the object could not be found (`found`:
    /// what the lookup said, if there was one).
    Unknown {
        why: String,
        found: Option<Result<Found, Diagnostics>>,
    },
}

/// Sends the create. When its answer is lost, the object is looked up by
/// its natural key (if any): found, it is adopted; known absent, the
/// create is sent again, a few times.
async fn send(
    rt: &Runtime,
    s: &Settings,
    http: &HttpRequest,
    ctx: &OperationContext,
    body_json: &Json,
) -> Sent {
    let client = match rt.client::<HttpClient>() {
        Ok(c) => c,
        Err(d) => return Sent::Failed(d),
    };
    let target = format!("{} {}", http.method, client.url(&http.path));
    let mut diags = Diagnostics::new();
    let mut sends = 0;
    // Why an earlier send's outcome is unknown: a later send that fails
    // before reaching the API (the breaker open) does not make it known.
    let mut unknown: Option<String> = None;
    loop {
        sends += 1;
        match client.execute(http, ctx).await {
            Ok(Outcome::Done(r)) => return Sent::Answered(r),
            Ok(Outcome::Gone) if unknown.is_none() => {
                diags.error(
                    "Create failed",
                    format!(
                        "{target} answered 404 Not Found: the collection path does not exist. \
                         Check path and the provider's endpoint."
                    ),
                );
                return Sent::Failed(diags);
            }
            Err(e) if e.outcome_unknown() => {
                let why = failure::explain(rt, &target, &e);
                let found = match s.natural_key.is_empty() || rt.stop.is_cancelled() {
                    true => None,
                    false => Some(lookup::find(rt, s, body_json).await),
                };
                if found.is_none() && resend_with_key(rt, http, ctx, sends).await {
                    unknown = Some(why);
                    continue;
                }
                match found {
                    Some(Ok(Found::One { id, object })) => {
                        let note = format!(
                            "The create's answer was lost ({}), so the object was looked up by \
                             its natural key ({}) and adopted.",
                            rt.scrub(&why),
                            lookup::describe(body_json, &s.natural_key)
                        );
                        return Sent::Found { id, object, note };
                    }
                    // Not created: safe to send again, a few times.
                    Some(Ok(Found::Absent)) if sends < MAX_SENDS => continue,
                    found => return Sent::Unknown { why, found },
                }
            }
            Err(e) if unknown.is_none() => {
                failure::report(rt, &mut diags, "Create failed", &target, &e);
                return Sent::Failed(diags);
            }
            // A resend that did not get through: the first may have.
            _ => {
                if resend_with_key(rt, http, ctx, sends).await {
                    continue;
                }
                let why = unknown.take().unwrap_or_default();
                return Sent::Unknown { why, found: None };
            }
        }
    }
}

/// The create answered success: which object is it? By its id in the
/// answer, else by its natural key; otherwise its outcome is unknown.
async fn identified(
    rt: &Runtime,
    s: &Settings,
    req: CreateRequest,
    http: &HttpRequest,
    resp: &HttpResponse,
    body_json: &Json,
    ctx: &OperationContext,
) -> CreateResponse {
    let parsed = answer::written(
        resp,
        s.create.pointer.as_ref(),
        body_json,
        s.read.patch.as_ref(),
    );
    if let Some(id) = created_id(s, resp, parsed.as_ref(), body_json) {
        return finish(rt, s, req, id, resp, parsed, ctx).await;
    }
    // An operation may name its object only once it is done.
    match id_from_operation(rt, s, resp, ctx).await {
        Some(Ok(id)) => return finish(rt, s, req, id, &followed(resp), None, ctx).await,
        Some(Err(d)) => {
            let why = "The create started an operation that did not name the object";
            let mut r = unknown_outcome(rt, s, req, why, None).await;
            r.diagnostics.extend(d);
            return r;
        }
        None => {}
    }
    // It answered success, so the object exists, but which one is it?
    let target = match rt.client::<HttpClient>() {
        Ok(c) => format!("{} {}", http.method, c.url(&http.path)),
        Err(_) => http.path.clone(),
    };
    let why = format!(
        "{target} answered {} with {}, which has no id at {} (id_pointer), and no \
         Location header names the object",
        resp.status,
        if parsed.is_some() {
            "a JSON object".to_owned()
        } else {
            answer::not_an_object(resp)
        },
        s.id_pointer
    );
    let found = match s.natural_key.is_empty() {
        true => None,
        false => Some(lookup::find(rt, s, body_json).await),
    };
    if let Some(Ok(Found::One { id, object })) = found {
        let note = format!(
            "{why}; the object was found by its natural key ({}) and adopted.",
            lookup::describe(body_json, &s.natural_key)
        );
        return adopt(rt, s, req, id, object, &rt.scrub(&note)).await;
    }
    unknown_outcome(rt, s, req, &why, found).await
}

/// The id of an object whose create answered without one but started an
/// operation: followed to its end, the id is in its last answer (at
/// `poll.id_pointer`, else the last segment of `resourceLocation`).
/// `None` when the answer started no operation.
async fn id_from_operation(
    rt: &Runtime,
    s: &Settings,
    resp: &HttpResponse,
    ctx: &OperationContext,
) -> Option<Result<String, Diagnostics>> {
    let poll = s.poll.as_ref()?;
    let last = match wait::settle(rt, s, resp, None, ctx, Operation::Create).await {
        Ok(last) => last?,
        Err(d) => return Some(Err(d)),
    };
    let id = match &poll.id_pointer {
        Some(p) => p.get(&last).and_then(id_text),
        None => last
            .get("resourceLocation")
            .and_then(Json::as_str)
            .and_then(last_segment),
    };
    Some(id.ok_or_else(|| {
        let mut d = Diagnostics::new();
        let at = poll
            .id_pointer
            .as_ref()
            .map_or("/resourceLocation".to_owned(), ToString::to_string);
        d.error(
            "No id in the finished operation",
            format!(
                "The create's operation finished, but its last answer has no id at {at}. Set \
                 poll.id_pointer to where it names the new object."
            ),
        );
        d
    }))
}

/// The answer of a create whose operation was followed to its end: a
/// plain success, with nothing left to follow.
fn followed(resp: &HttpResponse) -> HttpResponse {
    HttpResponse {
        status: 200,
        location: None,
        operation_location: None,
        content_type: None,
        retry_after: None,
        body: bytes::Bytes::new(),
        pause: resp.pause,
        pace: resp.pace,
        next_link: None,
        headers: Vec::new(),
    }
}

/// The last segment of a path or URL (query and fragment dropped),
/// percent-decoded.
fn last_segment(l: &str) -> Option<String> {
    let l = l.split(['?', '#']).next().unwrap_or(l);
    l.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|x| !x.is_empty())
        .map(|x| {
            percent_encoding::percent_decode_str(x)
                .decode_utf8_lossy()
                .into_owned()
        })
}

/// The new object's id: at `id_pointer` in the answer, else the last
/// segment of `Location` (not on a 202, where it names the operation),
/// else at `id_pointer` in the body sent (an id the client chose).
/// An empty id is fine when the object path does not use it.
fn created_id(
    s: &Settings,
    resp: &HttpResponse,
    parsed: Option<&Json>,
    body: &Json,
) -> Option<String> {
    let whole: Option<Json> = serde_json::from_slice(&resp.body).ok();
    whole
        .as_ref()
        .and_then(|j| s.id_pointer.get(j))
        .or_else(|| parsed.and_then(|j| s.id_pointer.get(j)))
        .and_then(id_text)
        .or_else(|| {
            // `id_pointer = ""` and a plain-text answer: the text is the id.
            let text = std::str::from_utf8(&resp.body).ok()?.trim();
            (s.id_pointer.tokens().is_empty()
                && whole.is_none()
                && !text.is_empty()
                && text.len() <= 1024
                && !text.contains(char::is_whitespace))
            .then(|| text.to_owned())
        })
        .or_else(|| {
            resp.location
                .as_deref()
                .filter(|_| resp.status != 202)
                .and_then(last_segment)
        })
        // An id the configuration chose, sent in the body (restapi's
        // `id_attribute` in `data`): the API answered success to it. With a
        // natural key, the object is looked up instead: an API that ignored
        // the chosen id is not taken at its word.
        .or_else(|| {
            s.natural_key
                .is_empty()
                .then(|| s.id_pointer.get(body).and_then(id_text))
                .flatten()
        })
        // Objects whose paths do not use the id (created by PUT at a name):
        // the object's path is its id.
        .or_else(|| {
            let id_used = [&s.read, &s.update, &s.delete]
                .iter()
                .any(|op| op.path.uses_id() || op.search.iter().any(|(_, t)| t.uses_id()));
            (!id_used)
                .then(|| {
                    // The path alone: the read's query may name the answer.
                    s.read
                        .path
                        .render_path(&s.values(None, body, None))
                        .ok()
                        .map(|t| t.path)
                })
                .flatten()
        })
}

/// After the create succeeded: follows the operation, waits for readiness,
/// and fills `response`. The object exists from here on, so a failure keeps
/// it in state (tainted); a stop (Ctrl-C) keeps it untainted, to be read
/// on the next refresh.
async fn finish(
    rt: &Runtime,
    s: &Settings,
    req: CreateRequest,
    id: String,
    resp: &HttpResponse,
    parsed: Option<Json>,
    ctx: &OperationContext,
) -> CreateResponse {
    let mut diags = Diagnostics::new();
    let mut private = Private {
        write_only_pointers: write_only_pointers(&req.config),
        last_write_ms: Some(now_ms()),
        ..Default::default()
    };
    let state = req
        .planned_state
        .with_attr(HttpObjectArgs::ID, Value::string(&id));
    let planned_body = planned_body(&req.planned_state);
    let body_json = to_json(&planned_body).unwrap_or(Json::Null);
    let tracked = |private: &Private, diagnostics| CreateResponse {
        new_state: Some(state.with_attr(KeptAnswer::RESPONSE, Value::Null(Type::Dynamic))),
        private: private.encode(),
        diagnostics,
    };
    let shown = |r: &HttpRequest| {
        rt.client::<HttpClient>()
            .map_or_else(|_| r.path.clone(), |c| c.url(&r.path))
    };
    // The create's answer is the server's last word: `{response/…}`.
    let values = s.values(Some(&id), &body_json, parsed.as_ref());
    let (object, reading) = match super::request_for(rt, &s.read, values, Body::Empty)
        .and_then(|r| Ok((r, s.reading(&values)?)))
    {
        Ok(r) => r,
        Err(d) => return tracked(&private, d),
    };
    let outcome = match settled(rt, s, resp, &object, &reading, ctx).await {
        // The object is the ready one, or the create answer when it is the
        // object; otherwise it is read back.
        Ok((_, Some(ready))) => Ok(ready),
        Ok((false, None)) if parsed.is_some() => {
            // Not read at its own path: that path is unproven yet.
            private.unconfirmed = true;
            Ok(parsed.clone().unwrap_or(Json::Null))
        }
        Ok(_) => match read_back_at_path(rt, s, &id, &body_json, parsed.as_ref()).await {
            Ok(Some(j)) => Ok(j),
            // Created, with an id, but its path answers 404: a wrong path
            // far more often than a vanished object. Tainting it would
            // have the next apply delete at that path (404, "done") and
            // create another: it is kept, untainted, with a warning.
            Ok(None) => {
                diags.extend(not_found_at_path(&id, &shown(&object)));
                private.unconfirmed = true;
                Ok(parsed.clone().unwrap_or(Json::Null))
            }
            Err(d) => Err(d),
        },
        Err(d) => Err(d),
    };
    private.unconfirmed |= outcome.is_err();
    let response = match outcome {
        Ok(v) => v,
        Err(_) if rt.stop.is_cancelled() && s.wait_for.is_none() => {
            diags.extend(interrupted(&shown(&object)));
            parsed.clone().unwrap_or(Json::Null)
        }
        // The object exists: keep it tracked, with what we know.
        Err(d) => return tracked(&private, d),
    };
    let stored = remember(s, &mut private, &planned_body, &response);
    CreateResponse {
        new_state: Some(state.with_attr(KeptAnswer::RESPONSE, stored)),
        private: private.encode(),
        diagnostics: diags,
    }
}

/// What the server answered for the new object: remembered (its spelling
/// of the body, the elements it added) and made into `response`.
fn remember(s: &Settings, private: &mut Private, planned_body: &Value, response: &Json) -> Value {
    if response.is_object() {
        private.spelling = server_spelling(planned_body, response, &s.drift_rules);
        private.added = server_added(planned_body, response, &s.drift_rules);
    }
    if response.is_null() {
        return Value::Null(Type::Dynamic);
    }
    response::stored(
        from_json(response),
        &private.write_only_pointers,
        s.response_fields.as_deref(),
    )
}

/// The warning for a new object whose read path answers 404 (`shown`).
fn not_found_at_path(id: &str, shown: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.warning(
        "Created, but not found at its path",
        format!(
            "The new object {id:?} answers 404 at {shown}: object_path (or id_pointer, or the \
             read block's path) is probably wrong. It is kept in state so that it is not \
             created again; fix the path and apply."
        ),
    );
    d
}

/// The warning for a create stopped before its object (at `shown`) was
/// read back.
fn interrupted(shown: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.warning(
        "Interrupted after the object was created",
        format!(
            "{shown} exists and is in state; Terraform asked the provider to stop before it was \
             read back, which the next plan does."
        ),
    );
    d
}

/// Follows the create's operation and waits for readiness: whether it
/// was polled, and the ready object if `wait_for` read it.
async fn settled(
    rt: &Runtime,
    s: &Settings,
    resp: &HttpResponse,
    object: &HttpRequest,
    reading: &super::answer::Reading,
    ctx: &OperationContext,
) -> Result<(bool, Option<Json>), Diagnostics> {
    let polled = wait::settle(rt, s, resp, Some(object), ctx, Operation::Create).await?;
    let ready = wait::ready(rt, s, object, reading, ctx).await?;
    Ok((polled.is_some(), ready))
}

/// Most times one create is sent when lookups show it did not happen.
const MAX_SENDS: u32 = 3;

/// Sends the create of a pending object (`prior`, its state) again with
/// the key it was first sent with (`key`): an API that honours keys
/// answers with the object the first send made, whose id this returns (an
/// API that does not makes one now, whose id this returns too, so that it
/// is deleted rather than left behind). `body_wo` is not in state and is
/// not sent again.
pub(super) async fn replay(
    rt: &Runtime,
    s: &Settings,
    prior: &Value,
    key: &str,
) -> Result<Option<String>, Diagnostics> {
    let body = planned_body(prior);
    let body_json = to_json(&body).unwrap_or(Json::Null);
    let values = s.values(None, &body_json, None);
    let sent = payload(
        rt,
        s,
        &s.create,
        &body,
        &Value::Null(Type::Dynamic),
        &values,
        true,
    )?;
    let mut http = super::request_for(rt, &s.create, values, sent)?;
    http.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case(IDEMPOTENCY_KEY));
    http.headers
        .push((IDEMPOTENCY_KEY.to_owned(), key.to_owned()));
    let client = rt.client::<HttpClient>()?;
    let ctx = OperationContext::new(s.timeouts.create, rt.stop.clone()).about(TYPE, None);
    let target = format!("{} {}", http.method, client.url(&http.path));
    match client.execute(&http, &ctx).await {
        Ok(Outcome::Done(resp)) => {
            let parsed = answer::written(
                &resp,
                s.create.pointer.as_ref(),
                &body_json,
                s.read.patch.as_ref(),
            );
            Ok(created_id(s, &resp, parsed.as_ref(), &body_json))
        }
        Ok(Outcome::Gone) => Ok(None),
        Err(e) => {
            let mut d = Diagnostics::new();
            failure::report(
                rt,
                &mut d,
                "Finding the object of an unfinished create failed",
                &target,
                &e,
            );
            Err(d)
        }
    }
}

/// The create may have happened, but its answer says nothing usable and
/// the lookup by natural key (if any: `found`) did not find it. It is kept
/// in state, tainted and marked pending, for refresh to resolve.
async fn unknown_outcome(
    rt: &Runtime,
    s: &Settings,
    req: CreateRequest,
    why: &str,
    found: Option<Result<Found, Diagnostics>>,
) -> CreateResponse {
    let mut diags = Diagnostics::new();
    let why = why.trim_end_matches('.');
    let lookup_note = match found {
        None if rt.stop.is_cancelled() && !s.natural_key.is_empty() => {
            " Terraform asked the provider to stop, so the next plan looks it up by natural key."
                .to_owned()
        }
        None | Some(Ok(Found::One { .. })) => String::new(),
        Some(Ok(Found::Absent)) => " It is not listed yet; the next plan looks again.".into(),
        Some(Ok(Found::Many(n))) => format!(
            " {n} objects have its natural key, so it cannot be told apart; the next plan looks \
             again."
        ),
        Some(Err(d)) => {
            diags.extend(d);
            " Looking it up by natural key failed; the next plan looks again.".into()
        }
    };
    let recovery = if s.natural_key.is_empty() {
        format!(
            " Without natural_key the provider cannot find it again. Look for it in the API: \
             if it exists, run terraform state rm on this resource and import it (terraform \
             import <address> '{}/<id>'); if it does not, run apply again. Setting natural_key \
             (the body fields the API keeps unique) makes this automatic.",
            s.path.trim_end_matches('/')
        )
    } else {
        lookup_note
    };
    diags.error(
        "The object may have been created",
        rt.scrub(&format!(
            "{why}. The API may have created the object, so it is kept in state (tainted, \
             with no id yet) instead of being forgotten or created again.{recovery}"
        )),
    );
    let key = Private::decode(&req.planned_private).idempotency_key;
    // The key travels in the id too: Terraform gives a tainted object's
    // private state to neither half of its replacement, and the delete half
    // needs it to find what this create made (see `replay`).
    let id = key
        .as_deref()
        .map_or_else(String::new, |k| format!("{PENDING_ID}{k}"));
    let private = Private {
        write_only_pointers: write_only_pointers(&req.config),
        pending: true,
        idempotency_key: key,
        ..Default::default()
    };
    CreateResponse {
        new_state: Some(
            req.planned_state
                .with_attr(HttpObjectArgs::ID, Value::string(id))
                .with_attr(KeptAnswer::RESPONSE, Value::Null(Type::Dynamic)),
        ),
        private: private.encode(),
        diagnostics: diags,
    }
}

/// Takes over an object that exists (`object`, as listed), updating it to
/// the configuration if its managed fields differ.
async fn adopt(
    rt: &Runtime,
    s: &Settings,
    req: CreateRequest,
    id: String,
    object: Json,
    why: &str,
) -> CreateResponse {
    let planned_body = req
        .planned_state
        .get(HttpObjectArgs::BODY)
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic));
    let private = Private {
        write_only_pointers: write_only_pointers(&req.config),
        last_write_ms: Some(now_ms()),
        ..Default::default()
    };
    let found = reconcile(&planned_body, &object, &s.drift_rules);
    let state = req
        .planned_state
        .with_attr(HttpObjectArgs::ID, Value::string(&id));
    let mut resp = if found.drifted.is_empty()
        && req
            .config
            .get(HttpObjectArgs::BODY_WO)
            .is_none_or(Value::is_null)
    {
        let stored = response::stored(
            from_json(&object),
            &private.write_only_pointers,
            s.response_fields.as_deref(),
        );
        CreateResponse {
            new_state: Some(state.with_attr(KeptAnswer::RESPONSE, stored)),
            private: private.encode(),
            diagnostics: Diagnostics::new(),
        }
    } else {
        // Bring it to the configuration: an update from what it is now.
        let prior = state
            .with_attr(HttpObjectArgs::BODY, found.body)
            .with_attr(KeptAnswer::RESPONSE, from_json(&object));
        // Inside the create, which holds the write lock already.
        let updated = update::update_held(
            rt,
            UpdateRequest {
                prior_state: prior.clone(),
                planned_state: state.with_attr(KeptAnswer::RESPONSE, Value::Unknown(Type::Dynamic)),
                config: req.config,
                planned_private: private.encode(),
            },
        )
        .await;
        CreateResponse {
            // A failed update still leaves the adopted object tracked.
            new_state: Some(updated.new_state.unwrap_or(prior)),
            private: updated.private.unwrap_or_else(|| private.encode()),
            diagnostics: updated.diagnostics,
        }
    };
    resp.diagnostics.warning("Existing object adopted", why);
    resp
}
