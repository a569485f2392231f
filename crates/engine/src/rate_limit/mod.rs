//! Rate limiting as a step of the engine: every attempt takes a turn from
//! the limiter, and every answer tells it about the API's load (throttles,
//! announced paces, spent quotas).

mod limiter;

use std::sync::Arc;
use std::time::Duration;

pub use limiter::{Limiter, Permit, RateLimitConfig};

use super::error::Stop;
use super::metrics::Metrics;
use super::service::{Answer, Cx, Layer, Service};
use drivers::{Feedback, Outcome, Request};

/// Adds [`RateLimit`].
#[derive(Debug, Clone)]
pub struct RateLimitLayer {
    limiter: Arc<Limiter>,
    metrics: Arc<Metrics>,
    driver: &'static str,
    max_pause: Duration,
}

impl RateLimitLayer {
    /// Paces through `limiter`; a pause the API asks for is honoured up to
    /// `max_pause`.
    pub fn new(
        limiter: Arc<Limiter>,
        metrics: Arc<Metrics>,
        driver: &'static str,
        max_pause: Duration,
    ) -> Self {
        RateLimitLayer {
            limiter,
            metrics,
            driver,
            max_pause,
        }
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;
    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            layer: self.clone(),
        }
    }
}

/// Waits for a turn, then tells the limiter what the answer said.
#[derive(Debug)]
pub struct RateLimit<S> {
    inner: S,
    layer: RateLimitLayer,
}

#[async_trait::async_trait]
impl<R: Request, S: Service<R>> Service<R> for RateLimit<S> {
    type Response = S::Response;

    async fn call(&self, req: &R, cx: &Cx<'_>) -> Answer<S::Response> {
        let l = &self.layer;
        let deadline = async {
            match cx.op.deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let permit = tokio::select! {
            p = l.limiter.acquire() => p,
            _ = deadline => return Err(cx.error(Stop::Deadline { in_flight: false })),
            _ = cx.op.cancel.cancelled() => return Err(cx.error(Stop::Cancelled { in_flight: false })),
        };
        l.metrics.waited(l.driver, permit.waited);
        let result = self.inner.call(req, cx).await;
        drop(permit);
        match &result {
            Ok(outcome) => {
                if let Outcome::Done(resp) = outcome {
                    if let Some(pace) = resp.pace_hint() {
                        l.limiter.on_pace(pace);
                    }
                    if let Some(reset) = resp.pause_hint() {
                        l.metrics.quota_exhausted(l.driver);
                        l.limiter.on_quota_spent(reset.min(l.max_pause));
                    }
                }
                l.limiter.on_success();
            }
            Err(e) => {
                if let Some(last) = e.last.as_ref().filter(|_| e.stop == Stop::Failed) {
                    if let Some(pace) = last.class.pace {
                        l.limiter.on_pace(pace);
                    }
                    if last.class.throttled {
                        l.metrics.throttle(l.driver);
                        l.limiter
                            .on_throttle(last.class.retry_after.map(|d| d.min(l.max_pause)));
                    }
                }
            }
        }
        result
    }
}
