//! `driver_http_operation`: one call that does something (restful's
//! `restful_operation`), such as registering a feature, triggering a job
//! or setting a flag on an object another resource manages. It is sent
//! when the resource is created and again when its arguments change; its
//! answer is `response`. Nothing is read back: the call has no object to
//! read. A `delete` block is the compensating call sent on destroy;
//! without one, destroy sends nothing.

use framework::settings::{FieldPointer, Settings};
use serde_json::Value as Json;

use crate::config::values::{HttpMethod, NonZeroDuration};
use crate::ephemeral::http_request::{RequestArgs, Spec, answer_json, context, send, templates_of};
use crate::http_client::HttpClient;
use crate::json::from_json;
use crate::pointer::Pointer;
use crate::resource::{
    CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, Resource, UpdateRequest, UpdateResponse,
};
use crate::resources::kept_answer::{KeptAnswer, gather, place};
use crate::resources::precheck::{PrecheckBlock, rendered_search, status_at};
use crate::runtime::Runtime;
use crate::template::{BodyFields, PathTemplate, Source, Values};
use crate::{AttributePath, Diagnostics, Schema, Type, Value};
use drivers::http::{HttpRequest, Method};
use drivers::{Operation, Outcome};
use engine::OperationContext;

const TYPE: &str = "driver_http_operation";

/// The resource type.
#[derive(Debug, Default)]
pub struct HttpOperation;

/// One call, sent on create and whenever an argument changes; its answer
/// is `response`. Nothing is read back. With a `delete` block, destroying
/// the resource sends that call (a compensating action); without one,
/// destroy sends nothing.
#[derive(Debug, Clone, PartialEq, Settings)]
struct OperationArgs {
    /// The HTTP method.
    #[setting(default = "POST")]
    method: HttpMethod,
    #[setting(flatten)]
    request: RequestArgs,
    /// Secret fields merged into the call's body (a password, a token),
    /// never stored in state and never in `response`; their values are
    /// masked in messages. Write-only: Terraform 1.11 or later. Change
    /// `body_wo_version` to send the call again with new values.
    #[setting(write_only)]
    body_wo: Option<Value>,
    /// Any value; changing it sends the call again (Terraform cannot see a
    /// change of a write-only value).
    body_wo_version: Option<String>,
    /// JSON Pointers of the fields kept in `response`, such as
    /// `["/enabled"]`; others are left out of state.
    response_fields: Option<Vec<FieldPointer>>,
    /// Follows the operation the call started until it is done.
    #[setting(block)]
    poll: Option<OperationPoll>,
    /// The call sent on destroy. Its path, query and header values and its
    /// body's strings may hold `{response/<JSON Pointer>}`: a value of the
    /// operation's answer, such as `"/posts/{response/id}"`.
    #[setting(block)]
    delete: Option<DeleteCall>,
    /// The path the call was sent to.
    #[setting(computed)]
    id: Option<String>,
    /// The answer (decoded JSON; a string when it is not JSON; null when
    /// empty) is `response`, or `sensitive_response`.
    #[setting(flatten)]
    kept: KeptAnswer,
}

/// Reads `path` (a template that may name the call's answer, such as
/// `"/jobs/{response/id}"`) until the value at `status_pointer` (in the
/// item `search` finds, if set) is in `success`; a value outside `pending`
/// fails the operation. Polls go
/// through the engine, every `interval` (or as `Retry-After` says), until
/// `timeout` or Ctrl-C.
#[derive(Debug, Clone, PartialEq, Settings)]
struct OperationPoll {
    /// The path polled; it may carry a query.
    path: PathTemplate,
    /// Finds the operation's item in a list the poll reads (restful's
    /// `status_locator = "body.#(id == …)…"`): the answer is a list (as
    /// listings are found), and the item is the one whose fields at these
    /// JSON Pointers have these values, such as `{ "/id" = "{response/id}" }`.
    search: Option<BodyFields>,
    /// JSON Pointer to the status in a poll answer (in the item `search`
    /// finds), such as `"/status"`.
    status_pointer: Pointer,
    /// Statuses that mean "still running".
    pending: Option<Vec<String>>,
    /// Statuses that mean "done".
    success: Vec<String>,
    /// Time between polls when the API sends no `Retry-After`.
    #[setting(default = "2s")]
    interval: NonZeroDuration,
    /// How long the operation may take.
    #[setting(default = "30m")]
    timeout: NonZeroDuration,
}

/// The call sent on destroy.
#[derive(Debug, Clone, PartialEq, Settings)]
struct DeleteCall {
    /// The HTTP method.
    #[setting(default = "DELETE")]
    method: HttpMethod,
    #[setting(flatten)]
    request: RequestArgs,
    /// A condition to wait for before the call is sent; its templates may
    /// name the fields of the answer that `response` keeps.
    #[setting(block)]
    precheck: Option<PrecheckBlock>,
    /// How long the delete call may take, its precheck included.
    #[setting(default = "30m")]
    timeout: NonZeroDuration,
}

impl OperationArgs {
    /// The call and the destroy call; `None` with diagnostics when
    /// something is wrong (or not known yet).
    fn parse(v: &Value, d: &mut Diagnostics) -> Option<(Spec, Option<Spec>, Self)> {
        let a = OperationArgs::decode(v, d).known()?;
        let root = AttributePath::default();
        let call = a.request.clone().spec(a.method.clone(), &root, d, false);
        let delete = match &a.delete {
            Some(c) => Some(c.request.clone().spec(
                c.method.clone(),
                &root.attr(Self::DELETE),
                d,
                true,
            )?),
            None => None,
        };
        if let (Some(spec), Some(kept)) = (&delete, &a.response_fields) {
            a.check_kept(spec, kept, d);
        }
        if let (Some(body), Some(wo)) = (a.request.body(), &a.body_wo)
            && let Some(both) = crate::resources::write_only::both_set(body, wo)
        {
            let shown = both.join(".");
            d.attribute_error(
                root.attr(Self::BODY_WO),
                "A field in both body and body_wo",
                format!(
                    "body.{shown} and body_wo.{shown} are both set; body_wo's value would be \
                     sent and body's never. Set the field in one of them."
                ),
            );
        }
        Some((call?, delete, a))
    }

    /// The delete call can name only what `response_fields` keeps of the
    /// answer: destroy has nothing else to fill it from.
    fn check_kept(&self, spec: &Spec, kept: &[FieldPointer], d: &mut Diagnostics) {
        let at = AttributePath::root(Self::DELETE);
        let mut ignored = Diagnostics::new();
        let mut templates = templates_of(spec, &at, &mut ignored);
        if let Some(p) = self.delete.as_ref().and_then(|c| c.precheck.as_ref()) {
            let pre = at.attr(DeleteCall::PRECHECK);
            templates.push((p.path.0.clone(), pre.attr(PrecheckBlock::PATH)));
            for (ptr, t) in p.search.iter().flat_map(|f| f.0.iter()) {
                templates.push((
                    t.clone(),
                    pre.attr(PrecheckBlock::SEARCH).key(&ptr.to_string()),
                ));
            }
        }
        for (t, here) in templates {
            for why in t.refused(|source| match source {
                Source::Response(p)
                    if !kept.iter().any(|k| p.tokens().starts_with(k.0.tokens())) =>
                {
                    Err(format!(
                        "{} names a field response_fields does not keep, so destroy could not \
                         fill it: add {p} to response_fields",
                        source.spelled(false)
                    ))
                }
                _ => Ok(()),
            }) {
                d.attribute_error(here.clone(), "Invalid placeholder", why);
            }
        }
    }
}

#[async_trait::async_trait]
impl Resource<Runtime> for HttpOperation {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let mut block = OperationArgs::block(None);
        block
            .attributes
            .push(crate::resources::kept_answer::sensitive_attribute());
        Schema { version: 0, block }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let _ = OperationArgs::parse(config, &mut d);
        d
    }

    // As for driver_http_object: states given are gathered, states
    // returned placed (`kept_answer`), so the code works on `response`.
    fn plan(&self, mut req: PlanRequest) -> PlanResponse {
        req.prior_state = gather(req.prior_state);
        req.proposed_new_state = gather(req.proposed_new_state);
        let mut d = Diagnostics::new();
        let _ = OperationArgs::parse(&req.config, &mut d);
        let (planned, requires_replace) = planned(&req);
        PlanResponse {
            planned_state: (!d.has_error()).then(|| place(planned)),
            requires_replace,
            diagnostics: d,
            ..Default::default()
        }
    }

    async fn create(&self, rt: &Runtime, req: CreateRequest) -> CreateResponse {
        // Once the call was answered, the state is kept even when what
        // follows fails: it was sent, and its delete call must run.
        let (new_state, diagnostics) = call(rt, &req.config).await;
        CreateResponse {
            new_state: new_state.map(place),
            diagnostics,
            ..Default::default()
        }
    }

    async fn read(&self, _rt: &Runtime, req: ReadRequest) -> ReadResponse {
        // A call has nothing to read back: what it answered stands.
        ReadResponse {
            new_state: Some(req.current_state),
            ..Default::default()
        }
    }

    async fn update(&self, rt: &Runtime, req: UpdateRequest) -> UpdateResponse {
        if call_changes(&req.prior_state, &req.config).is_empty() {
            // Only what follows the call changed: nothing is sent.
            return UpdateResponse {
                new_state: Some(place(gather(req.planned_state))),
                ..Default::default()
            };
        }
        let (new_state, diagnostics) = call(rt, &req.config).await;
        UpdateResponse {
            new_state: new_state.map(place),
            diagnostics,
            ..Default::default()
        }
    }

    async fn delete(&self, rt: &Runtime, req: DeleteRequest) -> DeleteResponse {
        DeleteResponse {
            diagnostics: compensate(rt, &gather(req.prior_state)).await,
        }
    }
}

/// The planned state, and what forces a replacement. The proposal keeps
/// the prior id and answer: if the call is the same (only the delete
/// call, the poll or `response_fields` changed), nothing is sent.
/// Otherwise the call is sent again and its answer is new; with a delete
/// call, the resource is replaced, so the old answer's delete call runs
/// first.
fn planned(req: &PlanRequest) -> (Value, Vec<AttributePath>) {
    let changed = call_changes(&req.prior_state, &req.config);
    if !req.prior_state.is_null() && changed.is_empty() {
        return (req.proposed_new_state.clone(), Vec::new());
    }
    let planned = req
        .proposed_new_state
        .with_attr(OperationArgs::ID, Value::Unknown(Type::String))
        .with_attr(KeptAnswer::RESPONSE, Value::Unknown(Type::Dynamic));
    let has_delete = req
        .config
        .get(OperationArgs::DELETE)
        .is_some_and(|v| !v.is_null());
    let replace = match has_delete && !req.prior_state.is_null() {
        true => changed.into_iter().map(AttributePath::root).collect(),
        false => Vec::new(),
    };
    (planned, replace)
}

/// The arguments that make the call, of which those that differ.
fn call_changes(prior: &Value, config: &Value) -> Vec<&'static str> {
    [
        OperationArgs::METHOD,
        RequestArgs::PATH,
        RequestArgs::QUERY,
        RequestArgs::HEADERS,
        RequestArgs::BODY,
        OperationArgs::BODY_WO_VERSION,
    ]
    .into_iter()
    .filter(|a| prior.get(a) != config.get(a))
    .collect()
}

/// Sends the call `config` describes: the new state with its answer (kept
/// once the call was answered, even if following it failed), and what
/// went wrong.
async fn call(rt: &Runtime, config: &Value) -> (Option<Value>, Diagnostics) {
    let mut d = Diagnostics::new();
    let Some((spec, _, args)) = OperationArgs::parse(config, &mut d) else {
        return (None, d);
    };
    let base = match rt.client::<HttpClient>() {
        Ok(c) => c.base_url().clone(),
        Err(e) => return (None, e),
    };
    let mut ready = match spec.render(None, Some(&base)) {
        Ok((ready, _)) => ready,
        Err(e) => {
            d.error(
                "Cannot build the request",
                format!("{e}. Nothing was sent."),
            );
            return (None, d);
        }
    };
    let mut wo_fields = Vec::new();
    if let Some(wo) = args.body_wo.as_ref().filter(|v| !v.is_null()) {
        let body = ready
            .body()
            .map(from_json)
            .unwrap_or(Value::Null(Type::Dynamic));
        let merged = crate::resources::write_only::merged(rt, &body, wo);
        ready.set_body(crate::json::to_json(&merged).ok());
        crate::resources::write_only::leaf_pointers(wo, "", &mut wo_fields);
    }
    let answer = match send(rt, &ready, "operation", &context(rt, false)).await {
        Ok(r) => answer_json(&r),
        Err(e) => return (None, e),
    };
    if let Some(p) = &args.poll
        && let Err(e) = follow(rt, p, &answer, &base, ready.headers()).await
    {
        d.extend(e);
    }
    // What the call's secrets set never reaches state, even echoed.
    let answer = crate::resources::write_only::without_pointers(from_json(&answer), &wo_fields);
    let response = match &args.response_fields {
        Some(f) => crate::resources::only_pointers(
            &answer,
            &f.iter().map(|f| f.0.clone()).collect::<Vec<_>>(),
        ),
        None => answer,
    };
    let state = config
        .with_attr(OperationArgs::ID, Value::string(ready.path()))
        .with_attr(KeptAnswer::RESPONSE, response);
    (Some(state), d)
}

/// Sends the destroy call, if there is one, filled from the answer.
async fn compensate(rt: &Runtime, prior: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    let Some((_, delete, args)) = OperationArgs::parse(prior, &mut d) else {
        return d;
    };
    let (Some(delete), Some(call)) = (delete, args.delete) else {
        return d;
    };
    let answer: Option<Json> = prior
        .get(KeptAnswer::RESPONSE)
        .filter(|r| !r.is_null())
        .and_then(|r| crate::json::to_json(r).ok());
    let base = match rt.client::<HttpClient>() {
        Ok(c) => c.base_url().clone(),
        Err(e) => return e,
    };
    let ctx = OperationContext::new(Some(call.timeout.0), rt.stop.clone()).about(TYPE, None);
    if let Some(p) = &call.precheck {
        let values = Values {
            response: answer.as_ref(),
            base: Some(&base),
            ..Default::default()
        };
        let at = OperationArgs::DELETE;
        if let Err(e) = crate::resources::precheck::wait(rt, p, &values, at, &ctx).await {
            return e;
        }
    }
    match delete.render(answer.as_ref(), Some(&base)) {
        Ok((ready, _)) => match send(rt, &ready, "delete", &ctx).await {
            Ok(_) => d,
            Err(e) => e,
        },
        Err(e) => {
            d.attribute_error(
                AttributePath::root(OperationArgs::DELETE),
                "Cannot build the delete call",
                format!("{e}. Nothing was sent."),
            );
            d
        }
    }
}

/// The poll's request: its path filled from the call's answer, with the
/// call's headers (a per-call token goes with its polls).
fn poll_request(
    p: &OperationPoll,
    answer: &Json,
    base: &url::Url,
    headers: &[(String, String)],
) -> Result<HttpRequest, String> {
    let values = crate::template::Values {
        response: Some(answer),
        base: Some(base),
        ..Default::default()
    };
    let target = p.path.0.render_path(&values)?;
    let mut req = HttpRequest::new(Operation::Read, Method::GET, target.path);
    req.query = target.query;
    req.headers = headers.to_vec();
    Ok(req)
}

/// Polls until the operation `answer` started is done.
async fn follow(
    rt: &Runtime,
    p: &OperationPoll,
    answer: &Json,
    base: &url::Url,
    headers: &[(String, String)],
) -> Result<(), Diagnostics> {
    let fail = |summary: &str, detail: String| {
        let mut d = Diagnostics::new();
        d.attribute_error(
            AttributePath::root(OperationArgs::POLL),
            summary,
            rt.scrub(&detail),
        );
        d
    };
    let req = poll_request(p, answer, base, headers)
        .map_err(|e| fail("Cannot build the poll", format!("{e}. The call was sent.")))?;
    let values = Values {
        response: Some(answer),
        base: Some(base),
        ..Default::default()
    };
    let search = rendered_search(p.search.as_ref(), &values)
        .map_err(|e| fail("Cannot build the poll", format!("{e}. The call was sent.")))?;
    let target = req.clone();
    let deadline = tokio::time::Instant::now() + p.timeout.0;
    let client = rt.client::<HttpClient>()?;
    let ctx = OperationContext::new(Some(p.timeout.0), rt.stop.clone()).about(TYPE, None);
    let pending = p.pending.clone().unwrap_or_default();
    let mut wait = p.interval.0;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = rt.stop.cancelled() => {
                return Err(fail("Stopped while polling", format!(
                    "Terraform asked the provider to stop while it polled GET {}; the operation \
                     may still be running.", target.path)));
            }
        }
        let r = match client.execute(&req, &ctx).await {
            Ok(Outcome::Done(r)) => r,
            Ok(Outcome::Gone) => {
                return Err(fail(
                    "Operation not found",
                    format!("GET {} answered 404.", target.path),
                ));
            }
            Err(e) => return Err(fail("Polling failed", format!("GET {}: {e}", target.path))),
        };
        let status = status_at(&answer_json(&r), &search, &p.status_pointer);
        match status {
            Some(s) if p.success.contains(&s) => return Ok(()),
            Some(s) if pending.contains(&s) => {
                // The server's pace, within the operation's time.
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                if left.is_zero() {
                    return Err(fail(
                        "Operation timed out",
                        format!(
                            "GET {} still answers {s:?} after the poll's timeout.",
                            target.path
                        ),
                    ));
                }
                wait = r.retry_after.unwrap_or(p.interval.0).min(left);
            }
            other => {
                return Err(fail(
                    "Operation failed",
                    format!(
                        "GET {} answered status {}, which is neither success nor pending.",
                        target.path,
                        other.map_or_else(|| "(none)".to_owned(), |s| format!("{s:?}"))
                    ),
                ));
            }
        }
    }
}
