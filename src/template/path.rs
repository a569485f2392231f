//! Rendering a path (and the query after its `?`): each value one encoded
//! segment, `{+…}` values as paths that stay on the endpoint, and a final
//! check that no segment is `.` or `..` however it is spelled.

use drivers::http::paths::{has_dot_segment, is_under};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use super::{MAX_TARGET_BYTES, Part, Slot, Source, Template, Values};

/// Escaped in one path segment: everything but the unreserved characters
/// (RFC 3986), so `/`, `%`, `?` and `#` in a value never change the path.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Escaped in a query value before the query text is split into pairs.
const QUERY_VALUE: &AsciiSet = SEGMENT;

/// A rendered request target: a path below the endpoint, and the query
/// parameters the template carried after `?` (or a URL value carried).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Starts with `/`; appended to the endpoint.
    pub path: String,
    /// Query pairs, decoded.
    pub query: Vec<(String, String)>,
}

impl Template {
    /// Renders a path template. Errors say which value was refused and why.
    pub fn render_path(&self, values: &Values<'_>) -> Result<Rendered, String> {
        let split = self.query_start();
        let mut path = String::new();
        let mut query = Vec::new();
        for (i, part) in self.parts.iter().enumerate() {
            let in_query = split.is_some_and(|(at, _)| i > at);
            match part {
                _ if in_query => {}
                Part::Text(t) => match split {
                    Some((at, offset)) if at == i => path.push_str(t.get(..offset).unwrap_or(t)),
                    _ => path.push_str(t),
                },
                Part::Slot(slot) => render_slot(slot, values, &mut path, &mut query)?,
            }
        }
        if path.is_empty() {
            // `{path}` with the collection at the endpoint itself (`"/"`).
            path.push('/');
        }
        check_rendered(&path)?;
        let mut pairs = match split {
            Some((at, offset)) => self.render_query_text(at, offset + 1, values)?,
            None => Vec::new(),
        };
        pairs.append(&mut query);
        let size = path.len()
            + pairs
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>();
        if size > MAX_TARGET_BYTES {
            return Err(format!(
                "the rendered path and query are {size} bytes long; at most {MAX_TARGET_BYTES} \
                 are sent"
            ));
        }
        Ok(Rendered { path, query: pairs })
    }

    /// Where the query starts: the part holding the first literal `?` and
    /// the byte offset of the `?` in it.
    fn query_start(&self) -> Option<(usize, usize)> {
        self.parts.iter().enumerate().find_map(|(i, p)| match p {
            Part::Text(t) => t.find('?').map(|o| (i, o)),
            Part::Slot(_) => None,
        })
    }

    /// The query text from part `at`, byte `offset` on, with values
    /// encoded, split into decoded pairs.
    fn render_query_text(
        &self,
        at: usize,
        offset: usize,
        values: &Values<'_>,
    ) -> Result<Vec<(String, String)>, String> {
        let mut text = String::new();
        for (i, part) in self.parts.iter().enumerate().skip(at) {
            match part {
                Part::Text(t) if i == at => text.push_str(t.get(offset..).unwrap_or_default()),
                Part::Text(t) => text.push_str(t),
                Part::Slot(s) => {
                    let v = values.text(&s.source)?;
                    text.extend(utf8_percent_encode(&v, QUERY_VALUE));
                }
            }
        }
        Ok(url::form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect())
    }
}

/// Writes one placeholder's value into a path.
fn render_slot(
    slot: &Slot,
    values: &Values<'_>,
    path: &mut String,
    query: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let value = values.text(&slot.source)?;
    if slot.source == Source::Path {
        // The configured collection path: checked as the user wrote it.
        path.push_str(value.trim_end_matches('/'));
        return Ok(());
    }
    let name = slot.source.spelled(slot.whole_path);
    if path.is_empty() && !(slot.whole_path && is_reference(&value)) {
        // A template that begins with a value (`{id}`, a relative
        // `{+…}`) means a path from the endpoint.
        path.push('/');
    }
    if !slot.whole_path {
        path.push_str(&segment(&value).map_err(|e| format!("{name}: {e}"))?);
        return Ok(());
    }
    if is_reference(&value) {
        if !path.is_empty() {
            return Err(format!(
                "{name} is {}, a URL or absolute path, so it must begin the path template",
                shown(&value)
            ));
        }
        let (p, mut q) =
            resolve_reference(&value, values.base).map_err(|e| format!("{name}: {e}"))?;
        path.push_str(&p);
        query.append(&mut q);
        return Ok(());
    }
    let mut first = true;
    for s in value.split('/') {
        if !first {
            path.push('/');
        }
        first = false;
        path.push_str(&segment(s).map_err(|e| format!("{name}: {e}"))?);
    }
    Ok(())
}

/// A value percent-encoded as one path segment.
pub(super) fn encoded_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// A relative path value as it is sent: each segment encoded, `/` kept.
pub(super) fn encoded_segments(value: &str) -> String {
    value
        .split('/')
        .map(encoded_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// A value as one encoded segment; empty, `.` and `..` are refused.
fn segment(value: &str) -> Result<String, String> {
    match value {
        "" => {
            Err("the value is empty, which would name the collection instead of an object".into())
        }
        "." | ".." => Err(format!(
            "the value is {value:?}, which would leave the object's path; it is never sent"
        )),
        _ => Ok(utf8_percent_encode(value, SEGMENT).to_string()),
    }
}

/// A value shown in a message: short, and without control characters.
fn shown(value: &str) -> String {
    let mut s: String = value.chars().take(80).collect();
    if s.len() < value.len() {
        s.push('…');
    }
    format!("{s:?}")
}

/// Whether a value is a URL (with a scheme), a scheme-relative URL or an
/// absolute path, rather than segments.
fn is_reference(value: &str) -> bool {
    value.starts_with('/') || has_scheme(value)
}

fn has_scheme(value: &str) -> bool {
    let Some((scheme, _)) = value.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A URL or absolute path from a value (an Azure-style id, a `self`
/// link) as a path below the endpoint, with its query. It must be on the
/// endpoint's origin; an absolute path that starts with the endpoint's
/// base path is taken from the host, any other below the base path (as
/// APIs whose ids are paths mean them). Without an endpoint, only an
/// absolute path is accepted, as it is.
pub fn resolve_reference(
    value: &str,
    base: Option<&Url>,
) -> Result<(String, Vec<(String, String)>), String> {
    let without_fragment = clean_reference(value)?;
    let Some(base) = base else {
        if without_fragment.starts_with("//") || has_scheme(without_fragment) {
            return Err(format!(
                "{} is a URL, which cannot be checked here",
                shown(value)
            ));
        }
        let (p, q) = without_fragment
            .split_once('?')
            .unwrap_or((without_fragment, ""));
        let query = url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect();
        return Ok((p.to_owned(), query));
    };
    let base_path = base.path().trim_end_matches('/');
    let raw_path = without_fragment.split('?').next().unwrap_or_default();
    let joined = if has_scheme(without_fragment)
        || without_fragment.starts_with("//")
        || is_under(raw_path, base_path)
    {
        base.join(without_fragment)
    } else {
        base.join(&format!("{base_path}{without_fragment}"))
    }
    .map_err(|e| format!("{} is not a usable URL: {e}", shown(value)))?;
    below_base(value, &joined, base)
}

/// A link from an answer (`Location`, `Operation-Location`, a status URL
/// in the body), resolved as a URL reference against the endpoint, as a
/// path below it with its query. It must be on the endpoint's origin and
/// under its base path: the provider sends nothing anywhere else.
pub fn resolve_link(value: &str, base: &Url) -> Result<(String, Vec<(String, String)>), String> {
    let without_fragment = clean_reference(value)?;
    let mut dir = base.clone();
    if !dir.path().ends_with('/') {
        let p = format!("{}/", dir.path());
        dir.set_path(&p);
    }
    let joined = dir
        .join(without_fragment)
        .map_err(|e| format!("{} is not a usable URL: {e}", shown(value)))?;
    below_base(value, &joined, base)
}

/// A reference without its fragment; one with a `.` or `..` segment, a
/// control character or whitespace at either end is refused before any URL parser normalises it.
fn clean_reference(value: &str) -> Result<&str, String> {
    let without_fragment = value.split('#').next().unwrap_or_default();
    let raw_path = without_fragment.split('?').next().unwrap_or_default();
    if has_dot_segment(raw_path) {
        return Err(format!(
            "{} has a \".\" or \"..\" segment, which would leave the endpoint's path; it is \
             never sent",
            shown(value)
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{} holds a control character", shown(value)));
    }
    if value.trim() != value {
        // A URL parser would trim it, and a path then read differently.
        return Err(format!(
            "{} begins or ends with whitespace; a reference is used as it is",
            shown(value)
        ));
    }
    Ok(without_fragment)
}

/// `joined` as a path below `base` and its query, if it is on the same
/// origin and under the base path.
fn below_base(
    value: &str,
    joined: &Url,
    base: &Url,
) -> Result<(String, Vec<(String, String)>), String> {
    let base_path = base.path().trim_end_matches('/');
    if joined.origin() != base.origin() {
        return Err(format!(
            "{} is on another origin ({}); requests go only to the endpoint's origin ({})",
            shown(value),
            joined.origin().ascii_serialization(),
            base.origin().ascii_serialization()
        ));
    }
    if !is_under(joined.path(), base_path) {
        return Err(format!(
            "{} is outside the endpoint's base path {base_path:?}; requests stay below it (set \
             the provider's endpoint to a shorter URL to reach it)",
            shown(value)
        ));
    }
    let rest = joined.path().get(base_path.len()..).unwrap_or_default();
    let path = if rest.is_empty() {
        "/".to_owned()
    } else {
        rest.to_owned()
    };
    let query = joined.query_pairs().into_owned().collect();
    Ok((path, query))
}

/// The final check of every rendered path: absolute, no `.` or `..`
/// segment, no control character.
fn check_rendered(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!(
            "the rendered path {} does not start with \"/\"",
            shown(path)
        ));
    }
    if has_dot_segment(path) {
        return Err(format!(
            "the rendered path {} has a \".\" or \"..\" segment, which would leave the object's \
             path; it is never sent",
            shown(path)
        ));
    }
    if path.chars().any(char::is_control) {
        return Err(format!(
            "the rendered path {} holds a control character",
            shown(path)
        ));
    }
    Ok(())
}

/// A path the user wrote, sent as written (no placeholders), with `id`
/// appended as one more segment when given; a query after `?` is split
/// off. For data sources, which read what their arguments name.
pub fn fixed_path(text: &str, id: Option<&str>) -> Result<Rendered, String> {
    check_literal_path(text)?;
    let (path, q) = text.split_once('?').unwrap_or((text, ""));
    let mut out = path.to_owned();
    if let Some(id) = id {
        let trimmed = out.trim_end_matches('/').len();
        out.truncate(trimmed);
        out.push('/');
        out.push_str(&segment(id).map_err(|e| format!("id: {e}"))?);
    }
    check_rendered(&out)?;
    if out.len() > MAX_TARGET_BYTES {
        return Err(format!(
            "the path is {} bytes long; at most {MAX_TARGET_BYTES} are sent",
            out.len()
        ));
    }
    let query = url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect();
    Ok(Rendered { path: out, query })
}

/// Checks a path the user wrote (the text of a path template): it starts
/// with `/` (or a placeholder), and has no fragment, whitespace, control
/// character, or `.`/`..` segment. The error says what to write instead.
pub fn check_literal_path(text: &str) -> Result<(), String> {
    if !(text.starts_with('/') || text.starts_with('{')) {
        return Err(format!(
            "{text:?} must start with \"/\"; it is appended to the provider's endpoint, as in \
             \"/flags\""
        ));
    }
    let path = text.split('?').next().unwrap_or_default();
    if text.contains('#') || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{text:?} contains a fragment, whitespace or a control character"
        ));
    }
    if has_dot_segment(path) {
        return Err(format!(
            "{text:?} has a \".\" or \"..\" segment; write the path it means"
        ));
    }
    Ok(())
}
