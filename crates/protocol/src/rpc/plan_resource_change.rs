//! PlanResourceChange.

use super::pb::plan_resource_change::{Request, Response};
use crate::convert;
use framework::ProviderServer;
use framework::resource::PlanRequest;

pub(super) fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let decoded = convert::resource_type(provider, &req.type_name).and_then(|ty| {
        let prior_state = convert::value_in(req.prior_state.as_ref(), &ty, "prior state")?;
        let proposed_new_state =
            convert::value_in(req.proposed_new_state.as_ref(), &ty, "proposed state")?;
        let config = convert::value_in(req.config.as_ref(), &ty, "configuration")?;
        Ok((
            ty,
            PlanRequest {
                prior_state,
                proposed_new_state,
                config,
                prior_private: req.prior_private.clone(),
            },
        ))
    });
    let (ty, plan) = match decoded {
        Ok(x) => x,
        Err(d) => {
            return Response {
                diagnostics: convert::diagnostics(d),
                ..Default::default()
            };
        }
    };
    let resp = provider.plan_resource_change(&req.type_name, plan);
    // An identity never changes once known: an update keeps it; a create
    // learns it at apply.
    let planned_identity = match &resp.planned_state {
        Some(s) if !s.is_null() => req
            .prior_identity
            .filter(|i| i.identity_data.is_some())
            .or_else(|| convert::identity_out(provider, &req.type_name, s)),
        _ => None,
    };
    Response {
        planned_identity,
        planned_state: resp.planned_state.map(|v| convert::value_out(&v, &ty)),
        requires_replace: resp
            .requires_replace
            .into_iter()
            .map(convert::attribute_path)
            .collect(),
        planned_private: resp.planned_private,
        diagnostics: convert::diagnostics(resp.diagnostics),
        ..Default::default()
    }
}
