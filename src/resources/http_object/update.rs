//! Updating the object in place: PUT of the whole body or PATCH of what
//! changed, then following the operation and reading it back.

use super::args::HttpObjectArgs;
use serde_json::Value as Json;

use super::body::{merge_patch, payload, write_only_pointers};
use super::read::read_back;
use super::settings;
use super::{Private, TYPE, answer, now_ms, response, wait, wo_version_changed};
use crate::drift::server_spelling;
use crate::failure;
use crate::json::{from_json, to_json};
use crate::resource::{UpdateRequest, UpdateResponse};
use crate::runtime::Runtime;
use crate::{Diagnostics, Value};
use drivers::http::{Body, Method};
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
    let mut diags = Diagnostics::new();
    let Some(s) = settings::parse_for_apply(&req.config, &mut diags) else {
        return failed(diags);
    };
    let s = &s;
    let prior_body = req
        .prior_state
        .get(HttpObjectArgs::BODY)
        .cloned()
        .unwrap_or(Value::Null(crate::Type::Dynamic));
    let new_body = req
        .planned_state
        .get(HttpObjectArgs::BODY)
        .cloned()
        .unwrap_or(Value::Null(crate::Type::Dynamic));
    let response_planned = req
        .planned_state
        .get(HttpObjectArgs::RESPONSE)
        .is_some_and(Value::is_unknown);
    if !response_planned {
        // Only arguments that live in Terraform changed: nothing to send.
        return UpdateResponse {
            new_state: Some(req.planned_state.clone()),
            private: None,
            diagnostics: diags,
        };
    }
    let id = req
        .prior_state
        .get(HttpObjectArgs::ID)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let new_json = to_json(&new_body).unwrap_or(Json::Null);
    // Plan kept the prior body when the new one means the same JSON, so a
    // plain comparison tells whether there is anything to send.
    if prior_body == new_body && !wo_version_changed(&req.prior_state, &req.planned_state) {
        // Only response_fields changed: read the object again, send nothing.
        let private = Private::decode(&req.planned_private);
        return match read_back(rt, s, &id, &new_json).await {
            Ok(v) => {
                let stored = response::stored(
                    from_json(&v),
                    &private.write_only_pointers,
                    s.response_fields.as_deref(),
                );
                UpdateResponse {
                    new_state: Some(
                        req.planned_state
                            .with_attr(HttpObjectArgs::RESPONSE, stored),
                    ),
                    private: None,
                    diagnostics: diags,
                }
            }
            Err(d) => failed(d),
        };
    }
    let client = match rt.http() {
        Ok(e) => e,
        Err(d) => return failed(d),
    };
    let prior_response = super::last_response(&req.prior_state);
    let values = s.values(Some(&id), &new_json, prior_response.as_ref());
    // PATCH sends a merge patch of what changed; any other method the whole
    // body.
    let patch = s.update.method == Method::PATCH;
    let sent = if patch {
        let (Ok(old), Ok(new)) = (to_json(&prior_body), to_json(&new_body)) else {
            diags.attribute_error(
                crate::AttributePath::root(HttpObjectArgs::BODY),
                "Body cannot be sent",
                "The body holds values that are not known.",
            );
            return failed(diags);
        };
        from_json(&merge_patch(&old, &new))
    } else {
        new_body.clone()
    };
    let body = match payload(rt, s, &s.update, &sent, &req.config, &values, !patch) {
        Ok(b) => b,
        Err(d) => return failed(d),
    };
    let http = match super::request_for(rt, &s.update, values, body) {
        Ok(r) => r,
        Err(d) => return failed(d),
    };
    let object = match super::request_for(rt, &s.read, values, Body::Empty) {
        Ok(r) => r,
        Err(d) => return failed(d),
    };
    let target = format!("{} {}", http.method, client.url(&http.path));
    let ctx = OperationContext::new(s.timeouts.update, rt.stop.clone()).about(TYPE, Some(&id));
    let resp = match client.execute(&http, &ctx).await {
        Ok(Outcome::Done(r)) => r,
        Ok(Outcome::Gone) => {
            diags.error(
                "Object no longer exists",
                format!(
                    "{target} answered 404: the object was deleted outside Terraform. Run \
                     terraform apply again to re-create it."
                ),
            );
            return failed(diags);
        }
        Err(e) => {
            failure::report(rt, &mut diags, "Update failed", &target, &e);
            return failed(diags);
        }
    };
    let polled = match wait::settle(rt, s, &resp, &object, &ctx, Operation::Update).await {
        Ok(p) => p,
        Err(d) => {
            diags.extend(d);
            return failed(diags);
        }
    };
    let ready = match wait::ready(rt, s, &object, &ctx).await {
        Ok(r) => r,
        Err(d) => {
            diags.extend(d);
            return failed(diags);
        }
    };
    let written = answer::written(&resp, s.update.pointer.as_ref(), &new_json);
    let response = match (ready, written) {
        (Some(j), _) => Some(j),
        (None, Some(j)) if !polled => Some(j),
        _ => match read_back(rt, s, &id, &new_json).await {
            Ok(v) => Some(v),
            Err(d) => {
                diags.extend(d);
                None
            }
        },
    };
    let mut private = Private::decode(&req.planned_private);
    private.last_write_ms = Some(now_ms());
    let now = write_only_pointers(&req.config);
    for p in now {
        if !private.write_only_pointers.contains(&p) {
            private.write_only_pointers.push(p);
        }
    }
    let stored = match &response {
        Some(r) => {
            private.spelling = server_spelling(&new_body, r, &s.drift_rules);
            response::stored(
                from_json(r),
                &private.write_only_pointers,
                s.response_fields.as_deref(),
            )
        }
        None => Value::Null(crate::Type::Dynamic),
    };
    let state = req
        .planned_state
        .with_attr(HttpObjectArgs::RESPONSE, stored);
    UpdateResponse {
        new_state: Some(state),
        private: Some(private.encode()),
        diagnostics: diags,
    }
}
