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
        Ok(response) => updated(&s, &req, &c, response.as_ref(), diags),
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
    let object = super::request_for(rt, &s.read, values, Body::Empty)?;
    Ok((http, object, s.reading(&values)?))
}

/// Sends the update, follows its operation and readiness, and gets the
/// object as the server now has it (`None` when it could not be read
/// back: said in `diags`, the update stands).
async fn write(
    rt: &Runtime,
    s: &Settings,
    req: &UpdateRequest,
    c: &Change,
    diags: &mut Diagnostics,
) -> Result<Option<Json>, Diagnostics> {
    let client = rt.client::<HttpClient>()?;
    let (http, object, reading) = requests(rt, s, req, c)?;
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
    Ok(match (ready, written) {
        (Some(j), _) => Some(j),
        (None, Some(j)) if !polled => Some(j),
        _ => match read_back(
            rt,
            s,
            &c.id,
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
    })
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
