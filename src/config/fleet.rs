//! Settings for many runs against one API: the rate budget they share
//! (`rate_limit.shared`, in Redis) and where they push their metrics
//! (`metrics_push`, a Prometheus Pushgateway).

use std::time::Duration;

use url::Url;

use std::collections::BTreeMap;

use framework::settings::{Choice, Maybe, Setting, Settings};

use super::Secret;
use super::values::Positive;
use crate::{AttributePath, Diagnostics, Type, Value};
use engine::shared_budget::Unavailable;

/// Longest `metrics_push.timeout`: the push runs after Terraform's
/// Shutdown, and go-plugin kills a provider 2 s after it.
const MAX_PUSH_TIMEOUT: Duration = Duration::from_millis(1500);
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

/// A rate budget shared by every provider process configured with the
/// same `key`: many pipelines and workspaces against one API send,
/// together, at most `requests_per_second` (with `burst`). Kept in Redis,
/// one atomic round trip per request (GCRA). A 429 or `Retry-After` one run
/// receives pauses and slows all of them. The local limits still apply on
/// top.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct SharedBlock {
    /// Where the budget lives: `redis://[user:password@]host:port/db`, or
    /// `rediss://` for TLS. The password is a secret: masked everywhere.
    #[setting(sensitive)]
    redis_url: RedisUrl,
    /// The budget's name, such as `"github-api"`; processes with the same
    /// key (and the same Redis) share one budget.
    key: BudgetKey,
    /// When Redis cannot be reached: `"fail"` fails each request with an
    /// error naming the budget, so no run overruns the API's limit;
    /// `"local"` goes on under this process's own limits, with a warning.
    #[setting(default = "fail")]
    on_unavailable: OnUnavailable,
}

/// When the shared budget cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Choice)]
enum OnUnavailable {
    /// Fail each request.
    Fail,
    /// Go on under the local limits.
    Local,
}

impl SharedBlock {
    /// A shared budget needs a rate in range (`rate`: the configured
    /// `requests_per_second`, which may not be known yet).
    pub(super) fn check_rate(
        &self,
        rate: Option<&Maybe<Positive>>,
        rate_limit: &AttributePath,
        d: &mut Diagnostics,
    ) {
        match rate {
            None => d.attribute_error(
                rate_limit.attr(super::RateLimitBlock::REQUESTS_PER_SECOND),
                "A shared budget needs requests_per_second",
                "Set rate_limit.requests_per_second to the API's limit: that is the budget the \
                 processes share.",
            ),
            Some(Maybe::Known(Positive(rate)))
                if !(MIN_SHARED_RATE..=MAX_SHARED_RATE).contains(rate) =>
            {
                d.attribute_error(
                    rate_limit.attr(super::RateLimitBlock::REQUESTS_PER_SECOND),
                    "Rate out of range for a shared budget",
                    format!(
                        "A shared budget's requests_per_second must be between {MIN_SHARED_RATE} \
                         and {MAX_SHARED_RATE}."
                    ),
                )
            }
            Some(_) => {}
        }
    }

    /// The settings the engine runs with.
    pub(super) fn settings(self) -> SharedBudgetSettings {
        SharedBudgetSettings {
            redis_url: Secret::new(self.redis_url.0),
            key: self.key.0,
            on_unavailable: match self.on_unavailable {
                OnUnavailable::Fail => Unavailable::Fail,
                OnUnavailable::Local => Unavailable::Local,
            },
        }
    }
}

/// A `redis://` or `rediss://` URL (never quoted: it may hold a password).
#[derive(Debug, Clone, PartialEq)]
struct RedisUrl(String);

impl Setting for RedisUrl {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        match Url::parse(&text) {
            Ok(u) if matches!(u.scheme(), "redis" | "rediss") && u.host_str().is_some() => {
                Some(RedisUrl(text))
            }
            _ => {
                d.attribute_error(
                    at.clone(),
                    "Invalid redis_url",
                    "redis_url must be a URL such as redis://host:6379/0 or \
                     rediss://user:password@host:6380/0.",
                );
                None
            }
        }
    }
}

/// A budget's name: 1 to 200 printable characters.
#[derive(Debug, Clone, PartialEq)]
struct BudgetKey(String);

impl Setting for BudgetKey {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let key = String::decode(v, at, d)?;
        if key.is_empty() || key.len() > MAX_KEY || key.chars().any(char::is_control) {
            d.attribute_error(
                at.clone(),
                "Invalid key",
                format!("key must be 1 to {MAX_KEY} printable characters, such as \"github-api\"."),
            );
            return None;
        }
        Some(BudgetKey(key))
    }
}

/// Pushes this process's metrics (the series of `metrics_file`) to a
/// Prometheus Pushgateway when the process ends, if it made any request.
/// The push is bounded by `timeout` and never fails the run. Each push
/// replaces the series of its group (`job` and `grouping`), so give each
/// pipeline or workspace its own group.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct MetricsPushBlock {
    /// The Pushgateway, such as `"http://pushgateway:9091"`; credentials in
    /// it (`https://user:password@...`) are sent as basic authentication and
    /// masked.
    #[setting(sensitive)]
    url: PushUrl,
    /// The `job` label.
    #[setting(default = "terraform")]
    job: Label,
    /// More grouping labels, such as
    /// `{ instance = "ci-42", api = "github" }`.
    grouping: Option<Grouping>,
    /// Time limit for the push, as a duration; at most `"1500ms"`, since
    /// Terraform stops a provider 2 s after its last call.
    #[setting(default = "1s")]
    timeout: PushTimeout,
}

impl MetricsPushBlock {
    /// The push to make at the end of the process.
    pub(super) fn settings(self) -> MetricsPush {
        MetricsPush {
            url: self.url.0,
            job: self.job.0,
            grouping: self.grouping.map(|g| g.0).unwrap_or_default(),
            timeout: self.timeout.0,
        }
    }
}

/// An `http://` or `https://` URL (never quoted: it may hold a password).
#[derive(Debug, Clone, PartialEq)]
struct PushUrl(Url);

impl Setting for PushUrl {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        match Url::parse(&text) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                Some(PushUrl(u))
            }
            _ => {
                d.attribute_error(
                    at.clone(),
                    "Invalid URL",
                    "url must be an http:// or https:// URL, such as http://pushgateway:9091.",
                );
                None
            }
        }
    }
}

/// A label value: 1 to 256 characters.
#[derive(Debug, Clone, PartialEq)]
struct Label(String);

impl Setting for Label {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        if text.is_empty() || text.len() > 256 {
            d.attribute_error(
                at.clone(),
                "Invalid job",
                "job must be 1 to 256 characters.",
            );
            return None;
        }
        Some(Label(text))
    }
}

/// Grouping labels: names of letters, digits and underscores (not first a
/// digit, not `job`), values of 1 to 256 characters.
#[derive(Debug, Clone, PartialEq)]
struct Grouping(Vec<(String, String)>);

impl Setting for Grouping {
    fn ty() -> Type {
        Type::map(Type::String)
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let map = BTreeMap::<String, String>::decode(v, at, d)?;
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !s.starts_with(|c: char| c.is_ascii_digit())
                && s != "job"
        };
        let mut ok = true;
        for (k, v) in &map {
            if !name_ok(k) || v.is_empty() || v.len() > 256 {
                d.attribute_error(
                    at.key(k),
                    "Invalid grouping label",
                    "Label names are letters, digits and underscores (not first a digit, not \
                     `job`); values are 1 to 256 characters.",
                );
                ok = false;
            }
        }
        ok.then(|| Grouping(map.into_iter().collect()))
    }
}

/// The push's time limit: more than zero, at most 1500 ms.
#[derive(Debug, Clone, PartialEq)]
struct PushTimeout(Duration);

impl Setting for PushTimeout {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let timeout = Duration::decode(v, at, d)?;
        if timeout.is_zero() || timeout > MAX_PUSH_TIMEOUT {
            d.attribute_error(
                at.clone(),
                "Invalid timeout",
                "timeout must be more than 0 and at most 1500ms: the push runs as Terraform stops \
                 the provider, which it kills 2 s later.",
            );
            return None;
        }
        Some(PushTimeout(timeout))
    }
}
