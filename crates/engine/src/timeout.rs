//! Time limits around one attempt: the request timeout, the operation's
//! deadline, and Terraform's stop.
//!
//! A stop (Ctrl-C) cuts off reads at once. A write already on the wire (a
//! create above all) is let finish, bounded by the request timeout, so that
//! its answer (the new object's id) reaches state instead of leaving an
//! object nobody knows about; nothing new is sent after the stop.

use std::time::Duration;

use super::error::Stop;
use super::service::{Answer, Cx, Layer, Service};
use drivers::{DriverError, ErrorKind, Operation, Request};

/// Adds [`Timeout`].
#[derive(Debug, Clone)]
pub struct TimeoutLayer {
    request_timeout: Duration,
}

impl TimeoutLayer {
    /// Each attempt gets `request_timeout`.
    pub fn new(request_timeout: Duration) -> Self {
        TimeoutLayer { request_timeout }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;
    fn layer(&self, inner: S) -> Timeout<S> {
        Timeout {
            inner,
            request_timeout: self.request_timeout,
        }
    }
}

/// Bounds one attempt in time.
#[derive(Debug)]
pub struct Timeout<S> {
    inner: S,
    request_timeout: Duration,
}

#[async_trait::async_trait]
impl<R: Request, S: Service<R>> Service<R> for Timeout<S> {
    type Response = S::Response;

    async fn call(&self, req: &R, cx: &Cx<'_>) -> Answer<S::Response> {
        if cx
            .op
            .deadline
            .is_some_and(|d| d <= tokio::time::Instant::now())
        {
            return Err(cx.error(Stop::Deadline { in_flight: false }));
        }
        let deadline = async {
            match cx.op.deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let finish_on_stop = req.operation() != Operation::Read;
        let cancelled = async {
            if finish_on_stop {
                std::future::pending::<()>().await;
            }
            cx.op.cancel.cancelled().await;
        };
        // Dropping the inner future aborts the attempt.
        tokio::select! {
            r = tokio::time::timeout(self.request_timeout, self.inner.call(req, cx)) => match r {
                Ok(r) => r,
                Err(_) => {
                    cx.mark_maybe_applied();
                    let timed_out = DriverError::new(
                        ErrorKind::Interrupted,
                        format!("no answer within the request timeout of {:?}", self.request_timeout),
                    );
                    Err(cx.failure(Stop::Failed, Some(timed_out)))
                }
            },
            _ = deadline => {
                cx.mark_maybe_applied();
                Err(cx.error(Stop::Deadline { in_flight: true }))
            }
            _ = cancelled => {
                cx.mark_maybe_applied();
                Err(cx.error(Stop::Cancelled { in_flight: true }))
            }
        }
    }
}
