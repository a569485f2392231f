//! Updating the object in place: PUT of the whole body or PATCH of what
//! changed, then following the operation and reading it back.

use serde_json::Value as Json;

use super::body::{body_bytes, merge_patch, with_write_only, write_only_pointers};
use super::read::read_back;
use super::settings::{self, UpdateMethod};
use super::{Private, TYPE, now_ms, response, wait, wo_version_changed};
use crate::drivers::http::Method;
use crate::drivers::{Operation, Outcome};
use crate::engine::OperationContext;
use crate::provider::failure;
use crate::provider::json::{from_json, to_json};
use crate::provider::resource::{UpdateRequest, UpdateResponse};
use crate::provider::runtime::Runtime;
use crate::provider::{Diagnostics, Value};

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
        .get("body")
        .cloned()
        .unwrap_or(Value::Null(crate::provider::Type::Dynamic));
    let new_body = req
        .planned_state
        .get("body")
        .cloned()
        .unwrap_or(Value::Null(crate::provider::Type::Dynamic));
    let response_planned = req
        .planned_state
        .get("response")
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
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    // Plan kept the prior body when the new one means the same JSON, so a
    // plain comparison tells whether there is anything to send.
    if prior_body == new_body && !wo_version_changed(&req.prior_state, &req.planned_state) {
        // Only response_fields changed: read the object again, send nothing.
        let private = Private::decode(&req.planned_private);
        return match read_back(rt, s, &id).await {
            Ok(v) => {
                let stored = response::stored(
                    v,
                    &private.write_only_pointers,
                    s.response_fields.as_deref(),
                );
                UpdateResponse {
                    new_state: Some(req.planned_state.with_attr("response", stored)),
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
    let path = s.object_path_for(&id);
    let (method, payload) = match s.update_method {
        UpdateMethod::Put => (Method::PUT, with_write_only(rt, &new_body, &req.config)),
        UpdateMethod::Patch => {
            let (Ok(old), Ok(new)) = (to_json(&prior_body), to_json(&new_body)) else {
                diags.attribute_error(
                    crate::provider::AttributePath::root("body"),
                    "Body cannot be sent",
                    "The body holds values that are not known.",
                );
                return failed(diags);
            };
            (
                Method::PATCH,
                with_write_only(rt, &from_json(&merge_patch(&old, &new)), &req.config),
            )
        }
    };
    let strip = s.update_method == UpdateMethod::Put;
    let Some(bytes) = body_bytes(&payload, strip, &mut diags) else {
        return failed(diags);
    };
    let http = s.request(Operation::Update, method, path.clone(), Some(bytes));
    let target = format!("{} {}", http.method, client.url(&path));
    let ctx = OperationContext::new(s.timeouts.update, rt.stop.clone()).about(TYPE, Some(&id));
    let resp = match client.execute(&http, &ctx).await {
        Ok(Outcome::Done(r)) => r,
        Ok(Outcome::Gone) => {
            diags.error(
                "Object no longer exists",
                format!("{target} answered 404: the object was deleted outside Terraform. Run terraform apply again to re-create it."),
            );
            return failed(diags);
        }
        Err(e) => {
            failure::report(rt, &mut diags, "Update failed", &target, &e);
            return failed(diags);
        }
    };
    let polled = match wait::settle(rt, s, &resp, &path, &ctx, Operation::Update).await {
        Ok(p) => p,
        Err(d) => {
            diags.extend(d);
            return failed(diags);
        }
    };
    let ready = match wait::ready(rt, s, &path, &ctx).await {
        Ok(r) => r,
        Err(d) => {
            diags.extend(d);
            return failed(diags);
        }
    };
    let response = match (ready, serde_json::from_slice::<Json>(&resp.body)) {
        (Some(j), _) => from_json(&j),
        (None, Ok(j @ Json::Object(_))) if !polled => from_json(&j),
        _ => match read_back(rt, s, &id).await {
            Ok(v) => v,
            Err(d) => {
                diags.extend(d);
                Value::Null(crate::provider::Type::Dynamic)
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
    let state = req.planned_state.with_attr(
        "response",
        response::stored(
            response,
            &private.write_only_pointers,
            s.response_fields.as_deref(),
        ),
    );
    UpdateResponse {
        new_state: Some(state),
        private: Some(private.encode()),
        diagnostics: diags,
    }
}
