//! The circuit breaker: after `failure_threshold` consecutive failures the
//! API is left alone for `open_for`, and every request fails fast; then one
//! probe is let through (half-open), and its outcome closes or reopens it.
//! What counts as a failure is the driver's call ([`Health`]).

mod state;

pub use state::{BreakerConfig, BreakerOpen, CircuitBreaker, Ticket};

use std::sync::Arc;

use super::error::Stop;
use super::metrics::Metrics;
use super::service::{Answer, Cx, Layer, Service};
use drivers::{Health, Request};

/// Adds [`Breaker`].
#[derive(Debug, Clone)]
pub struct BreakerLayer {
    breaker: Arc<CircuitBreaker>,
    metrics: Arc<Metrics>,
    driver: &'static str,
}

impl BreakerLayer {
    /// Guards with `breaker`, counting transitions in `metrics`.
    pub fn new(breaker: Arc<CircuitBreaker>, metrics: Arc<Metrics>, driver: &'static str) -> Self {
        BreakerLayer {
            breaker,
            metrics,
            driver,
        }
    }
}

impl<S> Layer<S> for BreakerLayer {
    type Service = Breaker<S>;
    fn layer(&self, inner: S) -> Breaker<S> {
        Breaker {
            inner,
            layer: self.clone(),
        }
    }
}

/// Refuses to send while the breaker is open; reports each answer's health.
#[derive(Debug)]
pub struct Breaker<S> {
    inner: S,
    layer: BreakerLayer,
}

impl<S> Breaker<S> {
    fn changed(&self, change: Option<&'static str>) {
        if let Some(state) = change {
            self.layer.metrics.breaker(self.layer.driver, state);
        }
    }
}

#[async_trait::async_trait]
impl<R: Request, S: Service<R>> Service<R> for Breaker<S> {
    type Response = S::Response;

    async fn call(&self, req: &R, cx: &Cx<'_>) -> Answer<S::Response> {
        let ticket = match self.layer.breaker.admit() {
            Ok(t) => t,
            Err(open) => return Err(cx.error(Stop::BreakerOpen(open))),
        };
        self.changed(ticket.changed);
        let result = self.inner.call(req, cx).await;
        let health = match &result {
            Ok(_) => Health::Healthy,
            Err(e) => e
                .last
                .as_ref()
                .filter(|_| e.stop == Stop::Failed)
                .map_or(Health::Unknown, |l| l.class.health),
        };
        match health {
            Health::Healthy => self.changed(ticket.success()),
            Health::Unhealthy => self.changed(ticket.failure()),
            // Says nothing about the API: a probe is released.
            Health::Unknown => drop(ticket),
        }
        result
    }
}
