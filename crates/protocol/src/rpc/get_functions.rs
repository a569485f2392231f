//! GetFunctions: OpenTofu asks for functions here after configuration;
//! Terraform reads the same map from GetProviderSchema.

use super::pb::get_functions::Response;
use crate::convert;
use framework::ProviderServer;

pub(super) fn handle(provider: &dyn ProviderServer) -> Response {
    Response {
        functions: convert::functions(provider.functions()),
        diagnostics: Vec::new(),
    }
}
