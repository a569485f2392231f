//! The engine on tokio's paused clock, against a scripted driver.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use super::*;
use drivers::{DriverError, Operation, Request};

#[derive(Clone, Debug)]
struct Req {
    idempotent: bool,
    operation: Operation,
}

impl Request for Req {
    fn operation(&self) -> Operation {
        self.operation
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

/// An HTTP-like failure status, classified as the HTTP driver does.
fn status(s: u16, retry_after: Option<u64>) -> Result<(), DriverError> {
    let retry_after = retry_after.map(Duration::from_secs);
    Err(
        DriverError::answered(i64::from(s), "nope".into(), format!("{s}: nope")).classified(
            drivers::http::classify::status_class(
                s,
                &drivers::http::classify::DEFAULT_RETRY_ON_STATUS,
                retry_after,
                None,
            ),
        ),
    )
}

fn config(tweak: impl FnOnce(&mut EngineConfig)) -> EngineConfig {
    let mut c = EngineConfig::default();
    // Fixed pacing, so the scripts play out the same way every time.
    c.rate_limit.adaptive = false;
    tweak(&mut c);
    c
}

fn engine(d: Scripted, tweak: impl FnOnce(&mut EngineConfig)) -> Engine<Scripted> {
    let c = config(tweak);
    let policy = Arc::new(StandardRetry::with_rng(
        c.retry.clone(),
        fastrand::Rng::with_seed(1),
    ));
    Engine::with_policy(d, c, policy, Observers::default())
}

fn totals(e: &Engine<Scripted>) -> Totals {
    e.observers().metrics.totals()
}

fn ctx() -> OperationContext {
    OperationContext::new(None, CancellationToken::new())
}

const IDEMPOTENT: Req = Req {
    idempotent: true,
    operation: Operation::Create,
};
const UNSAFE: Req = Req {
    idempotent: false,
    operation: Operation::Create,
};
const READ: Req = Req {
    idempotent: true,
    operation: Operation::Read,
};

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
    let s = totals(&e);
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
    assert_eq!(err.code(), Some(503));
    assert_eq!((err.attempts, &err.stop), (3, &Stop::Exhausted), "{err:?}");
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
    assert_eq!((err.attempts, &err.stop), (1, &Stop::NotIdempotent));
    assert_eq!(e.driver().calls.load(Ordering::SeqCst), 1);
    assert!(
        err.to_string().contains("may not be safe to repeat"),
        "{err}"
    );
    assert!(
        err.outcome_unknown(),
        "a 5xx may come after the server acted"
    );
}

#[tokio::test(start_paused = true)]
async fn unsafe_requests_are_repeated_after_a_429() {
    let e = engine(
        Scripted::new(vec![(Duration::ZERO, status(429, Some(1)))]),
        |_| {},
    );
    assert!(e.execute(&UNSAFE, &ctx()).await.is_ok());
    assert_eq!(totals(&e).throttled, 1);
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_final() {
    let e = engine(
        Scripted::new(vec![(Duration::ZERO, status(422, None))]),
        |_| {},
    );
    let err = e.execute(&IDEMPOTENT, &ctx()).await.unwrap_err();
    assert_eq!((err.attempts, &err.stop), (1, &Stop::Failed));
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
    assert!(matches!(err.stop, Stop::Deadline { .. }), "{err:?}");
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
    assert_eq!(err.stop, Stop::Cancelled { in_flight: false });
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
    assert!(matches!(err.stop, Stop::BreakerOpen(_)), "{err:?}");
    let calls = e.driver().calls.load(Ordering::SeqCst);
    assert_eq!(calls, 4);
    let err = e.execute(&IDEMPOTENT, &ctx()).await.unwrap_err();
    assert!(matches!(err.stop, Stop::BreakerOpen(_)));
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
    let e = Arc::new(engine(
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

#[tokio::test(start_paused = true)]
async fn a_write_on_the_wire_finishes_after_a_stop_and_a_read_does_not() {
    // The API takes 3 s to answer; Terraform stops after 1 s.
    let run = |req: Req| async move {
        let e = engine(
            Scripted::new(vec![(Duration::from_secs(3), Ok(()))]),
            |_| {},
        );
        let cancel = CancellationToken::new();
        let c2 = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            c2.cancel();
        });
        e.execute(&req, &OperationContext::new(None, cancel)).await
    };
    assert!(
        run(UNSAFE).await.is_ok(),
        "the create's answer (the new object's id) reaches state"
    );
    let err = run(READ).await.unwrap_err();
    assert_eq!(err.stop, Stop::Cancelled { in_flight: true });
}

#[tokio::test(start_paused = true)]
async fn an_attempt_that_may_have_acted_keeps_the_outcome_unknown_whatever_stops_later() {
    // A dropped connection after sending, then the breaker opens.
    let dropped = || {
        Err(DriverError::new(
            drivers::ErrorKind::Interrupted,
            "connection closed before message completed",
        ))
    };
    let e = engine(
        Scripted::new(vec![
            (Duration::ZERO, dropped()),
            (Duration::ZERO, dropped()),
        ]),
        |c| {
            c.breaker = BreakerConfig {
                failure_threshold: 1,
                open_for: Duration::from_secs(60),
            };
            c.retry.retry_non_idempotent = true;
        },
    );
    let err = e.execute(&UNSAFE, &ctx()).await.unwrap_err();
    assert!(matches!(err.stop, Stop::BreakerOpen(_)), "{err:?}");
    assert!(
        err.outcome_unknown(),
        "the first attempt may have created it"
    );
    assert!(err.to_string().contains("connection closed"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn throttles_do_not_use_up_the_retry_budget() {
    let script = (0..8)
        .map(|_| (Duration::ZERO, status(429, Some(1))))
        .collect();
    let e = engine(Scripted::new(script), |c| c.retry.max_attempts = 2);
    e.execute(&UNSAFE, &ctx()).await.unwrap();
    assert_eq!(e.driver().calls.load(Ordering::SeqCst), 9);
    assert_eq!(totals(&e).throttled, 8);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_probe_does_not_hold_the_breaker_half_open() {
    let e = Arc::new(engine(
        Scripted::new(vec![
            (Duration::ZERO, status(503, None)),
            // The probe: slow, and cancelled.
            (Duration::from_secs(20), Ok(())),
        ]),
        |c| {
            c.breaker = BreakerConfig {
                failure_threshold: 1,
                open_for: Duration::from_secs(10),
            };
            c.retry.max_attempts = 1;
        },
    ));
    assert!(e.execute(&IDEMPOTENT, &ctx()).await.is_err());
    tokio::time::advance(Duration::from_secs(10)).await;
    let cancel = CancellationToken::new();
    let probe = {
        let (e, cancel) = (e.clone(), cancel.clone());
        // A read: a stop cuts it off at once.
        tokio::spawn(async move { e.execute(&READ, &OperationContext::new(None, cancel)).await })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    cancel.cancel();
    assert!(probe.await.unwrap().is_err());
    // The next request is let through as the new probe, and closes it.
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
}

/// A custom step: refuses every request whose target it is told to block,
/// and counts what it sees.
#[derive(Debug, Clone, Default)]
struct Gate {
    seen: Arc<AtomicU32>,
}

#[derive(Debug)]
struct Gated<S> {
    inner: S,
    gate: Gate,
}

impl<S> service::Layer<S> for Gate {
    type Service = Gated<S>;
    fn layer(&self, inner: S) -> Gated<S> {
        Gated {
            inner,
            gate: self.clone(),
        }
    }
}

#[async_trait::async_trait]
impl<R: Request, S: Service<R>> Service<R> for Gated<S> {
    type Response = S::Response;
    async fn call(&self, req: &R, cx: &Cx<'_>) -> service::Answer<S::Response> {
        if self.gate.seen.fetch_add(1, Ordering::SeqCst) >= 2 {
            return Err(cx.error(Stop::Refused("the gate is closed".into())));
        }
        self.inner.call(req, cx).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_stack_with_a_custom_layer() {
    let gate = Gate::default();
    let driver = Arc::new(Scripted::new(vec![(Duration::ZERO, status(503, None))]));
    let config = config(|_| {});
    let policy = Arc::new(StandardRetry::with_rng(
        config.retry.clone(),
        fastrand::Rng::with_seed(1),
    ));
    let observers = Observers::default();
    let stack = stack::build_with(driver.clone(), &config, policy, &observers, gate.clone());
    let e = Engine::from_stack(driver, stack, observers);
    // The gate sits under the retry loop: it sees the retry too.
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
    assert_eq!(gate.seen.load(Ordering::SeqCst), 2);
    let err = e.execute(&IDEMPOTENT, &ctx()).await.unwrap_err();
    assert_eq!(err.stop, Stop::Refused("the gate is closed".into()));
    assert_eq!(
        e.driver().calls.load(Ordering::SeqCst),
        2,
        "refused before the driver"
    );
}

/// A shared budget in memory: each reservation is the next slot at
/// `interval`, as the Redis script gives; throttles are recorded.
#[derive(Debug, Default)]
struct MemoryBudget {
    interval: Duration,
    next: Mutex<Option<Instant>>,
    reserved: AtomicU32,
    throttles: Mutex<Vec<Option<Duration>>>,
    down: bool,
}

#[async_trait::async_trait]
impl shared_budget::SharedBudget for MemoryBudget {
    async fn reserve(&self) -> Result<Duration, String> {
        if self.down {
            return Err("connection refused".into());
        }
        self.reserved.fetch_add(1, Ordering::SeqCst);
        let now = Instant::now();
        let mut next = self.next.lock().unwrap();
        let go = next.map_or(now, |n| n.max(now));
        *next = Some(go + self.interval);
        Ok(go - now)
    }
    async fn throttled(&self, pause: Option<Duration>) -> Result<(), String> {
        self.throttles.lock().unwrap().push(pause);
        Ok(())
    }
    fn describe(&self) -> String {
        "memory key \"test\"".into()
    }
}

fn shared_engine(
    d: Scripted,
    budget: Arc<MemoryBudget>,
    unavailable: shared_budget::Unavailable,
) -> Engine<Scripted> {
    engine(d, |c| {
        c.shared_budget = Some(SharedBudgetConfig {
            budget,
            unavailable,
        });
    })
}

#[tokio::test(start_paused = true)]
async fn every_attempt_takes_a_shared_slot_and_throttles_are_shared() {
    let budget = Arc::new(MemoryBudget {
        interval: Duration::from_millis(100),
        ..Default::default()
    });
    let d = Scripted::new(vec![(Duration::ZERO, status(429, Some(2)))]);
    let e = shared_engine(d, budget.clone(), shared_budget::Unavailable::Fail);
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
    // The throttled attempt, its retry, and the second request.
    assert_eq!(budget.reserved.load(Ordering::SeqCst), 3);
    assert_eq!(
        *budget.throttles.lock().unwrap(),
        vec![Some(Duration::from_secs(2))]
    );
    // Slots are spaced by the shared interval, whoever asks.
    let starts = e.driver().starts.lock().unwrap().clone();
    assert!(
        starts
            .windows(2)
            .all(|w| w[1] - w[0] >= Duration::from_millis(100))
    );
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_budget_fails_requests_unless_told_to_go_on_locally() {
    let down = Arc::new(MemoryBudget {
        down: true,
        ..Default::default()
    });
    let e = shared_engine(
        Scripted::new(vec![]),
        down.clone(),
        shared_budget::Unavailable::Fail,
    );
    let err = e.execute(&IDEMPOTENT, &ctx()).await.unwrap_err();
    let Stop::SharedBudgetUnavailable { place, .. } = &err.stop else {
        panic!("{err:?}")
    };
    assert_eq!(place, "memory key \"test\"");
    assert!(err.to_string().contains("Nothing was sent"), "{err}");
    assert_eq!(e.driver().calls.load(Ordering::SeqCst), 0, "nothing sent");
    assert!(!err.outcome_unknown());

    let e = shared_engine(
        Scripted::new(vec![]),
        down,
        shared_budget::Unavailable::Local,
    );
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
    e.execute(&IDEMPOTENT, &ctx()).await.unwrap();
    assert_eq!(e.driver().calls.load(Ordering::SeqCst), 2);
    assert!(
        e.observers()
            .metrics
            .encode()
            .contains("driver_shared_budget_unavailable_total{driver=\"scripted\"} 2")
    );
}
