//! Creating the object: one request (with the plan's idempotency key), then
//! following a long-running operation, readiness, and reading it back.

use serde_json::Value as Json;

use super::body::{body_bytes, id_text, with_write_only, write_only_pointers};
use super::read::read_back;
use super::{Private, TYPE, now_ms, response, settings, wait};
use crate::drivers::http::IDEMPOTENCY_KEY;
use crate::drivers::{Operation, Outcome};
use crate::engine::OperationContext;
use crate::provider::failure;
use crate::provider::json::from_json;
use crate::provider::resource::{CreateRequest, CreateResponse};
use crate::provider::runtime::Runtime;
use crate::provider::{Diagnostics, Value};

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
    let client = match rt.http() {
        Ok(e) => e,
        Err(d) => return nothing(d),
    };
    let body = req
        .planned_state
        .get("body")
        .cloned()
        .unwrap_or(Value::Null(crate::provider::Type::Dynamic));
    let body = with_write_only(rt, &body, &req.config);
    let Some(bytes) = body_bytes(&body, true, &mut diags) else {
        return nothing(diags);
    };
    let mut headers = s.headers.clone();
    // The plan's key: the same on every retry of this create.
    if let Some(key) = Private::decode(&req.planned_private).idempotency_key
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(IDEMPOTENCY_KEY))
    {
        headers.push((IDEMPOTENCY_KEY.to_owned(), key));
    }
    let mut http = s.request(
        Operation::Create,
        s.create_method.clone(),
        s.path.clone(),
        Some(bytes),
    );
    http.headers = headers;
    let ctx = OperationContext::new(s.timeouts.create, rt.stop.clone()).about(TYPE, None);
    let target = format!("{} {}", http.method, client.url(&s.path));
    let resp = match client.execute(&http, &ctx).await {
        Ok(Outcome::Done(r)) => r,
        Ok(Outcome::Gone) => {
            diags.error("Create failed", format!("{target} answered 404 Not Found: the collection path does not exist. Check path and the provider's endpoint."));
            return nothing(diags);
        }
        Err(e) => {
            failure::report(rt, &mut diags, "Create failed", &target, &e);
            if e.outcome_unknown() {
                diags.error(
                    "The object may have been created",
                    format!(
                        "The create request may have reached the API before the failure, so the object may exist \
                         without Terraform knowing. Look for it in the API; if it exists, bring it under management with \
                         terraform import (for example: terraform import <address> '{}/<id>') instead of applying again.",
                        s.path.trim_end_matches('/')
                    ),
                );
            }
            return nothing(diags);
        }
    };
    let parsed: Option<Json> = serde_json::from_slice(&resp.body).ok();
    let id = parsed
        .as_ref()
        .and_then(|j| s.id_pointer.get(j))
        .and_then(id_text)
        .or_else(|| {
            // No id in the body: a Location header still names the object
            // (not on a 202, where it names the operation).
            resp.location
                .as_deref()
                .filter(|_| resp.status != 202)
                .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
        });
    let id = match id {
        Some(id) => id,
        None if !s.object_path.contains("{id}") => String::new(),
        None => {
            let snippet: String = String::from_utf8_lossy(&resp.body)
                .chars()
                .take(300)
                .collect();
            diags.error(
                "Create response without an id",
                format!(
                    "{target} answered {} but the response has no id at {} (id_pointer) and no Location header. The object \
                     was probably created: find its id in the API and run terraform import with '{}/<id>', and set id_pointer \
                     to where the API puts the id. Response: {snippet}",
                    resp.status,
                    s.id_pointer,
                    s.path.trim_end_matches('/')
                ),
            );
            return nothing(diags);
        }
    };
    let private = Private {
        write_only_pointers: write_only_pointers(&req.config),
        last_write_ms: Some(now_ms()),
        ..Default::default()
    };
    let mut state = req.planned_state.with_attr("id", Value::string(&id));
    // From here on the object exists: every failure keeps it tracked (with
    // its id; Terraform marks it tainted and replaces it next time).
    let tracked = |state: &Value, diags: Diagnostics| CreateResponse {
        new_state: Some(state.with_attr("response", Value::Null(crate::provider::Type::Dynamic))),
        private: private.encode(),
        diagnostics: diags,
    };
    let object_path = s.object_path_for(&id);
    let polled = match wait::settle(rt, s, &resp, &object_path, &ctx, Operation::Create).await {
        Ok(p) => p,
        Err(d) => {
            diags.extend(d);
            return tracked(&state, diags);
        }
    };
    let ready = match wait::ready(rt, s, &object_path, &ctx).await {
        Ok(r) => r,
        Err(d) => {
            diags.extend(d);
            return tracked(&state, diags);
        }
    };
    // The object is the ready one, or the create response when it is a JSON
    // object holding the id; otherwise it is read back.
    let response = match (ready, parsed) {
        (Some(j), _) => from_json(&j),
        (None, Some(j @ Json::Object(_)))
            if !polled && (s.id_pointer.get(&j).is_some() || !s.object_path.contains("{id}")) =>
        {
            from_json(&j)
        }
        _ => match read_back(rt, s, &id).await {
            Ok(v) => v,
            Err(d) => {
                // The object exists: keep it tracked, with what we know.
                diags.extend(d);
                state = state.with_attr("response", Value::Null(crate::provider::Type::Dynamic));
                return CreateResponse {
                    new_state: Some(state),
                    private: private.encode(),
                    diagnostics: diags,
                };
            }
        },
    };
    state = state.with_attr(
        "response",
        response::stored(
            response,
            &private.write_only_pointers,
            s.response_fields.as_deref(),
        ),
    );
    CreateResponse {
        new_state: Some(state),
        private: private.encode(),
        diagnostics: diags,
    }
}
