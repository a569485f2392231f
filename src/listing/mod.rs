//! Listing a collection: every page, through the engine (rate limit,
//! retries, timeouts, audit, metrics), into one list of items. Shared by
//! natural-key lookups, bulk refresh of `driver_http_object` and the
//! `driver_http_objects` data source.

mod cache;
mod settings;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value as Json;
use url::Url;

use crate::Diagnostics;
use crate::failure;
use crate::http_client::HttpClient;
use crate::pointer::Pointer;
use crate::runtime::Runtime;
use drivers::Outcome;
use drivers::http::HttpRequest;
use drivers::http::pagination::{Next, PageAnswer, Pager};
use engine::OperationContext;

pub use cache::Listings;
pub use settings::{PaginationBlock, PaginationSettings};

/// The most bytes of answers one listing keeps; a longer listing is
/// incomplete (each page is also bounded by `max_response_bytes`).
const MAX_LISTING_BYTES: usize = 256 << 20;

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
    /// What tells two listings apart, for sharing them.
    pub fn key(&self, client: &HttpClient) -> String {
        format!(
            "{} {} {:?} {:?} {:?} {:?}",
            self.first.method,
            client.url(&self.first.path),
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

/// Reads every page of a listing. Errors (a failed request, a 404, an
/// answer without items) are diagnostics naming the page; a listing cut
/// short (too many pages, a loop, another origin) is `Ok` but incomplete.
pub async fn fetch(
    rt: &Runtime,
    client: &HttpClient,
    req: &ListRequest,
    ctx: &OperationContext,
) -> Result<Listing, Diagnostics> {
    let mut d = Diagnostics::new();
    let first_url = match Url::parse(&client.engine().driver().url(&req.first.path)) {
        Ok(u) => u,
        Err(e) => {
            d.error(
                "Invalid listing URL",
                format!("{}: {e}", client.url(&req.first.path)),
            );
            return Err(d);
        }
    };
    let (pager, mut page) =
        Pager::start(req.paging.pagination.clone(), req.first.clone(), first_url);
    let mut pager = pager.within(client.base_url());
    let mut items = Vec::new();
    let mut bytes = 0usize;
    loop {
        let (answer, size, next_link) = fetch_page(rt, client, &page, ctx).await?;
        bytes = bytes.saturating_add(size);
        let target = page_target(client, &page);
        let Some(found) = self::items(&answer, req.items_pointer.as_ref()) else {
            d.error(
                "No items in the listing",
                format!(
                    "{target} answered, but the provider found no array of items in it; set \
                     items_pointer to where the items are, such as \"/data\"."
                ),
            );
            return Err(d);
        };
        let count = found.len();
        items.extend(found.iter().cloned());
        let next_in_body = req
            .paging
            .next_pointer
            .as_ref()
            .and_then(|p| p.get(&answer))
            .and_then(|v| match v {
                Json::String(s) => Some(s.clone()),
                Json::Number(n) => Some(n.to_string()),
                _ => None,
            });
        let said = PageAnswer {
            next_link: next_link.as_deref(),
            next_in_body: next_in_body.as_deref(),
            items: count,
        };
        match pager.next(&said) {
            Next::Done => return Ok(Listing::new(items, None, pager.pages())),
            Next::Incomplete(why) => return Ok(Listing::new(items, Some(why), pager.pages())),
            Next::Page(_) if bytes > MAX_LISTING_BYTES => {
                let why = format!("the listing is larger than {} MiB", MAX_LISTING_BYTES >> 20);
                return Ok(Listing::new(items, Some(why), pager.pages()));
            }
            Next::Page(next) => page = *next,
        }
    }
}

/// A page's request, for messages.
fn page_target(client: &HttpClient, page: &HttpRequest) -> String {
    match &page.absolute_url {
        Some(u) => format!("GET {u}"),
        None => format!("GET {}", client.url(&page.path)),
    }
}

/// Reads one page: its answer as JSON, its size, and its `Link` to the
/// next page.
async fn fetch_page(
    rt: &Runtime,
    client: &HttpClient,
    page: &HttpRequest,
    ctx: &OperationContext,
) -> Result<(Json, usize, Option<String>), Diagnostics> {
    let mut d = Diagnostics::new();
    let target = page_target(client, page);
    let resp = match client.execute(page, ctx).await {
        Ok(Outcome::Done(r)) => r,
        Ok(Outcome::Gone) => {
            d.error(
                "Collection not found",
                format!(
                    "{target} answered 404; set the listing's path to where the collection can \
                     be listed."
                ),
            );
            return Err(d);
        }
        Err(e) => {
            failure::report(rt, &mut d, "Listing failed", &target, &e);
            return Err(d);
        }
    };
    match serde_json::from_slice(&resp.body) {
        Ok(j) => Ok((j, resp.body.len(), resp.next_link)),
        Err(_) => {
            d.error(
                "Listing is not JSON",
                rt.scrub(&format!(
                    "{target} answered with {} bytes that are not JSON.",
                    resp.body.len()
                )),
            );
            Err(d)
        }
    }
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
