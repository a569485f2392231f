//! Reading what a server says in its headers and error bodies, bounded:
//! `Retry-After`, `RateLimit-*`/`X-RateLimit-*`, and the API's own message.
//! A server may send anything; every value here is checked and capped
//! before anyone waits on it.

use std::time::{Duration, SystemTime};

/// The longest wait a server can ask for, whatever it sends. The engine
/// caps further (`max_retry_after`); this only keeps values finite.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(24 * 3600);

/// The longest `RateLimit-Reset` pause honoured.
const MAX_QUOTA_PAUSE: Duration = Duration::from_secs(3600);

/// `Retry-After` as seconds or an HTTP-date (RFC 9110 §10.2.3), capped at
/// [`MAX_SERVER_WAIT`]; `None` when it is neither.
pub fn parse_retry_after(v: &str, now: SystemTime) -> Option<Duration> {
    let v = v.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Digits only: seconds. Too many digits for u64 is still "long".
        let secs = v.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_SERVER_WAIT));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_SERVER_WAIT),
    )
}

/// A header's value as a finite, non-negative number.
fn number(h: &reqwest::header::HeaderMap, names: [&str; 2]) -> Option<f64> {
    names.iter().find_map(|n| {
        let text = h.get(*n)?.to_str().ok()?.trim();
        // The IETF draft allows parameters after the number.
        let first = text.split([';', ',']).next()?.trim();
        first
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
    })
}

/// When `RateLimit-Remaining` (or `X-RateLimit-Remaining`) is 0: the time
/// until `RateLimit-Reset` (delta seconds; `X-RateLimit-Reset` may be a
/// Unix time), capped.
pub fn quota_spent(h: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    let remaining = number(h, ["ratelimit-remaining", "x-ratelimit-remaining"])?;
    if remaining >= 1.0 {
        return None;
    }
    let reset = number(h, ["ratelimit-reset", "x-ratelimit-reset"]).unwrap_or(1.0);
    // Values this large are Unix times, not deltas.
    let secs = if reset > 1e9 {
        let now = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        (reset - now).max(0.0)
    } else {
        reset
    };
    let capped = secs.min(MAX_QUOTA_PAUSE.as_secs_f64());
    Some(Duration::try_from_secs_f64(capped).unwrap_or(MAX_QUOTA_PAUSE))
}

/// The pace a server announces, as the interval between requests: its
/// limit per window (`RateLimit-Limit` with `RateLimit-Policy: L;w=W`, or
/// the `RateLimit-Reset` window), once half of the quota is used. A server
/// with quota to spare is not slowed down for it.
pub fn announced_pace(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let limit = number(h, ["ratelimit-limit", "x-ratelimit-limit"]).filter(|l| *l >= 1.0)?;
    let remaining = number(h, ["ratelimit-remaining", "x-ratelimit-remaining"])?;
    if remaining > limit / 2.0 {
        return None;
    }
    let window = h
        .get("ratelimit-policy")
        .and_then(|v| v.to_str().ok())
        .and_then(|p| {
            p.split(';').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                (k.trim() == "w")
                    .then(|| v.trim().parse::<f64>().ok())
                    .flatten()
            })
        })
        .or_else(|| number(h, ["ratelimit-reset", "x-ratelimit-reset"]))
        // A reset far away (or a Unix time) says nothing about a window.
        .filter(|w| *w > 0.0 && *w <= 3600.0)?;
    let interval = (window / limit).clamp(0.001, 3600.0);
    Duration::try_from_secs_f64(interval).ok()
}

/// The longest message taken from an error body.
const MAX_MESSAGE: usize = 300;

/// The API's own explanation from an error body: a JSON `message`,
/// `error`, `detail` or `title`, else the text, shortened.
pub fn error_message(body: &[u8]) -> String {
    if let Ok(j) = serde_json::from_slice::<serde_json::Value>(body) {
        let pick = |o: &serde_json::Value| {
            ["message", "error", "detail", "title", "error_description"]
                .iter()
                .find_map(|k| o.get(k).and_then(|v| v.as_str().map(str::to_owned)))
        };
        if let Some(m) = pick(&j).or_else(|| j.get("error").and_then(pick)) {
            return shorten(&m, MAX_MESSAGE);
        }
    }
    shorten(String::from_utf8_lossy(body).trim(), MAX_MESSAGE)
}

/// At most `max` characters, control characters shown as spaces.
pub fn shorten(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn retry_after_in_both_forms() {
        let now = at(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = now + Duration::from_secs(120);
        assert_eq!(
            parse_retry_after(&httpdate::fmt_http_date(later), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn huge_waits_are_capped() {
        let now = at(1_700_000_000);
        assert_eq!(
            parse_retry_after("18446744073709551615", now),
            Some(MAX_SERVER_WAIT)
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999999", now),
            Some(MAX_SERVER_WAIT)
        );
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now),
            Some(MAX_SERVER_WAIT)
        );
    }

    #[test]
    fn spent_quota_becomes_a_bounded_pause() {
        let now = at(1_700_000_000);
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("ratelimit-remaining", "3".parse().unwrap());
        assert_eq!(quota_spent(&h, now), None);
        h.insert("ratelimit-remaining", "0".parse().unwrap());
        h.insert("ratelimit-reset", "2".parse().unwrap());
        assert_eq!(quota_spent(&h, now), Some(Duration::from_secs(2)));
        h.insert("ratelimit-reset", "1e300".parse().unwrap());
        assert_eq!(quota_spent(&h, now), Some(MAX_QUOTA_PAUSE));
        h.insert("ratelimit-reset", "NaN".parse().unwrap());
        assert_eq!(quota_spent(&h, now), Some(Duration::from_secs(1)));
        let mut x = reqwest::header::HeaderMap::new();
        x.insert("x-ratelimit-remaining", "0".parse().unwrap());
        x.insert("x-ratelimit-reset", "1700000005".parse().unwrap());
        assert_eq!(quota_spent(&x, now), Some(Duration::from_secs(5)));
    }

    #[test]
    fn an_announced_limit_becomes_a_pace_once_half_is_used() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("ratelimit-limit", "25".parse().unwrap());
        h.insert("ratelimit-remaining", "20".parse().unwrap());
        h.insert("ratelimit-reset", "1".parse().unwrap());
        assert_eq!(announced_pace(&h), None, "plenty left");
        h.insert("ratelimit-remaining", "3".parse().unwrap());
        assert_eq!(announced_pace(&h), Some(Duration::from_millis(40)));
        h.insert("ratelimit-policy", "100;w=60".parse().unwrap());
        h.insert("ratelimit-limit", "100".parse().unwrap());
        assert_eq!(announced_pace(&h), Some(Duration::from_millis(600)));
        let mut x = reqwest::header::HeaderMap::new();
        x.insert("x-ratelimit-limit", "5000".parse().unwrap());
        x.insert("x-ratelimit-remaining", "10".parse().unwrap());
        x.insert("x-ratelimit-reset", "1700000000".parse().unwrap());
        assert_eq!(announced_pace(&x), None, "a Unix reset time is no window");
    }

    #[test]
    fn api_messages_are_extracted() {
        assert_eq!(
            error_message(br#"{"message":"name is taken"}"#),
            "name is taken"
        );
        assert_eq!(error_message(br#"{"error":{"message":"quota"}}"#), "quota");
        assert_eq!(error_message(b"plain failure\n"), "plain failure");
        assert!(error_message(&[b'x'; 1000]).ends_with('…'));
        assert_eq!(error_message(b"a\x00b\nc"), "a b c");
    }

    proptest! {
        #[test]
        fn any_retry_after_is_bounded_and_never_panics(v in "\\PC{0,40}") {
            if let Some(d) = parse_retry_after(&v, SystemTime::now()) {
                prop_assert!(d <= MAX_SERVER_WAIT);
            }
        }

        #[test]
        fn any_rate_limit_headers_are_bounded(remaining in "\\PC{0,20}", reset in "\\PC{0,20}") {
            let mut h = reqwest::header::HeaderMap::new();
            if let (Ok(a), Ok(b)) = (remaining.parse(), reset.parse()) {
                h.insert("ratelimit-remaining", a);
                h.insert("x-ratelimit-reset", b);
            }
            if let Some(d) = quota_spent(&h, SystemTime::now()) {
                prop_assert!(d <= MAX_QUOTA_PAUSE);
            }
        }

        #[test]
        fn messages_are_short(body in proptest::collection::vec(any::<u8>(), 0..2000)) {
            prop_assert!(error_message(&body).chars().count() <= MAX_MESSAGE + 1);
        }
    }
}
