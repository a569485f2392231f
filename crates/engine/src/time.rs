//! Instants from durations that may come from a server or a user: adding a
//! huge duration saturates far in the future instead of overflowing.

use std::time::Duration;

use tokio::time::Instant;

/// As far ahead as anything is ever scheduled: longer than any run.
pub const FAR_FUTURE: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// `from + d`, saturating at [`FAR_FUTURE`] from `from`.
pub fn after(from: Instant, d: Duration) -> Instant {
    from.checked_add(d.min(FAR_FUTURE))
        .or_else(|| from.checked_add(Duration::from_secs(24 * 3600)))
        .unwrap_or(from)
}

/// `now + d`, saturating.
pub fn from_now(d: Duration) -> Instant {
    after(Instant::now(), d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn huge_durations_saturate() {
        let now = Instant::now();
        assert_eq!(after(now, Duration::MAX), now + FAR_FUTURE);
        assert_eq!(
            after(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
    }
}
