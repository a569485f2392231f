//! The one place that decides the order of the engine's steps. Read from
//! the top: the first layer sees the request first.
//!
//! 1. **Record**: one audit record and operation metric per logical
//!    operation, whatever happened below.
//! 2. **Retry** (outside the rest, so each attempt takes its own rate
//!    token, counts for the breaker and gets its own request timeout).
//! 3. **Breaker**: an open breaker fails the request fast, so a dead API
//!    is not hammered by every resource's retries.
//! 4. **Rate limit**: the server's pause, a paced slot, a concurrency slot;
//!    the answer's throttle signals go back to the limiter.
//! 5. **Shared budget** (when configured): a slot of the rate budget
//!    shared with other processes; throttles are shared back.
//! 6. **Timeout**: the request timeout, the operation's deadline and
//!    Terraform's stop around the attempt.
//! 7. **Attempt**: the driver call, counted.
//!
//! A new step is one type implementing
//! [`Layer`] and one line here; `build_with` adds one without editing
//! this file (tests do).

use std::sync::Arc;

use super::circuit_breaker::{BreakerLayer, CircuitBreaker};
use super::rate_limit::{Limiter, RateLimitLayer};
use super::record::RecordLayer;
use super::retry::{RetryLayer, RetryPolicy};
use super::service::{Attempt, BoxService, Layer, Service, ServiceExt};
use super::shared_budget::SharedBudgetLayer;
use super::timeout::TimeoutLayer;
use super::{EngineConfig, Observers};
use drivers::Driver;

/// The standard stack around `driver`.
pub fn build<D: Driver>(
    driver: Arc<D>,
    config: &EngineConfig,
    policy: Arc<dyn RetryPolicy>,
    observers: &Observers,
) -> BoxService<D::Request, D::Response> {
    build_with(driver, config, policy, observers, Identity)
}

/// The standard stack with one more step, `extra`, right under the retry
/// loop, so that it sees every attempt and its answer.
pub fn build_with<D, L>(
    driver: Arc<D>,
    config: &EngineConfig,
    policy: Arc<dyn RetryPolicy>,
    observers: &Observers,
    extra: L,
) -> BoxService<D::Request, D::Response>
where
    D: Driver,
    L: Layer<BoxService<D::Request, D::Response>>,
    L::Service: Service<D::Request, Response = D::Response> + 'static,
{
    let name = driver.name();
    let metrics = observers.metrics.clone();
    let limiter = Arc::new(Limiter::new(&config.rate_limit));
    let breaker = Arc::new(CircuitBreaker::new(config.breaker.clone()));
    let timed: BoxService<D::Request, D::Response> = Box::new(
        Attempt::new(driver, metrics.clone()).wrap(TimeoutLayer::new(config.request_timeout)),
    );
    // The shared budget, when configured: under the local limits, so a
    // process waits for its own turn before it reserves a shared slot.
    let shared: BoxService<D::Request, D::Response> = match &config.shared_budget {
        Some(s) => Box::new(timed.wrap(SharedBudgetLayer::new(
            s.budget.clone(),
            s.unavailable,
            metrics.clone(),
            name,
            config.retry.max_retry_after,
        ))),
        None => timed,
    };
    let attempts: BoxService<D::Request, D::Response> = Box::new(
        shared
            .wrap(RateLimitLayer::new(
                limiter,
                metrics.clone(),
                name,
                config.retry.max_retry_after,
            ))
            .wrap(BreakerLayer::new(breaker, metrics, name)),
    );
    Box::new(
        attempts
            .wrap(extra)
            .wrap(RetryLayer::new(policy, observers.clone(), name))
            .wrap(RecordLayer::new(observers.clone(), name)),
    )
}

/// The layer that adds nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl<S> Layer<S> for Identity {
    type Service = S;
    fn layer(&self, inner: S) -> S {
        inner
    }
}
