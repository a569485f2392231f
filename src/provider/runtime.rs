//! What ConfigureProvider builds for the resources: the engine around each
//! driver, ready to run requests.

use tokio_util::sync::CancellationToken;

use super::config::{ApiKeyLocation, Auth, ProviderConfig};
use super::{AttributePath, Diagnostics};
use crate::drivers::exec::ExecDriver;
use crate::drivers::http::{HttpAuth, HttpConfig, HttpDriver, HttpTls, Sensitive};

/// Longest one command may run when its resource sets no timeout.
const EXEC_ATTEMPT_LIMIT: std::time::Duration = std::time::Duration::from_secs(3600);
use crate::engine::{Engine, EngineConfig};

/// The configured provider's working parts.
#[derive(Debug)]
pub struct Runtime {
    http: Option<Engine<HttpDriver>>,
    exec: Engine<ExecDriver>,
    /// Cancelled by StopProvider.
    pub stop: CancellationToken,
}

impl Runtime {
    /// Builds the runtime from a validated configuration.
    pub fn build(config: &ProviderConfig, stop: CancellationToken) -> Result<Runtime, Diagnostics> {
        let mut diags = Diagnostics::new();
        let http = match &config.endpoint {
            None => None,
            Some(base_url) => {
                let auth = match &config.auth {
                    None => HttpAuth::None,
                    Some(Auth::Bearer(t)) => HttpAuth::Bearer(Sensitive(t.expose().to_owned())),
                    Some(Auth::Basic { username, password }) => HttpAuth::Basic {
                        username: username.clone(),
                        password: Sensitive(password.expose().to_owned()),
                    },
                    Some(Auth::ApiKey { name, value, location }) => {
                        let value = Sensitive(value.expose().to_owned());
                        match location {
                            ApiKeyLocation::Header => HttpAuth::HeaderKey { name: name.clone(), value },
                            ApiKeyLocation::Query => HttpAuth::QueryKey { name: name.clone(), value },
                        }
                    }
                    Some(Auth::OAuth2ClientCredentials { .. }) => {
                        diags.attribute_error(
                            AttributePath::root("auth").attr("oauth2_client_credentials"),
                            "OAuth 2.0 client credentials are not available yet",
                            "This build of the provider does not implement the oauth2_client_credentials \
                             grant yet. Use bearer_token with a token obtained outside Terraform for now.",
                        );
                        return Err(diags);
                    }
                };
                let tls = HttpTls {
                    ca_cert_pem: config.tls.ca_cert_pem.clone(),
                    client_identity_pem: match (&config.tls.client_cert_pem, &config.tls.client_key_pem) {
                        (Some(c), Some(k)) => Some(Sensitive(format!("{c}\n{}", k.expose()))),
                        _ => None,
                    },
                    insecure_skip_verify: config.tls.insecure_skip_verify,
                };
                let http = HttpConfig { base_url: base_url.clone(), headers: config.headers.clone().into_iter().collect(), auth, tls };
                match HttpDriver::new(http) {
                    Ok(d) => Some(Engine::new(d, engine_config(config))),
                    Err(e) => {
                        diags.attribute_error(AttributePath::root("tls"), "Unusable TLS settings", e.to_string());
                        return Err(diags);
                    }
                }
            }
        };
        // Commands share the limits; each attempt may run long (the
        // resource's timeouts bound the operation).
        let exec = Engine::new(ExecDriver, EngineConfig { request_timeout: EXEC_ATTEMPT_LIMIT, ..engine_config(config) });
        Ok(Runtime { http, exec, stop })
    }

    /// The exec engine.
    pub fn exec(&self) -> &Engine<ExecDriver> {
        &self.exec
    }

    /// The HTTP engine, or a diagnostic saying how to configure one.
    pub fn http(&self) -> Result<&Engine<HttpDriver>, Diagnostics> {
        self.http.as_ref().ok_or_else(|| {
            let mut d = Diagnostics::new();
            d.error(
                "No API endpoint configured",
                "driver_http_object needs the API's base URL: set endpoint in the provider \"driver\" \
                 block, or the DRIVER_ENDPOINT environment variable.",
            );
            d
        })
    }
}

/// The engine's settings from the provider block.
fn engine_config(c: &ProviderConfig) -> EngineConfig {
    EngineConfig {
        request_timeout: c.request_timeout,
        rate_limit: c.rate_limit.clone(),
        retry: c.retry.clone(),
        breaker: c.circuit_breaker.clone(),
    }
}
