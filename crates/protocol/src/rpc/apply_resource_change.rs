//! ApplyResourceChange.

use super::pb::apply_resource_change::{Request, Response};
use crate::convert;
use framework::resource::ApplyRequest;
use framework::{ProviderServer, Value};

pub(super) async fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let decoded = convert::resource_type(provider, &req.type_name).and_then(|ty| {
        let prior_state = convert::value_in(req.prior_state.as_ref(), &ty, "prior state")?;
        let planned_state = convert::value_in(req.planned_state.as_ref(), &ty, "planned state")?;
        let config = convert::value_in(req.config.as_ref(), &ty, "configuration")?;
        Ok((
            ty,
            ApplyRequest {
                prior_state,
                planned_state,
                config,
                planned_private: req.planned_private.clone(),
            },
        ))
    });
    let (ty, apply) = match decoded {
        Ok(x) => x,
        Err(d) => {
            // Keep whatever Terraform had, so nothing is lost track of.
            return Response {
                new_state: req.prior_state,
                private: req.planned_private,
                diagnostics: convert::diagnostics(d),
                ..Default::default()
            };
        }
    };
    // The identity planned (an update's, which never changes) stands.
    let planned_identity = req
        .planned_identity
        .clone()
        .filter(|i| i.identity_data.is_some());
    let resp = provider.apply_resource_change(&req.type_name, apply).await;
    let new_state = resp.new_state.unwrap_or(Value::Null(ty.clone()));
    Response {
        new_identity: if new_state.is_null() {
            None
        } else {
            planned_identity.or_else(|| convert::identity_out(provider, &req.type_name, &new_state))
        },
        new_state: Some(convert::value_out(&new_state, &ty)),
        private: resp.private,
        diagnostics: convert::diagnostics(resp.diagnostics),
        ..Default::default()
    }
}
