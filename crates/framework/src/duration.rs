//! Duration strings as Terraform users write them (Go syntax): "30s",
//! "1m30s", "500ms", "1.5h".

use std::time::Duration;

/// Parses a Go-style duration. Negative durations are refused: every
/// duration this provider takes is a wait or a limit.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let hint = "use a number with a unit, such as \"500ms\", \"30s\", \"5m\" or \"1h30m\"";
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(format!("an empty string is not a duration; {hint}"));
    }
    if s.starts_with('-') {
        return Err(format!(
            "{s:?} is negative; durations here must be zero or more"
        ));
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        let value: f64 = num
            .parse()
            .map_err(|_| format!("{s:?} is not a duration; {hint}"))?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let nanos_per = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("{s:?} has a number without a unit; {hint}")),
            other => return Err(format!("{s:?} has an unknown unit {other:?}; {hint}")),
        };
        total += value * nanos_per;
        rest = after;
    }
    // A century is beyond any sensible timeout and safely inside u64 nanos.
    if total > 100.0 * 365.0 * 86400e9 {
        return Err(format!("{s:?} is too long"));
    }
    Ok(Duration::from_nanos(total.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_syntax() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(parse_duration("30").unwrap_err().contains("without a unit"));
        assert!(
            parse_duration("5 minutes")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("-1s").unwrap_err().contains("negative"));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("1..5s").is_err());
        assert!(
            parse_duration("99999999999h")
                .unwrap_err()
                .contains("too long")
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_a_duration_or_an_explanation(s in "\\PC{0,24}") {
            match parse_duration(&s) {
                Ok(d) => proptest::prop_assert!(d <= std::time::Duration::from_secs(100 * 365 * 86400)),
                Err(e) => proptest::prop_assert!(!e.is_empty()),
            }
        }

        #[test]
        fn go_style_durations_parse(h in 0u64..1000, m in 0u64..60, ms in 0u64..1000) {
            let d = parse_duration(&format!("{h}h{m}m{ms}ms")).unwrap();
            proptest::prop_assert_eq!(d, std::time::Duration::from_millis(((h * 60 + m) * 60) * 1000 + ms));
        }
    }
}
