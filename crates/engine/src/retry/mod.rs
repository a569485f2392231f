//! Retries: the loop that carries out a [`RetryPolicy`]. Every retry goes
//! through the layers below again (a rate token, the breaker, a fresh
//! request timeout); the wait between attempts is bounded by the
//! operation's deadline and ends at Terraform's stop.

mod policy;

use std::sync::Arc;

pub use policy::{Decision, MAX_THROTTLED_RETRIES, RetryConfig, RetryPolicy, StandardRetry, Tries};

use super::Observers;
use super::error::{EngineError, Stop};
use super::service::{Answer, Cx, Layer, Service};
use drivers::Request;

/// Adds [`Retry`].
#[derive(Debug, Clone)]
pub struct RetryLayer {
    policy: Arc<dyn RetryPolicy>,
    observers: Observers,
    driver: &'static str,
}

impl RetryLayer {
    /// Retries as `policy` decides, counted and logged (secrets masked)
    /// through `observers` under `driver`.
    pub fn new(policy: Arc<dyn RetryPolicy>, observers: Observers, driver: &'static str) -> Self {
        RetryLayer {
            policy,
            observers,
            driver,
        }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;
    fn layer(&self, inner: S) -> Retry<S> {
        Retry {
            inner,
            layer: self.clone(),
        }
    }
}

/// Sends again what the policy says is worth sending again.
#[derive(Debug)]
pub struct Retry<S> {
    inner: S,
    layer: RetryLayer,
}

#[async_trait::async_trait]
impl<R: Request, S: Service<R>> Service<R> for Retry<S> {
    type Response = S::Response;

    async fn call(&self, req: &R, cx: &Cx<'_>) -> Answer<S::Response> {
        let mut tries = Tries::default();
        let mut last = None;
        loop {
            let err = match self.inner.call(req, cx).await {
                Ok(outcome) => return Ok(outcome),
                Err(e) => e,
            };
            // Only a failed attempt is the policy's to judge; a refusal, a
            // deadline or a stop ends the operation, with the failure before
            // it for the record.
            let failure = match (&err.stop, err.last.clone()) {
                (Stop::Failed, Some(f)) => f,
                _ => {
                    return Err(EngineError {
                        last: err.last.or(last),
                        ..err
                    });
                }
            };
            if failure.class.throttled {
                tries.throttled += 1;
            } else {
                tries.failures += 1;
            }
            let wait = match self
                .layer
                .policy
                .decide(tries, &failure, req.is_idempotent())
            {
                Decision::Stop(why) => return Err(cx.failure(why, Some(failure))),
                Decision::RetryAfter(wait) => wait,
            };
            let now = tokio::time::Instant::now();
            if cx
                .op
                .deadline
                .is_some_and(|d| super::time::after(now, wait) > d)
            {
                return Err(cx.failure(Stop::Deadline { in_flight: false }, Some(failure)));
            }
            tracing::debug!(
                target_object = %req.target(),
                attempt = cx.attempts(),
                ?wait,
                error = %self.layer.observers.redactor.scrub(&failure.to_string()),
                "retrying"
            );
            self.layer.observers.metrics.retry(self.layer.driver);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = cx.op.cancel.cancelled() => {
                    return Err(cx.failure(Stop::Cancelled { in_flight: false }, Some(failure)));
                }
            }
            last = Some(failure);
        }
    }
}
