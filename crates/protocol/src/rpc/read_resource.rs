//! ReadResource: refresh, and drift.

use super::pb::read_resource::{Request, Response};
use crate::convert;
use framework::resource::ReadRequest;
use framework::{ProviderServer, Value};

pub(super) async fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let ty = match convert::resource_type(provider, &req.type_name) {
        Ok(t) => t,
        Err(d) => {
            return Response {
                diagnostics: convert::diagnostics(d),
                ..Default::default()
            };
        }
    };
    let current_state = match convert::value_in(req.current_state.as_ref(), &ty, "state") {
        Ok(v) => v,
        Err(d) => {
            return Response {
                new_state: req.current_state,
                private: req.private,
                diagnostics: convert::diagnostics(d),
                ..Default::default()
            };
        }
    };
    // An identity never changes once known: what Terraform holds is kept
    // while the object exists (a path respelled in state keeps naming the
    // same object).
    let known_identity = req
        .current_identity
        .clone()
        .filter(|i| i.identity_data.is_some());
    let resp = provider
        .read_resource(
            &req.type_name,
            ReadRequest {
                current_state,
                private: req.private,
            },
        )
        .await;
    let new_state = resp.new_state.unwrap_or(Value::Null(ty.clone()));
    Response {
        new_identity: if new_state.is_null() {
            None
        } else {
            known_identity.or_else(|| convert::identity_out(provider, &req.type_name, &new_state))
        },
        new_state: Some(convert::value_out(&new_state, &ty)),
        private: resp.private.unwrap_or_default(),
        diagnostics: convert::diagnostics(resp.diagnostics),
        ..Default::default()
    }
}
