//! The actuation engine: everything between a resource's intent and one
//! driver attempt. Every request of every driver goes through `execute`,
//! so every limit applies to creates, reads, retries and polls alike.
//! Knows nothing of Terraform.
//!
//! The order of the steps is decided here and nowhere else (`execute`):
//!
//! 1. **retry loop** (outermost): each attempt below takes its own rate
//!    token, counts for the breaker and gets its own request timeout;
//! 2. **circuit breaker**: an open breaker fails the request fast, so a
//!    dead API is not hammered by every resource's retries;
//! 3. **rate limiter**: the server's pause, a token, a concurrency slot;
//! 4. **request timeout** around the driver call;
//! 5. feedback: throttle signals to the limiter, health to the breaker;
//!    then the retry policy decides, and the wait is bounded by the
//!    operation's deadline and by Terraform's stop.
//!
//! Around all of it, `execute` records the logical operation once: one
//! audit record (attempts, last status, outcome) and operation metrics.
//! Each attempt is counted in the request metrics.

pub mod audit;
pub mod circuit_breaker;
pub mod metrics;
pub mod rate_limit;
pub mod redact;
pub mod retry;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value as Json};

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::drivers::{Driver, DriverError, Feedback, Outcome, Request};
use circuit_breaker::{BreakerConfig, BreakerOpen, CircuitBreaker};
use rate_limit::{Limiter, RateLimitConfig};
use retry::{Decision, RetryConfig, RetryPolicy, StandardRetry, StopReason};

/// Limits that apply to one logical operation (a create, a read, ...), and
/// what it is about, for its audit record.
#[derive(Clone, Debug)]
pub struct OperationContext {
    /// When the whole operation must be over (the resource's `timeouts`).
    pub deadline: Option<Instant>,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
    /// The kind of object acted on (a Terraform type name), for records.
    pub subject: Option<String>,
    /// The object's id, when known.
    pub object_id: Option<String>,
}

impl OperationContext {
    /// An operation bounded by `limit` from now, cancelled by `cancel`.
    pub fn new(limit: Option<Duration>, cancel: CancellationToken) -> Self {
        OperationContext {
            deadline: limit.map(|d| Instant::now() + d),
            cancel,
            subject: None,
            object_id: None,
        }
    }

    /// Names what the operation acts on, for its audit record.
    pub fn about(mut self, subject: &str, object_id: Option<&str>) -> Self {
        self.subject = Some(subject.to_owned());
        self.object_id = object_id.filter(|i| !i.is_empty()).map(str::to_owned);
        self
    }
}

/// Where the engine reports: shared by every engine of a provider process.
#[derive(Debug, Clone, Default)]
pub struct Observers {
    /// The audit log, if configured.
    pub audit: Option<Arc<audit::AuditLog>>,
    /// The process's metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// Secret values to mask in everything the engine writes.
    pub redactor: redact::Redactor,
}

/// Everything the engine enforces.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Per-attempt time limit.
    pub request_timeout: Duration,
    /// Rate and concurrency limits.
    pub rate_limit: RateLimitConfig,
    /// Retry policy settings.
    pub retry: RetryConfig,
    /// Circuit breaker settings.
    pub breaker: BreakerConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            request_timeout: Duration::from_secs(30),
            rate_limit: RateLimitConfig {
                burst: 1,
                ..Default::default()
            },
            retry: RetryConfig::default(),
            breaker: BreakerConfig {
                failure_threshold: 10,
                open_for: Duration::from_secs(30),
            },
        }
    }
}

/// Why an operation did not complete.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum EngineError {
    /// The last attempt failed and no more will be made.
    #[error("{}", failed_text(last, *attempts, why))]
    Failed {
        /// The last attempt's failure.
        last: DriverError,
        /// Attempts made.
        attempts: u32,
        /// Why no more.
        why: StopReason,
    },
    /// The operation's time limit ran out.
    #[error(
        "the operation did not finish within its time limit ({attempts} attempt(s){})",
        last_text(last)
    )]
    OperationTimeout {
        /// Attempts started.
        attempts: u32,
        /// The last failure, if an attempt failed before.
        last: Option<DriverError>,
        /// Whether an attempt was cut off in flight.
        interrupted: bool,
    },
    /// Terraform asked the provider to stop.
    #[error("cancelled: Terraform asked the provider to stop")]
    Cancelled {
        /// Whether an attempt was cut off in flight.
        interrupted: bool,
    },
    /// The circuit breaker refused the request.
    #[error("{open}{}", last_text(last))]
    BreakerOpen {
        /// The breaker's state.
        open: BreakerOpen,
        /// The failure before, if this was a retry.
        last: Option<DriverError>,
    },
}

fn last_text(last: &Option<DriverError>) -> String {
    last.as_ref()
        .map(|e| format!("; last failure: {e}"))
        .unwrap_or_default()
}

fn failed_text(last: &DriverError, attempts: u32, why: &StopReason) -> String {
    match why {
        StopReason::Exhausted => format!("gave up after {attempts} attempts; last failure: {last}"),
        StopReason::RetryAfterTooLong(d) => {
            format!(
                "{last}; the API asked to wait {d:?}, longer than retry.max_retry_after, after {attempts} attempt(s)"
            )
        }
        StopReason::NotIdempotent if attempts == 1 => format!(
            "{last} (not retried: the request may not be safe to repeat; set retry.retry_non_idempotent to retry it anyway)"
        ),
        _ if attempts > 1 => format!("{last} (after {attempts} attempts)"),
        _ => last.to_string(),
    }
}

impl EngineError {
    /// Whether the target may have acted on the request although we have no
    /// answer: the caller must not assume nothing happened.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            EngineError::Failed {
                last: DriverError::Transport { sent, .. },
                ..
            } => *sent,
            EngineError::OperationTimeout {
                interrupted, last, ..
            } => *interrupted || matches!(last, Some(DriverError::Transport { sent: true, .. })),
            EngineError::Cancelled { interrupted } => *interrupted,
            EngineError::Failed { .. } | EngineError::BreakerOpen { .. } => false,
        }
    }

    /// The status of the last answer, if the API answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            EngineError::Failed {
                last: DriverError::Status { status, .. },
                ..
            } => Some(*status),
            _ => None,
        }
    }
}

/// What the engine did, for summaries and metrics.
#[derive(Debug, Default)]
pub struct EngineStats {
    attempts: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    waited_micros: AtomicU64,
}

/// A copy of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Attempts sent to drivers.
    pub attempts: u64,
    /// Of which retries.
    pub retries: u64,
    /// Throttle signals received (429s, pause hints).
    pub throttled: u64,
    /// Total time requests waited for the rate limiter.
    pub waited: Duration,
}

impl EngineStats {
    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            attempts: self.attempts.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            waited: Duration::from_micros(self.waited_micros.load(Ordering::Relaxed)),
        }
    }
}

/// Runs driver requests under the engine's limits.
#[derive(Debug)]
pub struct Engine<D> {
    driver: D,
    request_timeout: Duration,
    limiter: Limiter,
    retry: Box<dyn RetryPolicy>,
    breaker: CircuitBreaker,
    stats: EngineStats,
    observers: Observers,
}

impl<D: Driver> Engine<D> {
    /// An engine around one driver.
    pub fn new(driver: D, config: EngineConfig, observers: Observers) -> Self {
        let retry = Box::new(StandardRetry::new(config.retry.clone()));
        Self::with_policy(driver, config, retry, observers)
    }

    /// An engine with a given retry policy (deterministic tests).
    pub fn with_policy(
        driver: D,
        config: EngineConfig,
        retry: Box<dyn RetryPolicy>,
        observers: Observers,
    ) -> Self {
        Engine {
            driver,
            request_timeout: config.request_timeout,
            limiter: Limiter::new(&config.rate_limit),
            retry,
            breaker: CircuitBreaker::new(config.breaker),
            stats: EngineStats::default(),
            observers,
        }
    }

    /// Where this engine reports.
    pub fn observers(&self) -> &Observers {
        &self.observers
    }

    /// The driver, for what is not an actuation (building URLs for messages).
    pub fn driver(&self) -> &D {
        &self.driver
    }

    /// What the engine has done so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Performs a request, retrying as the policy allows, within the
    /// operation's limits, and records it once.
    pub async fn execute(
        &self,
        req: &D::Request,
        ctx: &OperationContext,
    ) -> Result<Outcome<D::Response>, EngineError> {
        let started = std::time::Instant::now();
        let mut attempts = 0u32;
        let result = self.attempts(req, ctx, &mut attempts).await;
        self.record(req, ctx, &result, attempts, started.elapsed());
        result
    }

    /// One audit record and the operation metrics.
    fn record(
        &self,
        req: &D::Request,
        ctx: &OperationContext,
        result: &Result<Outcome<D::Response>, EngineError>,
        attempts: u32,
        took: Duration,
    ) {
        let name = self.driver.name();
        let (outcome, status, error) = match result {
            Ok(Outcome::Done(r)) => ("ok", r.status_code(), None),
            Ok(Outcome::Gone) => ("gone", None, None),
            Err(e) => {
                let outcome = match e {
                    EngineError::Failed { .. } => "failed",
                    EngineError::OperationTimeout { .. } => "timeout",
                    EngineError::Cancelled { .. } => "cancelled",
                    EngineError::BreakerOpen { .. } => "breaker_open",
                };
                let status = match e {
                    EngineError::Failed { last, .. } => last.code(),
                    _ => None,
                };
                (outcome, status, Some(e.to_string()))
            }
        };
        self.observers
            .metrics
            .operation(name, &req.operation().to_string(), outcome);
        let Some(audit) = &self.observers.audit else {
            return;
        };
        let mut r = Map::new();
        r.insert("driver".into(), Json::from(name));
        r.insert("operation".into(), Json::from(req.operation().to_string()));
        if let Some(s) = &ctx.subject {
            r.insert("resource_type".into(), Json::from(s.as_str()));
        }
        if let Some(id) = &ctx.object_id {
            r.insert("object_id".into(), Json::from(id.as_str()));
        }
        r.insert("target".into(), Json::from(req.target()));
        r.insert("attempts".into(), Json::from(attempts));
        if let Some(s) = status {
            r.insert("status".into(), Json::from(s));
        }
        r.insert("duration_ms".into(), Json::from(took.as_millis() as u64));
        r.insert("outcome".into(), Json::from(outcome));
        if let Some(k) = req.idempotency_key() {
            r.insert("idempotency_key".into(), Json::from(k));
        }
        if let Some(e) = error {
            r.insert("error".into(), Json::from(e));
        }
        audit.write(r);
    }

    fn breaker_changed(&self, change: Option<&'static str>) {
        if let Some(state) = change {
            self.observers.metrics.breaker(self.driver.name(), state);
        }
    }

    async fn attempts(
        &self,
        req: &D::Request,
        ctx: &OperationContext,
        attempt: &mut u32,
    ) -> Result<Outcome<D::Response>, EngineError> {
        let name = self.driver.name();
        let deadline = async {
            match ctx.deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(deadline);
        let idempotent = req.is_idempotent();
        let mut last: Option<DriverError> = None;
        loop {
            *attempt += 1;
            let attempt = *attempt;
            match self.breaker.admit() {
                Ok(change) => self.breaker_changed(change),
                Err(open) => return Err(EngineError::BreakerOpen { open, last }),
            }
            let permit = tokio::select! {
                p = self.limiter.acquire() => p,
                _ = &mut deadline => return Err(EngineError::OperationTimeout { attempts: attempt - 1, last, interrupted: false }),
                _ = ctx.cancel.cancelled() => return Err(EngineError::Cancelled { interrupted: false }),
            };
            self.stats
                .waited_micros
                .fetch_add(permit.waited.as_micros() as u64, Ordering::Relaxed);
            self.stats.attempts.fetch_add(1, Ordering::Relaxed);
            self.observers
                .metrics
                .waited(name, permit.waited.as_secs_f64());
            tracing::debug!(target_object = %req.target(), operation = %req.operation(), attempt, "attempt");
            let attempt_started = Instant::now();
            let result = tokio::select! {
                // Dropping the driver future aborts the request.
                r = tokio::time::timeout(self.request_timeout, self.driver.call(req)) => match r {
                    Ok(r) => r,
                    Err(_) => Err(DriverError::Transport {
                        message: format!("no answer within the request timeout of {:?}", self.request_timeout),
                        sent: true,
                    }),
                },
                _ = &mut deadline => return Err(EngineError::OperationTimeout { attempts: attempt, last, interrupted: true }),
                _ = ctx.cancel.cancelled() => return Err(EngineError::Cancelled { interrupted: true }),
            };
            drop(permit);
            let status = match &result {
                Ok(Outcome::Done(r)) => r
                    .status_code()
                    .map_or_else(|| "ok".to_owned(), |c| c.to_string()),
                Ok(Outcome::Gone) => "gone".to_owned(),
                Err(e) => e
                    .code()
                    .map_or_else(|| "error".to_owned(), |c| c.to_string()),
            };
            self.observers.metrics.attempt(
                name,
                &req.method(),
                &status,
                attempt_started.elapsed().as_secs_f64(),
            );

            let err = match result {
                Ok(outcome) => {
                    let change = self.breaker.on_success();
                    self.breaker_changed(change);
                    if let Outcome::Done(resp) = &outcome
                        && let Some(reset) = resp.pause_hint()
                    {
                        self.observers.metrics.quota_exhausted(name);
                        self.limiter.on_quota_spent(reset);
                    } else {
                        self.limiter.on_success();
                    }
                    return Ok(outcome);
                }
                Err(e) => e,
            };
            self.feedback(&err);
            match self.retry.decide(attempt, &err, idempotent) {
                Decision::Stop(why) => {
                    return Err(EngineError::Failed {
                        last: err,
                        attempts: attempt,
                        why,
                    });
                }
                Decision::RetryAfter(wait) => {
                    if ctx.deadline.is_some_and(|d| Instant::now() + wait > d) {
                        return Err(EngineError::OperationTimeout {
                            attempts: attempt,
                            last: Some(err),
                            interrupted: false,
                        });
                    }
                    tracing::debug!(target_object = %req.target(), attempt, ?wait, error = %self.observers.redactor.scrub(&err.to_string()), "retrying");
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    self.observers.metrics.retry(name);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = ctx.cancel.cancelled() => return Err(EngineError::Cancelled { interrupted: false }),
                    }
                    last = Some(err);
                }
            }
        }
    }

    /// Tells the limiter and the breaker what a failure says about the API.
    fn feedback(&self, err: &DriverError) {
        let change = match err {
            DriverError::Status {
                status: 429,
                retry_after,
                ..
            } => {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                self.observers.metrics.throttle(self.driver.name());
                self.limiter.on_throttle(*retry_after);
                // Throttling is the API protecting itself, not failing.
                self.breaker.on_success()
            }
            DriverError::Status {
                status,
                retry_after,
                ..
            } if *status >= 500 => {
                if *status == 503 && retry_after.is_some() {
                    self.limiter.on_throttle(*retry_after);
                }
                self.breaker.on_failure()
            }
            DriverError::Exit { .. }
            | DriverError::TryAgain { .. }
            | DriverError::Transport { .. } => self.breaker.on_failure(),
            // A 4xx or a bad request: the API is answering.
            DriverError::Status { .. } | DriverError::Invalid(_) => self.breaker.on_success(),
        };
        self.breaker_changed(change);
    }
}

#[cfg(test)]
mod tests;
