//! The circuit breaker: after `failure_threshold` consecutive failures the
//! API is left alone for `open_for`, and every request fails fast; then one
//! probe is let through (half-open), and its outcome closes or reopens it.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Breaker settings.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerConfig {
    /// Consecutive failures that open it.
    pub failure_threshold: u32,
    /// How long it stays open.
    pub open_for: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Requests flow; counting consecutive failures.
    Closed { failures: u32 },
    /// Requests fail fast until the instant.
    Open { until: Instant },
    /// One probe is out; everyone else fails fast until it reports.
    HalfOpen,
}

/// The breaker refused a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "the circuit breaker is open after {failures} consecutive failures; the API is left alone for another {retry_in:?}"
)]
pub struct BreakerOpen {
    /// The failures that opened it.
    pub failures: u32,
    /// Until it lets a probe through.
    pub retry_in: Duration,
}

/// One breaker per target API.
#[derive(Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    state: Mutex<State>,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        CircuitBreaker {
            config,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// Asks to send a request. `Ok(Some(state))` when this changed the
    /// breaker's state (for metrics).
    pub fn admit(&self) -> Result<Option<&'static str>, BreakerOpen> {
        let mut s = self.lock();
        let now = Instant::now();
        match *s {
            State::Closed { .. } => Ok(None),
            State::Open { until } if now >= until => {
                tracing::info!("circuit breaker half-open: letting one probe through");
                *s = State::HalfOpen;
                Ok(Some("half_open"))
            }
            State::Open { until } => Err(BreakerOpen {
                failures: self.config.failure_threshold,
                retry_in: until - now,
            }),
            State::HalfOpen => Err(BreakerOpen {
                failures: self.config.failure_threshold,
                retry_in: Duration::ZERO,
            }),
        }
    }

    /// Reports a request that reached a healthy API; `Some` if that closed it.
    pub fn on_success(&self) -> Option<&'static str> {
        let mut s = self.lock();
        let changed = (*s == State::HalfOpen).then(|| {
            tracing::info!("circuit breaker closed: the probe succeeded");
            "closed"
        });
        *s = State::Closed { failures: 0 };
        changed
    }

    /// Reports a failure that says the API is unhealthy (5xx, connection);
    /// `Some` if that opened it.
    pub fn on_failure(&self) -> Option<&'static str> {
        let mut s = self.lock();
        let now = Instant::now();
        let before = *s;
        *s = match *s {
            State::Closed { failures } if failures + 1 >= self.config.failure_threshold => {
                tracing::warn!(failures = failures + 1, open_for = ?self.config.open_for, "circuit breaker opened");
                State::Open {
                    until: now + self.config.open_for,
                }
            }
            State::Closed { failures } => State::Closed {
                failures: failures + 1,
            },
            State::HalfOpen => {
                tracing::warn!("circuit breaker reopened: the probe failed");
                State::Open {
                    until: now + self.config.open_for,
                }
            }
            open @ State::Open { .. } => open,
        };
        (matches!(*s, State::Open { .. }) && !matches!(before, State::Open { .. }))
            .then_some("open")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        crate::sync::lock(&self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerConfig {
            failure_threshold: 3,
            open_for: Duration::from_secs(10),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_consecutive_failures_only() {
        let b = breaker();
        b.on_failure();
        b.on_failure();
        b.on_success();
        b.on_failure();
        b.on_failure();
        assert_eq!(b.admit(), Ok(None), "a success in between resets the count");
        assert_eq!(b.on_failure(), Some("open"));
        let err = b.admit().unwrap_err();
        assert_eq!(err.retry_in, Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn half_open_lets_one_probe_through() {
        let b = breaker();
        for _ in 0..3 {
            b.on_failure();
        }
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(b.admit(), Ok(Some("half_open")), "the probe");
        assert!(b.admit().is_err(), "everyone else waits for the probe");
        b.on_failure();
        assert_eq!(
            b.admit().unwrap_err().retry_in,
            Duration::from_secs(10),
            "a failed probe reopens"
        );
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(b.admit().is_ok());
        assert_eq!(b.on_success(), Some("closed"));
        assert!(
            b.admit().is_ok() && b.admit().is_ok(),
            "a good probe closes it"
        );
    }
}
