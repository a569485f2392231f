//! When to retry and how long to wait: exponential backoff with full
//! jitter, raised to the server's `Retry-After` when it asks for longer.
//! The policy decides from the driver's classification; the retry layer
//! only carries it out.
//!
//! Throttling is not failing: a throttled attempt (the target said "slow
//! down") does not use up `max_attempts`, since the rate limiter has
//! already slowed everyone down and the request will go through at the new
//! pace. Such retries have their own, larger budget
//! ([`MAX_THROTTLED_RETRIES`]), like the retry quota of the AWS SDKs'
//! adaptive mode, and the operation's deadline bounds them too.

use std::time::Duration;

use drivers::DriverError;

/// Most retries of throttled attempts for one request.
pub const MAX_THROTTLED_RETRIES: u32 = 30;

/// Retry settings.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    /// Attempts per request that fail for other reasons than throttling,
    /// the first included.
    pub max_attempts: u32,
    /// Backoff ceiling for the first retry.
    pub min_backoff: Duration,
    /// Longest backoff.
    pub max_backoff: Duration,
    /// Longest `Retry-After` honoured; a longer one stops retrying.
    pub max_retry_after: Duration,
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
            retry_non_idempotent: false,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, PartialEq)]
pub enum Decision {
    /// Try again after this long.
    RetryAfter(Duration),
    /// Give up, for this reason.
    Stop(super::super::Stop),
}

/// The failures of one request so far, the last included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tries {
    /// Failures that were not throttling.
    pub failures: u32,
    /// Throttled attempts.
    pub throttled: u32,
}

/// Decides on retries. A trait so tests and other drivers can bring their own.
pub trait RetryPolicy: std::fmt::Debug + Send + Sync {
    /// Decides after a failed attempt (`err`), given the failures so far
    /// (`err` counted) and whether the request is safe to repeat.
    fn decide(&self, tries: Tries, err: &DriverError, idempotent: bool) -> Decision;
}

/// Backoff with full jitter plus Retry-After, per `RetryConfig`.
#[derive(Debug)]
pub struct StandardRetry {
    config: RetryConfig,
    rng: parking_lot::Mutex<fastrand::Rng>,
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
            rng: parking_lot::Mutex::new(rng),
        }
    }

    /// Full jitter: uniform in [0, min(max, min_backoff × 2^(n-1))].
    fn backoff(&self, n: u32) -> Duration {
        let exp = self
            .config
            .min_backoff
            .saturating_mul(1u32 << n.saturating_sub(1).min(20));
        let cap = exp.min(self.config.max_backoff);
        let frac = self.rng.lock().f64();
        cap.mul_f64(frac)
    }
}

impl RetryPolicy for StandardRetry {
    fn decide(&self, tries: Tries, err: &DriverError, idempotent: bool) -> Decision {
        use super::super::Stop;
        let class = err.class;
        if !class.transient {
            return Decision::Stop(Stop::Failed);
        }
        if class.maybe_applied && !(idempotent || self.config.retry_non_idempotent) {
            return Decision::Stop(Stop::NotIdempotent);
        }
        let (spent, n) = if class.throttled {
            (tries.throttled > MAX_THROTTLED_RETRIES, tries.throttled)
        } else {
            (tries.failures >= self.config.max_attempts, tries.failures)
        };
        if spent {
            return Decision::Stop(Stop::Exhausted);
        }
        let mut wait = self.backoff(n);
        if let Some(ra) = class.retry_after {
            if ra > self.config.max_retry_after {
                return Decision::Stop(Stop::RetryAfterTooLong(ra));
            }
            wait = wait.max(ra);
        }
        Decision::RetryAfter(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::Stop;
    use super::*;
    use drivers::{Class, ErrorKind, Health};

    fn policy(config: RetryConfig) -> StandardRetry {
        StandardRetry::with_rng(config, fastrand::Rng::with_seed(7))
    }

    fn failure(transient: bool, maybe_applied: bool, retry_after: Option<u64>) -> DriverError {
        DriverError::answered(503, "nope".into(), "503: nope".into()).classified(Class {
            transient,
            maybe_applied,
            throttled: false,
            retry_after: retry_after.map(Duration::from_secs),
            pace: None,
            health: Health::Unhealthy,
        })
    }

    fn throttle() -> DriverError {
        DriverError::answered(429, String::new(), "429".into()).classified(Class {
            transient: true,
            throttled: true,
            ..Class::default()
        })
    }

    fn first() -> Tries {
        Tries {
            failures: 1,
            throttled: 0,
        }
    }

    #[test]
    fn backoff_grows_and_is_capped_with_full_jitter() {
        let p = policy(RetryConfig {
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            ..Default::default()
        });
        for n in 1..=10 {
            let cap = Duration::from_millis(100 * (1 << (n - 1))).min(Duration::from_secs(1));
            for _ in 0..50 {
                let d = p.backoff(n);
                assert!(d <= cap, "retry {n}: {d:?} > {cap:?}");
            }
        }
        // Jitter spreads the waits (not all equal).
        let waits: std::collections::BTreeSet<_> = (0..20).map(|_| p.backoff(5)).collect();
        assert!(waits.len() > 10);
        assert!(p.backoff(u32::MAX) <= Duration::from_secs(1));
    }

    #[test]
    fn retry_after_raises_the_wait_and_is_capped() {
        let p = policy(RetryConfig::default());
        assert!(matches!(
            p.decide(first(), &failure(true, true, Some(7)), true),
            Decision::RetryAfter(d) if d >= Duration::from_secs(7)
        ));
        assert_eq!(
            p.decide(first(), &failure(true, true, Some(600)), true),
            Decision::Stop(Stop::RetryAfterTooLong(Duration::from_secs(600)))
        );
    }

    #[test]
    fn what_is_retried() {
        let p = policy(RetryConfig::default());
        assert!(matches!(
            p.decide(first(), &failure(true, true, None), true),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(first(), &failure(true, true, None), false),
            Decision::Stop(Stop::NotIdempotent),
            "it may have acted, and repeating is not safe"
        );
        assert!(
            matches!(
                p.decide(first(), &failure(true, false, None), false),
                Decision::RetryAfter(_)
            ),
            "nothing happened: safe to send again"
        );
        assert_eq!(
            p.decide(first(), &failure(false, false, None), true),
            Decision::Stop(Stop::Failed)
        );
        let fifth = Tries {
            failures: 5,
            throttled: 0,
        };
        assert_eq!(
            p.decide(fifth, &failure(true, false, None), true),
            Decision::Stop(Stop::Exhausted)
        );
        let unknown = DriverError::new(ErrorKind::Interrupted, "reset");
        assert!(matches!(
            p.decide(first(), &unknown, true),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn throttles_do_not_use_up_the_attempts() {
        let p = policy(RetryConfig::default());
        let many = Tries {
            failures: 4,
            throttled: 20,
        };
        assert!(matches!(
            p.decide(many, &throttle(), false),
            Decision::RetryAfter(_)
        ));
        let too_many = Tries {
            failures: 0,
            throttled: MAX_THROTTLED_RETRIES + 1,
        };
        assert_eq!(
            p.decide(too_many, &throttle(), false),
            Decision::Stop(Stop::Exhausted)
        );
    }

    #[test]
    fn retry_non_idempotent_opts_in() {
        let p = policy(RetryConfig {
            retry_non_idempotent: true,
            ..Default::default()
        });
        assert!(matches!(
            p.decide(first(), &failure(true, true, None), false),
            Decision::RetryAfter(_)
        ));
    }
}
