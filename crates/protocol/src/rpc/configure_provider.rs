//! ConfigureProvider: parses the provider block once per process.

use super::pb::configure_provider::{Request, Response};
use crate::convert;
use framework::{ConfigureProviderRequest, ProviderServer};

pub(super) fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let ty = provider.schemas().provider.block.value_type();
    let diagnostics = match convert::value_in(req.config.as_ref(), &ty, "provider configuration") {
        Ok(config) => {
            provider
                .configure_provider(ConfigureProviderRequest {
                    terraform_version: req.terraform_version,
                    config,
                })
                .diagnostics
        }
        Err(d) => d,
    };
    Response {
        diagnostics: convert::diagnostics(diagnostics),
    }
}
