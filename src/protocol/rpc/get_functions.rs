//! GetFunctions: OpenTofu asks for functions here after configuration;
//! Terraform reads the same (empty) map from GetProviderSchema.

use super::pb::get_functions::Response;

pub(super) fn handle() -> Response {
    Response {
        functions: Default::default(),
        diagnostics: Vec::new(),
    }
}
