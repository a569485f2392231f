//! A collection's listing, read page by page through the HTTP client:
//! bounded, loop-safe, and kept below the endpoint.

use serde_json::Value as Json;
use url::Url;

use super::HttpClient;
use crate::Diagnostics;
use crate::failure;
use crate::listing::{ListRequest, Listing, MAX_LISTING_BYTES};
use crate::runtime::Runtime;
use drivers::Outcome;
use drivers::http::HttpRequest;
use drivers::http::pagination::{Next, PageAnswer, Pager};
use engine::OperationContext;

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
        let Some(found) = crate::listing::items(&answer, req.items_pointer.as_ref()) else {
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
