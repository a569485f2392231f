//! What the common Rust types hold as attributes.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Choice, Setting, not_a_choice};
use crate::pointer::Pointer;
use crate::{AttributePath, Diagnostics, Number, Type, Value, parse_duration};

/// The diagnostic for a value of the wrong type (Terraform converts
/// configuration values to the schema's types, so this is reached only by
/// values built elsewhere, such as an import id).
fn wrong_type(expected: &str, v: &Value, at: &AttributePath, d: &mut Diagnostics) {
    d.attribute_error(
        at.clone(),
        format!("Invalid {}", at.last_name().unwrap_or("value")),
        format!("Expected {expected}, got {}.", v.ty().to_hcl()),
    );
}

impl Setting for String {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        match v {
            Value::String(s) => Some(s.clone()),
            _ => {
                wrong_type("a string", v, at, d);
                None
            }
        }
    }
}

impl Setting for bool {
    fn ty() -> Type {
        Type::Bool
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(*b),
            _ => {
                wrong_type("a bool", v, at, d);
                None
            }
        }
    }
}

impl Setting for Number {
    fn ty() -> Type {
        Type::Number
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        match v {
            Value::Number(n) => Some(n.clone()),
            _ => {
                wrong_type("a number", v, at, d);
                None
            }
        }
    }
}

/// Whole numbers: a fraction, a negative or an overlarge number is a
/// diagnostic naming the range.
macro_rules! whole {
    ($($t:ty),*) => {$(
        impl Setting for $t {
            fn ty() -> Type {
                Type::Number
            }
            fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
                let n = Number::decode(v, at, d)?;
                let whole = n.as_i64().and_then(|i| <$t>::try_from(i).ok());
                if whole.is_none() {
                    d.attribute_error(
                        at.clone(),
                        format!("Invalid {}", at.last_name().unwrap_or("value")),
                        format!(
                            "{n} is not a whole number from {} to {}.",
                            <$t>::MIN,
                            <$t>::MAX
                        ),
                    );
                }
                whole
            }
        }
    )*};
}
whole!(u16, u32, u64, i64);

impl Setting for f64 {
    fn ty() -> Type {
        Type::Number
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let f = Number::decode(v, at, d)?.to_f64();
        if !f.is_finite() {
            d.attribute_error(
                at.clone(),
                format!("Invalid {}", at.last_name().unwrap_or("value")),
                "The number is too large.",
            );
            return None;
        }
        Some(f)
    }
}

/// A Terraform value as it is, unknowns included: a `dynamic` attribute
/// such as a body, which plan works with even when partly unknown.
impl Setting for Value {
    const TAKES_UNKNOWN: bool = true;
    const TAKES_NULL: bool = true;
    fn ty() -> Type {
        Type::Dynamic
    }
    fn decode(v: &Value, _: &AttributePath, _: &mut Diagnostics) -> Option<Self> {
        Some(v.clone())
    }
}

/// A duration written as `"30s"`, `"1m30s"` or `"250ms"`.
impl Setting for Duration {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        match parse_duration(&text) {
            Ok(duration) => Some(duration),
            Err(e) => {
                d.attribute_error(
                    at.clone(),
                    format!("Invalid {}", at.last_name().unwrap_or("duration")),
                    e,
                );
                None
            }
        }
    }
}

/// A JSON Pointer (RFC 6901), such as `"/data/id"`.
impl Setting for Pointer {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        match Pointer::parse(&text) {
            Ok(p) => Some(p),
            Err(e) => {
                d.attribute_error(at.clone(), "Invalid JSON Pointer", e);
                None
            }
        }
    }
}

impl<T: Setting> Setting for Vec<T> {
    fn ty() -> Type {
        Type::list(T::ty())
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let items = match v {
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => items,
            _ => {
                wrong_type("a list", v, at, d);
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item {
                // A null element is no element (Terraform keeps them in
                // lists of strings written with a null).
                Value::Null(_) => {}
                _ => match T::decode(item, &at.index(i), d) {
                    Some(t) => out.push(t),
                    None => ok = false,
                },
            }
        }
        ok.then_some(out)
    }
}

impl<T: Setting> Setting for BTreeMap<String, T> {
    fn ty() -> Type {
        Type::map(T::ty())
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let entries = match v {
            Value::Map(_, m) | Value::Object(m) => m,
            _ => {
                wrong_type("a map", v, at, d);
                return None;
            }
        };
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (k, item) in entries {
            if item.is_null() {
                continue;
            }
            match T::decode(item, &at.key(k), d) {
                Some(t) => {
                    out.insert(k.clone(), t);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

/// The words of a [`Choice`].
pub fn decode_choice<C: Choice>(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<C> {
    let word = String::decode(v, at, d)?;
    match C::choices().iter().find(|(w, _, _)| *w == word) {
        Some((_, c, _)) => Some(*c),
        None => {
            not_a_choice::<C>(&word, at, d);
            None
        }
    }
}

/// A whole number from `MIN` to `MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole<const MIN: u64, const MAX: u64>(pub u64);

impl<const MIN: u64, const MAX: u64> Setting for Whole<MIN, MAX> {
    fn ty() -> Type {
        Type::Number
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let n = Number::decode(v, at, d)?;
        match n.as_u64().filter(|u| (MIN..=MAX).contains(u)) {
            Some(u) => Some(Whole(u)),
            None => {
                let name = at.last_name().unwrap_or("the value");
                d.attribute_error(
                    at.clone(),
                    format!("Invalid {name}"),
                    format!("{name} must be a whole number from {MIN} to {MAX}; got {n}."),
                );
                None
            }
        }
    }
}

/// A JSON Pointer to a field inside a document, never the whole of it
/// (`""`), such as `"/name"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPointer(pub Pointer);

impl Setting for FieldPointer {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let p = Pointer::decode(v, at, d)?;
        if p.tokens().is_empty() {
            d.attribute_error(
                at.clone(),
                "Invalid JSON Pointer",
                "\"\" points at the whole document; name a field, as in \"/name\".",
            );
            return None;
        }
        Some(FieldPointer(p))
    }
}
