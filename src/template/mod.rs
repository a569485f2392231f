//! The one template language for every string a user writes that reaches
//! the wire: paths and queries, header values, bodies (`add_to_body`,
//! `delete.body`, follow-up requests), listings and data sources. Every
//! value is rendered with the encoding of where it goes.
//!
//! # Grammar
//!
//! Only placeholders are special; any other `{` or `}` is sent as written
//! (header values holding JSON keep their meaning).
//!
//! | placeholder | value |
//! |---|---|
//! | `{id}` | the object's id |
//! | `{path}` | the resource's collection path |
//! | `{body/<pointer>}` | a value of the configured body |
//! | `{response/<pointer>}` | a value the server returned last (a revision, an etag) |
//! | `{+id}`, `{+body/…}`, `{+response/…}` | the same value taken as a path (it may hold `/`) |
//!
//! `{{id}}` (doubled braces around a placeholder) is the literal text
//! `{id}`.
//!
//! # Encodings
//!
//! - In a path, each value is **one** percent-encoded segment; a value that
//!   is empty, `.` or `..` is refused, never sent. A `{+…}` value may hold
//!   `/`; one that is a URL or an absolute path must stay on the endpoint's
//!   origin and under its base path. No rendered path has a `.` or `..`
//!   segment, however it is spelled, so none resolves outside the base path.
//! - In a query, values are taken as they are (the query string is encoded
//!   when sent); a `?` in a path template starts the query.
//! - In a header value, values are taken as they are; a control character
//!   (CR, LF, NUL…) is refused.
//! - In a JSON body, a string that is one placeholder takes the value with
//!   its JSON type; any other string has the values written into it.

mod check;
mod json;
mod parse;
mod path;
mod setting;
mod text;

use serde_json::Value as Json;
use url::Url;

use crate::pointer::Pointer;

pub use check::{Place, checked_headers, parse_at};
pub use json::{body_templates, render_body};
pub use parse::lookalike_advice;
pub use path::{Rendered, check_literal_path, fixed_path, resolve_link, resolve_reference};
pub use setting::{
    BodyFields, BodyTemplate, HeaderTemplates, PathTemplate, QueryTemplates, TextTemplate,
};
pub use text::{check_header_name, check_header_value};

/// Longest rendered path and query, in bytes: beyond it servers refuse
/// anyway (414), and a hostile value should not be carried around.
pub const MAX_TARGET_BYTES: usize = 32 * 1024;
/// Longest rendered header value, in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Where a placeholder's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `{id}`: the object's id.
    Id,
    /// `{path}`: the collection path.
    Path,
    /// `{body/<pointer>}`: the configured body.
    Body(Pointer),
    /// `{response/<pointer>}`: what the server returned last.
    Response(Pointer),
}

impl Source {
    /// The placeholder as a user writes it.
    pub fn spelled(&self, whole_path: bool) -> String {
        let plus = if whole_path { "+" } else { "" };
        match self {
            Source::Id => format!("{{{plus}id}}"),
            Source::Path => format!("{{{plus}path}}"),
            Source::Body(p) => format!("{{{plus}body{p}}}"),
            Source::Response(p) => format!("{{{plus}response{p}}}"),
        }
    }
}

/// One placeholder: its source, and whether it is path-valued (`{+…}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub(crate) source: Source,
    pub(crate) whole_path: bool,
}

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Slot(Slot),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// What placeholders are filled with. A source left `None` is not known
/// where the template is used; rendering a placeholder of it fails with
/// a message that says so.
#[derive(Clone, Copy, Debug, Default)]
pub struct Values<'a> {
    /// The object's id.
    pub id: Option<&'a str>,
    /// The collection path (its path part, without a query).
    pub path: Option<&'a str>,
    /// The configured body.
    pub body: Option<&'a Json>,
    /// What the server returned last.
    pub response: Option<&'a Json>,
    /// The endpoint, to resolve values that are URLs or absolute paths.
    pub base: Option<&'a Url>,
}

impl Template {
    /// A template of literal text only.
    pub fn literal(text: &str) -> Template {
        let parts = if text.is_empty() {
            Vec::new()
        } else {
            vec![Part::Text(text.to_owned())]
        };
        Template { parts }
    }

    /// The placeholders it uses.
    pub fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.parts.iter().filter_map(|p| match p {
            Part::Slot(s) => Some(s),
            Part::Text(_) => None,
        })
    }

    /// Whether it uses `{id}` (or `{+id}`).
    pub fn uses_id(&self) -> bool {
        self.slots().any(|s| s.source == Source::Id)
    }

    /// Whether it uses `{response/…}`.
    pub fn uses_response(&self) -> bool {
        self.slots()
            .any(|s| matches!(s.source, Source::Response(_)))
    }

    /// Whether it is only a placeholder, nothing around it.
    fn single_slot(&self) -> Option<&Slot> {
        match self.parts.as_slice() {
            [Part::Slot(s)] => Some(s),
            _ => None,
        }
    }

    /// The text of each placeholder's value (and its encoded form, where it
    /// differs), for masking values that may be secrets. Values that have
    /// none are left out.
    pub fn used_values(&self, values: &Values<'_>) -> Vec<String> {
        let mut out = Vec::new();
        for s in self.slots() {
            if let Ok(v) = values.text(&s.source) {
                let encoded = path::encoded_segment(&v);
                if encoded != v {
                    out.push(encoded);
                }
                if s.whole_path {
                    // A `{+…}` value is sent segment by segment.
                    let segments = path::encoded_segments(&v);
                    if segments != v {
                        out.push(segments);
                    }
                }
                out.push(v);
            }
        }
        out
    }

    /// Every placeholder that `allowed` refuses, with the reason, for a
    /// diagnostic at validate time.
    pub fn refused(&self, allowed: impl Fn(&Source) -> Result<(), String>) -> Vec<String> {
        self.slots()
            .filter_map(|s| allowed(&s.source).err())
            .collect()
    }
}

/// A value as text: strings as they are, numbers and bools as written,
/// lists and objects as JSON. Null and missing values have no text.
fn scalar_text(j: &Json) -> Option<String> {
    match j {
        Json::String(s) => Some(s.clone()),
        Json::Null => None,
        other => Some(other.to_string()),
    }
}

impl Values<'_> {
    /// The JSON value of `source`, or why there is none.
    fn json(&self, source: &Source) -> Result<Json, String> {
        match source {
            Source::Id => self
                .id
                .map(|id| Json::String(id.to_owned()))
                .ok_or_else(|| {
                    "{id} has no value here: the id is known only once the object exists".into()
                }),
            Source::Path => self
                .path
                .map(|p| Json::String(p.to_owned()))
                .ok_or_else(|| "{path} has no value here".into()),
            Source::Body(p) => {
                let body = self.body.ok_or_else(|| {
                    format!(
                        "{} has no value here: there is no body",
                        Source::Body(p.clone()).spelled(false)
                    )
                })?;
                p.get(body)
                    .filter(|v| !v.is_null())
                    .cloned()
                    .ok_or_else(|| format!("the body has no value at {p}"))
            }
            Source::Response(p) => {
                let response = self.response.ok_or_else(|| {
                    format!(
                        "{} has no value here: nothing has been returned by the server yet",
                        Source::Response(p.clone()).spelled(false)
                    )
                })?;
                p.get(response)
                    .filter(|v| !v.is_null())
                    .cloned()
                    .ok_or_else(|| format!("the server's last answer has no value at {p}"))
            }
        }
    }

    /// The text of `source`, or why there is none.
    fn text(&self, source: &Source) -> Result<String, String> {
        let j = self.json(source)?;
        scalar_text(&j).ok_or_else(|| format!("{} is null", source.spelled(false)))
    }
}

#[cfg(test)]
mod tests;
