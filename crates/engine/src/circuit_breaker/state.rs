//! The breaker's states and their transitions.

use parking_lot::Mutex;
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

pub use crate::error::BreakerOpen;

/// Permission to send one request; report how it went, or drop it to say
/// nothing (a half-open probe is then released for the next request).
#[derive(Debug)]
#[must_use]
pub struct Ticket<'a> {
    breaker: &'a CircuitBreaker,
    /// The state change admitting caused (for metrics).
    pub changed: Option<&'static str>,
    probe: bool,
    reported: bool,
}

impl Ticket<'_> {
    /// The target was healthy; `Some` if that closed the breaker.
    pub fn success(mut self) -> Option<&'static str> {
        self.reported = true;
        self.breaker.on_success()
    }

    /// The target failed; `Some` if that opened the breaker.
    pub fn failure(mut self) -> Option<&'static str> {
        self.reported = true;
        self.breaker.on_failure()
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.probe && !self.reported {
            self.breaker.release_probe();
        }
    }
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

    /// Asks to send a request: `Ok(ticket)` to send, which must report
    /// how it went (a dropped ticket releases a half-open probe).
    pub fn admit(&self) -> Result<Ticket<'_>, BreakerOpen> {
        let mut s = self.lock();
        let now = Instant::now();
        match *s {
            State::Closed { .. } => Ok(self.ticket(None, false)),
            State::Open { until } if now >= until => {
                tracing::info!("circuit breaker half-open: letting one probe through");
                *s = State::HalfOpen;
                Ok(self.ticket(Some("half_open"), true))
            }
            State::Open { until } => Err(BreakerOpen {
                failures: self.config.failure_threshold,
                retry_in: until.saturating_duration_since(now),
            }),
            State::HalfOpen => Err(BreakerOpen {
                failures: self.config.failure_threshold,
                retry_in: Duration::ZERO,
            }),
        }
    }

    fn ticket(&self, changed: Option<&'static str>, probe: bool) -> Ticket<'_> {
        Ticket {
            breaker: self,
            changed,
            probe,
            reported: false,
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
        let until = crate::time::from_now(self.config.open_for);
        let before = *s;
        *s = match *s {
            State::Closed { failures }
                if failures.saturating_add(1) >= self.config.failure_threshold =>
            {
                tracing::warn!(failures = failures.saturating_add(1), open_for = ?self.config.open_for, "circuit breaker opened");
                State::Open { until }
            }
            State::Closed { failures } => State::Closed {
                failures: failures.saturating_add(1),
            },
            State::HalfOpen => {
                tracing::warn!("circuit breaker reopened: the probe failed");
                State::Open { until }
            }
            open @ State::Open { .. } => open,
        };
        (matches!(*s, State::Open { .. }) && !matches!(before, State::Open { .. }))
            .then_some("open")
    }

    /// A probe that never reported (cancelled, cut off by a deadline): the
    /// next request may probe at once, instead of the breaker waiting on a
    /// probe that will never answer.
    fn release_probe(&self) {
        let mut s = self.lock();
        if *s == State::HalfOpen {
            *s = State::Open {
                until: Instant::now(),
            };
        }
    }

    fn lock(&self) -> parking_lot::MutexGuard<'_, State> {
        self.state.lock()
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
        assert!(b.admit().is_ok(), "a success in between resets the count");
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
        let probe = b.admit().unwrap();
        assert_eq!(probe.changed, Some("half_open"), "the probe");
        assert!(b.admit().is_err(), "everyone else waits for the probe");
        probe.failure();
        assert_eq!(
            b.admit().unwrap_err().retry_in,
            Duration::from_secs(10),
            "a failed probe reopens"
        );
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(b.admit().unwrap().success(), Some("closed"));
        assert!(
            b.admit().is_ok() && b.admit().is_ok(),
            "a good probe closes it"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_probe_that_never_reports_does_not_hold_the_breaker_half_open() {
        let b = breaker();
        for _ in 0..3 {
            b.on_failure();
        }
        tokio::time::advance(Duration::from_secs(10)).await;
        let probe = b.admit().unwrap();
        assert!(b.admit().is_err());
        // Cancelled, or cut off by the operation's deadline.
        drop(probe);
        let next = b.admit().expect("the next request probes at once");
        assert_eq!(next.changed, Some("half_open"));
        assert_eq!(next.success(), Some("closed"));
    }
}
