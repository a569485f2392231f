//! The actuation engine: everything between a resource's intent and one
//! driver attempt. Every request of every driver goes through
//! [`Engine::execute`], so every limit applies to creates, reads, retries
//! and polls alike. Knows nothing of Terraform, and nothing of HTTP: it
//! acts on the drivers' classification of their failures
//! ([`drivers::Class`]).
//!
//! The engine is a stack of small steps ([`service::Service`] and
//! [`service::Layer`], in the spirit of tower), each one concern:
//! [`record`], [`retry`], [`circuit_breaker`], [`rate_limit`], [`timeout`].
//! Their order is decided in one place, [`stack`], and documented there.
//! [`metrics::Metrics`] is the single source of every count.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod circuit_breaker;
mod error;
pub mod metrics;
pub mod rate_limit;
pub mod record;
pub mod redact;
pub mod retry;
pub mod service;
pub mod shared_budget;
pub mod stack;
pub mod time;
pub mod timeout;

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use error::{EngineError, Stop};
pub use metrics::Totals;

use circuit_breaker::BreakerConfig;
use drivers::{Driver, Outcome};
use rate_limit::RateLimitConfig;
use retry::{RetryConfig, RetryPolicy, StandardRetry};
use service::{BoxService, Cx, Service};

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
            deadline: limit.map(time::from_now),
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
    /// A rate budget shared with other processes, if any.
    pub shared_budget: Option<SharedBudgetConfig>,
}

/// A shared rate budget, and what to do when its store is down.
#[derive(Clone, Debug)]
pub struct SharedBudgetConfig {
    /// The budget.
    pub budget: Arc<dyn shared_budget::SharedBudget>,
    /// When it cannot be reached.
    pub unavailable: shared_budget::Unavailable,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            request_timeout: Duration::from_secs(30),
            rate_limit: RateLimitConfig::default(),
            retry: RetryConfig::default(),
            breaker: BreakerConfig {
                failure_threshold: 10,
                open_for: Duration::from_secs(30),
            },
            shared_budget: None,
        }
    }
}

/// Runs driver requests through the stack.
#[derive(Debug)]
pub struct Engine<D: Driver> {
    driver: Arc<D>,
    stack: BoxService<D::Request, D::Response>,
    observers: Observers,
}

impl<D: Driver> Engine<D> {
    /// The standard stack around one driver.
    pub fn new(driver: D, config: EngineConfig, observers: Observers) -> Self {
        let retry = Arc::new(StandardRetry::new(config.retry.clone()));
        Self::with_policy(driver, config, retry, observers)
    }

    /// The standard stack with a given retry policy (deterministic tests).
    pub fn with_policy(
        driver: D,
        config: EngineConfig,
        retry: Arc<dyn RetryPolicy>,
        observers: Observers,
    ) -> Self {
        let driver = Arc::new(driver);
        let stack = stack::build(driver.clone(), &config, retry, &observers);
        Engine {
            driver,
            stack,
            observers,
        }
    }

    /// An engine around a stack built elsewhere (see [`stack::build_with`]).
    pub fn from_stack(
        driver: Arc<D>,
        stack: BoxService<D::Request, D::Response>,
        observers: Observers,
    ) -> Self {
        Engine {
            driver,
            stack,
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

    /// Performs a request, retrying as the policy allows, within the
    /// operation's limits, and records it once.
    pub async fn execute(
        &self,
        req: &D::Request,
        ctx: &OperationContext,
    ) -> Result<Outcome<D::Response>, EngineError> {
        let cx = Cx::new(ctx);
        self.stack.call(req, &cx).await
    }
}

#[cfg(test)]
mod tests;
