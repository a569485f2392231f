//! Client-side rate limiting shared by every request of a provider
//! instance: a token bucket on tokio's clock (so tests run on paused time),
//! a concurrency cap, and an adaptive controller that slows down when the
//! API says so (429s, `RateLimit-*` headers) and recovers gradually.
//!
//! The bucket reserves: each caller takes the next free slot, even into the
//! future, and sleeps until it. Pacing is exact and first come, first served.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// What the limiter enforces.
#[derive(Clone, Debug, Default, PartialEq)]
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

/// Slowest the adaptive controller goes.
const MIN_ADAPTIVE_RATE: f64 = 0.5;
/// Multiplicative decrease after a throttle signal.
const DECREASE: f64 = 0.5;
/// Multiplicative increase per quiet second.
const INCREASE: f64 = 1.2;
/// Throttle signals closer together than this are one congestion event:
/// the requests already in flight when the first 429 came all see one too,
/// and halving for each would collapse the rate.
const DECREASE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct State {
    /// Current rate; `None` = unlimited.
    rate: Option<f64>,
    /// The configured ceiling for adaptive recovery.
    ceiling: Option<f64>,
    burst: f64,
    /// Tokens available at `last` (negative = reserved into the future).
    tokens: f64,
    last: Instant,
    /// No request starts before this (server asked us to wait).
    paused_until: Option<Instant>,
    /// Last time the adaptive rate changed.
    last_adjust: Instant,
    /// Last time the adaptive rate was lowered.
    last_decrease: Option<Instant>,
    /// Start times of recent requests, for the observed rate.
    recent: VecDeque<Instant>,
}

/// The limiter.
#[derive(Debug)]
pub struct Limiter {
    state: Mutex<State>,
    adaptive: bool,
    in_flight: Option<std::sync::Arc<Semaphore>>,
}

/// Held while a request is in flight.
#[derive(Debug)]
pub struct Permit {
    _slot: Option<OwnedSemaphorePermit>,
    /// How long this request waited for the limiter.
    pub waited: Duration,
}

impl Limiter {
    /// A limiter for `config`.
    pub fn new(config: &RateLimitConfig) -> Self {
        let now = Instant::now();
        let burst = f64::from(config.burst.max(1));
        Limiter {
            state: Mutex::new(State {
                rate: config.requests_per_second,
                ceiling: config.requests_per_second,
                burst,
                tokens: burst,
                last: now,
                paused_until: None,
                last_adjust: now,
                last_decrease: None,
                recent: VecDeque::new(),
            }),
            adaptive: config.adaptive,
            in_flight: config
                .max_in_flight
                .map(|n| std::sync::Arc::new(Semaphore::new(n as usize))),
        }
    }

    /// Waits for a turn: the server's pause, a token, then a concurrency
    /// slot. Cancel-safe: dropping the future gives up the turn (a reserved
    /// token is not returned, which only makes the limiter more careful).
    pub async fn acquire(&self) -> Permit {
        let start = Instant::now();
        // Only a slot in the future is slept for: awaiting a timer for
        // "now" still waits for the timer wheel's next tick (1 ms).
        if let Some(t) = self.reserve()
            && t > Instant::now()
        {
            tokio::time::sleep_until(t).await;
        }
        // A throttle signal may have arrived while we slept; the pause
        // applies to requests not yet sent.
        loop {
            // Copied out, so the lock is not held across the sleep.
            let paused = self.lock().paused_until;
            match paused {
                Some(p) if p > Instant::now() => tokio::time::sleep_until(p).await,
                _ => break,
            }
        }
        // The semaphore is never closed, so acquiring cannot fail; if it
        // ever did, the request would go without a slot rather than fail.
        let slot = match &self.in_flight {
            Some(sem) => sem.clone().acquire_owned().await.ok(),
            None => None,
        };
        Permit {
            _slot: slot,
            waited: start.elapsed(),
        }
    }

    /// Takes the next slot; returns when it starts (`None`: now).
    fn reserve(&self) -> Option<Instant> {
        let mut s = self.lock();
        let now = Instant::now();
        s.recent.push_back(now);
        while s
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            s.recent.pop_front();
        }
        let not_before = s.paused_until.filter(|p| *p > now).unwrap_or(now);
        let Some(rate) = s.rate else {
            return Some(not_before);
        };
        // Refill up to the burst, then take one token.
        let elapsed = now.duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * rate).min(s.burst);
        s.last = now;
        s.tokens -= 1.0;
        let slot = if s.tokens >= 0.0 {
            now
        } else {
            now + Duration::from_secs_f64(-s.tokens / rate)
        };
        Some(slot.max(not_before))
    }

    /// The server throttled us (a 429, or `RateLimit-Remaining: 0`): wait
    /// `retry_after` before any request, and, if adaptive, halve the rate.
    pub fn on_throttle(&self, retry_after: Option<Duration>) {
        if let Some(d) = retry_after {
            self.pause(d);
        }
        if !self.adaptive {
            return;
        }
        let mut s = self.lock();
        let now = Instant::now();
        if s.last_decrease
            .is_some_and(|t| now.duration_since(t) < DECREASE_EVERY)
        {
            return;
        }
        s.last_decrease = Some(now);
        // Halve what we were actually sending (or the current limit, if lower).
        let observed = s.recent.len().max(1) as f64;
        let base = s.rate.map_or(observed, |r| r.min(observed));
        let new_rate = (base * DECREASE).max(MIN_ADAPTIVE_RATE);
        if s.rate.is_none() {
            s.tokens = 0.0;
            s.burst = 1.0;
        }
        s.rate = Some(new_rate);
        s.last = now;
        s.last_adjust = now;
        tracing::debug!(
            rate = new_rate,
            "adaptive rate limit lowered after a throttle signal"
        );
    }

    /// Holds off every request for `d` (the server's remaining quota is
    /// spent) without lowering the rate.
    pub fn pause(&self, d: Duration) {
        let mut s = self.lock();
        let until = Instant::now() + d;
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
    }

    /// The server's quota is spent (`RateLimit-Remaining: 0`): if adaptive,
    /// hold off until it resets instead of running into 429s.
    pub fn on_quota_spent(&self, reset: Duration) {
        if self.adaptive {
            self.pause(reset);
        }
    }

    /// A request went through unthrottled: if adaptive, recover gradually.
    pub fn on_success(&self) {
        if !self.adaptive {
            return;
        }
        let mut s = self.lock();
        let now = Instant::now();
        if now.duration_since(s.last_adjust) < Duration::from_secs(1) {
            return;
        }
        if let Some(rate) = s.rate {
            let raised = rate * INCREASE;
            s.rate = Some(s.ceiling.map_or(raised, |c| raised.min(c)));
            s.last_adjust = now;
        }
    }

    /// The current rate limit, if any (for metrics and tests).
    pub fn current_rate(&self) -> Option<f64> {
        self.lock().rate
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        crate::sync::lock(&self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

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
    async fn adaptive_halves_after_a_throttle_and_recovers_to_the_ceiling() {
        let l = limiter(Some(40.0), 1, true);
        l.on_throttle(None);
        let lowered = l.current_rate().unwrap();
        assert!(lowered <= 20.0, "{lowered}");
        for _ in 0..60 {
            tokio::time::advance(Duration::from_secs(1)).await;
            l.on_success();
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
            l.acquire().await;
        }
        for _ in 0..10 {
            l.on_throttle(None);
        }
        assert_eq!(
            l.current_rate(),
            Some(20.0),
            "ten signals from one burst halve once"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        for _ in 0..20 {
            l.acquire().await;
        }
        l.on_throttle(None);
        assert_eq!(
            l.current_rate(),
            Some(10.0),
            "a later signal lowers it again"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn adaptive_without_a_rate_starts_unlimited() {
        let l = limiter(None, 1, true);
        let start = Instant::now();
        for _ in 0..100 {
            l.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        l.on_throttle(None);
        // 100 requests were seen in the last second: now 50/s.
        assert_eq!(l.current_rate(), Some(50.0));
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
