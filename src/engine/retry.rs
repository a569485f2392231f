//! When to retry and how long to wait: exponential backoff with full
//! jitter, raised to the server's `Retry-After` when it asks for longer.
//! The policy decides; the engine's loop only carries it out.

use std::time::Duration;

use crate::drivers::DriverError;

/// Retry settings.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Backoff ceiling for the first retry.
    pub min_backoff: Duration,
    /// Longest backoff.
    pub max_backoff: Duration,
    /// Longest `Retry-After` honoured; a longer one stops retrying.
    pub max_retry_after: Duration,
    /// Statuses that are retried.
    pub retry_on_status: Vec<u16>,
    /// Retry requests that may not be safe to repeat.
    pub retry_non_idempotent: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 5,
            min_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            retry_on_status: vec![408, 429, 502, 503, 504],
            retry_non_idempotent: false,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, PartialEq)]
pub enum Decision {
    /// Try again after this long.
    RetryAfter(Duration),
    /// Give up: the failure is final.
    Stop(StopReason),
}

/// Why retrying stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// The failure is not one that retrying fixes (a 4xx, a bad request).
    NotRetryable,
    /// The request may not be safe to repeat, and nothing makes it safe.
    NotIdempotent,
    /// All attempts are used.
    Exhausted,
    /// The server asked for a longer wait than `max_retry_after`.
    RetryAfterTooLong(Duration),
}

/// Decides on retries. A trait so tests and other drivers can bring their own.
pub trait RetryPolicy: std::fmt::Debug + Send + Sync {
    /// Decides after attempt number `attempt` (1-based) failed with `err`.
    fn decide(&self, attempt: u32, err: &DriverError, idempotent: bool) -> Decision;
}

/// Backoff with full jitter plus Retry-After, per `RetryConfig`.
#[derive(Debug)]
pub struct StandardRetry {
    config: RetryConfig,
    rng: std::sync::Mutex<fastrand::Rng>,
}

impl StandardRetry {
    /// A policy with a random jitter seed.
    pub fn new(config: RetryConfig) -> Self {
        Self::with_rng(config, fastrand::Rng::new())
    }

    /// A policy with a given RNG (deterministic tests).
    pub fn with_rng(config: RetryConfig, rng: fastrand::Rng) -> Self {
        StandardRetry {
            config,
            rng: std::sync::Mutex::new(rng),
        }
    }

    /// Full jitter: uniform in [0, min(max, min_backoff × 2^(attempt-1))].
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .config
            .min_backoff
            .saturating_mul(1u32 << (attempt - 1).min(20));
        let cap = exp.min(self.config.max_backoff);
        let frac = crate::sync::lock(&self.rng).f64();
        cap.mul_f64(frac)
    }
}

impl RetryPolicy for StandardRetry {
    fn decide(&self, attempt: u32, err: &DriverError, idempotent: bool) -> Decision {
        // (retrying can help, repeating needs the request to be safe)
        let (retryable, needs_safety) = match err {
            // Nothing reached the server.
            DriverError::Transport { sent: false, .. } => (true, false),
            // It may have been processed.
            DriverError::Transport { sent: true, .. } => (true, true),
            // A 429 is refused unprocessed (RFC 6585).
            DriverError::Status { status: 429, .. } => {
                (self.config.retry_on_status.contains(&429), false)
            }
            DriverError::Status { status, .. } => {
                (self.config.retry_on_status.contains(status), true)
            }
            // Declared retryable by the configuration.
            DriverError::TryAgain { .. } => (true, false),
            DriverError::Invalid(_) | DriverError::Exit { .. } => (false, false),
        };
        if !retryable {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if needs_safety && !(idempotent || self.config.retry_non_idempotent) {
            return Decision::Stop(StopReason::NotIdempotent);
        }
        if attempt >= self.config.max_attempts {
            return Decision::Stop(StopReason::Exhausted);
        }
        let mut wait = self.backoff(attempt);
        if let Some(ra) = err.retry_after() {
            if ra > self.config.max_retry_after {
                return Decision::Stop(StopReason::RetryAfterTooLong(ra));
            }
            wait = wait.max(ra);
        }
        Decision::RetryAfter(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(config: RetryConfig) -> StandardRetry {
        StandardRetry::with_rng(config, fastrand::Rng::with_seed(7))
    }

    fn status(s: u16, retry_after: Option<u64>) -> DriverError {
        DriverError::Status {
            status: s,
            message: String::new(),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    #[test]
    fn backoff_grows_and_is_capped_with_full_jitter() {
        let p = policy(RetryConfig {
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            ..Default::default()
        });
        for attempt in 1..=10 {
            let cap = Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(1));
            for _ in 0..50 {
                let d = p.backoff(attempt);
                assert!(d <= cap, "attempt {attempt}: {d:?} > {cap:?}");
            }
        }
        // Jitter spreads the waits (not all equal).
        let waits: std::collections::BTreeSet<_> = (0..20).map(|_| p.backoff(5)).collect();
        assert!(waits.len() > 10);
    }

    #[test]
    fn retry_after_raises_the_wait_and_is_capped() {
        let p = policy(RetryConfig::default());
        assert!(
            matches!(p.decide(1, &status(503, Some(7)), true), Decision::RetryAfter(d) if d >= Duration::from_secs(7))
        );
        assert_eq!(
            p.decide(1, &status(503, Some(600)), true),
            Decision::Stop(StopReason::RetryAfterTooLong(Duration::from_secs(600)))
        );
    }

    #[test]
    fn what_is_retried() {
        let p = policy(RetryConfig::default());
        let sent = DriverError::Transport {
            message: "reset".into(),
            sent: true,
        };
        let not_sent = DriverError::Transport {
            message: "refused".into(),
            sent: false,
        };
        assert!(matches!(
            p.decide(1, &status(503, None), true),
            Decision::RetryAfter(_)
        ));
        assert!(
            matches!(
                p.decide(1, &status(429, None), false),
                Decision::RetryAfter(_)
            ),
            "429 was not processed"
        );
        assert_eq!(
            p.decide(1, &status(503, None), false),
            Decision::Stop(StopReason::NotIdempotent)
        );
        assert!(
            matches!(p.decide(1, &not_sent, false), Decision::RetryAfter(_)),
            "nothing was sent"
        );
        assert_eq!(
            p.decide(1, &sent, false),
            Decision::Stop(StopReason::NotIdempotent)
        );
        assert!(matches!(p.decide(1, &sent, true), Decision::RetryAfter(_)));
        assert_eq!(
            p.decide(1, &status(400, None), true),
            Decision::Stop(StopReason::NotRetryable)
        );
        assert_eq!(
            p.decide(1, &status(500, None), true),
            Decision::Stop(StopReason::NotRetryable),
            "500 is not in the default list"
        );
        assert_eq!(
            p.decide(5, &status(503, None), true),
            Decision::Stop(StopReason::Exhausted)
        );
    }

    #[test]
    fn retry_non_idempotent_opts_in() {
        let p = policy(RetryConfig {
            retry_non_idempotent: true,
            ..Default::default()
        });
        assert!(matches!(
            p.decide(1, &status(503, None), false),
            Decision::RetryAfter(_)
        ));
    }
}
