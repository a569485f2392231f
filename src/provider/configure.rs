//! ValidateProviderConfig and ConfigureProvider.

use std::sync::Arc;

use super::config::ProviderConfig;
use super::runtime::Runtime;
use super::{Diagnostics, Provider, Value};

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

impl Provider {
    /// Checks a provider block. Called before configuration and with unknown
    /// values, so it must not depend on anything but the block itself.
    pub fn validate_provider_config(
        &self,
        req: ValidateProviderConfigRequest,
    ) -> ValidateProviderConfigResponse {
        // The environment fallback is applied at configure time only: during
        // validate the endpoint may legitimately come from it later.
        let (_, diagnostics) = ProviderConfig::parse(&req.config, None);
        ValidateProviderConfigResponse { diagnostics }
    }

    /// Parses the provider block and keeps it for the resources.
    pub fn configure_provider(&self, req: ConfigureProviderRequest) -> ConfigureProviderResponse {
        tracing::debug!(terraform_version = %req.terraform_version, "configuring provider");
        let (mut config, mut diagnostics) =
            ProviderConfig::parse(&req.config, self.env.driver_endpoint.as_deref());
        config.cli_version = Some(req.terraform_version).filter(|v| !v.is_empty());
        if !req.config.is_wholly_known() {
            diagnostics.warning(
                "Provider configuration not yet known",
                "Parts of the provider block depend on values known only after apply. They are \
                 treated as unset while planning; apply uses the real values.",
            );
        }
        if diagnostics.has_error() {
            return ConfigureProviderResponse { diagnostics };
        }
        config.warn_about_exposure(&mut diagnostics);
        match Runtime::build(&config, self.stop.clone()) {
            Ok(rt) => {
                *crate::sync::write(&self.runtime) = Some(Arc::new(rt));
                *crate::sync::write(&self.configured) = Some(Arc::new(config));
            }
            Err(d) => diagnostics.extend(d),
        }
        ConfigureProviderResponse { diagnostics }
    }
}
