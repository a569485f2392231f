//! Why an operation did not complete: one error type for every layer.

use std::fmt;
use std::time::Duration;

use drivers::DriverError;

/// The circuit breaker is open: the target failed too often lately.
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

/// Why the engine stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// The last attempt failed, and trying again would not help.
    Failed,
    /// The last attempt may have acted on the target, and the request is
    /// not safe to repeat.
    NotIdempotent,
    /// Every attempt the retry policy allows was made.
    Exhausted,
    /// The target asked for a longer wait than the policy honours.
    RetryAfterTooLong(Duration),
    /// The operation's time limit ran out.
    Deadline {
        /// An attempt was cut off on the wire.
        in_flight: bool,
    },
    /// Terraform asked the provider to stop.
    Cancelled {
        /// An attempt was cut off on the wire.
        in_flight: bool,
    },
    /// The circuit breaker refused to send.
    BreakerOpen(BreakerOpen),
    /// The rate budget shared with other processes could not be reached,
    /// and the engine is set to fail rather than go on alone.
    SharedBudgetUnavailable {
        /// Which budget (without credentials).
        place: String,
        /// What went wrong.
        why: String,
    },
    /// Another layer refused to send, saying why.
    Refused(String),
}

/// Why an operation did not complete, with what is known of its attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineError {
    /// Why it stopped.
    pub stop: Stop,
    /// The last attempt's failure, if an attempt failed.
    pub last: Option<DriverError>,
    /// Attempts sent to the driver.
    pub attempts: u32,
    /// Whether any attempt may have acted on the target: an answer that
    /// came after the target may have acted, or an attempt cut off on the
    /// wire. Whatever stopped the retries afterwards, the outcome then
    /// stays unknown.
    pub maybe_applied: bool,
}

impl EngineError {
    /// A refusal that happened before any attempt of this operation (an
    /// OAuth token that could not be had), with the failure behind it.
    pub fn refused(why: String, last: Option<DriverError>) -> Self {
        EngineError {
            stop: Stop::Refused(why),
            last,
            attempts: 0,
            maybe_applied: false,
        }
    }

    /// Whether the target may have acted on the request although we have
    /// no answer: the caller must not assume nothing happened.
    pub fn outcome_unknown(&self) -> bool {
        self.maybe_applied
    }

    /// The status or exit code of the last answer, if the target answered.
    pub fn code(&self) -> Option<i64> {
        self.last.as_ref().and_then(DriverError::code)
    }

    /// A short word for records and metrics.
    pub fn outcome(&self) -> &'static str {
        match self.stop {
            Stop::Failed | Stop::NotIdempotent | Stop::Exhausted | Stop::RetryAfterTooLong(_) => {
                "failed"
            }
            Stop::Deadline { .. } => "timeout",
            Stop::Cancelled { .. } => "cancelled",
            Stop::BreakerOpen(_) => "breaker_open",
            Stop::SharedBudgetUnavailable { .. } | Stop::Refused(_) => "refused",
        }
    }
}

impl std::error::Error for EngineError {}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.attempts;
        let last = |f: &mut fmt::Formatter<'_>| match &self.last {
            Some(l) => write!(f, "; last failure: {l}"),
            None => Ok(()),
        };
        match (&self.stop, &self.last) {
            (Stop::Exhausted, Some(l)) => {
                write!(f, "gave up after {n} attempts; last failure: {l}")
            }
            (Stop::RetryAfterTooLong(d), Some(l)) => write!(
                f,
                "{l}; the API asked to wait {d:?}, longer than the longest wait allowed, after \
                 {n} attempt(s)"
            ),
            (Stop::NotIdempotent, Some(l)) if n <= 1 => write!(
                f,
                "{l} (not retried: the request may not be safe to repeat)"
            ),
            (Stop::Failed | Stop::NotIdempotent, Some(l)) if n > 1 => {
                write!(f, "{l} (after {n} attempts)")
            }
            (Stop::Failed | Stop::NotIdempotent, Some(l)) => write!(f, "{l}"),
            (
                Stop::Failed | Stop::NotIdempotent | Stop::Exhausted | Stop::RetryAfterTooLong(_),
                None,
            ) => f.write_str("the request failed"),
            (Stop::Deadline { .. }, _) => {
                write!(
                    f,
                    "the operation did not finish within its time limit ({n} attempt(s)"
                )?;
                last(f)?;
                f.write_str(")")
            }
            (Stop::Cancelled { .. }, _) => {
                f.write_str("cancelled: Terraform asked the provider to stop")
            }
            (Stop::BreakerOpen(open), _) => {
                write!(f, "{open}")?;
                last(f)
            }
            (Stop::SharedBudgetUnavailable { place, why }, _) => write!(
                f,
                "the shared rate budget ({place}) is unavailable: {why}. Nothing was sent"
            ),
            // The reason says it all (it names the failure behind it).
            (Stop::Refused(why), _) => f.write_str(why),
        }
    }
}
