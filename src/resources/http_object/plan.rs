//! Planning creates and updates.

use super::args::HttpObjectArgs;
use super::{Private, new_idempotency_key, settings, wo_version_changed};
use crate::json::semantically_equal;
use crate::resource::{PlanRequest, PlanResponse};
use crate::resources::common::changed_at_any;
use crate::resources::kept_answer::KeptAnswer;
use crate::{AttributePath, Diagnostics, Type, Value};

pub(super) fn plan(req: PlanRequest) -> PlanResponse {
    let mut diagnostics = Diagnostics::new();
    // None when invalid (then diagnostics say why) or not yet known.
    let parsed = settings::parse(&req.config, &mut diagnostics);
    if diagnostics.has_error() {
        return PlanResponse {
            diagnostics,
            ..Default::default()
        };
    }
    let mut planned = req.proposed_new_state.clone();
    let mut requires_replace = Vec::new();
    let mut planned_private = req.prior_private.clone();

    if req.prior_state.is_null() {
        // Create: the server decides these.
        planned = planned.with_attr(HttpObjectArgs::ID, Value::Unknown(Type::String));
        planned = planned.with_attr(KeptAnswer::RESPONSE, Value::Unknown(Type::Dynamic));
        let mut private = Private::decode(&req.prior_private);
        private.idempotency_key = Some(new_idempotency_key());
        planned_private = private.encode();
    } else {
        let prior_body = req
            .prior_state
            .get(HttpObjectArgs::BODY)
            .cloned()
            .unwrap_or(Value::Null(Type::Dynamic));
        let config_body = req
            .config
            .get(HttpObjectArgs::BODY)
            .cloned()
            .unwrap_or(Value::Null(Type::Dynamic));
        let same_body = semantically_equal(&prior_body, &config_body);
        if same_body {
            // Same JSON, other spelling (1 vs 1.0, list vs tuple): keep the
            // prior value so no diff appears.
            planned = planned.with_attr(HttpObjectArgs::BODY, prior_body.clone());
        }
        let response_fields_changed = req.prior_state.get(HttpObjectArgs::RESPONSE_FIELDS)
            != req.config.get(HttpObjectArgs::RESPONSE_FIELDS);
        if !same_body
            || wo_version_changed(&req.prior_state, &req.config)
            || response_fields_changed
            || update_changed(&req.prior_state, &req.config)
        {
            // Apply sends the body (or, if only response_fields changed, reads
            // the object again) and stores what comes back.
            planned = planned.with_attr(KeptAnswer::RESPONSE, Value::Unknown(Type::Dynamic));
            // An API that answers updates with a new id.
            if parsed.as_ref().is_some_and(|s| s.update.returns_new_id) {
                planned = planned.with_attr(HttpObjectArgs::ID, Value::Unknown(Type::String));
            }
        }
        if !same_body
            && parsed
                .as_ref()
                .is_some_and(|s| changed_at_any(&s.force_new, &prior_body, &config_body))
        {
            requires_replace.push(AttributePath::root(HttpObjectArgs::BODY));
        }
        if req.prior_state.get(HttpObjectArgs::PATH) != req.config.get(HttpObjectArgs::PATH)
            && !same_object(&req.prior_state, parsed.as_ref(), &config_body)
        {
            requires_replace.push(AttributePath::root(HttpObjectArgs::PATH));
        }
    }
    PlanResponse {
        planned_state: Some(planned),
        requires_replace,
        planned_private,
        diagnostics,
    }
}

/// Whether how updates are sent changed (`update_method`, the `update`
/// block): the object is sent again the new way, as restful re-sends on a
/// change of its update patches.
pub(super) fn update_changed(prior: &Value, new: &Value) -> bool {
    [HttpObjectArgs::UPDATE, HttpObjectArgs::UPDATE_METHOD]
        .iter()
        .any(|a| prior.get(a) != new.get(a))
}

/// Whether a changed `path` still names the same object: where it is read
/// from (its identity) is unchanged. An object imported by its path, or
/// created by PUT at a name, keeps its identity when the configuration
/// spells the same place with other arguments.
fn same_object(prior: &Value, config: Option<&settings::Settings>, config_body: &Value) -> bool {
    let Some(config) = config else { return false };
    let mut ignored = Diagnostics::new();
    let Some(before) = settings::parse(prior, &mut ignored) else {
        return false;
    };
    let id = prior.get(HttpObjectArgs::ID).and_then(Value::as_str);
    let json = |v: &Value| crate::json::to_json(v).unwrap_or(serde_json::Value::Null);
    let prior_body = prior
        .get(HttpObjectArgs::BODY)
        .map(json)
        .unwrap_or_default();
    match (
        before.identity(id, &prior_body),
        config.identity(id, &json(config_body)),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}
