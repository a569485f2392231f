//! Decoding a block field by field: every bad value a diagnostic on its
//! attribute, every unknown one remembered, so validation (with unknowns)
//! reports all it can and apply gets a whole value or a reason.

use super::{Setting, Settings};
use crate::{AttributePath, Diagnostics, Value};

/// What decoding found.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded<T> {
    /// Every value known and valid.
    Known(T),
    /// Some value is not known yet (a plan with unknowns); nothing known
    /// was invalid.
    Unknown,
    /// Some value was invalid; the diagnostics say which.
    Invalid,
}

impl<T> Decoded<T> {
    /// The value, when wholly known and valid.
    pub fn known(self) -> Option<T> {
        match self {
            Decoded::Known(t) => Some(t),
            Decoded::Unknown | Decoded::Invalid => None,
        }
    }

    /// The value, or a diagnostic saying that something is still unknown
    /// (apply, where every value is known: it is a bug).
    pub fn for_apply(self, d: &mut Diagnostics) -> Option<T> {
        match self {
            Decoded::Known(t) => Some(t),
            Decoded::Invalid => None,
            Decoded::Unknown => {
                d.error(
                    "Configuration not known at apply",
                    "Some arguments are still unknown during apply. This is a bug in the \
                     provider; please report it.",
                );
                None
            }
        }
    }

    /// `f` of the value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Decoded<U> {
        match self {
            Decoded::Known(t) => Decoded::Known(f(t)),
            Decoded::Unknown => Decoded::Unknown,
            Decoded::Invalid => Decoded::Invalid,
        }
    }
}

/// What a value not known yet means while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknowns {
    /// The block cannot be decoded yet: [`Decoded::Unknown`].
    Pending,
    /// It is unset (null): the block decodes with what is known.
    AsUnset,
}

/// Reads the fields of one block value.
#[derive(Debug)]
pub struct Decoder<'a> {
    obj: &'a Value,
    at: &'a AttributePath,
    diags: &'a mut Diagnostics,
    unknowns: Unknowns,
    unknown: bool,
    errors_before: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder of `obj`, a block value found at `at`.
    pub fn new(
        obj: &'a Value,
        at: &'a AttributePath,
        diags: &'a mut Diagnostics,
        unknowns: Unknowns,
    ) -> Self {
        let errors_before = diags.error_count();
        let mut d = Decoder {
            obj,
            at,
            unknowns,
            unknown: false,
            diags,
            errors_before,
        };
        if obj.is_unknown() {
            d.saw_unknown();
        }
        d
    }

    /// A value was not known yet.
    fn saw_unknown(&mut self) {
        if self.unknowns == Unknowns::Pending {
            self.unknown = true;
        }
    }

    /// The field `name`: `None` when null (or unknown, or invalid, which
    /// is remembered). A required one that is null is an error.
    pub fn attribute<T: Setting>(&mut self, name: &str, required: bool) -> Option<T> {
        let at = self.at.attr(name);
        match self.obj.get(name) {
            Some(v) if !T::TAKES_UNKNOWN && !v.is_wholly_known() => {
                self.saw_unknown();
                None
            }
            Some(v @ Value::Null(_)) if T::TAKES_NULL => T::decode(v, &at, self.diags),
            None if T::TAKES_NULL => T::decode(&Value::Null(T::ty()), &at, self.diags),
            None | Some(Value::Null(_)) => {
                if required && !self.obj.is_unknown() {
                    self.diags.attribute_error(
                        at,
                        format!("Missing {name}"),
                        format!("{name} is required."),
                    );
                }
                None
            }
            Some(v) => T::decode(v, &at, self.diags),
        }
    }

    /// The field `name` with `default` (a value as the user would write it)
    /// when null. The default is decoded like any value, so its text in the
    /// docs and its meaning never disagree.
    pub fn attribute_or<T: Setting>(&mut self, name: &str, default: Value) -> Option<T> {
        let unset = match self.obj.get(name) {
            None | Some(Value::Null(_)) => !self.obj.is_unknown(),
            // Taking unknowns as unset: the default until it is known.
            Some(v) => {
                self.unknowns == Unknowns::AsUnset && !T::TAKES_UNKNOWN && !v.is_wholly_known()
            }
        };
        if unset {
            T::decode(&default, &self.at.attr(name), self.diags)
        } else {
            self.attribute(name, false)
        }
    }

    /// A single nested block: `None` when absent.
    pub fn block<S: Settings>(&mut self, name: &str) -> Option<S> {
        let at = self.at.attr(name);
        match self.obj.get(name) {
            None | Some(Value::Null(_)) => None,
            Some(v) => match S::decode_block(v, &at, self.diags, self.unknowns) {
                super::Decoded::Known(s) => Some(s),
                super::Decoded::Unknown => {
                    self.saw_unknown();
                    None
                }
                super::Decoded::Invalid => None,
            },
        }
    }

    /// A list of nested blocks.
    pub fn blocks<S: Settings>(&mut self, name: &str) -> Vec<S> {
        let at = self.at.attr(name);
        let items = match self.obj.get(name) {
            Some(Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items)) => items,
            Some(v) if v.is_unknown() => {
                self.saw_unknown();
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match S::decode_block(item, &at.index(i), self.diags, self.unknowns) {
                super::Decoded::Known(s) => out.push(s),
                super::Decoded::Unknown => self.saw_unknown(),
                super::Decoded::Invalid => {}
            }
        }
        out
    }

    /// Another block's fields, read from this block's object.
    pub fn flatten<S: Settings>(&mut self) -> Option<S> {
        match S::decode_block(self.obj, self.at, self.diags, self.unknowns) {
            super::Decoded::Known(s) => Some(s),
            super::Decoded::Unknown => {
                self.saw_unknown();
                None
            }
            super::Decoded::Invalid => None,
        }
    }

    /// A computed field: the provider fills it in, so it is not read.
    pub fn computed<T>(&mut self) -> Option<T> {
        None
    }

    /// The block's path, for checks across fields.
    pub fn at(&self) -> &AttributePath {
        self.at
    }

    /// Where diagnostics go, for checks across fields.
    pub fn diagnostics(&mut self) -> &mut Diagnostics {
        self.diags
    }

    /// The outcome: invalid if any error was recorded while decoding,
    /// unknown if any value was, else `build()` (which only fails if a
    /// required field is missing, already diagnosed).
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Decoded<T> {
        if self.diags.error_count() > self.errors_before {
            return Decoded::Invalid;
        }
        if self.unknown {
            return Decoded::Unknown;
        }
        match build() {
            Some(t) => Decoded::Known(t),
            // A required value was missing: diagnosed already, or (taking
            // unknowns as unset) not known yet.
            None if self.unknowns == Unknowns::AsUnset => Decoded::Unknown,
            None => Decoded::Invalid,
        }
    }
}
