//! ValidateEphemeralResourceConfig: checks an ephemeral block, unknowns
//! allowed.

use super::pb::validate_ephemeral_resource_config::{Request, Response};
use crate::convert;
use framework::ProviderServer;

pub(super) fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
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
