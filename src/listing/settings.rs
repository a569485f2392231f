//! The `pagination` block, shared by `driver_http_object.list` and the
//! `driver_http_objects` data source: declared once, and what it turns
//! into.

use framework::settings::{Settings, Whole};

use crate::pointer::Pointer;
use crate::{AttributePath, Diagnostics};
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

/// How the pages of the listing follow each other. A
/// `Link: <...>; rel="next"` header (RFC 8288) is always followed; set one
/// of `next_pointer`, `page_param` or `offset_param` for APIs that page
/// otherwise. A listing longer than `max_pages`, one that repeats a page,
/// or one whose next page is on another origin is incomplete: it is never
/// taken as the whole collection.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = PaginationBlock::check)]
pub struct PaginationBlock {
    /// JSON Pointer to the next page in each answer, such as `"/next"`: a
    /// URL (absolute or relative), or a cursor when `cursor_param` is set.
    /// Absent, null or empty: the last page.
    next_pointer: Option<Pointer>,
    /// With `next_pointer`: the query parameter that carries the cursor to
    /// the next request, such as `"cursor"`.
    cursor_param: Option<String>,
    /// Page numbers: the query parameter, such as `"page"`. Pages are asked
    /// for until one is empty (or shorter than `size`).
    page_param: Option<String>,
    /// With `page_param`: the first page's number.
    #[setting(default = 1)]
    first_page: Whole<0, 1>,
    /// Offsets: the query parameter for the first item's position, such as
    /// `"offset"`. Pages are asked for until one is empty (or shorter than
    /// `size`).
    offset_param: Option<String>,
    /// The query parameter for the page size, such as `"per_page"` or
    /// `"limit"`. Needs `size`.
    size_param: Option<String>,
    /// The page size to ask for (1 to 100000). Larger pages mean fewer
    /// requests.
    size: Option<Whole<1, MAX_PAGE_SIZE>>,
    /// Most pages read; a longer listing is incomplete.
    #[setting(default = 1000)]
    max_pages: Whole<1, { MAX_PAGES_LIMIT as u64 }>,
}

impl PaginationBlock {
    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        let styles: Vec<&str> = [
            (Self::NEXT_POINTER, self.next_pointer.is_some()),
            (Self::PAGE_PARAM, self.page_param.is_some()),
            (Self::OFFSET_PARAM, self.offset_param.is_some()),
        ]
        .iter()
        .filter(|(_, set)| *set)
        .map(|(n, _)| *n)
        .collect();
        if let [_, second, ..] = styles.as_slice() {
            d.attribute_error(
                at.attr(second),
                "Conflicting pagination styles",
                format!(
                    "{} are set; an API pages one way: set one of next_pointer, page_param or \
                     offset_param.",
                    styles.join(" and ")
                ),
            );
        }
        if self.cursor_param.is_some() && self.next_pointer.is_none() {
            d.attribute_error(
                at.attr(Self::CURSOR_PARAM),
                "cursor_param needs next_pointer",
                "cursor_param names where a cursor goes; set next_pointer to where the API puts \
                 it in its answers.",
            );
        }
        match (&self.size_param, &self.size) {
            (Some(_), None) => d.attribute_error(
                at.attr(Self::SIZE),
                "size_param needs size",
                "Set size to the page size to ask for, such as 100.",
            ),
            (None, Some(_)) => d.attribute_error(
                at.attr(Self::SIZE_PARAM),
                "size needs size_param",
                "Set size_param to the query parameter the API reads the page size from, such \
                 as \"per_page\" or \"limit\".",
            ),
            _ => {}
        }
    }

    /// The pagination a listing follows; no block: links only.
    pub fn settings(block: Option<PaginationBlock>) -> PaginationSettings {
        let Some(b) = block else {
            return PaginationSettings::default();
        };
        let mut out = PaginationSettings::default();
        out.pagination.max_pages = u32::try_from(b.max_pages.0).unwrap_or(MAX_PAGES_LIMIT);
        out.pagination.style = match (b.page_param, b.offset_param, b.cursor_param) {
            (Some(param), _, _) => PageStyle::Page {
                param,
                first: b.first_page.0,
            },
            (None, Some(param), _) => PageStyle::Offset { param },
            (None, None, Some(param)) => PageStyle::Cursor { param },
            (None, None, None) if b.next_pointer.is_some() => PageStyle::NextUrl,
            (None, None, None) => PageStyle::Links,
        };
        if let (Some(param), Some(n)) = (b.size_param, b.size) {
            out.pagination.size = Some((param, u32::try_from(n.0).unwrap_or(u32::MAX)));
        }
        out.next_pointer = b.next_pointer;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_json;
    use serde_json::json;

    fn parse(j: serde_json::Value) -> (PaginationSettings, Diagnostics) {
        let mut d = Diagnostics::new();
        let v = from_json(&j);
        let block = PaginationBlock::decode_block(
            &v,
            &AttributePath::root("pagination"),
            &mut d,
            framework::settings::Unknowns::Pending,
        );
        (PaginationBlock::settings(block.known()), d)
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
