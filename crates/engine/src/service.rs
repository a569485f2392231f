//! The shape of every step of the engine, in the spirit of tower: a
//! [`Service`] handles one request for one operation; a [`Layer`] wraps a
//! service in another. Each concern (retries, the breaker, the rate
//! limiter, timeouts, records) is one small service; `stack.rs` decides
//! their order.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::OperationContext;
use super::error::{EngineError, Stop};
use drivers::{Driver, DriverError, Feedback, Outcome, Request};

/// One operation as it passes through the stack: its limits, and what has
/// happened so far (attempts sent, whether the target may have acted).
#[derive(Debug)]
pub struct Cx<'a> {
    /// The operation's deadline, cancellation and subject.
    pub op: &'a OperationContext,
    attempts: AtomicU32,
    maybe_applied: AtomicBool,
}

impl<'a> Cx<'a> {
    /// A fresh context for one operation.
    pub fn new(op: &'a OperationContext) -> Self {
        Cx {
            op,
            attempts: AtomicU32::new(0),
            maybe_applied: AtomicBool::new(false),
        }
    }

    /// Attempts sent to the driver so far.
    pub fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Whether an attempt may have acted on the target.
    pub fn maybe_applied(&self) -> bool {
        self.maybe_applied.load(Ordering::Relaxed)
    }

    /// Counts an attempt about to be sent.
    pub fn count_attempt(&self) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }

    /// Records that the target may have acted.
    pub fn mark_maybe_applied(&self) {
        self.maybe_applied.store(true, Ordering::Relaxed);
    }

    /// An error for this operation as it stands.
    pub fn error(&self, stop: Stop) -> EngineError {
        self.failure(stop, None)
    }

    /// An error for this operation as it stands, after the attempt that
    /// failed with `last`.
    pub fn failure(&self, stop: Stop, last: Option<DriverError>) -> EngineError {
        EngineError {
            stop,
            last,
            attempts: self.attempts(),
            maybe_applied: self.maybe_applied(),
        }
    }
}

/// The result of any step.
pub type Answer<T> = Result<Outcome<T>, EngineError>;

/// One step of the engine.
#[async_trait::async_trait]
pub trait Service<R: Request>: fmt::Debug + Send + Sync {
    /// What a success carries.
    type Response: Feedback + fmt::Debug + Send + 'static;

    /// Handles `req` for the operation `cx` describes.
    async fn call(&self, req: &R, cx: &Cx<'_>) -> Answer<Self::Response>;
}

/// Wraps a service in another.
pub trait Layer<S> {
    /// The wrapping service.
    type Service;
    /// Wraps `inner`.
    fn layer(&self, inner: S) -> Self::Service;
}

/// `service.wrap(layer)`: reads bottom-up, innermost first.
pub trait ServiceExt: Sized {
    /// Wraps `self` in `layer`.
    fn wrap<L: Layer<Self>>(self, layer: L) -> L::Service {
        layer.layer(self)
    }
}

impl<S> ServiceExt for S {}

/// A stack of any shape, behind one pointer.
pub type BoxService<R, T> = Box<dyn Service<R, Response = T>>;

#[async_trait::async_trait]
impl<R: Request, T: Feedback + fmt::Debug + Send + 'static> Service<R> for BoxService<R, T> {
    type Response = T;
    async fn call(&self, req: &R, cx: &Cx<'_>) -> Answer<T> {
        (**self).call(req, cx).await
    }
}

/// The bottom of every stack: one attempt on the driver. Counts it, and
/// notes when its failure says the target may have acted.
#[derive(Debug)]
pub struct Attempt<D> {
    driver: Arc<D>,
    metrics: Arc<super::metrics::Metrics>,
}

impl<D> Attempt<D> {
    /// Attempts on `driver`, counted in `metrics`.
    pub fn new(driver: Arc<D>, metrics: Arc<super::metrics::Metrics>) -> Self {
        Attempt { driver, metrics }
    }
}

#[async_trait::async_trait]
impl<D: Driver> Service<D::Request> for Attempt<D> {
    type Response = D::Response;

    async fn call(&self, req: &D::Request, cx: &Cx<'_>) -> Answer<D::Response> {
        cx.count_attempt();
        tracing::debug!(
            target_object = %req.target(),
            operation = %req.operation(),
            attempt = cx.attempts(),
            "attempt"
        );
        let started = tokio::time::Instant::now();
        let result = self.driver.call(req).await;
        let status = match &result {
            Ok(Outcome::Done(r)) => r
                .status_code()
                .map_or_else(|| "ok".to_owned(), |c| c.to_string()),
            Ok(Outcome::Gone) => "gone".to_owned(),
            Err(e) => e
                .code()
                .map_or_else(|| "error".to_owned(), |c| c.to_string()),
        };
        self.metrics.attempt(
            self.driver.name(),
            &req.method(),
            &status,
            started.elapsed().as_secs_f64(),
        );
        result.map_err(|e| {
            if e.class.maybe_applied {
                cx.mark_maybe_applied();
            }
            cx.failure(Stop::Failed, Some(e))
        })
    }
}
