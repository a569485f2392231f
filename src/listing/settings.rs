//! The `pagination` block, shared by `driver_http_object.list` and the
//! `driver_http_objects` data source: its schema and its parsing.

use crate::pointer::Pointer;
use crate::{Attribute, AttributePath, Block, Diagnostics, NestedBlock, Type, Value};
use drivers::http::pagination::{MAX_PAGES_LIMIT, PageStyle, Pagination};

/// Largest page size anyone may ask for.
const MAX_PAGE_SIZE: u64 = 100_000;

/// A listing's pagination, as configured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaginationSettings {
    /// How the pages are walked.
    pub pagination: Pagination,
    /// Where the next page's URL or cursor is in an answer.
    pub next_pointer: Option<Pointer>,
}

/// The block's schema.
pub fn pagination_block() -> NestedBlock {
    NestedBlock::single(
        "pagination",
        Block::new(
            "How the pages of the listing follow each other. A `Link: <...>; rel=\"next\"` header \
             (RFC 8288) is always followed; set one of `next_pointer`, `page_param` or \
             `offset_param` for APIs that page otherwise. A listing longer than `max_pages`, one \
             that repeats a page, or one whose next page is on another origin is incomplete: it is \
             never taken as the whole collection.",
            vec![
                Attribute::optional("next_pointer", Type::String).describe(
                    "JSON Pointer to the next page in each answer, such as `\"/next\"`: a URL \
                     (absolute or relative), or a cursor when `cursor_param` is set. Absent, null \
                     or empty: the last page.",
                ),
                Attribute::optional("cursor_param", Type::String).describe(
                    "With `next_pointer`: the query parameter that carries the cursor to the next \
                     request, such as `\"cursor\"`.",
                ),
                Attribute::optional("page_param", Type::String).describe(
                    "Page numbers: the query parameter, such as `\"page\"`. Pages are asked for \
                     until one is empty (or shorter than `size`).",
                ),
                Attribute::optional("first_page", Type::Number)
                    .describe("With `page_param`: the first page's number. Defaults to `1`."),
                Attribute::optional("offset_param", Type::String).describe(
                    "Offsets: the query parameter for the first item's position, such as \
                     `\"offset\"`. Pages are asked for until one is empty (or shorter than `size`).",
                ),
                Attribute::optional("size_param", Type::String).describe(
                    "The query parameter for the page size, such as `\"per_page\"` or `\"limit\"`. \
                     Needs `size`.",
                ),
                Attribute::optional("size", Type::Number).describe(
                    "The page size to ask for (1 to 100000). Larger pages mean fewer requests.",
                ),
                Attribute::optional("max_pages", Type::Number).describe(
                    "Most pages read. Defaults to `1000`; a longer listing is incomplete.",
                ),
            ],
            vec![],
        ),
    )
}

/// Parses the block at `at` (a null or absent block: links only).
pub fn parse_pagination(
    block: Option<&Value>,
    at: &AttributePath,
    diags: &mut Diagnostics,
    known: &mut bool,
) -> PaginationSettings {
    let mut out = PaginationSettings::default();
    let Some(b @ Value::Object(_)) = block else {
        return out;
    };
    if !b.is_wholly_known() {
        *known = false;
    }
    let text = |name: &str| b.get(name).and_then(Value::as_str).map(str::to_owned);
    let number = |name: &str, min: u64, max: u64, diags: &mut Diagnostics| -> Option<u64> {
        let n = b.get(name)?.as_number()?;
        match n.as_u64().filter(|u| (min..=max).contains(u)) {
            Some(u) => Some(u),
            None => {
                diags.attribute_error(
                    at.attr(name),
                    format!("Invalid {name}"),
                    format!("{name} must be a whole number from {min} to {max}; got {n}."),
                );
                None
            }
        }
    };
    let first_page = number("first_page", 0, 1, diags).unwrap_or(1);
    let size = number("size", 1, MAX_PAGE_SIZE, diags);
    if let Some(max) = number("max_pages", 1, u64::from(MAX_PAGES_LIMIT), diags) {
        out.pagination.max_pages = u32::try_from(max).unwrap_or(MAX_PAGES_LIMIT);
    }
    out.next_pointer = match text("next_pointer") {
        Some(p) => match Pointer::parse(&p) {
            Ok(p) => Some(p),
            Err(e) => {
                diags.attribute_error(at.attr("next_pointer"), "Invalid JSON Pointer", e);
                None
            }
        },
        None => None,
    };
    let styles: Vec<&str> = ["next_pointer", "page_param", "offset_param"]
        .into_iter()
        .filter(|n| text(n).is_some())
        .collect();
    if styles.len() > 1 {
        diags.attribute_error(
            at.attr(styles.get(1).copied().unwrap_or("page_param")),
            "Conflicting pagination styles",
            format!(
                "{} are set; an API pages one way: set one of next_pointer, page_param or \
                 offset_param.",
                styles.join(" and ")
            ),
        );
    }
    let cursor = text("cursor_param");
    if cursor.is_some() && out.next_pointer.is_none() {
        diags.attribute_error(
            at.attr("cursor_param"),
            "cursor_param needs next_pointer",
            "cursor_param names where a cursor goes; set next_pointer to where the API puts it \
             in its answers.",
        );
    }
    out.pagination.style = match (text("page_param"), text("offset_param"), cursor) {
        (Some(param), _, _) => PageStyle::Page {
            param,
            first: first_page,
        },
        (None, Some(param), _) => PageStyle::Offset { param },
        (None, None, Some(param)) => PageStyle::Cursor { param },
        (None, None, None) if out.next_pointer.is_some() => PageStyle::NextUrl,
        (None, None, None) => PageStyle::Links,
    };
    match (text("size_param"), size) {
        (Some(param), Some(n)) => {
            out.pagination.size = Some((param, u32::try_from(n).unwrap_or(u32::MAX)));
        }
        (None, None) => {}
        (Some(_), None) if *known => diags.attribute_error(
            at.attr("size"),
            "size_param needs size",
            "Set size to the page size to ask for, such as 100.",
        ),
        (None, Some(_)) => diags.attribute_error(
            at.attr("size_param"),
            "size needs size_param",
            "Set size_param to the query parameter the API reads the page size from, such as \
             \"per_page\" or \"limit\".",
        ),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_json;
    use serde_json::json;

    fn parse(j: serde_json::Value) -> (PaginationSettings, Diagnostics) {
        let mut d = Diagnostics::new();
        let mut known = true;
        let v = from_json(&j);
        let p = parse_pagination(
            Some(&v),
            &AttributePath::root("pagination"),
            &mut d,
            &mut known,
        );
        (p, d)
    }

    #[test]
    fn each_style_parses() {
        let (p, d) = parse(json!({"page_param": "page", "size_param": "per_page", "size": 50}));
        assert!(!d.has_error());
        assert_eq!(
            p.pagination.style,
            PageStyle::Page {
                param: "page".into(),
                first: 1
            }
        );
        assert_eq!(p.pagination.size, Some(("per_page".into(), 50)));
        let (p, _) = parse(json!({"next_pointer": "/next"}));
        assert_eq!(p.pagination.style, PageStyle::NextUrl);
        let (p, _) = parse(json!({"next_pointer": "/meta/cursor", "cursor_param": "c"}));
        assert_eq!(p.pagination.style, PageStyle::Cursor { param: "c".into() });
        let (p, _) = parse(json!({"offset_param": "offset", "max_pages": 7}));
        assert_eq!(
            p.pagination.style,
            PageStyle::Offset {
                param: "offset".into()
            }
        );
        assert_eq!(p.pagination.max_pages, 7);
    }

    #[test]
    fn mistakes_name_the_attribute() {
        for (j, attr) in [
            (
                json!({"page_param": "p", "offset_param": "o"}),
                "offset_param",
            ),
            (json!({"cursor_param": "c"}), "cursor_param"),
            (json!({"size": 10}), "size_param"),
            (json!({"size_param": "n"}), "size"),
            (json!({"size_param": "n", "size": 0}), "size"),
            (json!({"max_pages": 1e12}), "max_pages"),
            (json!({"next_pointer": "next"}), "next_pointer"),
            (json!({"first_page": 7}), "first_page"),
        ] {
            let (_, d) = parse(j.clone());
            assert!(d.has_error(), "{j}");
            let text = format!("{d:?}");
            assert!(text.contains(attr), "{j}: {text}");
        }
    }
}
