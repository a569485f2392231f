//! One declaration per type: a struct whose fields are the type's
//! arguments (`#[derive(Settings)]`) gives both its schema and its
//! decoding, so an attribute's name, type, description, default and checks
//! are written once. Decoding records a diagnostic with the attribute path
//! for every bad value, and tells "not known yet" (plan with unknowns)
//! apart from "invalid".
//!
//! ```ignore
//! /// How to retry.
//! #[derive(Settings)]
//! struct Retry {
//!     /// Attempts in all, the first included.
//!     #[setting(default = 5)]
//!     max_attempts: Count,
//!     /// Statuses retried.
//!     retry_on_status: Option<Vec<u16>>,
//! }
//! ```
//!
//! A field is an attribute of the type its [`Setting`] says; `Option<T>`
//! is optional, a field with `default` is optional and takes the default
//! when null, any other is required. `#[setting(block)]` makes an
//! `Option<S>` a single nested block and a `Vec<S>` a list of blocks, where
//! `S` is itself `Settings`. `#[setting(computed)]` declares what the
//! provider fills in (always `Option<T>`, never decoded from the
//! configuration). Doc comments are descriptions.

mod decoder;
mod impls;

pub use decoder::{Decoded, Decoder, Unknowns};
pub use framework_derive::{Choice, Settings};
pub use impls::{FieldPointer, Whole, decode_choice};

use crate::{AttributePath, Block, Diagnostics, Type, Value};

/// A value an attribute holds: its type in the schema, and how a known,
/// non-null value of that type becomes the Rust value.
pub trait Setting: Sized {
    /// Whether a value that is (partly) unknown is decoded too, rather
    /// than making the whole block unknown (a raw `Value` that plan works
    /// with as it is).
    const TAKES_UNKNOWN: bool = false;
    /// Whether null is decoded too (a raw `Value`, null in the stub state of
    /// an import), rather than being "unset" (and, for a required field,
    /// missing).
    const TAKES_NULL: bool = false;
    /// The attribute's type.
    fn ty() -> Type;
    /// Decodes `v` (known and not null), or records why not on `at` and
    /// returns `None`.
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self>;
}

/// A block of settings: a resource's arguments, a provider block, a nested
/// block.
pub trait Settings: Sized {
    /// The block's schema; `description` replaces the type's own (a nested
    /// block's field says what the block is for there).
    fn block(description: Option<&str>) -> Block;
    /// Decodes an object of this block found at `at`.
    fn decode_block(
        v: &Value,
        at: &AttributePath,
        d: &mut Diagnostics,
        unknowns: Unknowns,
    ) -> Decoded<Self>;
    /// Decodes a whole configuration (a resource's): a value not known yet
    /// makes it [`Decoded::Unknown`].
    fn decode(config: &Value, d: &mut Diagnostics) -> Decoded<Self> {
        Self::decode_block(config, &AttributePath::default(), d, Unknowns::Pending)
    }
    /// Decodes a whole configuration taking values not known yet as unset
    /// (a provider block that refers to resources: it is configured for the
    /// plan with what is known). Fields of type [`Maybe`] still see them.
    fn decode_known_parts(config: &Value, d: &mut Diagnostics) -> Decoded<Self> {
        Self::decode_block(config, &AttributePath::default(), d, Unknowns::AsUnset)
    }
}

/// A value that may not be known yet, for checks that must tell "unset"
/// from "not known yet" (an `Option<Maybe<T>>` field is null, unknown, or
/// a value).
#[derive(Debug, Clone, PartialEq)]
pub enum Maybe<T> {
    /// Not known until apply.
    Unknown,
    /// Known.
    Known(T),
}

impl<T> Maybe<T> {
    /// The value, when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Maybe::Known(t) => Some(t),
            Maybe::Unknown => None,
        }
    }
}

impl<T: Setting> Setting for Maybe<T> {
    const TAKES_UNKNOWN: bool = true;
    fn ty() -> Type {
        T::ty()
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        if v.is_wholly_known() {
            T::decode(v, at, d).map(Maybe::Known)
        } else {
            Some(Maybe::Unknown)
        }
    }
}

/// An attribute that takes one of a fixed set of words
/// (`#[derive(Choice)]` on an enum; variant doc comments explain each).
pub trait Choice: Sized + Copy + 'static {
    /// Every choice: its word, its value, what it means.
    fn choices() -> &'static [(&'static str, Self, &'static str)];
    /// What a wrong word is called in a diagnostic's summary, when the
    /// attribute's name does not say it well (`api_key location` for `in`).
    fn what() -> Option<&'static str> {
        None
    }
}

/// The diagnostic for a word that is none of a [`Choice`]'s.
pub fn not_a_choice<C: Choice>(word: &str, at: &AttributePath, d: &mut Diagnostics) {
    let listed: Vec<String> = C::choices()
        .iter()
        .map(|(w, _, what)| {
            if what.is_empty() {
                format!("{w:?}")
            } else {
                format!("{w:?} ({what})")
            }
        })
        .collect();
    d.attribute_error(
        at.clone(),
        format!(
            "Invalid {}",
            C::what().or(at.last_name()).unwrap_or("value")
        ),
        format!(
            "{word:?} is not a choice; use one of {}.",
            listed.join(", ")
        ),
    );
}

#[cfg(test)]
mod tests;
