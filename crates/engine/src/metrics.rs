//! Metrics of one provider process, in Prometheus text format, written to a
//! file at the end of the run (node_exporter's textfile collector reads it).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    driver: String,
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    driver: String,
    operation: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DriverLabels {
    driver: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BreakerLabels {
    driver: String,
    state: String,
}

/// The run's totals over every driver, for the run summary. Kept by the
/// same calls that feed the Prometheus series, so the two always agree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Attempts sent to drivers.
    pub attempts: u64,
    /// Of which retries.
    pub retries: u64,
    /// Throttle signals received (429s and the like).
    pub throttled: u64,
    /// Total time requests waited for the rate limiter.
    pub waited: std::time::Duration,
    /// Requests for which the shared rate budget could not be reached.
    pub unshared: u64,
}

#[derive(Debug, Default)]
struct Tally {
    attempts: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    waited_micros: AtomicU64,
    unshared: AtomicU64,
}

/// The process's metrics: the single source of every count.
#[derive(Debug)]
pub struct Metrics {
    tally: Tally,
    registry: Registry,
    attempts: Family<AttemptLabels, Counter>,
    operations: Family<OperationLabels, Counter>,
    retries: Family<DriverLabels, Counter>,
    throttled: Family<DriverLabels, Counter>,
    quota_exhausted: Family<DriverLabels, Counter>,
    rate_limit_wait: Family<DriverLabels, Counter<f64, std::sync::atomic::AtomicU64>>,
    breaker: Family<BreakerLabels, Counter>,
    latency: Family<DriverLabels, Histogram>,
    shared_budget_unavailable: Family<DriverLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("driver");
        let attempts = Family::<AttemptLabels, Counter>::default();
        registry.register(
            "requests",
            "Attempts sent to targets, by method and answer status",
            attempts.clone(),
        );
        let operations = Family::<OperationLabels, Counter>::default();
        registry.register(
            "operations",
            "Logical operations (all attempts of one request), by outcome",
            operations.clone(),
        );
        let retries = Family::<DriverLabels, Counter>::default();
        registry.register("retries", "Attempts that were retries", retries.clone());
        let throttled = Family::<DriverLabels, Counter>::default();
        registry.register(
            "throttled",
            "Answers asking the client to slow down (429 and the like)",
            throttled.clone(),
        );
        let quota_exhausted = Family::<DriverLabels, Counter>::default();
        registry.register(
            "quota_exhausted",
            "Answers saying the quota is spent (RateLimit-Remaining: 0)",
            quota_exhausted.clone(),
        );
        let rate_limit_wait =
            Family::<DriverLabels, Counter<f64, std::sync::atomic::AtomicU64>>::default();
        registry.register(
            "rate_limit_wait_seconds",
            "Time requests waited for the client-side rate limiter",
            rate_limit_wait.clone(),
        );
        let breaker = Family::<BreakerLabels, Counter>::default();
        registry.register(
            "circuit_breaker_transitions",
            "Circuit breaker state changes, by new state",
            breaker.clone(),
        );
        let latency = Family::<DriverLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ])
        });
        registry.register(
            "request_duration_seconds",
            "Duration of one attempt",
            latency.clone(),
        );
        let shared_budget_unavailable = Family::<DriverLabels, Counter>::default();
        registry.register(
            "shared_budget_unavailable",
            "Requests for which the shared rate budget's store could not be reached",
            shared_budget_unavailable.clone(),
        );
        Metrics {
            tally: Tally::default(),
            shared_budget_unavailable,
            registry,
            attempts,
            operations,
            retries,
            throttled,
            quota_exhausted,
            rate_limit_wait,
            breaker,
            latency,
        }
    }
}

impl Metrics {
    /// The totals so far.
    pub fn totals(&self) -> Totals {
        let t = &self.tally;
        Totals {
            attempts: t.attempts.load(Ordering::Relaxed),
            retries: t.retries.load(Ordering::Relaxed),
            throttled: t.throttled.load(Ordering::Relaxed),
            waited: std::time::Duration::from_micros(t.waited_micros.load(Ordering::Relaxed)),
            unshared: t.unshared.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn attempt(&self, driver: &str, method: &str, status: &str, seconds: f64) {
        self.tally.attempts.fetch_add(1, Ordering::Relaxed);
        let d = DriverLabels {
            driver: driver.into(),
        };
        self.attempts
            .get_or_create(&AttemptLabels {
                driver: driver.into(),
                method: method.into(),
                status: status.into(),
            })
            .inc();
        self.latency.get_or_create(&d).observe(seconds);
    }

    pub(crate) fn operation(&self, driver: &str, operation: &str, outcome: &str) {
        self.operations
            .get_or_create(&OperationLabels {
                driver: driver.into(),
                operation: operation.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    pub(crate) fn retry(&self, driver: &str) {
        self.tally.retries.fetch_add(1, Ordering::Relaxed);
        self.retries
            .get_or_create(&DriverLabels {
                driver: driver.into(),
            })
            .inc();
    }

    pub(crate) fn throttle(&self, driver: &str) {
        self.tally.throttled.fetch_add(1, Ordering::Relaxed);
        self.throttled
            .get_or_create(&DriverLabels {
                driver: driver.into(),
            })
            .inc();
    }

    pub(crate) fn quota_exhausted(&self, driver: &str) {
        self.quota_exhausted
            .get_or_create(&DriverLabels {
                driver: driver.into(),
            })
            .inc();
    }

    pub(crate) fn waited(&self, driver: &str, waited: std::time::Duration) {
        let micros = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
        self.tally
            .waited_micros
            .fetch_add(micros, Ordering::Relaxed);
        let seconds = waited.as_secs_f64();
        if seconds > 0.0 {
            self.rate_limit_wait
                .get_or_create(&DriverLabels {
                    driver: driver.into(),
                })
                .inc_by(seconds);
        }
    }

    pub(crate) fn shared_budget_unavailable(&self, driver: &str) {
        self.tally.unshared.fetch_add(1, Ordering::Relaxed);
        self.shared_budget_unavailable
            .get_or_create(&DriverLabels {
                driver: driver.into(),
            })
            .inc();
    }

    pub(crate) fn breaker(&self, driver: &str, state: &str) {
        self.breaker
            .get_or_create(&BreakerLabels {
                driver: driver.into(),
                state: state.into(),
            })
            .inc();
    }

    /// The metrics in Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode_registry(&mut out, &self.registry);
        out
    }

    /// The metrics in the classic Prometheus text format (0.0.4) that a
    /// Pushgateway parses: OpenMetrics names a counter family without its
    /// `_total` suffix, which that parser would take for an untyped
    /// family of its own; and it has no `# EOF`.
    pub fn encode_classic(&self) -> String {
        let open = self.encode();
        let counters: Vec<&str> = open
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .filter_map(|l| l.strip_suffix(" counter"))
            .collect();
        let mut out = String::with_capacity(open.len());
        for line in open.lines() {
            if line == "# EOF" || line.starts_with("# UNIT ") {
                continue;
            }
            let renamed = ["# HELP ", "# TYPE "].iter().find_map(|tag| {
                let rest = line.strip_prefix(tag)?;
                let (name, tail) = rest.split_once(' ')?;
                counters
                    .contains(&name)
                    .then(|| format!("{tag}{name}_total {tail}"))
            });
            out.push_str(renamed.as_deref().unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// Writes the file atomically (temporary file, then rename), so a
    /// collector never reads half of it.
    pub fn write_textfile(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
        std::fs::write(&tmp, self.encode())?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_format_names_counters_by_their_samples() {
        let m = Metrics::default();
        m.attempt("http", "POST", "201", 0.02);
        let text = m.encode_classic();
        assert!(
            text.contains("# TYPE driver_requests_total counter\n"),
            "{text}"
        );
        assert!(text.contains("# HELP driver_requests_total "), "{text}");
        assert!(
            text.contains(r#"driver_requests_total{driver="http",method="POST",status="201"} 1"#),
            "{text}"
        );
        assert!(!text.contains("# EOF"), "{text}");
    }

    #[test]
    fn text_format_has_the_counters() {
        let m = Metrics::default();
        m.attempt("http", "POST", "201", 0.02);
        m.attempt("http", "POST", "429", 0.01);
        m.retry("http");
        m.waited("http", std::time::Duration::from_millis(1500));
        let text = m.encode();
        assert!(
            text.contains(r#"driver_requests_total{driver="http",method="POST",status="201"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"driver_retries_total{driver="http"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"driver_rate_limit_wait_seconds_total{driver="http"} 1.5"#),
            "{text}"
        );
        assert!(
            text.contains("driver_request_duration_seconds_bucket"),
            "{text}"
        );
    }
}
