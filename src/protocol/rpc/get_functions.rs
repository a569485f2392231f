//! GetFunctions: OpenTofu asks for functions here after configuration;
//! Terraform reads the same map from GetProviderSchema.

use super::pb::get_functions::Response;
use crate::protocol::convert;

pub(super) fn handle() -> Response {
    Response {
        functions: convert::functions(),
        diagnostics: Vec::new(),
    }
}
