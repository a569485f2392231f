//! Settings for many runs against one API: the rate budget they share
//! (`rate_limit.shared`, in Redis) and where they push their metrics
//! (`metrics_push`, a Prometheus Pushgateway).

use std::time::Duration;

use url::Url;

use super::Secret;
use super::read::Reader;
use crate::engine::shared_budget::Unavailable;
use crate::provider::{Attribute, AttributePath, Block, NestedBlock, Type, Value};

/// Longest `metrics_push.timeout`.
const MAX_PUSH_TIMEOUT: Duration = Duration::from_secs(60);
/// Default `metrics_push.timeout`.
const DEFAULT_PUSH_TIMEOUT: Duration = Duration::from_secs(5);
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
                    .describe("The Pushgateway, such as `\"http://pushgateway:9091\"`."),
                Attribute::optional("job", Type::String)
                    .describe("The `job` label. Defaults to `\"terraform\"`."),
                Attribute::optional("grouping", Type::map(Type::String)).describe(
                    "More grouping labels, such as `{ instance = \"ci-42\", api = \"github\" }`.",
                ),
                Attribute::optional("timeout", Type::String).describe(
                    "Time limit for the push, as a duration. Defaults to `\"5s\"`; at most `\"60s\"`.",
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
    has_rate: bool,
) -> Option<SharedBudgetSettings> {
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
    if !has_rate {
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
    let url = r.string(b, "url")?;
    let url = r.url(&url, &path.attr("url"))?;
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
            "timeout must be more than 0 and at most 60s.",
        );
    }
    Some(MetricsPush {
        url,
        job,
        grouping,
        timeout: timeout.min(MAX_PUSH_TIMEOUT),
    })
}
