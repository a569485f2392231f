//! Rendering a JSON body whose strings are templates (`add_to_body`,
//! `delete.body`, follow-up requests). Keys are never templates.

use serde_json::Value as Json;

use super::{Part, Template, Values};

/// Deepest body rendered.
const MAX_DEPTH: usize = 64;

impl Template {
    /// The JSON value of a string template: a lone placeholder is the
    /// value with its JSON type (`{response/revision}` stays a number);
    /// anything else is a string with the values written in.
    pub fn render_json(&self, values: &Values<'_>) -> Result<Json, String> {
        if let Some(slot) = self.single_slot() {
            return values.json(&slot.source);
        }
        if let [Part::Text(t)] = self.parts.as_slice() {
            return Ok(Json::String(t.clone()));
        }
        self.render_text(values).map(Json::String)
    }
}

/// `body` with each string rendered as a template. Errors name the
/// string's pointer.
pub fn render_body(body: &Json, values: &Values<'_>) -> Result<Json, String> {
    render_at(body, values, &mut String::new(), 0)
}

fn render_at(j: &Json, values: &Values<'_>, at: &mut String, depth: usize) -> Result<Json, String> {
    if depth > MAX_DEPTH {
        return Err(format!("the body is nested more than {MAX_DEPTH} deep"));
    }
    let child = |at: &mut String, key: &str, x: &Json| {
        let len = at.len();
        at.push('/');
        crate::json::push_escaped(at, key);
        let r = render_at(x, values, at, depth + 1);
        at.truncate(len);
        r
    };
    Ok(match j {
        Json::String(s) => Template::parse(s)
            .and_then(|t| t.render_json(values))
            .map_err(|e| format!("at {}: {e}", if at.is_empty() { "/" } else { at }))?,
        Json::Array(a) => Json::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| child(at, &i.to_string(), x))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), child(at, k, x)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Every string of a body as a template, with its pointer, for checks at
/// validate time.
pub fn body_templates(body: &Json) -> Vec<(String, Result<Template, String>)> {
    let mut out = Vec::new();
    collect(body, &mut String::new(), &mut out, 0);
    out
}

fn collect(
    j: &Json,
    at: &mut String,
    out: &mut Vec<(String, Result<Template, String>)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let child = |at: &mut String, key: &str, x: &Json, out: &mut Vec<_>| {
        let len = at.len();
        at.push('/');
        crate::json::push_escaped(at, key);
        collect(x, at, out, depth + 1);
        at.truncate(len);
    };
    match j {
        Json::String(s) => out.push((at.clone(), Template::parse(s))),
        Json::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| child(at, &i.to_string(), x, out)),
        Json::Object(m) => m.iter().for_each(|(k, x)| child(at, k, x, out)),
        _ => {}
    }
}
