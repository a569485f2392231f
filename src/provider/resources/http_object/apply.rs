//! Applying creates, updates and deletes.

use crate::drivers::http::Method;
use bytes::Bytes;
use serde_json::Value as Json;

use super::settings::{self, Settings, UpdateMethod};
use super::{Private, TYPE, leaf_pointers, now_ms, response, wait, wo_version_changed};
use crate::drivers::http::IDEMPOTENCY_KEY;
use crate::drivers::{Operation, Outcome};
use crate::engine::{EngineError, OperationContext};
use crate::provider::json::{from_json, to_json};
use crate::provider::resource::{ApplyRequest, ApplyResponse};
use crate::provider::runtime::Runtime;
use crate::provider::{Diagnostics, Value};

pub(super) async fn apply(rt: &Runtime, req: ApplyRequest) -> ApplyResponse {
    if req.planned_state.is_null() {
        return delete(rt, req).await;
    }
    let mut diagnostics = Diagnostics::new();
    let Some(s) = settings::parse(&req.config, &mut diagnostics) else {
        if !diagnostics.has_error() {
            diagnostics.error("Configuration not known at apply", "Some arguments are still unknown during apply. This is a bug in the provider; please report it.");
        }
        return failed(&req, diagnostics);
    };
    if req.prior_state.is_null() {
        create(rt, &s, req).await
    } else {
        update(rt, &s, req).await
    }
}

/// On failure the prior state is kept (or nothing, for a failed create), so
/// Terraform's record matches what exists.
fn failed(req: &ApplyRequest, diagnostics: Diagnostics) -> ApplyResponse {
    let new_state = (!req.prior_state.is_null()).then(|| req.prior_state.clone());
    ApplyResponse {
        new_state,
        private: req.planned_private.clone(),
        diagnostics,
    }
}

/// The body with `body_wo` merged in (objects deeply, `body_wo` winning).
/// Its string values join the redactor first, so no message shows them.
fn with_write_only(rt: &Runtime, body: &Value, config: &Value) -> Value {
    let Some(wo) = config.get("body_wo").filter(|v| !v.is_null()) else {
        return body.clone();
    };
    fn secrets(v: &Value, rt: &Runtime) {
        match v {
            Value::String(s) => rt.observers().redactor.add(s.clone()),
            Value::Object(m) | Value::Map(_, m) => m.values().for_each(|x| secrets(x, rt)),
            Value::List(_, a) | Value::Set(_, a) | Value::Tuple(a) => {
                a.iter().for_each(|x| secrets(x, rt))
            }
            _ => {}
        }
    }
    secrets(wo, rt);
    fn merge(base: &Value, extra: &Value) -> Value {
        match (base, extra) {
            (Value::Object(b) | Value::Map(_, b), Value::Object(e) | Value::Map(_, e)) => {
                let mut out = b.clone();
                for (k, v) in e {
                    let merged = match b.get(k) {
                        Some(existing) => merge(existing, v),
                        None => v.clone(),
                    };
                    out.insert(k.clone(), merged);
                }
                Value::Object(out)
            }
            (_, extra) => extra.clone(),
        }
    }
    merge(body, wo)
}

/// The body as JSON bytes. In a full body (`strip_nulls`), a null field
/// means "not managed" and is left out rather than sent as null.
fn body_bytes(body: &Value, strip_nulls: bool, diags: &mut Diagnostics) -> Option<Bytes> {
    match to_json(body) {
        Ok(mut j) => {
            if strip_nulls {
                remove_null_fields(&mut j);
            }
            Some(Bytes::from(j.to_string()))
        }
        Err(e) => {
            diags.attribute_error(
                crate::provider::AttributePath::root("body"),
                "Body cannot be sent",
                e.to_string(),
            );
            None
        }
    }
}

async fn create(rt: &Runtime, s: &Settings, req: ApplyRequest) -> ApplyResponse {
    let mut diags = Diagnostics::new();
    let client = match rt.http() {
        Ok(e) => e,
        Err(d) => return failed(&req, d),
    };
    let body = req
        .planned_state
        .get("body")
        .cloned()
        .unwrap_or(Value::Null(crate::provider::Type::Dynamic));
    let body = with_write_only(rt, &body, &req.config);
    let Some(bytes) = body_bytes(&body, true, &mut diags) else {
        return failed(&req, diags);
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
            return failed(&req, diags);
        }
        Err(e) => {
            report(rt, &mut diags, "Create failed", &target, &e);
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
            return failed(&req, diags);
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
            return failed(&req, diags);
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
    let tracked = |state: &Value, diags: Diagnostics| ApplyResponse {
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
                return ApplyResponse {
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
    ApplyResponse {
        new_state: Some(state),
        private: private.encode(),
        diagnostics: diags,
    }
}

async fn update(rt: &Runtime, s: &Settings, req: ApplyRequest) -> ApplyResponse {
    let mut diags = Diagnostics::new();
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
        return ApplyResponse {
            new_state: Some(req.planned_state.clone()),
            private: req.planned_private.clone(),
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
                ApplyResponse {
                    new_state: Some(req.planned_state.with_attr("response", stored)),
                    private: req.planned_private.clone(),
                    diagnostics: diags,
                }
            }
            Err(d) => failed(&req, d),
        };
    }
    let client = match rt.http() {
        Ok(e) => e,
        Err(d) => return failed(&req, d),
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
                return failed(&req, diags);
            };
            (
                Method::PATCH,
                with_write_only(rt, &from_json(&merge_patch(&old, &new)), &req.config),
            )
        }
    };
    let strip = s.update_method == UpdateMethod::Put;
    let Some(bytes) = body_bytes(&payload, strip, &mut diags) else {
        return failed(&req, diags);
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
            return failed(&req, diags);
        }
        Err(e) => {
            report(rt, &mut diags, "Update failed", &target, &e);
            return failed(&req, diags);
        }
    };
    let polled = match wait::settle(rt, s, &resp, &path, &ctx, Operation::Update).await {
        Ok(p) => p,
        Err(d) => {
            diags.extend(d);
            return failed(&req, diags);
        }
    };
    let ready = match wait::ready(rt, s, &path, &ctx).await {
        Ok(r) => r,
        Err(d) => {
            diags.extend(d);
            return failed(&req, diags);
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
    ApplyResponse {
        new_state: Some(state),
        private: private.encode(),
        diagnostics: diags,
    }
}

/// The pointers `body_wo` sets, from the configuration.
fn write_only_pointers(config: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(wo) = config.get("body_wo") {
        leaf_pointers(wo, "", &mut out);
    }
    out
}

async fn delete(rt: &Runtime, req: ApplyRequest) -> ApplyResponse {
    let mut diags = Diagnostics::new();
    // The prior state holds every argument; the config is null on delete.
    let Some(s) = settings::parse(&req.prior_state, &mut diags) else {
        return failed(&req, diags);
    };
    let client = match rt.http() {
        Ok(e) => e,
        Err(d) => return failed(&req, d),
    };
    let id = req
        .prior_state
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let path = s.object_path_for(&id);
    let http = s.request(Operation::Delete, Method::DELETE, path.clone(), None);
    let ctx = OperationContext::new(s.timeouts.delete, rt.stop.clone()).about(TYPE, Some(&id));
    match client.execute(&http, &ctx).await {
        // Already gone is what we wanted.
        Ok(Outcome::Gone) => ApplyResponse {
            new_state: None,
            private: Vec::new(),
            diagnostics: diags,
        },
        Ok(Outcome::Done(resp)) => {
            match wait::settle(rt, &s, &resp, &path, &ctx, Operation::Delete).await {
                Ok(_) => ApplyResponse {
                    new_state: None,
                    private: Vec::new(),
                    diagnostics: diags,
                },
                Err(d) => {
                    diags.extend(d);
                    failed(&req, diags)
                }
            }
        }
        Err(e) => {
            report(
                rt,
                &mut diags,
                "Delete failed",
                &format!("DELETE {}", client.url(&path)),
                &e,
            );
            failed(&req, diags)
        }
    }
}

/// GET the object after a create or update that did not return it.
async fn read_back(rt: &Runtime, s: &Settings, id: &str) -> Result<Value, Diagnostics> {
    let mut d = Diagnostics::new();
    let client = rt.http()?;
    let path = s.object_path_for(id);
    let ctx = OperationContext::new(s.timeouts.read, rt.stop.clone()).about(TYPE, Some(id));
    let target = format!("GET {}", client.url(&path));
    match wait::read_object(rt, s, &path, &ctx, Some(now_ms())).await? {
        Ok(Outcome::Done(r)) => match serde_json::from_slice::<Json>(&r.body) {
            Ok(j) => Ok(from_json(&j)),
            Err(_) => {
                d.error("Response is not JSON", format!("{target} answered with a body that is not JSON, so the object cannot be compared with the configuration."));
                Err(d)
            }
        },
        Ok(Outcome::Gone) => {
            d.error(
                "Object not found after write",
                format!(
                    "{target} kept answering 404 for consistency_window ({:?}) after the object was written. If the API \
                     takes longer to show new objects, raise consistency_window.",
                    s.consistency_window
                ),
            );
            Err(d)
        }
        Err(e) => {
            report(rt, &mut d, "Read failed", &target, &e);
            Err(d)
        }
    }
}

/// Adds the diagnostic for an engine failure: the API's own message for a
/// client error, else what the engine tried and the last failure.
pub(super) fn report(
    rt: &Runtime,
    diags: &mut Diagnostics,
    summary: &str,
    target: &str,
    e: &EngineError,
) {
    use crate::drivers::DriverError;
    let detail = match e {
        EngineError::Failed {
            last: DriverError::Status {
                status, message, ..
            },
            ..
        } if (400..500).contains(status) && *status != 429 => {
            format!("{target} answered {status}. The API says: {message}")
        }
        EngineError::Failed {
            last: DriverError::Invalid(m),
            ..
        } if m.starts_with("TLS handshake failed") => format!(
            "{target}: {m}. If the API uses a private CA, set tls.ca_cert_pem in the provider block to its \
             certificate; if it requires a client certificate, set tls.client_cert_pem and tls.client_key_pem."
        ),
        EngineError::BreakerOpen { .. } => format!(
            "{target}: {e}. The API kept failing, so the provider stopped sending requests to it for now; \
             check the API's health and run again (circuit_breaker in the provider block tunes this)."
        ),
        other => {
            let mut d = format!("{target}: {other}");
            // With TLS 1.3 a server that wants a client certificate accepts
            // the handshake and then closes the connection.
            let closed = ["broken pipe", "connection closed", "connection reset"]
                .iter()
                .any(|w| d.contains(w));
            if target.contains("https://") && closed {
                d.push_str(
                    ". The API closed the TLS connection; if it requires a client certificate (mutual TLS), \
                     set tls.client_cert_pem and tls.client_key_pem in the provider block.",
                );
            }
            d
        }
    };
    // The API may echo a credential back; it never reaches a diagnostic.
    diags.error(summary, rt.scrub(&detail));
}

fn remove_null_fields(j: &mut Json) {
    match j {
        Json::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(remove_null_fields);
        }
        Json::Array(a) => a.iter_mut().for_each(remove_null_fields),
        _ => {}
    }
}

fn id_text(j: &Json) -> Option<String> {
    match j {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// RFC 7386 merge patch that turns `old` into `new`.
fn merge_patch(old: &Json, new: &Json) -> Json {
    match (old, new) {
        (Json::Object(o), Json::Object(n)) => {
            let mut patch = serde_json::Map::new();
            for (k, nv) in n {
                match o.get(k) {
                    Some(ov) if ov == nv => {}
                    Some(ov) if ov.is_object() && nv.is_object() => {
                        patch.insert(k.clone(), merge_patch(ov, nv));
                    }
                    _ => {
                        patch.insert(k.clone(), nv.clone());
                    }
                }
            }
            for k in o.keys().filter(|k| !n.contains_key(*k)) {
                patch.insert(k.clone(), Json::Null);
            }
            Json::Object(patch)
        }
        _ => new.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_carries_only_the_change() {
        let old = json!({"a": 1, "b": {"c": 1, "d": 2}, "gone": true, "l": [1]});
        let new = json!({"a": 1, "b": {"c": 5, "d": 2}, "l": [1, 2], "new": "x"});
        assert_eq!(
            merge_patch(&old, &new),
            json!({"b": {"c": 5}, "gone": null, "l": [1, 2], "new": "x"})
        );
    }

    #[test]
    fn ids_may_be_numbers() {
        assert_eq!(id_text(&json!(42)), Some("42".into()));
        assert_eq!(id_text(&json!("a-1")), Some("a-1".into()));
        assert_eq!(id_text(&json!(null)), None);
        assert_eq!(id_text(&json!("")), None);
    }
}
