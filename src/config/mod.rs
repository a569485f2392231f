//! The provider block: its schema, and its parsed, validated form. Every
//! problem becomes a diagnostic naming the attribute path; unknown values
//! (during validate and plan) are accepted and treated as unset.

mod fleet;
mod read;
mod schema;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

pub use fleet::{MetricsPush, SharedBudgetSettings};
pub use schema::*;

use super::{AttributePath, Diagnostics, Value};
use engine::circuit_breaker::BreakerConfig;
use engine::rate_limit::RateLimitConfig;
use engine::retry::RetryConfig;
use read::Reader;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// `DRIVER_ENDPOINT`, used when `endpoint` is unset. Problems come back as
    /// diagnostics; the config returned is usable only if none is an error.
    pub fn parse(v: &Value, env_endpoint: Option<&str>) -> (ProviderConfig, Diagnostics) {
        let mut r = Reader::new();
        let root = AttributePath::default();

        let endpoint = match r.string(v, "endpoint") {
            Some(s) => r.url(&s, &root.attr("endpoint")),
            None if !r.is_unknown(v, "endpoint") => env_endpoint.and_then(|s| {
                let p = AttributePath::root("endpoint");
                r.url_from_env(s, &p, "DRIVER_ENDPOINT")
            }),
            None => None,
        };
        let headers = r.headers(v, &root, "headers");
        let request_timeout = r
            .duration(v, &root, "request_timeout")
            .unwrap_or_else(|| default_duration(DEFAULT_REQUEST_TIMEOUT));
        if request_timeout.is_zero() {
            r.error(
                &root.attr("request_timeout"),
                "Invalid request_timeout",
                "The timeout must be longer than zero.",
            );
        }
        let metrics_file = r.string(v, "metrics_file").and_then(|s| {
            if s.trim().is_empty() {
                r.error(
                    &root.attr("metrics_file"),
                    "Invalid metrics_file",
                    "The path is empty. Remove the argument or give a file path.",
                );
                None
            } else {
                Some(PathBuf::from(s))
            }
        });
        let audit_log = r.string(v, "audit_log").and_then(|s| {
            if s.trim().is_empty() {
                r.error(
                    &root.attr("audit_log"),
                    "Invalid audit_log",
                    "The path is empty. Remove the argument or give a file path.",
                );
                None
            } else {
                Some(PathBuf::from(s))
            }
        });

        let auth = r
            .block(v, "auth")
            .and_then(|b| read_auth(&mut r, b, &root.attr("auth")));
        let tls = r
            .block(v, "tls")
            .map(|b| read_tls(&mut r, b, &root.attr("tls")))
            .unwrap_or_default();
        let rate_limit_block = r.block(v, "rate_limit");
        let rate_limit = rate_limit_block
            .map(|b| read_rate_limit(&mut r, b, &root.attr("rate_limit")))
            // No block: still adaptive, so a rate-limited API is not
            // hammered by default.
            .unwrap_or_default();
        let shared_budget = rate_limit_block
            .and_then(|b| r.block(b, "shared"))
            .and_then(|b| {
                let unknown =
                    rate_limit_block.is_some_and(|rl| r.is_unknown(rl, "requests_per_second"));
                let rate = if unknown {
                    Some(None)
                } else {
                    rate_limit.requests_per_second.map(Some)
                };
                fleet::read_shared(&mut r, b, &root.attr("rate_limit"), rate)
            });
        let metrics_push = r
            .block(v, "metrics_push")
            .and_then(|b| fleet::read_metrics_push(&mut r, b, &root.attr("metrics_push")));
        let (retry_block, breaker_block) = (r.block(v, "retry"), r.block(v, "circuit_breaker"));
        let retry = read_retry(&mut r, retry_block, &root.attr("retry"));
        let retry_on_status = retry_block
            .and_then(|b| r.status_list(b, &root.attr("retry"), "retry_on_status"))
            .unwrap_or_else(|| DEFAULT_RETRY_ON_STATUS.to_vec());
        let max_response_bytes = match v.get("max_response_bytes").and_then(Value::as_number) {
            None => DEFAULT_MAX_RESPONSE_BYTES,
            Some(n) => match n
                .as_u64()
                .filter(|b| (MIN_RESPONSE_BYTES..=MAX_RESPONSE_BYTES).contains(b))
            {
                Some(b) => b,
                None => {
                    r.error(
                        &root.attr("max_response_bytes"),
                        "Invalid max_response_bytes",
                        &format!(
                            "max_response_bytes must be a whole number of bytes from \
                             {MIN_RESPONSE_BYTES} to {MAX_RESPONSE_BYTES} (256 MiB, the most Terraform \
                             can carry); got {n}."
                        ),
                    );
                    DEFAULT_MAX_RESPONSE_BYTES
                }
            },
        };
        let circuit_breaker = read_breaker(&mut r, breaker_block, &root.attr("circuit_breaker"));

        let config = ProviderConfig {
            endpoint,
            headers,
            auth,
            tls,
            request_timeout,
            rate_limit,
            retry,
            circuit_breaker,
            retry_on_status,
            max_response_bytes,
            audit_log,
            metrics_file,
            shared_budget,
            metrics_push,
            cli_version: None,
        };
        (config, r.into_diagnostics())
    }

    /// Warnings for settings that expose what is sent: certificates not
    /// verified, credentials sent in clear text to another machine. Given
    /// once, when the provider is configured.
    pub fn warn_about_exposure(&self, diags: &mut Diagnostics) {
        if self.tls.insecure_skip_verify {
            diags.attribute_warning(
                AttributePath::root("tls").attr("insecure_skip_verify"),
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
                AttributePath::root("endpoint"),
                "Credentials sent without TLS",
                "The endpoint is http://, so the credentials in auth (or in headers) cross the \
                 network in clear text. Use https:// unless the API is on this machine.",
            );
        }
        if let Some(Auth::OAuth2ClientCredentials { token_url, .. }) = &self.auth
            && clear(token_url)
        {
            diags.attribute_warning(
                AttributePath::root("auth")
                    .attr("oauth2_client_credentials")
                    .attr("token_url"),
                "Client secret sent without TLS",
                "The token URL is http://, so the client secret crosses the network in clear text. \
                 Use https:// unless the token endpoint is on this machine.",
            );
        }
    }
}

/// A default from the schema's text (the docs show the same text); a unit
/// test checks every default parses, so the fallback is never used.
fn default_duration(s: &str) -> Duration {
    crate::parse_duration(s).unwrap_or(Duration::from_secs(30))
}

fn read_auth(r: &mut Reader, b: &Value, path: &AttributePath) -> Option<Auth> {
    let mut chosen = Vec::new();
    let bearer = r.string(b, "bearer_token");
    if bearer.is_some() || r.is_unknown(b, "bearer_token") {
        chosen.push("bearer_token");
    }
    for name in ["basic", "api_key", "oauth2_client_credentials"] {
        if r.block(b, name).is_some() {
            chosen.push(name);
        }
    }
    if chosen.len() > 1 {
        r.error(
            path,
            "Conflicting authentication methods",
            &format!(
                "The auth block sets {}. Set exactly one of bearer_token, basic, api_key or oauth2_client_credentials.",
                chosen.join(" and ")
            ),
        );
        return None;
    }
    if let Some(token) = bearer {
        if token.is_empty() {
            r.error(
                &path.attr("bearer_token"),
                "Empty bearer token",
                "The token is an empty string. Check the variable or secret it comes from.",
            );
            return None;
        }
        return Some(Auth::Bearer(Secret(token)));
    }
    if let Some(basic) = r.block(b, "basic") {
        let username = r.string(basic, "username")?;
        let password = r.string(basic, "password")?;
        return Some(Auth::Basic {
            username,
            password: Secret(password),
        });
    }
    if let Some(key) = r.block(b, "api_key") {
        let p = path.attr("api_key");
        let location = match r.string(key, "in").as_deref() {
            None | Some("header") => ApiKeyLocation::Header,
            Some("query") => ApiKeyLocation::Query,
            Some(other) => {
                r.error(
                    &p.attr("in"),
                    "Invalid api_key location",
                    &format!("{other:?} is not a location. Use \"header\" or \"query\"."),
                );
                ApiKeyLocation::Header
            }
        };
        let name = r.string(key, "name")?;
        if location == ApiKeyLocation::Header {
            r.check_header_name(&name, &p.attr("name"));
        } else if name.is_empty() {
            r.error(
                &p.attr("name"),
                "Empty query parameter name",
                "Give the name of the query parameter that carries the key.",
            );
        }
        let value = r.string(key, "value")?;
        return Some(Auth::ApiKey {
            name,
            value: Secret(value),
            location,
        });
    }
    if let Some(o) = r.block(b, "oauth2_client_credentials") {
        let p = path.attr("oauth2_client_credentials");
        let token_url = r
            .string(o, "token_url")
            .and_then(|s| r.url(&s, &p.attr("token_url")));
        let client_id = r.string(o, "client_id");
        let client_secret = r.string(o, "client_secret");
        let scopes = r.string_list(o, "scopes").unwrap_or_default();
        return Some(Auth::OAuth2ClientCredentials {
            token_url: token_url?,
            client_id: client_id?,
            client_secret: Secret(client_secret?),
            scopes,
        });
    }
    None
}

fn read_tls(r: &mut Reader, b: &Value, path: &AttributePath) -> TlsSettings {
    let ca = r.string(b, "ca_cert_pem");
    if let Some(pem) = &ca {
        r.check_pem_certs(pem, &path.attr("ca_cert_pem"));
    }
    let cert = r.string(b, "client_cert_pem");
    if let Some(pem) = &cert {
        r.check_pem_certs(pem, &path.attr("client_cert_pem"));
    }
    let key = r.string(b, "client_key_pem");
    if let Some(pem) = &key {
        r.check_pem_key(pem, &path.attr("client_key_pem"));
    }
    let cert_set = cert.is_some() || r.is_unknown(b, "client_cert_pem");
    let key_set = key.is_some() || r.is_unknown(b, "client_key_pem");
    if cert_set != key_set {
        let (missing, other) = if cert_set {
            ("client_key_pem", "client_cert_pem")
        } else {
            ("client_cert_pem", "client_key_pem")
        };
        r.error(
            &path.attr(missing),
            "Incomplete client certificate",
            &format!("{other} is set but {missing} is not. Mutual TLS needs both the certificate and its private key."),
        );
    }
    TlsSettings {
        ca_cert_pem: ca,
        client_cert_pem: cert,
        client_key_pem: key.map(Secret),
        insecure_skip_verify: r.bool(b, "insecure_skip_verify").unwrap_or(false),
    }
}

fn read_rate_limit(r: &mut Reader, b: &Value, path: &AttributePath) -> RateLimitConfig {
    let requests_per_second = r.positive_number(b, path, "requests_per_second");
    let burst = r.count(b, path, "burst", 1);
    if burst.is_some() && requests_per_second.is_none() && !r.is_unknown(b, "requests_per_second") {
        r.error(
            &path.attr("burst"),
            "burst without requests_per_second",
            "burst sizes the token bucket of requests_per_second; set requests_per_second too, or remove burst.",
        );
    }
    RateLimitConfig {
        requests_per_second,
        // One by default: requests evenly spaced, so a server limit equal
        // to ours never sees a burst it would refuse.
        burst: burst.unwrap_or(1),
        max_in_flight: r.count(b, path, "max_in_flight", 1),
        adaptive: r.bool(b, "adaptive").unwrap_or(true),
    }
}

fn read_retry(r: &mut Reader, b: Option<&Value>, path: &AttributePath) -> RetryConfig {
    let dur = |r: &mut Reader, name, default| {
        b.and_then(|b| r.duration(b, path, name))
            .unwrap_or_else(|| default_duration(default))
    };
    let settings = RetryConfig {
        max_attempts: b
            .and_then(|b| r.count(b, path, "max_attempts", 1))
            .unwrap_or(DEFAULT_MAX_ATTEMPTS),
        min_backoff: dur(r, "min_backoff", DEFAULT_MIN_BACKOFF),
        max_backoff: dur(r, "max_backoff", DEFAULT_MAX_BACKOFF),
        max_retry_after: dur(r, "max_retry_after", DEFAULT_MAX_RETRY_AFTER),
        retry_non_idempotent: b
            .and_then(|b| r.bool(b, "retry_non_idempotent"))
            .unwrap_or(false),
    };
    if settings.min_backoff > settings.max_backoff {
        r.error(
            &path.attr("min_backoff"),
            "min_backoff is longer than max_backoff",
            &format!(
                "min_backoff ({:?}) must not exceed max_backoff ({:?}). Lower min_backoff or raise max_backoff.",
                settings.min_backoff, settings.max_backoff
            ),
        );
    }
    settings
}

fn read_breaker(r: &mut Reader, b: Option<&Value>, path: &AttributePath) -> BreakerConfig {
    let open_for = b
        .and_then(|b| r.duration(b, path, "open_for"))
        .unwrap_or_else(|| default_duration(DEFAULT_OPEN_FOR));
    if open_for.is_zero() {
        r.error(
            &path.attr("open_for"),
            "Invalid open_for",
            "The breaker must stay open for longer than zero.",
        );
    }
    BreakerConfig {
        failure_threshold: b
            .and_then(|b| r.count(b, path, "failure_threshold", 1))
            .unwrap_or(DEFAULT_FAILURE_THRESHOLD),
        open_for,
    }
}

#[cfg(test)]
mod tests;
