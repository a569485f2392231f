//! The engine on tokio's paused clock, against a scripted driver.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use crate::drivers::Operation;

#[derive(Clone, Debug)]
struct Req {
    idempotent: bool,
}

impl Request for Req {
    fn operation(&self) -> Operation {
        Operation::Create
    }
    fn target(&self) -> String {
        "POST /things".into()
    }
    fn is_idempotent(&self) -> bool {
        self.idempotent
    }
    fn method(&self) -> String {
        "POST".into()
    }
}

/// One scripted step: how long the call takes, and what it returns.
type Step = (Duration, Result<(), DriverError>);

/// Plays back a script, then succeeds; records when each attempt started.
#[derive(Debug, Default)]
struct Scripted {
    script: Mutex<VecDeque<Step>>,
    starts: Mutex<Vec<Instant>>,
    calls: AtomicU32,
}

impl Scripted {
    fn new(steps: Vec<Step>) -> Self {
        Scripted {
            script: Mutex::new(steps.into()),
            ..Default::default()
        }
    }
}

#[async_trait::async_trait]
impl Driver for Scripted {
    type Request = Req;
    type Response = ();
    fn name(&self) -> &'static str {
        "scripted"
    }
    async fn call(&self, _: &Req) -> Result<Outcome<()>, DriverError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.starts.lock().unwrap().push(Instant::now());
        let step = self.script.lock().unwrap().pop_front();
        match step {
            Some((d, r)) => {
                tokio::time::sleep(d).await;
                r.map(Outcome::Done)
            }
            None => Ok(Outcome::Done(())),
        }
    }
}

fn status(s: u16, retry_after: Option<u64>) -> Result<(), DriverError> {
    Err(DriverError::Status {
        status: s,
        message: "nope".into(),
        retry_after: retry_after.map(Duration::from_secs),
    })
}

fn engine(d: Scripted, tweak: impl FnOnce(&mut EngineConfig)) -> Engine<Scripted> {
    let mut c = EngineConfig::default();
    tweak(&mut c);
    let policy = Box::new(StandardRetry::with_rng(
        c.retry.clone(),
        fastrand::Rng::with_seed(1),
    ));
    Engine::with_policy(d, c, policy, Observers::default())
}

fn ctx() -> OperationContext {
    OperationContext::new(None, CancellationToken::new())
}

const IDEMPOTENT: Req = Req { idempotent: true };
const UNSAFE: Req = Req { idempotent: false };

#[tokio::test(start_paused = true)]
async fn transient_failures_are_retried_until_success() {
    let e = engine(
        Scripted::new(vec![
            (Duration::ZERO, status(503, None)),
            (Duration::ZERO, status(502, None)),
        ]),
        |_| {},
    );
    assert!(e.execute(&IDEMPOTENT, &ctx()).await.is_ok());
    assert_eq!(e.driver().calls.load(Ordering::SeqCst), 3);
    let s = e.stats();
    assert_eq!((s.attempts, s.retries), (3, 2));
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let e = engine(
        Scripted::new(vec![(Duration::ZERO, status(503, Some(4)))]),
        |_| {},
    );
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
    let starts = e.driver().starts.lock().unwrap().clone();
    assert!(starts[1] - starts[0] >= Duration::from_secs(4));
}

#[tokio::test(start_paused = true)]
async fn exhausted_retries_report_attempts_and_last_status() {
    let script = (0..10)
        .map(|_| (Duration::ZERO, status(503, None)))
        .collect();
    let e = engine(Scripted::new(script), |c| c.retry.max_attempts = 3);
    let err = e.execute(&IDEMPOTENT, &ctx()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(
        matches!(
            err,
            EngineError::Failed {
                attempts: 3,
                why: StopReason::Exhausted,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("gave up after 3 attempts") && err.to_string().contains("503"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn unsafe_requests_are_not_repeated_after_a_5xx() {
    let e = engine(
        Scripted::new(vec![(Duration::ZERO, status(503, None))]),
        |_| {},
    );
    let err = e.execute(&UNSAFE, &ctx()).await.unwrap_err();
    assert!(matches!(
        err,
        EngineError::Failed {
            attempts: 1,
            why: StopReason::NotIdempotent,
            ..
        }
    ));
    assert_eq!(e.driver().calls.load(Ordering::SeqCst), 1);
    assert!(err.to_string().contains("retry_non_idempotent"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn unsafe_requests_are_repeated_after_a_429() {
    let e = engine(
        Scripted::new(vec![(Duration::ZERO, status(429, Some(1)))]),
        |_| {},
    );
    assert!(e.execute(&UNSAFE, &ctx()).await.is_ok());
    assert_eq!(e.stats().throttled, 1);
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_final() {
    let e = engine(
        Scripted::new(vec![(Duration::ZERO, status(422, None))]),
        |_| {},
    );
    let err = e.execute(&IDEMPOTENT, &ctx()).await.unwrap_err();
    assert!(matches!(
        err,
        EngineError::Failed {
            attempts: 1,
            why: StopReason::NotRetryable,
            ..
        }
    ));
    assert!(!err.outcome_unknown());
}

#[tokio::test(start_paused = true)]
async fn a_request_timeout_is_retried_and_its_outcome_is_unknown() {
    let e = engine(
        Scripted::new(vec![(Duration::from_secs(60), Ok(()))]),
        |c| c.request_timeout = Duration::from_secs(5),
    );
    assert!(
        e.execute(&IDEMPOTENT, &ctx()).await.is_ok(),
        "second attempt succeeds"
    );
    let e = engine(
        Scripted::new(vec![(Duration::from_secs(60), Ok(()))]),
        |c| c.request_timeout = Duration::from_secs(5),
    );
    let err = e.execute(&UNSAFE, &ctx()).await.unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn the_operation_deadline_bounds_retries() {
    let script = (0..100)
        .map(|_| (Duration::ZERO, status(503, Some(2))))
        .collect();
    let e = engine(Scripted::new(script), |c| c.retry.max_attempts = 100);
    let start = Instant::now();
    let err = e
        .execute(
            &IDEMPOTENT,
            &OperationContext::new(Some(Duration::from_secs(7)), CancellationToken::new()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, EngineError::OperationTimeout { .. }),
        "{err:?}"
    );
    assert!(start.elapsed() <= Duration::from_secs(7));
    assert!(
        err.to_string().contains("503"),
        "names the last failure: {err}"
    );
}

#[tokio::test(start_paused = true)]
async fn stop_cancels_a_backoff_promptly() {
    let script = (0..100)
        .map(|_| (Duration::ZERO, status(503, Some(30))))
        .collect();
    let e = engine(Scripted::new(script), |_| {});
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        c2.cancel();
    });
    let start = Instant::now();
    let err = e
        .execute(&IDEMPOTENT, &OperationContext::new(None, cancel))
        .await
        .unwrap_err();
    assert_eq!(err, EngineError::Cancelled { interrupted: false });
    assert_eq!(start.elapsed(), Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_and_fails_fast_for_everyone() {
    let script = (0..100)
        .map(|_| (Duration::ZERO, status(503, None)))
        .collect();
    let e = engine(Scripted::new(script), |c| {
        c.breaker = BreakerConfig {
            failure_threshold: 4,
            open_for: Duration::from_secs(60),
        };
        c.retry.max_attempts = 3;
    });
    let _ = e.execute(&IDEMPOTENT, &ctx()).await; // 3 failures
    let err = e.execute(&IDEMPOTENT, &ctx()).await.unwrap_err(); // the 4th opens it
    assert!(matches!(err, EngineError::BreakerOpen { .. }), "{err:?}");
    let calls = e.driver().calls.load(Ordering::SeqCst);
    assert_eq!(calls, 4);
    let err = e.execute(&IDEMPOTENT, &ctx()).await.unwrap_err();
    assert!(matches!(err, EngineError::BreakerOpen { .. }));
    assert_eq!(
        e.driver().calls.load(Ordering::SeqCst),
        calls,
        "no request while open"
    );
    assert!(err.to_string().contains("circuit breaker is open"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn retries_take_rate_tokens_too() {
    let script = (0..4)
        .map(|_| (Duration::ZERO, status(503, None)))
        .collect();
    let e = engine(Scripted::new(script), |c| {
        c.rate_limit = RateLimitConfig {
            requests_per_second: Some(2.0),
            burst: 1,
            ..Default::default()
        };
        c.retry.min_backoff = Duration::from_millis(1);
        c.retry.max_backoff = Duration::from_millis(1);
    });
    let start = Instant::now();
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
    // Five attempts at 2/s: the last starts 2 s after the first.
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_pauses_other_requests_too() {
    // The first request is answered 429 with Retry-After: 3 after 100 ms.
    let e = std::sync::Arc::new(engine(
        Scripted::new(vec![(Duration::from_millis(100), status(429, Some(3)))]),
        |_| {},
    ));
    let first = {
        let e = e.clone();
        tokio::spawn(async move { e.execute(&IDEMPOTENT, &ctx()).await })
    };
    // Another request, started after the 429 arrived, waits out the pause.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
    let second_request_waited = start.elapsed();
    first.await.unwrap().unwrap();
    assert!(
        second_request_waited >= Duration::from_millis(2600),
        "{second_request_waited:?}"
    );
}
