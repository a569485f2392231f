//! Templates as declared arguments: each kind checked for the place it
//! goes, with a diagnostic (or a warning for a lookalike) on the attribute.

use std::collections::BTreeMap;

use framework::settings::Setting;
use serde_json::Value as Json;

use super::{Place, Template, body_templates, check_header_name, lookalike_advice, parse_at};
use crate::pointer::Pointer;
use crate::{AttributePath, Diagnostics, Type, Value};

/// A path template, such as `"{path}/{id}"`.
#[derive(Debug, Clone, PartialEq)]
pub struct PathTemplate(pub Template);

impl Setting for PathTemplate {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        parse_at(&text, Place::Path, at, d).map(PathTemplate)
    }
}

/// A template of plain text, such as a lock key `"{path}"`.
#[derive(Debug, Clone, PartialEq)]
pub struct TextTemplate(pub Template);

impl Setting for TextTemplate {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        parse_at(&text, Place::Body, at, d).map(TextTemplate)
    }
}

/// Query parameters whose values are templates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryTemplates(pub Vec<(String, Template)>);

impl Setting for QueryTemplates {
    fn ty() -> Type {
        Type::map(Type::String)
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let map = BTreeMap::<String, String>::decode(v, at, d)?;
        let mut out = Vec::with_capacity(map.len());
        for (k, text) in map {
            out.push((k.clone(), parse_at(&text, Place::Query, &at.key(&k), d)?));
        }
        Some(QueryTemplates(out))
    }
}

/// Headers whose values are templates; names are header names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeaderTemplates(pub Vec<(String, Template)>);

impl Setting for HeaderTemplates {
    fn ty() -> Type {
        Type::map(Type::String)
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let map = BTreeMap::<String, String>::decode(v, at, d)?;
        let mut out = Vec::with_capacity(map.len());
        let mut ok = true;
        for (k, text) in map {
            if let Err(e) = check_header_name(&k) {
                d.attribute_error(at.key(&k), "Invalid header name", e);
                ok = false;
                continue;
            }
            match parse_at(&text, Place::Header, &at.key(&k), d) {
                Some(t) => out.push((k, t)),
                None => ok = false,
            }
        }
        ok.then_some(HeaderTemplates(out))
    }
}

/// Fields set in a sent body: JSON Pointer of the field → template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BodyFields(pub Vec<(Pointer, Template)>);

impl Setting for BodyFields {
    fn ty() -> Type {
        Type::map(Type::String)
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let map = BTreeMap::<String, String>::decode(v, at, d)?;
        let mut out = Vec::with_capacity(map.len());
        let mut ok = true;
        for (k, text) in map {
            let here = at.key(&k);
            let pointer = match Pointer::parse(&k) {
                Ok(p) if !p.tokens().is_empty() => Some(p),
                Ok(_) => {
                    d.attribute_error(
                        here.clone(),
                        "Invalid JSON Pointer",
                        "Name a field of the body, as in \"/id\".",
                    );
                    None
                }
                Err(e) => {
                    d.attribute_error(here.clone(), "Invalid add_to_body", e);
                    None
                }
            };
            match (pointer, parse_at(&text, Place::Body, &here, d)) {
                (Some(p), Some(t)) => out.push((p, t)),
                _ => ok = false,
            }
        }
        ok.then_some(BodyFields(out))
    }
}

/// A body written as an HCL value whose strings are templates.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyTemplate(pub Json);

impl Setting for BodyTemplate {
    fn ty() -> Type {
        Type::Dynamic
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let json = match crate::json::to_json(v) {
            Ok(j) => j,
            Err(e) => {
                d.attribute_error(at.clone(), "Invalid body", e.to_string());
                return None;
            }
        };
        let mut ok = true;
        for (pointer, t) in body_templates(&json) {
            match t {
                Err(e) => {
                    d.attribute_error(at.clone(), "Invalid template", format!("at {pointer}: {e}"));
                    ok = false;
                }
                Ok(t) => {
                    for l in t.lookalikes() {
                        d.attribute_warning(at.clone(), "Not a placeholder", lookalike_advice(&l));
                    }
                }
            }
        }
        ok.then_some(BodyTemplate(json))
    }
}
