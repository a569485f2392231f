//! Reading a template: placeholders are found, everything else is text.

use super::{Part, Slot, Source, Template};
use crate::pointer::Pointer;

/// Most placeholders in one template: a hostile configuration cannot make
/// rendering arbitrarily expensive.
const MAX_SLOTS: usize = 64;

/// What the inside of `{…}` is.
enum Inner {
    /// A placeholder.
    Slot(Slot),
    /// Not a placeholder: the braces are text.
    Text,
}

/// Reads the inside of braces: `id`, `+id`, `path`, `body/<pointer>`,
/// `response/<pointer>`. A malformed pointer is an error, since the user
/// clearly meant a placeholder.
fn inner(name: &str) -> Result<Inner, String> {
    let (whole_path, name) = match name.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let source = match name {
        "id" => Source::Id,
        "path" => Source::Path,
        _ => {
            if let Some(p) = name.strip_prefix("body").filter(|p| p.starts_with('/')) {
                Source::Body(Pointer::parse(p)?)
            } else if let Some(p) = name.strip_prefix("response").filter(|p| p.starts_with('/')) {
                Source::Response(Pointer::parse(p)?)
            } else {
                return Ok(Inner::Text);
            }
        }
    };
    Ok(Inner::Slot(Slot { source, whole_path }))
}

impl Template {
    /// Parses `text`. The error (a malformed pointer in a placeholder, too
    /// many placeholders) says what is wrong, for a diagnostic.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut slots = 0usize;
        while let Some(open) = rest.find('{') {
            literal.push_str(rest.get(..open).unwrap_or_default());
            let from = rest.get(open..).unwrap_or_default();
            // `{{name}}`: the literal `{name}`, when `{name}` is a placeholder.
            // The search stops at the next brace, so a run of braces is
            // read in linear time.
            if let Some(escaped) = from.strip_prefix("{{")
                && let Some(end) = escaped.find(['{', '}'])
                && escaped.get(end..end + 2) == Some("}}")
                && let Some(name) = escaped.get(..end)
                && matches!(inner(name), Ok(Inner::Slot(_)))
            {
                literal.push('{');
                literal.push_str(name);
                literal.push('}');
                rest = escaped.get(end + 2..).unwrap_or_default();
                continue;
            }
            let after = from.get(1..).unwrap_or_default();
            let name = after.find(['{', '}']).and_then(|end| {
                (after.get(end..end + 1) == Some("}")).then(|| after.get(..end).unwrap_or_default())
            });
            match name
                .map(inner)
                .transpose()
                .map_err(|e| format!("in {text:?}: {e}"))?
            {
                Some(Inner::Slot(slot)) => {
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Slot(slot));
                    slots += 1;
                    if slots > MAX_SLOTS {
                        return Err(format!("{text:?} has more than {MAX_SLOTS} placeholders"));
                    }
                    let len = name.map_or(0, str::len);
                    rest = after.get(len + 1..).unwrap_or_default();
                }
                Some(Inner::Text) | None => {
                    literal.push('{');
                    rest = after;
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template { parts })
    }

    /// Text that looks like a placeholder but is none (`{bdy/name}`,
    /// `{ID}`): sent as written, which is rarely what was meant. For a
    /// warning at validate time.
    pub fn lookalikes(&self) -> Vec<String> {
        let mut found = Vec::new();
        for part in &self.parts {
            let Part::Text(t) = part else { continue };
            let mut rest = t.as_str();
            while let Some(open) = rest.find('{') {
                let after = rest.get(open + 1..).unwrap_or_default();
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '/' | '-'))
                    .collect();
                let looks = name
                    .trim_start_matches('+')
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic());
                let placeholder = matches!(inner(&name), Ok(Inner::Slot(_)));
                if looks && !placeholder && after.get(name.len()..name.len() + 1) == Some("}") {
                    found.push(format!("{{{name}}}"));
                }
                rest = after;
            }
        }
        found
    }
}

/// The warning text for a lookalike, naming the placeholders.
pub fn lookalike_advice(lookalike: &str) -> String {
    format!(
        "{lookalike} is not a placeholder and is sent as written. The placeholders are {{id}}, \
         {{path}}, {{body/<pointer>}} and {{response/<pointer>}} (with {{+…}} for a value that \
         is a path); write {{{{id}}}} for a literal {{id}}."
    )
}
