//! ValidateResourceConfig: checks a resource block, unknowns allowed.

use super::pb::validate_resource_config::{Request, Response};
use crate::convert;
use framework::ProviderServer;

pub(super) fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let diagnostics = match convert::resource_type(provider, &req.type_name)
        .and_then(|ty| convert::value_in(req.config.as_ref(), &ty, "resource configuration"))
    {
        Ok(config) => {
            let write_only = req
                .client_capabilities
                .is_some_and(|c| c.write_only_attributes_allowed);
            provider.validate_resource_config(&req.type_name, &config, write_only)
        }
        Err(d) => d,
    };
    Response {
        diagnostics: convert::diagnostics(diagnostics),
    }
}
