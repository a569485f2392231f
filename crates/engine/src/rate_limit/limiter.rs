//! Client-side rate limiting shared by every request of a provider
//! instance: a token bucket on tokio's clock (so tests run on paused time),
//! a concurrency cap, and an adaptive controller that paces by what the
//! API says (429s, `Retry-After`, `RateLimit-*` headers).
//!
//! The bucket reserves: each caller takes the next free slot, even into the
//! future, and sleeps until it; pacing is exact and first come, first
//! served. When the pace changes (a throttle, a pause) every waiter takes a
//! new slot at the new pace, so requests queued at the old pace do not all
//! run into the limit that just refused them.
//!
//! Adaptive (on unless the configuration says otherwise):
//! - a concurrency window starts small and grows by one per success (slow
//!   start), so the first wave of a `-parallelism=50` apply does not hit an
//!   unknown limit fifty times at once; it halves on a throttle;
//! - on a throttle the rate drops to just under what the API delivered in
//!   the last seconds (what a saturated token bucket lets through is its
//!   rate), or halves if nothing was delivered, at most once per second;
//! - a pace the API announces (`RateLimit-Limit` per window, once half the
//!   quota is used) caps the rate;
//! - quiet seconds raise the rate slowly back toward the configured one.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::time::{after, from_now};

/// What the limiter enforces.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimitConfig {
    /// Sustained rate; `None` = unlimited (unless adaptive slows it).
    pub requests_per_second: Option<f64>,
    /// Bucket size; requests allowed at once above the rate.
    pub burst: u32,
    /// Concurrency cap.
    pub max_in_flight: Option<u32>,
    /// Follow the server's signals.
    pub adaptive: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            requests_per_second: None,
            burst: 1,
            max_in_flight: None,
            adaptive: true,
        }
    }
}

/// Slowest the adaptive controller goes.
const MIN_ADAPTIVE_RATE: f64 = 0.5;
/// Throttle signals closer together than this are one congestion event:
/// the requests already in flight when the first 429 came all see one too,
/// and lowering for each would collapse the rate.
const DECREASE_EVERY: Duration = Duration::from_secs(1);
/// The rate is set this far under what the API delivered.
const UNDER_DELIVERED: f64 = 0.95;
/// Increase per quiet second.
const INCREASE: f64 = 1.02;
/// The stretch of recent deliveries the API's rate is measured on.
const MEASURE: Duration = Duration::from_secs(1);
/// How long the rate stays just under the limit the API was seen to
/// enforce before probing above it again.
const HOLD: Duration = Duration::from_secs(30);
/// How far back the delivered and sent rates are measured.
const RATE_WINDOW: Duration = Duration::from_secs(2);
/// Concurrency a fresh adaptive limiter starts with.
const INITIAL_WINDOW: u32 = 4;
/// Above this the window no longer limits anything.
const MAX_WINDOW: u32 = 4096;

#[derive(Debug)]
struct State {
    /// Current rate; `None` = unlimited.
    rate: Option<f64>,
    /// The configured rate: adaptive recovery never goes above it.
    ceiling: Option<f64>,
    /// A pace the API announced: recovery never goes above it either.
    announced: Option<f64>,
    /// The rate the API let through when it last throttled.
    limit_seen: Option<f64>,
    /// Throttled before the API's rate could be measured: recover fast.
    fast_probe: bool,
    burst: f64,
    /// Tokens available at `last` (negative = reserved into the future).
    tokens: f64,
    last: Instant,
    /// Bumped when the pace changes; waiters then take a new slot.
    generation: u64,
    /// No request starts before this (server asked us to wait).
    paused_until: Option<Instant>,
    /// Adaptive concurrency window (only when no max_in_flight is set).
    window: Option<u32>,
    in_flight: u32,
    last_increase: Instant,
    last_decrease: Option<Instant>,
    /// Start times of recent requests.
    sent: VecDeque<Instant>,
    /// Completion times of recent successes.
    delivered: VecDeque<Instant>,
}

impl State {
    fn prune(&mut self, now: Instant) {
        for q in [&mut self.sent, &mut self.delivered] {
            while q
                .front()
                .is_some_and(|t| now.duration_since(*t) > RATE_WINDOW)
            {
                q.pop_front();
            }
        }
    }

    /// Events per second over the window (or over the time since the
    /// first of them, if shorter, but at least a second).
    fn per_second(q: &VecDeque<Instant>, now: Instant) -> f64 {
        let span = q
            .front()
            .map_or(RATE_WINDOW, |t| now.duration_since(*t))
            .clamp(Duration::from_secs(1), RATE_WINDOW);
        q.len() as f64 / span.as_secs_f64()
    }

    /// The pace changed: forgive reservations made at the old one.
    fn repace(&mut self, now: Instant) {
        self.generation = self.generation.wrapping_add(1);
        self.tokens = self.tokens.clamp(0.0, self.burst);
        self.last = now;
    }
}

/// The limiter.
#[derive(Debug)]
pub struct Limiter {
    state: Mutex<State>,
    adaptive: bool,
    in_flight: Option<Arc<Semaphore>>,
    /// Wakes waiters of the adaptive window.
    window_freed: Notify,
}

/// Held while a request is in flight.
#[derive(Debug)]
pub struct Permit<'a> {
    _slot: Option<OwnedSemaphorePermit>,
    _window: Option<WindowSlot<'a>>,
    /// How long this request waited for the limiter.
    pub waited: Duration,
}

/// A place in the adaptive window; given back when dropped.
#[derive(Debug)]
struct WindowSlot<'a>(&'a Limiter);

impl Drop for WindowSlot<'_> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        drop(s);
        self.0.window_freed.notify_one();
    }
}

impl Limiter {
    /// A limiter for `config`.
    pub fn new(config: &RateLimitConfig) -> Self {
        let now = Instant::now();
        let burst = f64::from(config.burst.max(1));
        let rate = config
            .requests_per_second
            .filter(|r| r.is_finite() && *r > 0.0);
        Limiter {
            state: Mutex::new(State {
                rate,
                ceiling: rate,
                announced: None,
                limit_seen: None,
                fast_probe: false,
                burst,
                tokens: burst,
                last: now,
                generation: 0,
                paused_until: None,
                window: (config.adaptive && config.max_in_flight.is_none())
                    .then_some(INITIAL_WINDOW),
                in_flight: 0,
                last_increase: now,
                last_decrease: None,
                sent: VecDeque::new(),
                delivered: VecDeque::new(),
            }),
            adaptive: config.adaptive,
            in_flight: config
                .max_in_flight
                .map(|n| Arc::new(Semaphore::new(n as usize))),
            window_freed: Notify::new(),
        }
    }

    /// Waits for a turn: a concurrency slot, then a slot at the current
    /// pace (after any pause the server asked for). Concurrency first, so
    /// that a request let in later goes at the pace of its time, not of
    /// when it started waiting. Cancel-safe: dropping the future gives up
    /// the turn.
    pub async fn acquire(&self) -> Permit<'_> {
        let start = Instant::now();
        // The semaphore is never closed, so acquiring cannot fail; if it
        // ever did, the request would go without a slot rather than fail.
        let slot = match &self.in_flight {
            Some(sem) => sem.clone().acquire_owned().await.ok(),
            None => None,
        };
        let window = self.enter_window().await;
        loop {
            let (at, generation) = self.reserve();
            // Only a slot in the future is slept for: awaiting a timer for
            // "now" still waits for the timer wheel's next tick (1 ms).
            if at > Instant::now() {
                tokio::time::sleep_until(at).await;
            }
            if self.lock().generation == generation {
                break;
            }
        }
        self.lock().sent.push_back(Instant::now());
        Permit {
            _slot: slot,
            _window: window,
            waited: start.elapsed(),
        }
    }

    /// Waits until the adaptive window has room.
    async fn enter_window(&self) -> Option<WindowSlot<'_>> {
        loop {
            let notified = self.window_freed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut s = self.lock();
                match s.window {
                    None => return None,
                    Some(w) if s.in_flight < w => {
                        s.in_flight += 1;
                        return Some(WindowSlot(self));
                    }
                    Some(_) => {}
                }
            }
            notified.await;
        }
    }

    /// Takes the next slot: when it starts, and the pace it was taken at.
    fn reserve(&self) -> (Instant, u64) {
        let mut s = self.lock();
        let now = Instant::now();
        s.prune(now);
        // During a pause the bucket is counted from the pause's end, so the
        // requests queued behind it leave at the pace, not all at once.
        let base = s.paused_until.filter(|p| *p > now).unwrap_or(now);
        let Some(rate) = s.rate else {
            return (base, s.generation);
        };
        // Refill up to the burst, then take one token.
        let elapsed = base.saturating_duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * rate).min(s.burst);
        s.last = s.last.max(base);
        s.tokens -= 1.0;
        let slot = if s.tokens >= 0.0 {
            base
        } else {
            let wait = Duration::try_from_secs_f64(-s.tokens / rate).unwrap_or(Duration::MAX);
            after(base, wait)
        };
        (slot, s.generation)
    }

    /// The server throttled us (a 429): wait `retry_after` (already capped
    /// by the caller) before any request, and, if adaptive, slow down.
    pub fn on_throttle(&self, retry_after: Option<Duration>) {
        // The pause before this one, for measuring what was delivered since.
        let previous_pause = self.lock().paused_until;
        if let Some(d) = retry_after {
            self.pause(d);
        }
        if !self.adaptive {
            return;
        }
        let mut s = self.lock();
        let now = Instant::now();
        s.prune(now);
        if let Some(w) = s.window {
            s.window = Some((s.in_flight / 2).clamp(1, w.max(1)));
        }
        if s.last_decrease
            .is_some_and(|t| now.duration_since(t) < DECREASE_EVERY)
        {
            return;
        }
        s.last_decrease = Some(now);
        let sent = State::per_second(&s.sent, now).max(1.0);
        let current = s.rate.map_or(sent, |r| r.min(sent.max(r / 2.0)));
        // What a saturated limit let through is its rate: measured since
        // the last pause ended (time spent paused delivers nothing), and
        // over half a window at least (a burst at the start says nothing).
        let since = previous_pause
            .filter(|p| *p < now)
            .into_iter()
            .chain(s.delivered.front().copied())
            .chain(now.checked_sub(MEASURE))
            .max();
        let span = since.map_or(Duration::ZERO, |t| now.duration_since(t));
        let history = span >= RATE_WINDOW / 2;
        let delivered = match since {
            Some(t) if history => {
                s.delivered.iter().filter(|d| **d >= t).count() as f64 / span.as_secs_f64()
            }
            _ => 0.0,
        };
        let lowered = match s.announced {
            // The API said its pace and refused anyway: a little under it.
            Some(a) => a.min(current) * UNDER_DELIVERED,
            None if history && delivered >= 1.0 => {
                s.limit_seen = Some(delivered);
                (delivered * UNDER_DELIVERED).min(current)
            }
            // Too early to tell the API's rate: start from what was sent,
            // and double every quiet second until the next throttle, which
            // then measures it.
            None if !history => {
                s.fast_probe = true;
                current / 2.0
            }
            None => current / 2.0,
        };
        if history {
            s.fast_probe = false;
        }
        let new_rate = lowered.max(MIN_ADAPTIVE_RATE);
        if s.rate.is_none() {
            // Unlimited until now: no burst to spend at the new pace.
            s.burst = 1.0;
        }
        s.rate = Some(new_rate);
        s.last_increase = now;
        s.repace(now);
        tracing::debug!(
            rate = new_rate,
            delivered,
            "adaptive rate limit lowered after a throttle signal"
        );
    }

    /// The server announced the pace it wants (its limit per window): if
    /// adaptive, never go faster.
    pub fn on_pace(&self, interval: Duration) {
        if !self.adaptive || interval.is_zero() {
            return;
        }
        let announced = (1.0 / interval.as_secs_f64()).max(MIN_ADAPTIVE_RATE);
        let mut s = self.lock();
        s.announced = Some(announced);
        let capped = s.ceiling.map_or(announced, |c| c.min(announced));
        if s.rate.is_none_or(|r| r > capped * 1.01) {
            if s.rate.is_none() {
                s.burst = 1.0;
            }
            s.rate = Some(capped);
            let now = Instant::now();
            s.repace(now);
            tracing::debug!(rate = capped, "pacing at the rate the API announced");
        }
    }

    /// Holds off every request for `d` (already capped by the caller)
    /// without lowering the rate.
    pub fn pause(&self, d: Duration) {
        let mut s = self.lock();
        let now = Instant::now();
        let until = from_now(d);
        if s.paused_until.is_none_or(|p| p < until) {
            s.paused_until = Some(until);
            s.repace(now);
        }
    }

    /// The server's quota is spent (`RateLimit-Remaining: 0`): if adaptive,
    /// hold off until it resets instead of running into 429s.
    pub fn on_quota_spent(&self, reset: Duration) {
        if self.adaptive {
            self.pause(reset);
        }
    }

    /// A request went through unthrottled: if adaptive, widen the window
    /// and recover the rate gradually.
    pub fn on_success(&self) {
        let mut s = self.lock();
        let now = Instant::now();
        s.delivered.push_back(now);
        if !self.adaptive {
            return;
        }
        if let Some(w) = s.window
            && w < MAX_WINDOW
        {
            s.window = Some(w + 1);
            drop(s);
            self.window_freed.notify_one();
            s = self.lock();
        }
        if now.duration_since(s.last_increase) < Duration::from_secs(1) {
            return;
        }
        s.last_increase = now;
        let Some(rate) = s.rate else { return };
        // Right under the rate the API was seen to let through: hold there
        // a while before probing above it, so as not to run into it again
        // every few seconds.
        if let (Some(seen), Some(t)) = (s.limit_seen, s.last_decrease)
            && rate >= seen * UNDER_DELIVERED * 0.99
            && now.duration_since(t) < HOLD
        {
            return;
        }
        s.prune(now);
        let sent = State::per_second(&s.sent, now);
        // Headroom far above what is sent buys nothing.
        if rate > 2.0 * sent.max(1.0) {
            return;
        }
        let mut raised = rate * if s.fast_probe { 2.0 } else { INCREASE };
        if let Some(c) = s.ceiling {
            raised = raised.min(c);
        }
        if let Some(a) = s.announced {
            raised = raised.min(a);
        }
        s.rate = Some(raised.max(rate.min(raised)));
    }

    /// The current rate limit, if any (for metrics and tests).
    pub fn current_rate(&self) -> Option<f64> {
        self.lock().rate
    }

    fn lock(&self) -> parking_lot::MutexGuard<'_, State> {
        self.state.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(rps: Option<f64>, burst: u32, adaptive: bool) -> Arc<Limiter> {
        Arc::new(Limiter::new(&RateLimitConfig {
            requests_per_second: rps,
            burst,
            max_in_flight: None,
            adaptive,
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn paces_at_the_configured_rate() {
        let l = limiter(Some(10.0), 1, false);
        let start = Instant::now();
        for _ in 0..21 {
            l.acquire().await;
        }
        // The first is immediate, then one every 100 ms.
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn burst_goes_at_once_then_paces() {
        let l = limiter(Some(10.0), 5, false);
        let start = Instant::now();
        for _ in 0..5 {
            l.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        l.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_the_rate() {
        let l = limiter(Some(50.0), 1, false);
        let start = Instant::now();
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move {
                    l.acquire().await;
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        // 100 requests at 50/s: the last starts at 99 × 20 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(1980));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_pauses_everyone() {
        let l = limiter(None, 1, false);
        l.on_throttle(Some(Duration::from_secs(3)));
        let start = Instant::now();
        l.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_pause_does_not_overflow() {
        let l = limiter(None, 1, false);
        l.pause(Duration::MAX);
        l.on_throttle(Some(Duration::MAX));
        let waiting = tokio::time::timeout(Duration::from_secs(60), l.acquire()).await;
        assert!(waiting.is_err(), "still paused, and nothing panicked");
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_queued_before_a_throttle_take_new_slots_at_the_new_pace() {
        let l = limiter(Some(100.0), 1, true);
        // 50 requests queue up at 100/s (slots up to 490 ms ahead).
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move {
                    l.acquire().await;
                    Instant::now()
                })
            })
            .collect();
        tokio::task::yield_now().await;
        // The API throttles: nothing was delivered yet, so the rate halves.
        l.on_throttle(Some(Duration::from_secs(1)));
        let mut starts = Vec::new();
        for t in tasks {
            starts.push(t.await.unwrap());
        }
        starts.sort();
        let after_pause: Vec<_> = starts
            .iter()
            .filter(|t| **t >= starts[0] + Duration::from_millis(900))
            .collect();
        assert!(
            after_pause.len() >= 45,
            "most waited for the pause: {}",
            after_pause.len()
        );
        // And they go at 50/s, not all at once.
        let span = **after_pause.last().unwrap() - **after_pause.first().unwrap();
        assert!(
            span >= Duration::from_millis(20 * (after_pause.len() as u64 - 2)),
            "{span:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn adaptive_lowers_to_what_was_delivered_and_recovers_to_the_ceiling() {
        let l = limiter(Some(40.0), 1, true);
        for _ in 0..40 {
            let p = l.acquire().await;
            drop(p);
            l.on_success();
        }
        l.on_throttle(None);
        let lowered = l.current_rate().unwrap();
        assert!(lowered < 40.0, "{lowered}");
        for _ in 0..120 {
            tokio::time::advance(Duration::from_secs(1)).await;
            for _ in 0..40 {
                drop(l.acquire().await);
                l.on_success();
            }
        }
        assert_eq!(
            l.current_rate(),
            Some(40.0),
            "recovers, but never above the configured rate"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_429s_is_one_decrease() {
        let l = limiter(Some(40.0), 40, true);
        for _ in 0..40 {
            drop(l.acquire().await);
        }
        for _ in 0..10 {
            l.on_throttle(None);
        }
        let once = l.current_rate().unwrap();
        assert!(
            once >= 15.0,
            "ten signals from one burst lower it once: {once}"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        for _ in 0..20 {
            drop(l.acquire().await);
        }
        l.on_throttle(None);
        assert!(
            l.current_rate().unwrap() < once,
            "a later signal lowers it again"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn adaptive_without_a_rate_starts_unlimited_in_rate_with_a_small_window() {
        let l = limiter(None, 1, true);
        let start = Instant::now();
        let held: Vec<_> = futures_now(&l, INITIAL_WINDOW as usize).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        // The window is full: the next waits for a success.
        let l2 = l.clone();
        let next = tokio::spawn(async move { l2.acquire().await.waited });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!next.is_finished());
        drop(held);
        l.on_success();
        assert!(next.await.unwrap() >= Duration::from_millis(10));
    }

    async fn futures_now(l: &Limiter, n: usize) -> Vec<Permit<'_>> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(l.acquire().await);
        }
        out
    }

    #[tokio::test(start_paused = true)]
    async fn an_announced_pace_caps_the_rate() {
        let l = limiter(None, 1, true);
        l.on_pace(Duration::from_millis(40));
        assert_eq!(l.current_rate(), Some(25.0));
        let fixed = limiter(Some(10.0), 1, true);
        fixed.on_pace(Duration::from_millis(40));
        assert_eq!(
            fixed.current_rate(),
            Some(10.0),
            "the configured rate still wins"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn max_in_flight_caps_concurrency() {
        let l = Arc::new(Limiter::new(&RateLimitConfig {
            requests_per_second: None,
            burst: 1,
            max_in_flight: Some(2),
            adaptive: false,
        }));
        let a = l.acquire().await;
        let _b = l.acquire().await;
        let l2 = l.clone();
        let third = tokio::spawn(async move { l2.acquire().await.waited });
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(a);
        assert_eq!(third.await.unwrap(), Duration::from_secs(5));
    }
}
