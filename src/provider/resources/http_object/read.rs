//! Refresh: read the object and report drift in the managed fields.

use serde_json::Value as Json;

use super::super::common::settle_drift;
use super::settings::{self, Settings};
use super::{Private, TYPE, answer, now_ms, response, wait};
use crate::drivers::Outcome;
use crate::engine::OperationContext;
use crate::provider::drift::reconcile;
use crate::provider::failure;
use crate::provider::json::from_json;
use crate::provider::pointer::Pointer;
use crate::provider::resource::{ReadRequest, ReadResponse};
use crate::provider::runtime::Runtime;
use crate::provider::{Diagnostics, Type, Value};

pub(super) async fn read(rt: &Runtime, req: ReadRequest) -> ReadResponse {
    let mut diags = Diagnostics::new();
    // A read that cannot tell keeps what is stored.
    let keep = |diagnostics: Diagnostics| ReadResponse {
        new_state: Some(req.current_state.clone()),
        private: None,
        diagnostics,
    };
    let Some(s) = settings::parse(&req.current_state, &mut diags) else {
        return keep(diags);
    };
    let client = match rt.http() {
        Ok(e) => e,
        Err(d) => return keep(d),
    };
    let mut private = Private::decode(&req.private);
    if private.pending {
        return resolve_pending(rt, &s, &req, private).await;
    }
    let id = req
        .current_state
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let path = s.object_path_for(&id);
    let target = format!("GET {}", client.url(&path));
    let ctx = OperationContext::new(s.timeouts.read, rt.stop.clone()).about(TYPE, Some(&id));
    let last_write = private.last_write_ms;
    let resp = match super::wait::read_object(rt, &s, &path, &ctx, last_write).await {
        Ok(r) => r,
        Err(d) => return keep(d),
    };
    let resp = match resp {
        Ok(Outcome::Done(r)) => r,
        // Deleted outside Terraform: dropping it from state plans a create.
        Ok(Outcome::Gone) => {
            return ReadResponse {
                new_state: None,
                private: None,
                diagnostics: diags,
            };
        }
        Err(e) => {
            failure::report(rt, &mut diags, "Read failed", &target, &e);
            return keep(diags);
        }
    };
    let actual = match answer::object(&resp) {
        Ok(j) => j,
        Err(why) => {
            diags.error(
                "The API did not answer with an object",
                rt.scrub(&format!(
                    "{target} answered {why}, so the object cannot be compared with the \
                     configuration. Nothing was changed in state."
                )),
            );
            return keep(diags);
        }
    };

    let prior_body = req
        .current_state
        .get("body")
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic));
    let body = match private.import.take() {
        // First read after import: the managed fields come from the API.
        Some(marker) => imported_body(&actual, marker.fields.as_deref()),
        None => {
            let r = reconcile(&prior_body, &actual, &s.drift_rules);
            rt.audit_drift(TYPE, &id, s.drift_mode.as_str(), &r.drifted);
            settle_drift(s.drift_mode, r, prior_body, &target, &mut diags)
        }
    };
    let stored = response::stored(
        from_json(&actual),
        &private.write_only_pointers,
        s.response_fields.as_deref(),
    );
    let state = req
        .current_state
        .with_attr("body", body)
        .with_attr("response", stored);
    ReadResponse {
        new_state: Some(state),
        private: Some(private.encode()),
        diagnostics: diags,
    }
}

/// GET the object after a create or update that did not return it.
pub(super) async fn read_back(rt: &Runtime, s: &Settings, id: &str) -> Result<Value, Diagnostics> {
    let mut d = Diagnostics::new();
    let client = rt.http()?;
    let path = s.object_path_for(id);
    let ctx = OperationContext::new(s.timeouts.read, rt.stop.clone()).about(TYPE, Some(id));
    let target = format!("GET {}", client.url(&path));
    match wait::read_object(rt, s, &path, &ctx, Some(now_ms())).await? {
        Ok(Outcome::Done(r)) => match answer::object(&r) {
            Ok(j) => Ok(from_json(&j)),
            Err(why) => {
                d.error(
                    "The API did not answer with an object",
                    rt.scrub(&format!(
                        "{target} answered {why}, so the object cannot be compared with the \
                         configuration."
                    )),
                );
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
            failure::report(rt, &mut d, "Read failed", &target, &e);
            Err(d)
        }
    }
}

/// A create whose outcome was unknown: find the object by natural key.
/// Found, it takes its id and is compared like any other; absent from the
/// listing, it is gone (a create is planned); otherwise it stays pending.
async fn resolve_pending(
    rt: &Runtime,
    s: &Settings,
    req: &ReadRequest,
    mut private: Private,
) -> ReadResponse {
    let mut diags = Diagnostics::new();
    let keep = |diagnostics: Diagnostics| ReadResponse {
        new_state: Some(req.current_state.clone()),
        private: None,
        diagnostics,
    };
    let prior_body = req
        .current_state
        .get("body")
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic));
    if s.natural_key.is_empty() {
        diags.warning(
            "Object of an interrupted create cannot be found",
            format!(
                "A create in {} had an unknown outcome, and without natural_key the provider \
                 cannot tell whether the object exists. It stays tainted: the next apply replaces \
                 it, which may leave a duplicate if the first create did happen. Check the API, and \
                 set natural_key to make this automatic.",
                s.path
            ),
        );
        return keep(diags);
    }
    let body_json = crate::provider::json::to_json(&prior_body).unwrap_or(Json::Null);
    match super::lookup::find(rt, s, &body_json).await {
        Ok(super::lookup::Found::One { id, object }) => {
            private.pending = false;
            let r = reconcile(&prior_body, &object, &s.drift_rules);
            let target = format!(
                "natural key {}",
                super::lookup::describe(&body_json, &s.natural_key)
            );
            let body = settle_drift(s.drift_mode, r, prior_body, &target, &mut diags);
            let stored = response::stored(
                from_json(&object),
                &private.write_only_pointers,
                s.response_fields.as_deref(),
            );
            let state = req
                .current_state
                .with_attr("id", Value::string(id))
                .with_attr("body", body)
                .with_attr("response", stored);
            ReadResponse {
                new_state: Some(state),
                private: Some(private.encode()),
                diagnostics: diags,
            }
        }
        // Never created: plan a create.
        Ok(super::lookup::Found::Absent) => ReadResponse::default(),
        Ok(super::lookup::Found::Many(n)) => {
            diags.error(
                "Natural key is not unique",
                format!(
                    "{n} objects have {}: the provider cannot tell which one an interrupted create \
                     made. Remove the extra ones in the API, or import the right one.",
                    super::lookup::describe(&body_json, &s.natural_key)
                ),
            );
            keep(diags)
        }
        Err(d) => keep(d),
    }
}

/// The body to manage after an import: the named fields (names or JSON
/// Pointers), or everything the API returned.
fn imported_body(actual: &Json, fields: Option<&[String]>) -> Value {
    let Some(fields) = fields else {
        return from_json(actual);
    };
    let pointers: Vec<Pointer> = fields.iter().filter_map(|f| field_pointer(f)).collect();
    // Rebuilt with the nesting down to each field; a pointer into a list
    // keeps the whole list.
    response::only_pointers(&from_json(actual), &pointers)
}

/// An import field: a JSON Pointer, or a top-level field name.
pub(super) fn field_pointer(field: &str) -> Option<Pointer> {
    if field.starts_with('/') {
        Pointer::parse(field).ok()
    } else {
        Pointer::parse(&format!("/{}", crate::provider::json::escape(field))).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn import_picks_named_fields_and_pointers() {
        let actual =
            json!({"id": 1, "name": "n", "enabled": true, "spec": {"size": 3, "zone": "a"}});
        let v = imported_body(
            &actual,
            Some(&["name".into(), "/spec/size".into(), "missing".into()]),
        );
        assert_eq!(
            crate::provider::json::to_json(&v).unwrap(),
            json!({"name": "n", "spec": {"size": 3}})
        );
        assert_eq!(
            crate::provider::json::to_json(&imported_body(&actual, None)).unwrap(),
            actual
        );
    }
}
