//! Terraform numbers: arbitrary-precision decimals kept in a canonical form,
//! so that `1`, `1.0` and `10e-1` are one value and never show up as drift.

use std::fmt;
use std::str::FromStr;

/// An exact decimal number, or an infinity (cty allows both signs of it).
///
/// Finite values are `digits × 10^exponent` with no leading or trailing zeros
/// in `digits`; zero has empty digits and is never negative. Deriving
/// equality is therefore numeric equality.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Finite {
        negative: bool,
        digits: String,
        exponent: i64,
    },
    Infinity {
        negative: bool,
    },
}

/// Text that is not a decimal number.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a number")]
pub struct InvalidNumber(pub String);

impl Number {
    fn finite(negative: bool, digits: &str, exponent: i64) -> Number {
        let trimmed = digits.trim_start_matches('0');
        let kept = trimmed.trim_end_matches('0');
        // Callers keep exponents far from the ends of i64.
        let exponent = exponent.saturating_add((trimmed.len() - kept.len()) as i64);
        if kept.is_empty() {
            return Number(Repr::Finite {
                negative: false,
                digits: String::new(),
                exponent: 0,
            });
        }
        Number(Repr::Finite {
            negative,
            digits: kept.to_owned(),
            exponent,
        })
    }

    /// Positive or negative infinity.
    pub fn infinity(negative: bool) -> Number {
        Number(Repr::Infinity { negative })
    }

    /// The exact value of a float (every finite float is a decimal with
    /// finitely many digits); `None` for NaN, which Terraform has no
    /// spelling for. Exact, not the shortest text that reads back as the
    /// float: `1e23` is not a float, and the float nearest to it is
    /// 99999999999999991611392.
    pub fn from_f64(f: f64) -> Option<Number> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(Number::infinity(f < 0.0));
        }
        let bits = f.to_bits();
        let negative = bits >> 63 == 1;
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1u64 << 52) - 1);
        // f = mantissa × 2^exp2
        let (mut mantissa, mut exp2) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), biased - 1075)
        };
        if mantissa == 0 {
            return Some(Number::finite(false, "", 0));
        }
        let zeros = mantissa.trailing_zeros();
        mantissa >>= zeros;
        exp2 += i64::from(zeros);
        let mut digits = BigDecimal::from(mantissa);
        let exponent = if exp2 >= 0 {
            for _ in 0..exp2 {
                digits.mul_small(2);
            }
            0
        } else {
            // m / 2^k = m × 5^k / 10^k
            for _ in 0..-exp2 {
                digits.mul_small(5);
            }
            exp2
        };
        Some(Number::finite(negative, &digits.to_string(), exponent))
    }

    /// The value as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.integer_text()?.parse().ok()
    }

    /// The value as a `u64`, if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.integer_text()?.parse().ok()
    }

    /// The nearest float (correctly rounded).
    pub fn to_f64(&self) -> f64 {
        match &self.0 {
            Repr::Infinity { negative: true } => f64::NEG_INFINITY,
            Repr::Infinity { negative: false } => f64::INFINITY,
            Repr::Finite { .. } => self.to_string().parse().unwrap_or(f64::NAN),
        }
    }

    /// The float, only when it represents this number exactly.
    pub fn as_exact_f64(&self) -> Option<f64> {
        let f = self.to_f64();
        (Number::from_f64(f).as_ref() == Some(self)).then_some(f)
    }

    /// Whether this is a whole number.
    pub fn is_integer(&self) -> bool {
        matches!(&self.0, Repr::Finite { exponent, .. } if *exponent >= 0)
    }

    fn integer_text(&self) -> Option<String> {
        match &self.0 {
            Repr::Finite {
                negative,
                digits,
                exponent,
            } if *exponent >= 0 => {
                // Longer than any u64/i64: parse would fail anyway, and this
                // keeps a huge exponent from allocating a huge string.
                if digits.len() as i64 + exponent > 20 {
                    return None;
                }
                let sign = if *negative { "-" } else { "" };
                let zeros = "0".repeat(*exponent as usize);
                Some(format!(
                    "{sign}{}{zeros}",
                    if digits.is_empty() { "0" } else { digits }
                ))
            }
            _ => None,
        }
    }
}

/// A non-negative integer in base 10^9 limbs, least significant first:
/// just enough arithmetic to write a float's exact value.
struct BigDecimal(Vec<u32>);

impl BigDecimal {
    const BASE: u64 = 1_000_000_000;

    fn from(mut n: u64) -> BigDecimal {
        let mut limbs = Vec::new();
        while n > 0 {
            limbs.push((n % Self::BASE) as u32);
            n /= Self::BASE;
        }
        BigDecimal(limbs)
    }

    fn mul_small(&mut self, by: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(by) + carry;
            *limb = (v % Self::BASE) as u32;
            carry = v / Self::BASE;
        }
        while carry > 0 {
            self.0.push((carry % Self::BASE) as u32);
            carry /= Self::BASE;
        }
    }
}

impl fmt::Display for BigDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut limbs = self.0.iter().rev();
        match limbs.next() {
            None => f.write_str("0"),
            Some(top) => {
                write!(f, "{top}")?;
                limbs.try_for_each(|l| write!(f, "{l:09}"))
            }
        }
    }
}

/// Exponents beyond this are refused: no API means them, and they would
/// make arithmetic on them unbounded.
const MAX_EXPONENT: i64 = 100_000;

impl FromStr for Number {
    type Err = InvalidNumber;

    /// Reads JSON-style decimal text (`-12.5e3`), plus a leading `+`.
    fn from_str(s: &str) -> Result<Number, InvalidNumber> {
        let bad = || InvalidNumber(s.to_owned());
        let (negative, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp_text) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return Err(bad());
        }
        let exponent: i64 = match exp_text {
            None => 0,
            Some(t) => {
                let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
                if digits.is_empty() || !all_digits(digits) {
                    return Err(bad());
                }
                // Absurd exponents are refused rather than overflowed.
                let e: i64 = t.parse().map_err(|_| bad())?;
                if !(-MAX_EXPONENT..=MAX_EXPONENT).contains(&e) {
                    return Err(bad());
                }
                e
            }
        };
        let exponent = exponent
            .checked_sub(frac_part.len() as i64)
            .ok_or_else(bad)?;
        Ok(Number::finite(
            negative,
            &format!("{int_part}{frac_part}"),
            exponent,
        ))
    }
}

impl fmt::Display for Number {
    /// Canonical text: plain decimal for ordinary magnitudes, scientific
    /// notation (valid JSON) for very large or very small ones.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (negative, digits, exponent) = match &self.0 {
            Repr::Infinity { negative } => {
                return f.write_str(if *negative { "-Infinity" } else { "Infinity" });
            }
            Repr::Finite { digits, .. } if digits.is_empty() => return f.write_str("0"),
            Repr::Finite {
                negative,
                digits,
                exponent,
            } => (*negative, digits, *exponent),
        };
        if negative {
            f.write_str("-")?;
        }
        let len = digits.len() as i64;
        let point = len + exponent; // position of the decimal point
        if exponent >= 0 && point <= 21 {
            write!(f, "{digits}{}", "0".repeat(exponent as usize))
        } else if exponent < 0 && point > 0 {
            let (i, frac) = digits.split_at(point as usize);
            write!(f, "{i}.{frac}")
        } else if exponent < 0 && point > -6 {
            write!(f, "0.{}{digits}", "0".repeat((-point) as usize))
        } else {
            let (first, rest) = digits.split_at(1);
            let sci = point - 1;
            if rest.is_empty() {
                write!(f, "{first}e{sci:+}")
            } else {
                write!(f, "{first}.{rest}e{sci:+}")
            }
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        Number::finite(i < 0, &i.unsigned_abs().to_string(), 0)
    }
}

impl From<u64> for Number {
    fn from(i: u64) -> Number {
        Number::finite(false, &i.to_string(), 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> Number {
        s.parse().unwrap()
    }

    #[test]
    fn equal_values_are_equal_whatever_the_spelling() {
        assert_eq!(n("1"), n("1.0"));
        assert_eq!(n("1"), n("10e-1"));
        assert_eq!(n("0"), n("-0.000"));
        assert_eq!(n("1500"), n("1.5e3"));
        assert_ne!(n("1"), n("1.0000000000000000000000001"));
    }

    #[test]
    fn canonical_text() {
        assert_eq!(n("1.50").to_string(), "1.5");
        assert_eq!(n("-0.001").to_string(), "-0.001");
        assert_eq!(n("1e20").to_string(), "100000000000000000000");
        assert_eq!(n("1e21").to_string(), "1e+21");
        assert_eq!(n("1.25e-9").to_string(), "1.25e-9");
        assert_eq!(
            n("123456789012345678901234567890.5").to_string(),
            "123456789012345678901234567890.5"
        );
    }

    #[test]
    fn integer_views() {
        assert_eq!(n("12e2").as_i64(), Some(1200));
        assert_eq!(n("1.5").as_i64(), None);
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551615").as_i64(), None);
        assert_eq!(n("1e400").as_i64(), None);
    }

    #[test]
    fn exact_floats_only() {
        assert_eq!(n("0.5").as_exact_f64(), Some(0.5));
        assert_eq!(n("-2.25").as_exact_f64(), Some(-2.25));
        assert_eq!(
            n("18446744073709551616").as_exact_f64(),
            Some(2f64.powi(64))
        );
        // Decimal fractions and most large powers of ten are not floats:
        // sending them as floats would change the configured value.
        for s in [
            "0.1",
            "1e23",
            "1e30",
            "1e300",
            "1e-300",
            "1e-7",
            "18446744073709551617",
        ] {
            assert_eq!(n(s).as_exact_f64(), None, "{s}");
        }
    }

    #[test]
    fn floats_convert_to_their_exact_value() {
        assert_eq!(
            Number::from_f64(1e23).unwrap().to_string(),
            "9.9999999999999991611392e+22"
        );
        assert_eq!(Number::from_f64(0.5).unwrap(), n("0.5"));
        assert_eq!(Number::from_f64(-0.0).unwrap(), n("0"));
        assert_eq!(
            Number::from_f64(f64::MIN_POSITIVE / 4.0)
                .unwrap()
                .as_exact_f64(),
            Some(f64::MIN_POSITIVE / 4.0),
            "subnormals too"
        );
        assert_eq!(
            Number::from_f64(f64::MAX).unwrap().as_exact_f64(),
            Some(f64::MAX)
        );
    }

    #[test]
    fn absurd_exponents_are_refused_not_overflowed() {
        assert!("1e999999999999999999".parse::<Number>().is_err());
        assert!("1e100001".parse::<Number>().is_err());
        assert!("1000e100000".parse::<Number>().is_ok());
    }

    #[test]
    fn garbage_is_rejected() {
        for s in [
            "",
            "-",
            ".",
            "1e",
            "e5",
            "1.2.3",
            "0x10",
            "1_000",
            " 1",
            "NaN",
            "1e99999999999999999999",
        ] {
            assert!(s.parse::<Number>().is_err(), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn text_round_trips(neg: bool, int in "[0-9]{1,30}", frac in "[0-9]{0,30}", exp in -400i64..400) {
            let s = format!("{}{int}.{frac}e{exp}", if neg { "-" } else { "" });
            let a = n(&s);
            prop_assert_eq!(n(&a.to_string()), a);
        }

        #[test]
        fn floats_round_trip(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
            let a = Number::from_f64(f).unwrap();
            prop_assert_eq!(a.to_f64(), f);
            prop_assert_eq!(a.as_exact_f64(), Some(f));
        }

        #[test]
        fn integers_round_trip(i: i64) {
            prop_assert_eq!(Number::from(i).as_i64(), Some(i));
        }
    }
}
