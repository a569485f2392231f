//! ValidateProviderConfig and ConfigureProvider.

use crate::{Diagnostics, Value};

/// A provider block to check, possibly with unknown values.
#[derive(Debug)]
pub struct ValidateProviderConfigRequest {
    /// The block's value.
    pub config: Value,
}

/// What was wrong with it.
#[derive(Debug, Default)]
pub struct ValidateProviderConfigResponse {
    /// Problems found.
    pub diagnostics: Diagnostics,
}

/// The provider block to run with.
#[derive(Debug)]
pub struct ConfigureProviderRequest {
    /// Terraform's version, e.g. "1.11.4".
    pub terraform_version: String,
    /// The block's value; may hold unknowns when it refers to resources.
    pub config: Value,
}

/// The outcome of configuring.
#[derive(Debug, Default)]
pub struct ConfigureProviderResponse {
    /// Problems found.
    pub diagnostics: Diagnostics,
}
