//! Settings for many runs against one API: the rate budget they share
//! (`rate_limit.shared`, in Redis) and where they push their metrics
//! (`metrics_push`, a Prometheus Pushgateway).

use std::time::Duration;

use url::Url;

use super::Secret;
use super::read::Reader;
use crate::{Attribute, AttributePath, Block, NestedBlock, Type, Value};
use engine::shared_budget::Unavailable;

/// Longest `metrics_push.timeout`: the push runs after Terraform's
/// Shutdown, and go-plugin kills a provider 2 s after it.
const MAX_PUSH_TIMEOUT: Duration = Duration::from_millis(1500);
/// Default `metrics_push.timeout`.
const DEFAULT_PUSH_TIMEOUT: Duration = Duration::from_secs(1);
/// The slowest and fastest shared budgets: the Lua script keeps times in
/// microseconds and key lifetimes in milliseconds, both bounded by these.
const MIN_SHARED_RATE: f64 = 0.001;
const MAX_SHARED_RATE: f64 = 1_000_000.0;
/// Longest budget key.
const MAX_KEY: usize = 200;

/// `rate_limit.shared`.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedBudgetSettings {
    /// `redis://` or `rediss://` URL; may hold a password.
    pub redis_url: Secret,
    /// The budget's name: every process with the same key shares it.
    pub key: String,
    /// When Redis cannot be reached.
    pub on_unavailable: Unavailable,
}

/// `metrics_push`.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsPush {
    /// The Pushgateway's base URL.
    pub url: Url,
    /// The `job` label.
    pub job: String,
    /// More grouping labels (such as `instance`, `api`, `pipeline`).
    pub grouping: Vec<(String, String)>,
    /// Bound on the push.
    pub timeout: Duration,
}

pub(super) fn shared_block() -> NestedBlock {
    NestedBlock::single(
        "shared",
        Block::new(
            "A rate budget shared by every provider process configured with the same `key`: many \
             pipelines and workspaces against one API send, together, at most \
             `requests_per_second` (with `burst`). Kept in Redis, one atomic round trip per \
             request (GCRA). A 429 or `Retry-After` one run receives pauses and slows all of \
             them. The local limits still apply on top.",
            vec![
                Attribute::required("redis_url", Type::String)
                    .sensitive()
                    .describe(
                        "Where the budget lives: `redis://[user:password@]host:port/db`, or \
                     `rediss://` for TLS. The password is a secret: masked everywhere.",
                    ),
                Attribute::required("key", Type::String).describe(
                    "The budget's name, such as `\"github-api\"`; processes with the same key \
                     (and the same Redis) share one budget.",
                ),
                Attribute::optional("on_unavailable", Type::String).describe(
                    "When Redis cannot be reached: `\"fail\"` (default) fails each request with an \
                     error naming the budget, so no run overruns the API's limit; `\"local\"` goes \
                     on under this process's own limits, with a warning.",
                ),
            ],
            vec![],
        ),
    )
}

pub(super) fn metrics_push_block() -> NestedBlock {
    NestedBlock::single(
        "metrics_push",
        Block::new(
            "Pushes this process's metrics (the series of `metrics_file`) to a Prometheus \
             Pushgateway when the process ends, if it made any request. The push is bounded by \
             `timeout` and never fails the run. Each push replaces the series of its group \
             (`job` and `grouping`), so give each pipeline or workspace its own group.",
            vec![
                Attribute::required("url", Type::String)
                    .sensitive()
                    .describe(
                        "The Pushgateway, such as `\"http://pushgateway:9091\"`; credentials in it \
                     (`https://user:password@...`) are sent as basic authentication and masked.",
                    ),
                Attribute::optional("job", Type::String)
                    .describe("The `job` label. Defaults to `\"terraform\"`."),
                Attribute::optional("grouping", Type::map(Type::String)).describe(
                    "More grouping labels, such as `{ instance = \"ci-42\", api = \"github\" }`.",
                ),
                Attribute::optional("timeout", Type::String).describe(
                    "Time limit for the push, as a duration. Defaults to `\"1s\"`; at most \
                     `\"1500ms\"`, since Terraform stops a provider 2 s after its last call.",
                ),
            ],
            vec![],
        ),
    )
}

pub(super) fn read_shared(
    r: &mut Reader,
    b: &Value,
    rate_limit: &AttributePath,
    // The configured rate: `None` when unset, `Some(None)` when not known yet.
    rate: Option<Option<f64>>,
) -> Option<SharedBudgetSettings> {
    if let Some(Some(rate)) = rate
        && !(MIN_SHARED_RATE..=MAX_SHARED_RATE).contains(&rate)
    {
        r.error(
            &rate_limit.attr("requests_per_second"),
            "Rate out of range for a shared budget",
            &format!(
                "A shared budget's requests_per_second must be between {MIN_SHARED_RATE} and \
                 {MAX_SHARED_RATE}."
            ),
        );
        return None;
    }
    let path = &rate_limit.attr("shared");
    let url = r.string(b, "redis_url")?;
    match Url::parse(&url) {
        Ok(u) if matches!(u.scheme(), "redis" | "rediss") && u.host_str().is_some() => {}
        _ => {
            // The URL may hold a password: not quoted.
            r.error(
                &path.attr("redis_url"),
                "Invalid redis_url",
                "redis_url must be a URL such as redis://host:6379/0 or rediss://user:password@host:6380/0.",
            );
            return None;
        }
    }
    let key = r.string(b, "key")?;
    if key.is_empty() || key.len() > MAX_KEY || key.chars().any(char::is_control) {
        r.error(
            &path.attr("key"),
            "Invalid key",
            &format!("key must be 1 to {MAX_KEY} printable characters, such as \"github-api\"."),
        );
        return None;
    }
    let on_unavailable = match r.string(b, "on_unavailable").as_deref() {
        None | Some("fail") => Unavailable::Fail,
        Some("local") => Unavailable::Local,
        Some(other) => {
            r.error(
                &path.attr("on_unavailable"),
                "Invalid on_unavailable",
                &format!("{other:?} is not a choice: \"fail\" (default) or \"local\"."),
            );
            return None;
        }
    };
    if rate.is_none() {
        r.error(
            &rate_limit.attr("requests_per_second"),
            "A shared budget needs requests_per_second",
            "Set rate_limit.requests_per_second to the API's limit: that is the budget the \
             processes share.",
        );
        return None;
    }
    Some(SharedBudgetSettings {
        redis_url: Secret::new(url),
        key,
        on_unavailable,
    })
}

pub(super) fn read_metrics_push(
    r: &mut Reader,
    b: &Value,
    path: &AttributePath,
) -> Option<MetricsPush> {
    let text = r.string(b, "url")?;
    // Not quoted in messages: it may hold a password.
    let url = match Url::parse(&text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
        _ => {
            r.error(
                &path.attr("url"),
                "Invalid URL",
                "url must be an http:// or https:// URL, such as http://pushgateway:9091.",
            );
            return None;
        }
    };
    let label_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    let job = r.string(b, "job").unwrap_or_else(|| "terraform".into());
    if job.is_empty() || job.len() > 256 {
        r.error(
            &path.attr("job"),
            "Invalid job",
            "job must be 1 to 256 characters.",
        );
    }
    let grouping: Vec<(String, String)> = match b.get("grouping") {
        Some(Value::Map(_, m)) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    for (k, v) in &grouping {
        if !label_ok(k) || k == "job" || v.is_empty() || v.len() > 256 {
            r.error(
                &path.attr("grouping").key(k),
                "Invalid grouping label",
                "Label names are letters, digits and underscores (not first a digit, not `job`); \
                 values are 1 to 256 characters.",
            );
        }
    }
    let timeout = r
        .duration(b, path, "timeout")
        .unwrap_or(DEFAULT_PUSH_TIMEOUT);
    if timeout.is_zero() || timeout > MAX_PUSH_TIMEOUT {
        r.error(
            &path.attr("timeout"),
            "Invalid timeout",
            "timeout must be more than 0 and at most 1500ms: the push runs as Terraform stops the \
             provider, which it kills 2 s later.",
        );
    }
    Some(MetricsPush {
        url,
        job,
        grouping,
        timeout: timeout.min(MAX_PUSH_TIMEOUT),
    })
}
