//! ValidateEphemeralResourceConfig: checks an ephemeral block, unknowns
//! allowed.

use super::pb::validate_ephemeral_resource_config::{Request, Response};
use crate::protocol::convert;
use crate::provider::Provider;

pub(super) fn handle(provider: &Provider, req: Request) -> Response {
    let diagnostics = match convert::ephemeral_type(provider, &req.type_name).and_then(|ty| {
        convert::value_in(req.config.as_ref(), &ty, "ephemeral resource configuration")
    }) {
        Ok(config) => provider.validate_ephemeral(&req.type_name, &config),
        Err(d) => d,
    };
    Response {
        diagnostics: convert::diagnostics(diagnostics),
    }
}
