//! Templates read from the configuration, with a diagnostic on the
//! attribute when one cannot be used where it is.

use super::{Part, Template, check_header_value, check_literal_path, lookalike_advice};
use crate::{AttributePath, Diagnostics};

/// Where a template goes, which decides what it may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A path (and the query after its `?`).
    Path,
    /// A query value.
    Query,
    /// A header value.
    Header,
    /// A string in a JSON body.
    Body,
}

/// Parses `text` for `place`: an error diagnostic on `at` when it cannot
/// be used there, a warning for text that looks like a placeholder but is
/// none.
pub fn parse_at(
    text: &str,
    place: Place,
    at: &AttributePath,
    diags: &mut Diagnostics,
) -> Option<Template> {
    let title = match place {
        Place::Path => "Invalid path",
        Place::Query => "Invalid query template",
        Place::Header => "Invalid header value",
        Place::Body => "Invalid template",
    };
    let t = match Template::parse(text) {
        Ok(t) => t,
        Err(e) => {
            diags.attribute_error(at.clone(), title, e);
            return None;
        }
    };
    for l in t.lookalikes() {
        diags.attribute_warning(at.clone(), "Not a placeholder", lookalike_advice(&l));
    }
    let checked = match place {
        Place::Path => check_path_template(&t),
        Place::Header => check_header_value(&t.skeleton()),
        Place::Query | Place::Body => Ok(()),
    };
    match checked {
        Ok(()) => Some(t),
        Err(e) => {
            diags.attribute_error(at.clone(), title, e);
            None
        }
    }
}

/// A path template starts with `/`, `{path}` or a `{+…}` value, and its
/// text is a clean path.
fn check_path_template(t: &Template) -> Result<(), String> {
    let starts_well = match t.parts.first() {
        None => false,
        Some(Part::Text(text)) => text.starts_with('/'),
        Some(Part::Slot(s)) => s.whole_path || s.source == super::Source::Path,
    };
    if !starts_well {
        return Err(format!(
            "{:?} must start with \"/\", {{path}} or a {{+…}} placeholder; it is appended to the \
             provider's endpoint, as in \"/flags/{{id}}\"",
            t.skeleton()
        ));
    }
    check_literal_path(&format!("/{}", t.skeleton()))
}

impl Template {
    /// The text with each placeholder as `x`: what the user wrote around
    /// the values, for checks.
    fn skeleton(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.as_str(),
                Part::Slot(_) => "x",
            })
            .collect()
    }
}

/// Header pairs the user wrote, sent as written: names must be header
/// names and values free of control characters (diagnosed on `at`).
pub fn checked_headers(
    pairs: Vec<(String, String)>,
    at: &AttributePath,
    diags: &mut Diagnostics,
) -> Vec<(String, String)> {
    for (k, v) in &pairs {
        if let Err(e) = super::check_header_name(k).and_then(|()| check_header_value(v)) {
            diags.attribute_error(at.key(k), "Invalid header", e);
        }
    }
    pairs
}
