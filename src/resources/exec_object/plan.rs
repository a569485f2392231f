//! Planning creates and updates.

use super::settings;
use super::settings::ExecObjectArgs;
use crate::json::semantically_equal;
use crate::resource::{PlanRequest, PlanResponse};
use crate::resources::common::changed_at_any;
use crate::{AttributePath, Diagnostics, Type, Value};

pub(super) fn plan(req: PlanRequest) -> PlanResponse {
    let mut diagnostics = Diagnostics::new();
    let parsed = settings::parse(&req.config, &mut diagnostics);
    if diagnostics.has_error() {
        return PlanResponse {
            diagnostics,
            ..Default::default()
        };
    }
    let mut planned = req.proposed_new_state.clone();
    let mut requires_replace = Vec::new();
    if req.prior_state.is_null() {
        planned = planned.with_attr(ExecObjectArgs::ID, Value::Unknown(Type::String));
        planned = planned.with_attr(ExecObjectArgs::OUTPUT, Value::Unknown(Type::Dynamic));
    } else {
        let prior_input = req
            .prior_state
            .get(ExecObjectArgs::INPUT)
            .cloned()
            .unwrap_or(Value::Null(Type::Dynamic));
        let config_input = req
            .config
            .get(ExecObjectArgs::INPUT)
            .cloned()
            .unwrap_or(Value::Null(Type::Dynamic));
        if semantically_equal(&prior_input, &config_input) {
            planned = planned.with_attr(ExecObjectArgs::INPUT, prior_input);
        } else {
            planned = planned.with_attr(ExecObjectArgs::OUTPUT, Value::Unknown(Type::Dynamic));
            let has_update = !req
                .config
                .get(ExecObjectArgs::UPDATE)
                .is_none_or(Value::is_null);
            let forced = parsed
                .as_ref()
                .is_some_and(|s| changed_at_any(&s.force_new, &prior_input, &config_input));
            if !has_update || forced {
                requires_replace.push(AttributePath::root(ExecObjectArgs::INPUT));
            }
        }
    }
    PlanResponse {
        planned_state: Some(planned),
        requires_replace,
        planned_private: req.prior_private,
        diagnostics,
    }
}
