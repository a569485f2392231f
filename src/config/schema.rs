//! The schema of the `provider "driver"` block. Names are fixed by the
//! product contract; defaults are documented here and applied in `parse`.

use crate::{Attribute, Block, NestedBlock, Schema, Type};

/// Default `retry.max_attempts`.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Default `retry.min_backoff`.
pub const DEFAULT_MIN_BACKOFF: &str = "200ms";
/// Default `retry.max_backoff`.
pub const DEFAULT_MAX_BACKOFF: &str = "30s";
/// Default `retry.max_retry_after`.
pub const DEFAULT_MAX_RETRY_AFTER: &str = "2m";
/// Default `retry.retry_on_status`.
pub const DEFAULT_RETRY_ON_STATUS: [u16; 6] = drivers::http::classify::DEFAULT_RETRY_ON_STATUS;
/// Default `max_response_bytes`: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = drivers::http::DEFAULT_MAX_RESPONSE_BYTES;
/// Smallest `max_response_bytes`.
pub const MIN_RESPONSE_BYTES: u64 = 1024;
/// Largest `max_response_bytes`: Terraform's message limit.
pub const MAX_RESPONSE_BYTES: u64 = 256 << 20;
/// Default `request_timeout`.
pub const DEFAULT_REQUEST_TIMEOUT: &str = "30s";
/// Default `circuit_breaker.failure_threshold`.
pub const DEFAULT_FAILURE_THRESHOLD: u32 = 10;
/// Default `circuit_breaker.open_for`.
pub const DEFAULT_OPEN_FOR: &str = "30s";

/// The provider block's schema.
pub fn provider_schema() -> Schema {
    Schema {
        version: 0,
        block: Block::new(
            "Drives any API that has no provider of its own. Every request the provider makes \
             passes through one actuation engine: rate limiting, retries that honour \
             `Retry-After`, timeouts, a circuit breaker and audit records.",
            vec![
                Attribute::optional("endpoint", Type::String).describe(
                    "Base URL of the API, such as `https://api.example.com/v1`. Resource paths are \
                     appended to it. Defaults to the `DRIVER_ENDPOINT` environment variable.",
                ),
                Attribute::optional("headers", Type::map(Type::String)).describe(
                    "Headers sent on every request. Per-resource `headers` override these by name.",
                ),
                Attribute::optional("request_timeout", Type::String).describe(&format!(
                    "Time limit for one HTTP request, as a duration such as `\"30s\"`. Each retry \
                     gets its own limit. Defaults to `\"{DEFAULT_REQUEST_TIMEOUT}\"`."
                )),
                Attribute::optional("max_response_bytes", Type::Number).describe(&format!(
                    "Largest answer read from the API, in bytes; a larger one fails the request \
                     with a diagnostic instead of filling memory. Defaults to \
                     `{DEFAULT_MAX_RESPONSE_BYTES}` (16 MiB)."
                )),
                Attribute::optional("audit_log", Type::String).describe(
                    "Path of a JSON-lines file that receives one record per actuation (all attempts of one \
                     request: target, attempts, status, duration, outcome, idempotency key) and one per \
                     drift found. The file is appended to, never truncated. Secrets are redacted.",
                ),
                Attribute::optional("metrics_file", Type::String).describe(
                    "Path of a file that receives the run's metrics in Prometheus text format when the \
                     provider exits (for node_exporter's textfile collector): requests by method and \
                     status, retries, throttling, rate-limit waits, breaker changes, latency.",
                ),
            ],
            vec![
                auth_block(),
                tls_block(),
                rate_limit_block(),
                retry_block(),
                circuit_breaker_block(),
                super::fleet::metrics_push_block(),
            ],
        ),
    }
}

fn auth_block() -> NestedBlock {
    NestedBlock::single(
        "auth",
        Block::new(
            "How to authenticate. Set exactly one of `bearer_token`, `basic`, `api_key` or \
             `oauth2_client_credentials`.",
            vec![
                Attribute::optional("bearer_token", Type::String)
                    .sensitive()
                    .describe("Sent as `Authorization: Bearer <token>`."),
            ],
            vec![
                NestedBlock::single(
                    "basic",
                    Block::new(
                        "HTTP basic authentication.",
                        vec![
                            Attribute::required("username", Type::String).describe("User name."),
                            Attribute::required("password", Type::String)
                                .sensitive()
                                .describe("Password."),
                        ],
                        vec![],
                    ),
                ),
                NestedBlock::single(
                    "api_key",
                    Block::new(
                        "An API key sent in a header or a query parameter.",
                        vec![
                            Attribute::required("name", Type::String)
                                .describe("Header or query parameter name, such as `X-API-Key`."),
                            Attribute::required("value", Type::String)
                                .sensitive()
                                .describe("The key."),
                            Attribute::optional("in", Type::String).describe(
                                "Where the key goes: `\"header\"` (default) or `\"query\"`.",
                            ),
                        ],
                        vec![],
                    ),
                ),
                NestedBlock::single(
                    "oauth2_client_credentials",
                    Block::new(
                        "OAuth 2.0 client credentials grant. The token is fetched once, cached until \
                         it expires, and refreshed after a 401.",
                        vec![
                            Attribute::required("token_url", Type::String)
                                .describe("The token endpoint."),
                            Attribute::required("client_id", Type::String).describe("Client ID."),
                            Attribute::required("client_secret", Type::String)
                                .sensitive()
                                .describe("Client secret."),
                            Attribute::optional("scopes", Type::list(Type::String))
                                .describe("Scopes to request."),
                        ],
                        vec![],
                    ),
                ),
            ],
        ),
    )
}

fn tls_block() -> NestedBlock {
    NestedBlock::single(
        "tls",
        Block::new(
            "TLS settings for HTTPS endpoints.",
            vec![
                Attribute::optional("ca_cert_pem", Type::String)
                    .describe("PEM certificates to trust in addition to the system roots."),
                Attribute::optional("client_cert_pem", Type::String).describe(
                    "PEM client certificate (chain) for mutual TLS. Needs `client_key_pem`.",
                ),
                Attribute::optional("client_key_pem", Type::String)
                    .sensitive()
                    .describe("PEM private key of the client certificate."),
                Attribute::optional("insecure_skip_verify", Type::Bool).describe(
                    "Accept any server certificate. Defaults to `false`; for test systems only.",
                ),
            ],
            vec![],
        ),
    )
}

fn rate_limit_block() -> NestedBlock {
    NestedBlock::single(
        "rate_limit",
        Block::new(
            "Client-side limits shared by every request of this provider instance: creates, reads, \
             retries, polls and token fetches alike.",
            vec![
                Attribute::optional("requests_per_second", Type::Number)
                    .describe("Sustained request rate (token bucket). Unlimited when unset."),
                Attribute::optional("burst", Type::Number).describe(
                    "Requests allowed at once above the sustained rate. Defaults to `1`: requests are evenly spaced.",
                ),
                Attribute::optional("max_in_flight", Type::Number)
                    .describe("Most requests outstanding at once. Unlimited when unset."),
                Attribute::optional("adaptive", Type::Bool).describe(
                    "Pace by what the API says: start with a few requests in flight and widen as \
                     answers come back, slow to just under the rate the API delivered after a 429, \
                     keep to the rate its `RateLimit-*`/`X-RateLimit-*` headers announce, wait when \
                     they say the quota is spent, and recover gradually. Defaults to `true`, with or \
                     without this block; set `false` to send at the configured rate whatever the API \
                     says.",
                ),
            ],
            vec![super::fleet::shared_block()],
        ),
    )
}

fn retry_block() -> NestedBlock {
    NestedBlock::single(
        "retry",
        Block::new(
            "Retries with exponential backoff and full jitter. A `Retry-After` answer is honoured.",
            vec![
                Attribute::optional("max_attempts", Type::Number).describe(&format!(
                    "Attempts per request, the first included. `1` disables retries. Defaults to `{DEFAULT_MAX_ATTEMPTS}`."
                )),
                Attribute::optional("min_backoff", Type::String).describe(&format!(
                    "Backoff before the first retry. Defaults to `\"{DEFAULT_MIN_BACKOFF}\"`."
                )),
                Attribute::optional("max_backoff", Type::String).describe(&format!(
                    "Longest backoff between attempts. Defaults to `\"{DEFAULT_MAX_BACKOFF}\"`."
                )),
                Attribute::optional("max_retry_after", Type::String).describe(&format!(
                    "Longest `Retry-After` the provider waits for; a longer one fails the request. \
                     Defaults to `\"{DEFAULT_MAX_RETRY_AFTER}\"`."
                )),
                Attribute::optional("retry_on_status", Type::list(Type::Number)).describe(
                    "HTTP statuses that are retried. Defaults to `[408, 429, 500, 502, 503, 504]`. \
                     A 5xx may come after the API acted, so it is retried only for requests that \
                     are safe to repeat (GET, PUT, DELETE, or a create carrying an idempotency \
                     key); 408 and 429 mean the request was not processed and are always retried. \
                     Throttled attempts (429) do not count against `max_attempts`. Connection \
                     errors are retried like 5xx.",
                ),
                Attribute::optional("retry_non_idempotent", Type::Bool).describe(
                    "Also retry requests that may not be safe to repeat (a `POST` without an \
                     idempotency key). Defaults to `false`.",
                ),
            ],
            vec![],
        ),
    )
}

fn circuit_breaker_block() -> NestedBlock {
    NestedBlock::single(
        "circuit_breaker",
        Block::new(
            "Stops sending requests to an API that keeps failing, so a run fails fast with one \
             clear error instead of every resource retrying on its own.",
            vec![
                Attribute::optional("failure_threshold", Type::Number).describe(&format!(
                    "Consecutive failed requests that open the breaker. Defaults to `{DEFAULT_FAILURE_THRESHOLD}`."
                )),
                Attribute::optional("open_for", Type::String).describe(&format!(
                    "How long the breaker stays open before one probe request is let through. \
                     Defaults to `\"{DEFAULT_OPEN_FOR}\"`."
                )),
            ],
            vec![],
        ),
    )
}
