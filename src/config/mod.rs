//! The provider block: its schema, and its parsed, validated form. Every
//! problem becomes a diagnostic naming the attribute path; unknown values
//! (during validate and plan) are accepted and treated as unset.

mod block;
mod fleet;
pub mod values;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

pub use block::provider_schema;
pub use fleet::{MetricsPush, SharedBudgetSettings};

use super::{AttributePath, Diagnostics, Value};
pub(crate) use block::{
    AuthBlock, BreakerBlock, OAuth2Block, ProviderBlock, RateLimitBlock, RetryBlock, TlsBlock,
};
use engine::circuit_breaker::BreakerConfig;
use engine::rate_limit::RateLimitConfig;
use engine::retry::RetryConfig;
pub(crate) use fleet::SharedBlock;
use framework::settings::{Choice, Maybe, Settings};

/// A secret string: compared and used normally, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How requests authenticate.
#[derive(Clone, Debug, PartialEq)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// HTTP basic authentication.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// A key in a header or query parameter.
    ApiKey {
        /// Header or parameter name.
        name: String,
        /// The key.
        value: Secret,
        /// Where it goes.
        location: ApiKeyLocation,
    },
    /// OAuth 2.0 client credentials grant.
    OAuth2ClientCredentials {
        /// Token endpoint.
        token_url: Url,
        /// Client ID.
        client_id: String,
        /// Client secret.
        client_secret: Secret,
        /// Scopes to request.
        scopes: Vec<String>,
    },
}

/// Where an API key is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Choice)]
#[choice(what = "api_key location")]
pub enum ApiKeyLocation {
    /// As a header.
    Header,
    /// As a query parameter.
    Query,
}

/// TLS settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TlsSettings {
    /// Extra roots, PEM.
    pub ca_cert_pem: Option<String>,
    /// Client certificate chain, PEM.
    pub client_cert_pem: Option<String>,
    /// Client key, PEM.
    pub client_key_pem: Option<Secret>,
    /// Skip server certificate verification.
    pub insecure_skip_verify: bool,
}

/// The provider block, parsed and validated, with defaults applied.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderConfig {
    /// Base URL of the API.
    pub endpoint: Option<Url>,
    /// Headers on every request.
    pub headers: BTreeMap<String, String>,
    /// Authentication.
    pub auth: Option<Auth>,
    /// TLS settings.
    pub tls: TlsSettings,
    /// Per-request time limit.
    pub request_timeout: Duration,
    /// Rate limits.
    pub rate_limit: RateLimitConfig,
    /// Retry policy.
    pub retry: RetryConfig,
    /// Circuit breaker.
    pub circuit_breaker: BreakerConfig,
    /// HTTP statuses retried (`retry.retry_on_status`).
    pub retry_on_status: Vec<u16>,
    /// Largest answer read from the API.
    pub max_response_bytes: u64,
    /// Audit log file.
    pub audit_log: Option<PathBuf>,
    /// Metrics file.
    pub metrics_file: Option<PathBuf>,
    /// A rate budget shared with other processes (`rate_limit.shared`).
    pub shared_budget: Option<SharedBudgetSettings>,
    /// Where to push metrics at the end (`metrics_push`).
    pub metrics_push: Option<MetricsPush>,
    /// The version of the Terraform (or OpenTofu) running the provider, as
    /// ConfigureProvider says; not an argument. Goes into `User-Agent`.
    pub cli_version: Option<String>,
}

impl ProviderConfig {
    /// The engine's settings from the provider block.
    pub fn engine_config(&self) -> engine::EngineConfig {
        engine::EngineConfig {
            request_timeout: self.request_timeout,
            rate_limit: self.rate_limit.clone(),
            retry: self.retry.clone(),
            breaker: self.circuit_breaker.clone(),
            shared_budget: None,
        }
    }

    /// Every secret value in the configuration, to mask wherever text leaves
    /// the provider.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.auth {
            Some(Auth::Bearer(t)) => out.push(t.expose().to_owned()),
            Some(Auth::Basic { password, .. }) => out.push(password.expose().to_owned()),
            Some(Auth::ApiKey { value, .. }) => out.push(value.expose().to_owned()),
            Some(Auth::OAuth2ClientCredentials { client_secret, .. }) => {
                out.push(client_secret.expose().to_owned())
            }
            None => {}
        }
        if let Some(k) = &self.tls.client_key_pem {
            out.push(k.expose().to_owned());
        }
        if let Some(password) = self
            .metrics_push
            .as_ref()
            .and_then(|p| p.url.password().map(str::to_owned))
        {
            out.push(password);
        }
        if let Some(shared) = &self.shared_budget {
            let url = shared.redis_url.expose();
            out.push(url.to_owned());
            if let Some(password) = Url::parse(url)
                .ok()
                .and_then(|u| u.password().map(str::to_owned))
            {
                out.push(password);
            }
        }
        // Headers set by hand that carry credentials.
        out.extend(
            self.headers
                .iter()
                .filter(|(k, _)| is_credential_header(k))
                .map(|(_, v)| v.clone()),
        );
        out
    }
}

/// Whether a URL names this machine (where tests and local tools live).
fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Header names whose values are credentials: masked wherever text leaves
/// the provider.
pub fn is_credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || [
        "token", "secret", "api-key", "apikey", "api_key", "password", "session",
    ]
    .iter()
    .any(|w| n.contains(w))
}

impl ProviderConfig {
    /// Parses and validates a provider block. `env_endpoint` is the value of
    /// `DRIVER_ENDPOINT`, used when `endpoint` is unset. Values not known
    /// yet (a block that refers to resources) are taken as unset. Problems
    /// come back as diagnostics; the config returned is usable only if none
    /// is an error.
    pub fn parse(v: &Value, env_endpoint: Option<&str>) -> (ProviderConfig, Diagnostics) {
        let mut d = Diagnostics::new();
        let block = ProviderBlock::decode_known_parts(v, &mut d)
            .known()
            .unwrap_or_else(block::defaults);
        let endpoint = match &block.endpoint {
            Some(Maybe::Known(u)) => Some(u.0.clone()),
            Some(Maybe::Unknown) => None,
            None => env_endpoint.and_then(|s| match values::check_endpoint(s) {
                Ok(u) => Some(u),
                Err(why) => {
                    d.attribute_error(
                        AttributePath::root(ProviderBlock::ENDPOINT),
                        "Invalid URL",
                        format!("From the DRIVER_ENDPOINT environment variable: {why}"),
                    );
                    None
                }
            }),
        };
        let (rate_limit, shared_budget) = rate_limit(block.rate_limit);
        let retry_block = block.retry.unwrap_or_else(block::defaults::<RetryBlock>);
        let retry_on_status = retry_block.retry_on_status.as_ref().map_or_else(
            || DEFAULT_RETRY_ON_STATUS.to_vec(),
            |s| s.iter().map(|c| c.0).collect(),
        );
        let breaker = block
            .circuit_breaker
            .unwrap_or_else(block::defaults::<BreakerBlock>);
        let config = ProviderConfig {
            endpoint,
            headers: block.headers.map(|h| h.0).unwrap_or_default(),
            auth: block.auth.and_then(auth),
            tls: block.tls.map(tls).unwrap_or_default(),
            request_timeout: block.request_timeout.0,
            rate_limit,
            retry: RetryConfig {
                max_attempts: retry_block.max_attempts.0,
                min_backoff: retry_block.min_backoff,
                max_backoff: retry_block.max_backoff,
                max_retry_after: retry_block.max_retry_after,
                retry_non_idempotent: retry_block.retry_non_idempotent,
            },
            circuit_breaker: BreakerConfig {
                failure_threshold: breaker.failure_threshold.0,
                open_for: breaker.open_for.0,
            },
            retry_on_status,
            max_response_bytes: block.max_response_bytes.0,
            audit_log: block.audit_log.map(|p| p.0),
            metrics_file: block.metrics_file.map(|p| p.0),
            shared_budget,
            metrics_push: block.metrics_push.map(fleet::MetricsPushBlock::settings),
            cli_version: None,
        };
        (config, d)
    }

    /// Warnings for settings that expose what is sent: certificates not
    /// verified, credentials sent in clear text to another machine. Given
    /// once, when the provider is configured.
    pub fn warn_about_exposure(&self, diags: &mut Diagnostics) {
        if self.tls.insecure_skip_verify {
            diags.attribute_warning(
                AttributePath::root(ProviderBlock::TLS).attr(TlsBlock::INSECURE_SKIP_VERIFY),
                "TLS certificates are not verified",
                "Anyone between Terraform and the API can read and change every request, \
                 credentials included. Use this for throwaway test systems only; for a private \
                 CA, set tls.ca_cert_pem instead.",
            );
        }
        let credentials =
            self.auth.is_some() || self.headers.keys().any(|k| is_credential_header(k));
        let clear = |u: &Url| u.scheme() == "http" && !is_loopback(u);
        if credentials && self.endpoint.as_ref().is_some_and(clear) {
            diags.attribute_warning(
                AttributePath::root(ProviderBlock::ENDPOINT),
                "Credentials sent without TLS",
                "The endpoint is http://, so the credentials in auth (or in headers) cross the \
                 network in clear text. Use https:// unless the API is on this machine.",
            );
        }
        if let Some(Auth::OAuth2ClientCredentials { token_url, .. }) = &self.auth
            && clear(token_url)
        {
            diags.attribute_warning(
                AttributePath::root(ProviderBlock::AUTH)
                    .attr(AuthBlock::OAUTH2_CLIENT_CREDENTIALS)
                    .attr(OAuth2Block::TOKEN_URL),
                "Client secret sent without TLS",
                "The token URL is http://, so the client secret crosses the network in clear text. \
                 Use https:// unless the token endpoint is on this machine.",
            );
        }
    }
}

/// The default `retry.retry_on_status`.
pub const DEFAULT_RETRY_ON_STATUS: [u16; 6] = drivers::http::classify::DEFAULT_RETRY_ON_STATUS;

/// The authentication the block chose; none while a value is not known.
fn auth(b: AuthBlock) -> Option<Auth> {
    if b.chosen().len() != 1 {
        return None;
    }
    if let Some(token) = b.bearer_token {
        return match token {
            Maybe::Known(t) if !t.is_empty() => Some(Auth::Bearer(Secret(t))),
            _ => None,
        };
    }
    if let Some(basic) = b.basic {
        return Some(Auth::Basic {
            username: basic.username,
            password: Secret(basic.password),
        });
    }
    if let Some(key) = b.api_key {
        return Some(Auth::ApiKey {
            name: key.name,
            value: Secret(key.value),
            location: key.location,
        });
    }
    b.oauth2_client_credentials
        .map(|o| Auth::OAuth2ClientCredentials {
            token_url: o.token_url.0,
            client_id: o.client_id,
            client_secret: Secret(o.client_secret),
            scopes: o.scopes.unwrap_or_default(),
        })
}

fn tls(b: TlsBlock) -> TlsSettings {
    TlsSettings {
        ca_cert_pem: b.ca_cert_pem.map(|c| c.0),
        client_cert_pem: known(b.client_cert_pem).map(|c| c.0),
        client_key_pem: known(b.client_key_pem).map(|k| Secret(k.0)),
        insecure_skip_verify: b.insecure_skip_verify,
    }
}

/// An optional value, when set and known.
fn known<T>(m: Option<Maybe<T>>) -> Option<T> {
    match m {
        Some(Maybe::Known(v)) => Some(v),
        _ => None,
    }
}

/// The local limits and the shared budget. With no block the provider is
/// still adaptive, so a rate-limited API is not hammered by default.
fn rate_limit(b: Option<RateLimitBlock>) -> (RateLimitConfig, Option<SharedBudgetSettings>) {
    let b = b.unwrap_or_else(block::defaults::<RateLimitBlock>);
    let config = RateLimitConfig {
        requests_per_second: match b.requests_per_second {
            Some(Maybe::Known(r)) => Some(r.0),
            _ => None,
        },
        // One by default: requests evenly spaced, so a server limit equal
        // to ours never sees a burst it would refuse.
        burst: b.burst.map_or(1, |n| n.0),
        max_in_flight: b.max_in_flight.map(|n| n.0),
        adaptive: b.adaptive,
    };
    (config, b.shared.map(fleet::SharedBlock::settings))
}

#[cfg(test)]
mod tests;
