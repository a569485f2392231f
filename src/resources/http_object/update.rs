//! Updating the object in place: PUT of the whole body or PATCH of what
//! changed, then following the operation and reading it back.

use super::args::HttpObjectArgs;
use crate::http_client::HttpClient;
use crate::resources::kept_answer::KeptAnswer;
use serde_json::Value as Json;

use super::body::{merge_patch, payload, write_only_pointers};
use super::read::read_back;
use super::settings::{self, Settings};
use super::{Private, TYPE, answer, now_ms, response, wait, wo_version_changed};
use crate::drift::{server_added, server_spelling};
use crate::failure;
use crate::json::{from_json, to_json};
use crate::resource::{UpdateRequest, UpdateResponse};
use crate::runtime::Runtime;
use crate::{Diagnostics, Value};
use drivers::http::{Body, HttpRequest, Method};
use drivers::{Operation, Outcome};
use engine::OperationContext;

/// Nothing changed: the framework keeps the prior state.
fn failed(diagnostics: Diagnostics) -> UpdateResponse {
    UpdateResponse {
        diagnostics,
        ..Default::default()
    }
}

pub(super) async fn update(rt: &Runtime, req: UpdateRequest) -> UpdateResponse {
    update_inner(rt, req, true).await
}

/// The update of an object whose write lock the caller holds already (an
/// existing object adopted inside its create).
pub(super) async fn update_held(rt: &Runtime, req: UpdateRequest) -> UpdateResponse {
    update_inner(rt, req, false).await
}

async fn update_inner(rt: &Runtime, req: UpdateRequest, take_lock: bool) -> UpdateResponse {
    let mut diags = Diagnostics::new();
    let Some(s) = settings::parse_for_apply(&req.config, &mut diags) else {
        return failed(diags);
    };
    let c = Change::of(&req);
    if !c.response_planned {
        // Only arguments that live in Terraform changed: nothing to send.
        return UpdateResponse {
            new_state: Some(req.planned_state.clone()),
            private: None,
            diagnostics: diags,
        };
    }
    // Plan kept the prior body when the new one means the same JSON, so a
    // plain comparison tells whether there is anything to send.
    if c.prior_body == c.new_body
        && !wo_version_changed(&req.prior_state, &req.planned_state)
        && !super::plan::update_changed(&req.prior_state, &req.planned_state)
    {
        return reread(rt, &s, &req, &c, diags).await;
    }
    let lock = match take_lock {
        true => s.write_lock(rt, &c.new_json, s.timeouts.update).await,
        false => Ok(None),
    };
    let _lock = match lock {
        Ok(guard) => guard,
        Err(d) => return failed(d),
    };
    if let Some(p) = &s.update.precheck {
        let response = super::last_response(&req.prior_state);
        let values = s.values(Some(&c.id), &c.new_json, response.as_ref());
        let ctx =
            OperationContext::new(s.timeouts.update, rt.stop.clone()).about(TYPE, Some(&c.id));
        if let Err(d) = crate::resources::precheck::wait(rt, p, &values, "update", &ctx).await {
            return failed(d);
        }
    }
    match write(rt, &s, &req, &c, &mut diags).await {
        Ok((response, new_id)) => {
            let mut r = updated(&s, &req, &c, response.as_ref(), diags);
            r.new_state = r.new_state.map(|st| {
                st.with_attr(
                    HttpObjectArgs::ID,
                    Value::string(new_id.as_deref().unwrap_or(&c.id)),
                )
            });
            if let Some(new) = new_id.filter(|_| !s.update.returns_new_id) {
                r.diagnostics.error(
                    "The API replaced the object",
                    format!(
                        "The update was answered with a new id, {new:?} (it was {:?}): the API \
                         replaced the object rather than changing it. State now holds the new id, \
                         so nothing is orphaned and the next plan is clean. If this API always \
                         does this, set returns_new_id = true in the update block.",
                        c.id
                    ),
                );
            }
            r
        }
        Err(d) => {
            diags.extend(d);
            failed(diags)
        }
    }
}

/// What an update changes.
struct Change {
    id: String,
    prior_body: Value,
    new_body: Value,
    new_json: Json,
    /// Plan left `response` unknown: the server is to be asked.
    response_planned: bool,
}

impl Change {
    fn of(req: &UpdateRequest) -> Change {
        let body = |state: &Value| {
            state
                .get(HttpObjectArgs::BODY)
                .cloned()
                .unwrap_or(Value::Null(crate::Type::Dynamic))
        };
        let new_body = body(&req.planned_state);
        Change {
            id: req
                .prior_state
                .get(HttpObjectArgs::ID)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            prior_body: body(&req.prior_state),
            new_json: to_json(&new_body).unwrap_or(Json::Null),
            new_body,
            response_planned: req
                .planned_state
                .get(KeptAnswer::RESPONSE)
                .is_some_and(Value::is_unknown),
        }
    }
}

/// Only `response_fields` changed: the object is read again, nothing sent.
async fn reread(
    rt: &Runtime,
    s: &Settings,
    req: &UpdateRequest,
    c: &Change,
    diags: Diagnostics,
) -> UpdateResponse {
    let private = Private::decode(&req.planned_private);
    match read_back(
        rt,
        s,
        &c.id,
        &c.new_json,
        super::last_response(&req.prior_state).as_ref(),
    )
    .await
    {
        Ok(v) => {
            let stored = response::stored(
                from_json(&v),
                &private.write_only_pointers,
                s.response_fields.as_deref(),
            );
            UpdateResponse {
                new_state: Some(req.planned_state.with_attr(KeptAnswer::RESPONSE, stored)),
                private: None,
                diagnostics: diags,
            }
        }
        Err(d) => failed(d),
    }
}

/// The id an update's answer gives the object when it differs from `old`
/// (the API replaced it): at `id_pointer` in the answer (not in one that
/// starts an operation).
fn new_id_of(s: &Settings, resp: &drivers::http::HttpResponse, old: &str) -> Option<String> {
    // An answer that starts an operation may carry the operation's id.
    let operation = resp.status == 202
        || resp.operation_location.is_some()
        || resp
            .headers
            .iter()
            .any(|(k, _)| k == "azure-asyncoperation");
    if operation {
        return None;
    }
    let answer: Json = serde_json::from_slice(&resp.body).ok()?;
    let at = s.update.pointer.as_ref().and_then(|p| p.get(&answer));
    let id = s
        .id_pointer
        .get(at.unwrap_or(&answer))
        .or_else(|| s.id_pointer.get(&answer))
        .and_then(super::body::id_text)?;
    (id != old && !s.id_pointer.tokens().is_empty()).then_some(id)
}

/// The read of the object under `id`, and how its answer holds it.
fn read_of(
    rt: &Runtime,
    s: &Settings,
    req: &UpdateRequest,
    c: &Change,
    id: &str,
) -> Result<(HttpRequest, super::answer::Reading), Diagnostics> {
    let prior_response = super::last_response(&req.prior_state);
    let values = s.values(Some(id), &c.new_json, prior_response.as_ref());
    let object = super::request_for(rt, &s.read, values, Body::Empty)?;
    Ok((object, s.reading(&values)?))
}

/// The update request and the read of the object: PATCH sends a merge
/// patch of what changed; any other method the whole body.
fn requests(
    rt: &Runtime,
    s: &Settings,
    req: &UpdateRequest,
    c: &Change,
) -> Result<(HttpRequest, HttpRequest, super::answer::Reading), Diagnostics> {
    let prior_response = super::last_response(&req.prior_state);
    let values = s.values(Some(&c.id), &c.new_json, prior_response.as_ref());
    // A body of the update block's own is sent as written.
    let patch = s.update.method == Method::PATCH && s.update.body.is_none();
    let sent = if patch {
        let (Ok(old), Ok(new)) = (to_json(&c.prior_body), to_json(&c.new_body)) else {
            let mut d = Diagnostics::new();
            d.attribute_error(
                crate::AttributePath::root(HttpObjectArgs::BODY),
                "Body cannot be sent",
                "The body holds values that are not known.",
            );
            return Err(d);
        };
        from_json(&merge_patch(&old, &new))
    } else {
        c.new_body.clone()
    };
    let body = payload(rt, s, &s.update, &sent, &req.config, &values, !patch)?;
    let http = super::request_for(rt, &s.update, values, body)?;
    let (object, reading) = read_of(rt, s, req, c, &c.id)?;
    Ok((http, object, reading))
}

/// Sends the update, follows its operation and readiness, and gets the
/// object as the server now has it (`None` when it could not be read
/// back: said in `diags`, the update stands), with its new id if the
/// answer gave it one.
async fn write(
    rt: &Runtime,
    s: &Settings,
    req: &UpdateRequest,
    c: &Change,
    diags: &mut Diagnostics,
) -> Result<(Option<Json>, Option<String>), Diagnostics> {
    let client = rt.client::<HttpClient>()?;
    let (http, mut object, mut reading) = requests(rt, s, req, c)?;
    let target = format!("{} {}", http.method, client.url(&http.path));
    let ctx = OperationContext::new(s.timeouts.update, rt.stop.clone()).about(TYPE, Some(&c.id));
    let resp = match client.execute(&http, &ctx).await {
        Ok(Outcome::Done(r)) => r,
        Ok(Outcome::Gone) => {
            let mut d = Diagnostics::new();
            d.error(
                "Object no longer exists",
                format!(
                    "{target} answered 404: the object was deleted outside Terraform. Run \
                     terraform apply again to re-create it."
                ),
            );
            return Err(d);
        }
        Err(e) => {
            let mut d = Diagnostics::new();
            failure::report(rt, &mut d, "Update failed", &target, &e);
            return Err(d);
        }
    };
    // Replaced under a new id: the object is read there from now on.
    let new_id = new_id_of(s, &resp, &c.id);
    let id = new_id.clone().unwrap_or_else(|| c.id.clone());
    if new_id.is_some() {
        (object, reading) = read_of(rt, s, req, c, &id)?;
    }
    let polled = wait::settle(rt, s, &resp, Some(&object), &ctx, Operation::Update)
        .await?
        .is_some();
    let ready = wait::ready(rt, s, &object, &reading, &ctx).await?;
    let written = answer::written(
        &resp,
        s.update.pointer.as_ref(),
        &c.new_json,
        s.read.patch.as_ref(),
    );
    let object = match (ready, written) {
        (Some(j), _) => Some(j),
        (None, Some(j)) if !polled => Some(j),
        _ => match read_back(
            rt,
            s,
            &id,
            &c.new_json,
            super::last_response(&req.prior_state).as_ref(),
        )
        .await
        {
            Ok(v) => Some(v),
            Err(d) => {
                diags.extend(d);
                None
            }
        },
    };
    Ok((object, new_id))
}

/// The state after the update: the planned one with what the server
/// answered, and what to remember of it.
fn updated(
    s: &Settings,
    req: &UpdateRequest,
    c: &Change,
    response: Option<&Json>,
    diagnostics: Diagnostics,
) -> UpdateResponse {
    let mut private = Private::decode(&req.planned_private);
    private.last_write_ms = Some(now_ms());
    for p in write_only_pointers(&req.config) {
        if !private.write_only_pointers.contains(&p) {
            private.write_only_pointers.push(p);
        }
    }
    let stored = match response {
        Some(r) => {
            private.spelling = server_spelling(&c.new_body, r, &s.drift_rules);
            private.added = server_added(&c.new_body, r, &s.drift_rules);
            response::stored(
                from_json(r),
                &private.write_only_pointers,
                s.response_fields.as_deref(),
            )
        }
        None => Value::Null(crate::Type::Dynamic),
    };
    UpdateResponse {
        new_state: Some(req.planned_state.with_attr(KeptAnswer::RESPONSE, stored)),
        private: Some(private.encode()),
        diagnostics,
    }
}
