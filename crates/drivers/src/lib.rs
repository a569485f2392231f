//! Drivers: one transport each. A driver performs one attempt of one
//! actuation and reports what happened; it never retries, sleeps, limits or
//! logs secrets (the engine does the first three), and it knows nothing of
//! Terraform.
//!
//! A driver classifies its own failures ([`Class`]): whether trying again
//! can help, whether the target may have acted, whether it asked to slow
//! down and for how long, and what the failure says of the target's health.
//! The engine acts on that classification alone; it knows no status codes.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![forbid(unsafe_code)]

pub mod exec;
pub mod http;
mod sensitive;

use std::fmt;
use std::time::Duration;

pub use sensitive::Sensitive;

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
    /// with a reset time), if the target said so; bounded by the driver.
    fn pause_hint(&self) -> Option<Duration> {
        None
    }
    /// The pace the target announced (its limit per window, as the
    /// interval between requests), when the client should keep to it.
    fn pace_hint(&self) -> Option<Duration> {
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

/// What a failed attempt says about the target's health, for the circuit
/// breaker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Health {
    /// The target answered sensibly (a refusal, a throttle).
    Healthy,
    /// The target is failing (server errors, broken connections).
    Unhealthy,
    /// Nothing about the target (a request that could not be built).
    #[default]
    Unknown,
}

/// How the engine should treat a failure: the driver's verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Class {
    /// Sending the same request again may succeed.
    pub transient: bool,
    /// The target may have acted on the request although the attempt
    /// failed: repeating it is safe only if the request is idempotent.
    pub maybe_applied: bool,
    /// The target asked the client to slow down (every request, not just
    /// this one).
    pub throttled: bool,
    /// How long the target asked to wait before trying again, already
    /// bounded by the driver.
    pub retry_after: Option<Duration>,
    /// The pace the target announced, as the interval between requests.
    pub pace: Option<Duration>,
    /// What the failure says about the target's health.
    pub health: Health,
}

/// What went wrong, in terms callers can explain to users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The target could not be reached: nothing was sent.
    Unreachable,
    /// The exchange broke after the request went out (connection reset,
    /// no answer in time).
    Interrupted,
    /// The TLS handshake failed: certificates, or a refused client
    /// certificate.
    Tls(TlsProblem),
    /// A TLS connection was closed by the server during the exchange: a
    /// passing failure, or (TLS 1.3) a client certificate it wanted.
    TlsClosed,
    /// The target answered with a failure: an HTTP status, or a command's
    /// exit code.
    Answered {
        /// The status or exit code.
        code: i64,
        /// The target's own words (an API's error message, a command's
        /// stderr), shortened, secrets removed.
        detail: String,
    },
    /// The answer was larger than the configured limit.
    TooLarge,
    /// The target redirected somewhere the driver does not follow.
    Redirected,
    /// The request could not be built or run (bad URL, missing program).
    Invalid,
}

/// What was wrong with a TLS handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsProblem {
    /// The server's certificate is not signed by a trusted CA.
    UntrustedServer,
    /// The server presents a CA certificate (basic constraints CA:TRUE) as
    /// its own: verification refuses that even when the CA is trusted.
    CaAsServerCertificate,
    /// The server's certificate is not for the host name connected to.
    WrongName,
    /// The server refused our client certificate, or wanted one.
    ClientCertificateRefused,
    /// Anything else (expired, bad encoding, protocol).
    Other,
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DriverError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// What happened, in one line.
    pub message: String,
    /// How the engine should treat it.
    pub class: Class,
}

impl DriverError {
    /// A failure of kind `kind` with the default class for it: only
    /// unreachable targets are transient, only interrupted exchanges may
    /// have acted.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let class = match kind {
            ErrorKind::Unreachable => Class {
                transient: true,
                health: Health::Unhealthy,
                ..Class::default()
            },
            ErrorKind::Interrupted | ErrorKind::TlsClosed => Class {
                transient: true,
                maybe_applied: true,
                health: Health::Unhealthy,
                ..Class::default()
            },
            ErrorKind::Answered { .. } | ErrorKind::TooLarge | ErrorKind::Redirected => Class {
                health: Health::Healthy,
                ..Class::default()
            },
            ErrorKind::Tls(_) | ErrorKind::Invalid => Class::default(),
        };
        DriverError {
            kind,
            message: message.into(),
            class,
        }
    }

    /// A request that could not be built or run.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    /// The same failure with another classification.
    pub fn classified(mut self, class: Class) -> Self {
        self.class = class;
        self
    }

    /// The target answered `code`, saying `detail`; `message` is the
    /// whole line.
    pub fn answered(code: i64, detail: String, message: String) -> Self {
        Self::new(ErrorKind::Answered { code, detail }, message)
    }

    /// The status or exit code, when the target answered.
    pub fn code(&self) -> Option<i64> {
        match self.kind {
            ErrorKind::Answered { code, .. } => Some(code),
            _ => None,
        }
    }
}
