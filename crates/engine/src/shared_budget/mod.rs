//! A rate budget shared by every provider process configured with the same
//! budget: many pipelines and workspaces against one API send, together,
//! at most its rate. A step of the engine right under the local rate
//! limit: each attempt reserves a slot in the shared budget (one round
//! trip) and waits for it; a throttle the API sends pauses and slows every
//! process sharing the budget.
//!
//! The budget lives in a store ([`SharedBudget`]; Redis in [`redis`]). When
//! the store cannot be reached, [`Unavailable`] decides: fail the request
//! with a clear error (the default: the API's limit is not overrun), or go
//! on with the local limits only, with a warning.

pub mod redis;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::error::Stop;
use super::metrics::Metrics;
use super::service::{Answer, Cx, Layer, Service};
use drivers::Request;

/// The longest wait for a shared slot honoured before a request is sent
/// anyway is the operation's own deadline; this only keeps a store's
/// answer finite.
const MAX_RESERVED_WAIT: Duration = Duration::from_secs(3600);

/// Where a shared budget lives.
#[async_trait::async_trait]
pub trait SharedBudget: fmt::Debug + Send + Sync {
    /// Reserves the next slot for one request: how long to wait before
    /// sending it.
    async fn reserve(&self) -> Result<Duration, String>;
    /// The API throttled a request: pause every process for `pause` (its
    /// `Retry-After`), and slow the shared rate down for a while.
    async fn throttled(&self, pause: Option<Duration>) -> Result<(), String>;
    /// Where it is, for messages (never a secret).
    fn describe(&self) -> String;
}

/// What happens when the shared budget's store cannot be reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unavailable {
    /// The request fails with an error naming the store: no process
    /// overruns the API's limit because the store is down.
    #[default]
    Fail,
    /// The request goes on under the local limits only; a warning says so
    /// once per process.
    Local,
}

/// Adds [`SharedBudgetStep`].
#[derive(Debug, Clone)]
pub struct SharedBudgetLayer {
    budget: Arc<dyn SharedBudget>,
    unavailable: Unavailable,
    metrics: Arc<Metrics>,
    driver: &'static str,
    max_pause: Duration,
    warned: Arc<AtomicBool>,
}

impl SharedBudgetLayer {
    /// Shares `budget`; a pause the API asks for is shared up to `max_pause`.
    pub fn new(
        budget: Arc<dyn SharedBudget>,
        unavailable: Unavailable,
        metrics: Arc<Metrics>,
        driver: &'static str,
        max_pause: Duration,
    ) -> Self {
        SharedBudgetLayer {
            budget,
            unavailable,
            metrics,
            driver,
            max_pause,
            warned: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl<S> Layer<S> for SharedBudgetLayer {
    type Service = SharedBudgetStep<S>;
    fn layer(&self, inner: S) -> SharedBudgetStep<S> {
        SharedBudgetStep {
            inner,
            layer: self.clone(),
        }
    }
}

/// Waits for a shared slot, then shares what the answer said.
#[derive(Debug)]
pub struct SharedBudgetStep<S> {
    inner: S,
    layer: SharedBudgetLayer,
}

#[async_trait::async_trait]
impl<R: Request, S: Service<R>> Service<R> for SharedBudgetStep<S> {
    type Response = S::Response;

    async fn call(&self, req: &R, cx: &Cx<'_>) -> Answer<S::Response> {
        let l = &self.layer;
        match l.budget.reserve().await {
            Ok(wait) => {
                let wait = wait.min(MAX_RESERVED_WAIT);
                l.metrics.waited(l.driver, wait);
                let deadline = async {
                    match cx.op.deadline {
                        Some(d) => tokio::time::sleep_until(d).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = deadline => return Err(cx.error(Stop::Deadline { in_flight: false })),
                    _ = cx.op.cancel.cancelled() => {
                        return Err(cx.error(Stop::Cancelled { in_flight: false }));
                    }
                }
            }
            Err(why) => {
                l.metrics.shared_budget_unavailable(l.driver);
                let place = l.budget.describe();
                match l.unavailable {
                    Unavailable::Fail => {
                        return Err(cx.error(Stop::SharedBudgetUnavailable { place, why }));
                    }
                    Unavailable::Local => {
                        if !l.warned.swap(true, Ordering::Relaxed) {
                            tracing::warn!(
                                budget = %place,
                                %why,
                                "shared rate budget unavailable: going on under the local limits only"
                            );
                        }
                    }
                }
            }
        }
        let result = self.inner.call(req, cx).await;
        if let Err(e) = &result
            && let Some(last) = e.last.as_ref().filter(|_| e.stop == Stop::Failed)
            && last.class.throttled
        {
            let pause = last.class.retry_after.map(|d| d.min(l.max_pause));
            if let Err(why) = l.budget.throttled(pause).await {
                tracing::debug!(%why, "could not share a throttle with the budget");
            }
        }
        result
    }
}
