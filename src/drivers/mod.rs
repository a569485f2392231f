//! Drivers: one transport each. A driver performs one attempt of one
//! actuation and reports what happened; it never retries, sleeps, limits or
//! logs secrets (the engine does the first three), and it knows nothing of
//! Terraform.

pub mod exec;
pub mod http;

use std::fmt;
use std::time::Duration;

/// What an actuation does to the target object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Brings an object into existence.
    Create,
    /// Reads it back.
    Read,
    /// Changes it.
    Update,
    /// Removes it.
    Delete,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Create => "create",
            Operation::Read => "read",
            Operation::Update => "update",
            Operation::Delete => "delete",
        })
    }
}

/// What the engine needs to know about any driver's request.
pub trait Request: Clone + fmt::Debug + Send + Sync + 'static {
    /// The operation this request performs.
    fn operation(&self) -> Operation;
    /// Where it goes, for logs and records; never holds secrets.
    fn target(&self) -> String;
    /// Whether sending it twice has the same effect as sending it once.
    fn is_idempotent(&self) -> bool;
    /// The verb, for metrics: an HTTP method, or "exec".
    fn method(&self) -> String;
    /// The idempotency key it carries, for the audit log.
    fn idempotency_key(&self) -> Option<String> {
        None
    }
}

/// What a successful answer says about the target's load.
pub trait Feedback {
    /// How long to hold off every request (e.g. `RateLimit-Remaining: 0`
    /// with a reset time), if the target said so.
    fn pause_hint(&self) -> Option<Duration> {
        None
    }
    /// The success status (HTTP status), for records.
    fn status_code(&self) -> Option<i64> {
        None
    }
}

impl Feedback for () {}

/// The typed outcome of an attempt that reached the target.
#[derive(Debug)]
pub enum Outcome<T> {
    /// The target did it (or, for a read, has the object).
    Done(T),
    /// The object does not exist (HTTP 404/410; an empty exec read).
    Gone,
}

/// One transport.
#[async_trait::async_trait]
pub trait Driver: fmt::Debug + Send + Sync + 'static {
    /// The driver's request type.
    type Request: Request;
    /// What a successful attempt returns.
    type Response: Feedback + fmt::Debug + Send + 'static;

    /// The driver's name in records and metrics: "http", "exec".
    fn name(&self) -> &'static str;

    /// Performs one attempt.
    async fn call(&self, req: &Self::Request) -> Result<Outcome<Self::Response>, DriverError>;
}

/// Why an attempt failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum DriverError {
    /// The target could not be reached, or the connection broke. `sent`
    /// says whether the request may have reached the target.
    #[error("{message}")]
    Transport {
        /// What went wrong.
        message: String,
        /// The request may have been (partly) received.
        sent: bool,
    },
    /// The target answered with a failure status.
    #[error("{status}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Status {
        /// The status code (HTTP status, or exit code for exec).
        status: u16,
        /// The target's own explanation, shortened, secrets removed.
        message: String,
        /// How long the target asked us to wait before trying again.
        retry_after: Option<Duration>,
    },
    /// The request could not be built (bad URL, header, missing program).
    #[error("{0}")]
    Invalid(String),
    /// A command exited with a failure code.
    #[error("exited with code {code}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Exit {
        /// The exit code (or 128 + signal).
        code: i32,
        /// The tail of its stderr, secrets masked.
        message: String,
    },
    /// The target said "try again later" in its own terms (an exit code the
    /// configuration lists as retryable).
    #[error("{message}")]
    TryAgain {
        /// What it said.
        message: String,
    },
}

impl DriverError {
    /// The status or exit code, when the target answered.
    pub fn code(&self) -> Option<i64> {
        match self {
            DriverError::Status { status, .. } => Some(i64::from(*status)),
            DriverError::Exit { code, .. } => Some(i64::from(*code)),
            _ => None,
        }
    }

    /// The wait the target asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            DriverError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
