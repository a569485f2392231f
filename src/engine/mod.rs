//! The actuation engine: everything between a resource's intent and one
//! driver attempt. Today it bounds each attempt by the request timeout and
//! the whole operation by its deadline and by Terraform's stop; rate
//! limiting, retries, the circuit breaker, audit and metrics are layered in
//! here too (see ARCHITECTURE.md). Knows nothing of Terraform.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::drivers::{Driver, DriverError, Outcome, Request};

/// Limits that apply to one logical operation (a create, a read, ...).
#[derive(Clone, Debug)]
pub struct OperationContext {
    /// When the whole operation must be over (the resource's `timeouts`).
    pub deadline: Option<Instant>,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

impl OperationContext {
    /// An operation bounded by `limit` from now, cancelled by `cancel`.
    pub fn new(limit: Option<Duration>, cancel: CancellationToken) -> Self {
        OperationContext { deadline: limit.map(|d| Instant::now() + d), cancel }
    }
}

/// Why an operation did not complete.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum EngineError {
    /// One attempt exceeded the request timeout.
    #[error("no answer within the request timeout of {0:?}")]
    RequestTimeout(Duration),
    /// The operation exceeded its deadline.
    #[error("the operation did not finish within its time limit")]
    OperationTimeout,
    /// Terraform asked the provider to stop.
    #[error("cancelled: Terraform asked the provider to stop")]
    Cancelled,
    /// The attempt failed at the target.
    #[error(transparent)]
    Driver(#[from] DriverError),
}

impl EngineError {
    /// Whether the target may have acted on the request although we have no
    /// answer: the caller must not assume nothing happened.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            EngineError::RequestTimeout(_) | EngineError::OperationTimeout | EngineError::Cancelled => true,
            EngineError::Driver(DriverError::Transport { sent, .. }) => *sent,
            EngineError::Driver(_) => false,
        }
    }
}

/// Runs driver requests under the engine's limits.
#[derive(Debug)]
pub struct Engine<D> {
    driver: D,
    request_timeout: Duration,
}

impl<D: Driver> Engine<D> {
    /// An engine around one driver.
    pub fn new(driver: D, request_timeout: Duration) -> Self {
        Engine { driver, request_timeout }
    }

    /// The driver, for what is not an actuation (building URLs for messages).
    pub fn driver(&self) -> &D {
        &self.driver
    }

    /// Performs one request within the operation's limits.
    pub async fn execute(
        &self,
        req: &D::Request,
        ctx: &OperationContext,
    ) -> Result<Outcome<D::Response>, EngineError> {
        let op_limit = async {
            match ctx.deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let span = tracing::debug_span!("actuation", operation = %req.operation(), target_object = %req.target());
        let _enter = span.enter();
        tokio::select! {
            // Dropping the driver future aborts the request.
            r = tokio::time::timeout(self.request_timeout, self.driver.call(req)) => match r {
                Ok(result) => result.map_err(EngineError::Driver),
                Err(_) => Err(EngineError::RequestTimeout(self.request_timeout)),
            },
            _ = op_limit => Err(EngineError::OperationTimeout),
            _ = ctx.cancel.cancelled() => Err(EngineError::Cancelled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drivers::Operation;

    #[derive(Clone, Debug)]
    struct Req;
    impl Request for Req {
        fn operation(&self) -> Operation {
            Operation::Read
        }
        fn target(&self) -> String {
            "t".into()
        }
        fn is_idempotent(&self) -> bool {
            true
        }
    }

    /// Answers after a fixed delay on tokio's clock.
    #[derive(Debug)]
    struct Slow(Duration);
    #[async_trait::async_trait]
    impl Driver for Slow {
        type Request = Req;
        type Response = ();
        async fn call(&self, _: &Req) -> Result<Outcome<()>, DriverError> {
            tokio::time::sleep(self.0).await;
            Ok(Outcome::Done(()))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn request_timeout_bounds_one_attempt() {
        let e = Engine::new(Slow(Duration::from_secs(60)), Duration::from_secs(30));
        let ctx = OperationContext::new(None, CancellationToken::new());
        let err = e.execute(&Req, &ctx).await.unwrap_err();
        assert_eq!(err, EngineError::RequestTimeout(Duration::from_secs(30)));
        assert!(err.outcome_unknown());
    }

    #[tokio::test(start_paused = true)]
    async fn operation_deadline_wins_when_shorter() {
        let e = Engine::new(Slow(Duration::from_secs(60)), Duration::from_secs(30));
        let ctx = OperationContext::new(Some(Duration::from_secs(5)), CancellationToken::new());
        assert_eq!(e.execute(&Req, &ctx).await.unwrap_err(), EngineError::OperationTimeout);
    }

    #[tokio::test(start_paused = true)]
    async fn stop_cancels_in_flight_work() {
        let e = Engine::new(Slow(Duration::from_secs(60)), Duration::from_secs(30));
        let cancel = CancellationToken::new();
        let ctx = OperationContext::new(None, cancel.clone());
        let stopper = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            cancel.cancel();
        });
        assert_eq!(e.execute(&Req, &ctx).await.unwrap_err(), EngineError::Cancelled);
        stopper.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn fast_answers_pass_through() {
        let e = Engine::new(Slow(Duration::from_millis(10)), Duration::from_secs(30));
        let ctx = OperationContext::new(Some(Duration::from_secs(5)), CancellationToken::new());
        assert!(matches!(e.execute(&Req, &ctx).await, Ok(Outcome::Done(()))));
    }
}
