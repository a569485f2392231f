//! When a lease or token expires, from what an API says: seconds from now
//! (`expires_in`, a number or digits), a Unix time, an RFC 3339 time
//! (`expires_at`), or an HTTP date (`Expires`). Bounded: nothing further
//! than a year away, nothing before now.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The furthest expiry believed.
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);
/// Numbers at least this large are Unix times, not durations (2001-09-09).
const UNIX_TIME_FLOOR: f64 = 1e9;

/// The expiry a JSON value or header text names, if any.
pub(super) fn parse(text: &str, now: SystemTime) -> Option<SystemTime> {
    let t = text.trim();
    if let Ok(n) = t.parse::<f64>() {
        return from_number(n, now);
    }
    rfc3339(t)
        .or_else(|| httpdate::parse_http_date(t).ok())
        .map(|when| bounded(when, now))
}

/// A JSON number: seconds from now, or a Unix time when large.
pub(super) fn from_number(n: f64, now: SystemTime) -> Option<SystemTime> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    if n >= UNIX_TIME_FLOOR {
        let at = Duration::try_from_secs_f64(n).ok()?;
        return Some(bounded(UNIX_EPOCH.checked_add(at)?, now));
    }
    let d = Duration::try_from_secs_f64(n).ok()?.min(MAX_LIFETIME);
    now.checked_add(d)
}

fn bounded(when: SystemTime, now: SystemTime) -> SystemTime {
    when.max(now)
        .min(now.checked_add(MAX_LIFETIME).unwrap_or(now))
}

/// `2026-12-01T12:00:00Z`, with optional fractional seconds and a `Z` or
/// `±hh:mm` offset.
fn rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let kept = frac.get(..n.min(9))?;
        nanos = kept.parse::<u32>().ok()? * 10u32.pow(9 - u32::try_from(kept.len()).ok()?);
        rest = frac.get(n..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            let (h, m) = (digits_in(rest, 1)?, digits_in(rest, 4)?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let secs =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

fn digits_in(s: &str, from: usize) -> Option<i64> {
    let part = s.get(from..from + 2)?;
    part.bytes()
        .all(|c| c.is_ascii_digit())
        .then(|| part.parse().ok())?
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm); inputs are bounded by the parser (years 0 to 9999).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An RFC 3339 UTC time, for `expires_at`.
pub(super) fn format(t: SystemTime) -> String {
    humantime::format_rfc3339_micros(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn every_spelling_of_an_expiry() {
        let now = at(1_764_590_400); // 2025-12-01T12:00:00Z
        assert_eq!(parse("3600", now), Some(at(1_764_594_000)));
        assert_eq!(
            from_number(90.5, now),
            now.checked_add(Duration::from_secs_f64(90.5))
        );
        assert_eq!(parse("1764594000", now), Some(at(1_764_594_000)));
        assert_eq!(parse("2025-12-01T13:00:00Z", now), Some(at(1_764_594_000)));
        assert_eq!(
            parse("2025-12-01T14:00:00+01:00", now),
            Some(at(1_764_594_000))
        );
        assert_eq!(
            parse("2025-12-01T13:00:00.250Z", now),
            Some(at(1_764_594_000) + Duration::from_millis(250))
        );
        assert_eq!(
            parse("Mon, 01 Dec 2025 13:00:00 GMT", now),
            Some(at(1_764_594_000))
        );
        // Past times are now; far futures are a year away at most.
        assert_eq!(parse("2001-01-01T00:00:00Z", now), Some(now));
        assert_eq!(parse("9999-01-01T00:00:00Z", now), Some(now + MAX_LIFETIME));
        for bad in [
            "",
            "soon",
            "-5",
            "NaN",
            "2025-13-01T00:00:00Z",
            "2025-12-01T25:00:00Z",
            "2025-12-01T13:00:00",
        ] {
            assert_eq!(parse(bad, now), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_answered_within_bounds(text in ".{0,40}") {
            let now = at(1_764_590_400);
            if let Some(t) = parse(&text, now) {
                proptest::prop_assert!(t >= now && t <= now + MAX_LIFETIME);
            }
        }

        #[test]
        fn formatted_times_parse_back(secs in 0u64..4_000_000_000) {
            let t = at(secs);
            let text = format(t);
            proptest::prop_assert_eq!(rfc3339(&text), Some(t));
        }
    }
}
