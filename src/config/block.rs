//! The `provider "driver"` block, declared once: its schema, descriptions,
//! defaults and checks come from these structs. Names are fixed by the
//! product contract. `super::ProviderConfig::parse` turns a decoded block
//! into the settings the engines run with.

use framework::settings::{Maybe, Settings};

use super::ApiKeyLocation;
use super::fleet::{MetricsPushBlock, SharedBlock};
use super::values::{
    AtLeastOne, Endpoint, FilePath, Headers, HttpUrl, NonZeroDuration, PemCertificates, PemKey,
    Positive, ResponseBytes, StatusCode,
};
use crate::{AttributePath, Diagnostics, Schema};

/// Drives any API that has no provider of its own. Every request the
/// provider makes passes through one actuation engine: rate limiting,
/// retries that honour `Retry-After`, timeouts, a circuit breaker and audit
/// records.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct ProviderBlock {
    /// Base URL of the API, such as `https://api.example.com/v1`. Resource
    /// paths are appended to it, so it has no query or fragment, and no
    /// request leaves its path. Defaults to the `DRIVER_ENDPOINT`
    /// environment variable.
    pub(super) endpoint: Option<Maybe<Endpoint>>,
    /// Headers sent on every request. Per-resource `headers` override these
    /// by name.
    pub(super) headers: Option<Headers>,
    /// Time limit for one HTTP request, as a duration such as `"30s"`. Each
    /// retry gets its own limit.
    #[setting(default = "30s")]
    pub(super) request_timeout: NonZeroDuration,
    /// Largest answer read from the API, in bytes (16 MiB by default); a
    /// larger one fails the request with a diagnostic instead of filling
    /// memory.
    #[setting(default = 16777216)]
    pub(super) max_response_bytes: ResponseBytes,
    /// Path of a JSON-lines file that receives one record per actuation
    /// (all attempts of one request: target, attempts, status, duration,
    /// outcome, idempotency key) and one per drift found. The file is
    /// appended to, never truncated. Secrets are redacted.
    pub(super) audit_log: Option<FilePath>,
    /// Path of a file that receives the run's metrics in Prometheus text
    /// format when the provider exits (for node_exporter's textfile
    /// collector): requests by method and status, retries, throttling,
    /// rate-limit waits, breaker changes, latency.
    pub(super) metrics_file: Option<FilePath>,
    #[setting(block)]
    pub(super) auth: Option<AuthBlock>,
    #[setting(block)]
    pub(super) tls: Option<TlsBlock>,
    #[setting(block)]
    pub(super) rate_limit: Option<RateLimitBlock>,
    #[setting(block)]
    pub(super) retry: Option<RetryBlock>,
    #[setting(block)]
    pub(super) circuit_breaker: Option<BreakerBlock>,
    #[setting(block)]
    pub(super) metrics_push: Option<MetricsPushBlock>,
}

/// The provider block's schema.
pub fn provider_schema() -> Schema {
    Schema {
        version: 0,
        block: ProviderBlock::block(None),
    }
}

/// How to authenticate. Set exactly one of `bearer_token`, `basic`,
/// `api_key` or `oauth2_client_credentials`.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = AuthBlock::check)]
pub(crate) struct AuthBlock {
    /// Sent as `Authorization: Bearer <token>`.
    #[setting(sensitive)]
    pub(super) bearer_token: Option<Maybe<String>>,
    #[setting(block)]
    pub(super) basic: Option<BasicBlock>,
    #[setting(block)]
    pub(super) api_key: Option<ApiKeyBlock>,
    #[setting(block)]
    pub(super) oauth2_client_credentials: Option<OAuth2Block>,
}

impl AuthBlock {
    /// Which methods are set (a token not known yet counts).
    pub(super) fn chosen(&self) -> Vec<&'static str> {
        let set = [
            (Self::BEARER_TOKEN, self.bearer_token.is_some()),
            (Self::BASIC, self.basic.is_some()),
            (Self::API_KEY, self.api_key.is_some()),
            (
                Self::OAUTH2_CLIENT_CREDENTIALS,
                self.oauth2_client_credentials.is_some(),
            ),
        ];
        set.iter().filter(|(_, on)| *on).map(|(n, _)| *n).collect()
    }

    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        let chosen = self.chosen();
        if chosen.len() > 1 {
            d.attribute_error(
                at.clone(),
                "Conflicting authentication methods",
                format!(
                    "The auth block sets {}. Set exactly one of bearer_token, basic, api_key or \
                     oauth2_client_credentials.",
                    chosen.join(" and ")
                ),
            );
        }
        if let Some(Maybe::Known(t)) = &self.bearer_token
            && t.is_empty()
        {
            d.attribute_error(
                at.attr(Self::BEARER_TOKEN),
                "Empty bearer token",
                "The token is an empty string. Check the variable or secret it comes from.",
            );
        }
    }
}

/// HTTP basic authentication.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct BasicBlock {
    /// User name.
    pub(super) username: String,
    /// Password.
    #[setting(sensitive)]
    pub(super) password: String,
}

/// An API key sent in a header or a query parameter.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = ApiKeyBlock::check)]
pub(crate) struct ApiKeyBlock {
    /// Header or query parameter name, such as `X-API-Key`.
    pub(super) name: String,
    /// The key.
    #[setting(sensitive)]
    pub(super) value: String,
    /// Where the key goes: `"header"` or `"query"`.
    #[setting(name = "in", default = "header")]
    pub(super) location: ApiKeyLocation,
}

impl ApiKeyBlock {
    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        match self.location {
            ApiKeyLocation::Header => {
                if let Err(e) = crate::template::check_header_name(&self.name) {
                    d.attribute_error(at.attr(Self::NAME), "Invalid header name", e);
                }
            }
            ApiKeyLocation::Query if self.name.is_empty() => d.attribute_error(
                at.attr(Self::NAME),
                "Empty query parameter name",
                "Give the name of the query parameter that carries the key.",
            ),
            ApiKeyLocation::Query => {}
        }
    }
}

/// OAuth 2.0 client credentials grant. The token is fetched once, cached
/// until it expires, and refreshed after a 401.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct OAuth2Block {
    /// The token endpoint.
    pub(super) token_url: HttpUrl,
    /// Client ID.
    pub(super) client_id: String,
    /// Client secret.
    #[setting(sensitive)]
    pub(super) client_secret: String,
    /// Scopes to request.
    pub(super) scopes: Option<Vec<String>>,
}

/// TLS settings for HTTPS endpoints.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = TlsBlock::check)]
pub(crate) struct TlsBlock {
    /// PEM certificates to trust in addition to the system roots.
    pub(super) ca_cert_pem: Option<PemCertificates>,
    /// PEM client certificate (chain) for mutual TLS. Needs
    /// `client_key_pem`.
    pub(super) client_cert_pem: Option<Maybe<PemCertificates>>,
    /// PEM private key of the client certificate.
    #[setting(sensitive)]
    pub(super) client_key_pem: Option<Maybe<PemKey>>,
    /// Accept any server certificate; for test systems only.
    #[setting(default = false)]
    pub(super) insecure_skip_verify: bool,
}

impl TlsBlock {
    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        let (cert, key) = (
            self.client_cert_pem.is_some(),
            self.client_key_pem.is_some(),
        );
        if cert != key {
            let (missing, other) = if cert {
                (Self::CLIENT_KEY_PEM, Self::CLIENT_CERT_PEM)
            } else {
                (Self::CLIENT_CERT_PEM, Self::CLIENT_KEY_PEM)
            };
            d.attribute_error(
                at.attr(missing),
                "Incomplete client certificate",
                format!(
                    "{other} is set but {missing} is not. Mutual TLS needs both the certificate \
                     and its private key."
                ),
            );
        }
    }
}

/// Client-side limits shared by every request of this provider instance:
/// creates, reads, retries, polls and token fetches alike.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = RateLimitBlock::check)]
pub(crate) struct RateLimitBlock {
    /// Sustained request rate (token bucket). Unlimited when unset.
    pub(super) requests_per_second: Option<Maybe<Positive>>,
    // Not a declared default: setting it without `requests_per_second` is a
    // mistake the check names, so unset must stay visible.
    /// Requests allowed at once above the sustained rate. Defaults to `1`:
    /// requests are evenly spaced.
    pub(super) burst: Option<AtLeastOne>,
    /// Most requests outstanding at once. Unlimited when unset.
    pub(super) max_in_flight: Option<AtLeastOne>,
    /// Pace by what the API says: start with a few requests in flight and
    /// widen as answers come back, slow to just under the rate the API
    /// delivered after a 429, keep to the rate its
    /// `RateLimit-*`/`X-RateLimit-*` headers announce, wait when they say
    /// the quota is spent, and recover gradually, with or without this
    /// block; set `false` to send at the configured rate whatever the API
    /// says.
    #[setting(default = true)]
    pub(super) adaptive: bool,
    #[setting(block)]
    pub(super) shared: Option<SharedBlock>,
}

impl RateLimitBlock {
    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        if self.burst.is_some() && self.requests_per_second.is_none() {
            d.attribute_error(
                at.attr(Self::BURST),
                "burst without requests_per_second",
                "burst sizes the token bucket of requests_per_second; set requests_per_second \
                 too, or remove burst.",
            );
        }
        if let Some(shared) = &self.shared {
            shared.check_rate(self.requests_per_second.as_ref(), at, d);
        }
    }
}

/// Retries with exponential backoff and full jitter. A `Retry-After`
/// answer is honoured.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = RetryBlock::check)]
pub(crate) struct RetryBlock {
    /// Attempts per request, the first included. `1` disables retries.
    #[setting(default = 5)]
    pub(super) max_attempts: AtLeastOne,
    /// Backoff before the first retry.
    #[setting(default = "200ms")]
    pub(super) min_backoff: std::time::Duration,
    /// Longest backoff between attempts.
    #[setting(default = "30s")]
    pub(super) max_backoff: std::time::Duration,
    /// Longest `Retry-After` the provider waits for; a longer one fails the
    /// request.
    #[setting(default = "2m")]
    pub(super) max_retry_after: std::time::Duration,
    /// HTTP statuses that are retried. Defaults to
    /// `[408, 429, 500, 502, 503, 504]`. A 5xx may come after the API acted,
    /// so it is retried only for requests that are safe to repeat (GET, PUT,
    /// DELETE, or a create carrying an idempotency key); 408 and 429 mean
    /// the request was not processed and are always retried. Throttled
    /// attempts (429) do not count against `max_attempts`. Connection
    /// errors are retried like 5xx.
    pub(super) retry_on_status: Option<Vec<StatusCode>>,
    /// Also retry requests that may not be safe to repeat (a `POST` without
    /// an idempotency key).
    #[setting(default = false)]
    pub(super) retry_non_idempotent: bool,
}

impl RetryBlock {
    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        if self.min_backoff > self.max_backoff {
            d.attribute_error(
                at.attr(Self::MIN_BACKOFF),
                "min_backoff is longer than max_backoff",
                format!(
                    "min_backoff ({:?}) must not exceed max_backoff ({:?}). Lower min_backoff or \
                     raise max_backoff.",
                    self.min_backoff, self.max_backoff
                ),
            );
        }
    }
}

/// Stops sending requests to an API that keeps failing, so a run fails
/// fast with one clear error instead of every resource retrying on its
/// own.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct BreakerBlock {
    /// Consecutive failed requests that open the breaker.
    #[setting(default = 10)]
    pub(super) failure_threshold: AtLeastOne,
    /// How long the breaker stays open before one probe request is let
    /// through.
    #[setting(default = "30s")]
    pub(super) open_for: NonZeroDuration,
}

/// The defaults of the blocks when they are absent: decoding an empty
/// block gives them, so they are never written twice.
pub(super) fn defaults<S: Settings>() -> S {
    let empty = crate::Value::Object(Default::default());
    let mut d = Diagnostics::new();
    match S::decode_known_parts(&empty, &mut d).known() {
        Some(s) => s,
        // Every field of these blocks is optional; a test decodes each.
        None => unreachable_defaults(),
    }
}

#[allow(clippy::panic)]
fn unreachable_defaults() -> ! {
    panic!("a block's defaults do not decode: a bug in its declaration")
}
