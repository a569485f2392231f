//! Listing a collection: every page, through the engine (rate limit,
//! retries, timeouts, audit, metrics), into one list of items. Shared by
//! natural-key lookups, bulk refresh of `driver_http_object` and the
//! `driver_http_objects` data source.

mod cache;
mod settings;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value as Json;

use crate::pointer::Pointer;
use drivers::http::HttpRequest;

pub use cache::Listings;
pub use settings::{PaginationBlock, PaginationSettings};

/// The most bytes of answers one listing keeps; a longer listing is
/// incomplete (each page is also bounded by `max_response_bytes`).
pub(crate) const MAX_LISTING_BYTES: usize = 256 << 20;

/// What to list.
#[derive(Clone, Debug)]
pub struct ListRequest {
    /// The first page's request (path, query, headers).
    pub first: HttpRequest,
    /// Where the items are in an answer; `None`: found by shape.
    pub items_pointer: Option<Pointer>,
    /// How pages follow each other.
    pub paging: PaginationSettings,
}

impl ListRequest {
    /// What tells two listings of one endpoint apart, for sharing them.
    pub fn key(&self) -> String {
        format!(
            "{} {} {:?} {:?} {:?} {:?}",
            self.first.method,
            self.first.path,
            self.first.query,
            self.first.headers,
            self.items_pointer,
            self.paging
        )
    }
}

/// A collection, as listed.
#[derive(Debug, Default)]
pub struct Listing {
    /// Every item, in the API's order.
    pub items: Vec<Json>,
    /// Why the listing stopped before its end; `None`: complete.
    pub incomplete: Option<String>,
    /// Pages read.
    pub pages: u32,
    /// Items by id, built on the first lookup: (the id pointer, id → index).
    index: OnceLock<(String, HashMap<String, usize>)>,
}

impl Listing {
    /// A listing of `items`.
    pub fn new(items: Vec<Json>, incomplete: Option<String>, pages: u32) -> Self {
        Listing {
            items,
            incomplete,
            pages,
            index: OnceLock::new(),
        }
    }

    /// Whether every object of the collection is in it.
    pub fn is_complete(&self) -> bool {
        self.incomplete.is_none()
    }

    /// The item whose id (at `id_pointer`) is `id`. Ids compare as text:
    /// `5` and `"5"` are the same id.
    pub fn find(&self, id_pointer: &Pointer, id: &str) -> Option<&Json> {
        let key = id_pointer.to_string();
        let (indexed, index) = self.index.get_or_init(|| {
            let mut map = HashMap::with_capacity(self.items.len());
            for (i, item) in self.items.iter().enumerate() {
                if let Some(id) = id_pointer.get(item).and_then(id_text) {
                    map.entry(id).or_insert(i);
                }
            }
            (key.clone(), map)
        });
        if *indexed == key {
            return index.get(id).and_then(|i| self.items.get(*i));
        }
        // Another resource type reads the same listing with another pointer.
        self.items
            .iter()
            .find(|item| id_pointer.get(item).and_then(id_text).as_deref() == Some(id))
    }
}

/// An id as text: a non-empty string, or a number.
pub fn id_text(j: &Json) -> Option<String> {
    match j {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The one item whose fields at the pointers have the values (as text:
/// strings as they are, numbers and bools as written): `Ok(None)` when no
/// item has, `Err(n)` when `n` items have.
pub fn search<'a>(
    items: &'a [Json],
    wanted: &[(Pointer, String)],
) -> Result<Option<&'a Json>, usize> {
    let matches = |item: &&Json| {
        wanted.iter().all(|(p, want)| {
            p.get(item)
                .and_then(scalar_text)
                .is_some_and(|have| have == *want)
        })
    };
    let mut hits = items.iter().filter(matches);
    match (hits.next(), hits.next()) {
        (None, _) => Ok(None),
        (Some(one), None) => Ok(Some(one)),
        (Some(_), Some(_)) => Err(items.iter().filter(matches).count()),
    }
}

/// What a search compares: strings as they are, numbers and bools as
/// written.
fn scalar_text(j: &Json) -> Option<String> {
    match j {
        Json::String(s) => Some(s.clone()),
        Json::Number(_) | Json::Bool(_) => Some(j.to_string()),
        _ => None,
    }
}

/// Where the items are in a listing: `pointer`, else the answer itself when
/// it is an array, else the first array at a usual place.
pub fn items<'a>(answer: &'a Json, pointer: Option<&Pointer>) -> Option<&'a Vec<Json>> {
    if let Some(p) = pointer {
        return p.get(answer)?.as_array();
    }
    if let Json::Array(a) = answer {
        return Some(a);
    }
    ["items", "data", "results", "value"]
        .iter()
        .find_map(|k| answer.get(k)?.as_array())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_are_found_by_id_whatever_its_spelling() {
        let l = Listing::new(
            vec![
                json!({"id": 1, "n": "a"}),
                json!({"id": "b7", "n": "b"}),
                json!({"n": "no id"}),
            ],
            None,
            1,
        );
        let id = Pointer::parse("/id").unwrap();
        assert_eq!(l.find(&id, "1").and_then(|j| j.get("n")), Some(&json!("a")));
        assert_eq!(
            l.find(&id, "b7").and_then(|j| j.get("n")),
            Some(&json!("b"))
        );
        assert_eq!(l.find(&id, "2"), None);
        let other = Pointer::parse("/n").unwrap();
        assert_eq!(
            l.find(&other, "b").and_then(|j| j.get("id")),
            Some(&json!("b7"))
        );
    }

    #[test]
    fn items_are_found_by_shape_or_pointer() {
        let bare = json!([{"id": 1}]);
        assert_eq!(items(&bare, None).map(Vec::len), Some(1));
        let wrapped = json!({"data": [{"id": 1}, {"id": 2}], "next": null});
        assert_eq!(items(&wrapped, None).map(Vec::len), Some(2));
        let odd = json!({"page": {"rows": [{"id": 1}]}});
        assert_eq!(items(&odd, None), None);
        let p = Pointer::parse("/page/rows").unwrap();
        assert_eq!(items(&odd, Some(&p)).map(Vec::len), Some(1));
    }
}
