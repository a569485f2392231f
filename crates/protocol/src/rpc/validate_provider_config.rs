//! ValidateProviderConfig: checks the provider block, unknowns allowed.

use super::pb::validate_provider_config::{Request, Response};
use crate::convert;
use framework::{ProviderServer, ValidateProviderConfigRequest};

pub(super) fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let ty = provider.schemas().provider.block.value_type();
    let diagnostics = match convert::value_in(req.config.as_ref(), &ty, "provider configuration") {
        Ok(config) => {
            provider
                .validate_provider_config(ValidateProviderConfigRequest { config })
                .diagnostics
        }
        Err(d) => d,
    };
    Response {
        diagnostics: convert::diagnostics(diagnostics),
    }
}
