//! Paginated listings of a collection (`GET /<collection>?...`), in the
//! styles real APIs use; without paging parameters a listing is the whole
//! collection, as before. Objects are listed in id order.
//!
//! - `?limit=N[&after=ID]`: a page of up to N objects after ID, with a
//!   `Link: </c?limit=N&after=LAST>; rel="next"` header while more follow
//!   (RFC 8288, GitHub and most modern APIs);
//! - `?limit=N&style=body[&after=ID]`: the same page as
//!   `{"data": [...], "next": "<url>" | null, "cursor": "<id>" | null}`;
//! - `?per_page=N&page=P`: page numbers from 1, no links;
//! - `?offset=K&count=N`: offsets, no links.
//!
//! `Faults::page_loop` makes every next link and cursor point at the first
//! page again: a broken API whose pagination never ends.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value as Json, json};

use super::{Store, json_response};

/// Largest page served.
const MAX_PAGE: usize = 10_000;

/// A listing of `path` if `query` asks for a page; `None` otherwise.
pub(crate) fn list(store: &mut Store, path: &str, query: &str) -> Option<Response> {
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let number = |k: &str| get(k).and_then(|v| v.parse::<usize>().ok());
    let all: Vec<(u64, Json)> = store
        .collections
        .get(path)
        .map(|m| m.iter().map(|(id, o)| (*id, o.clone())).collect())
        .unwrap_or_default();
    let looping = store.faults.page_loop;
    if let Some(limit) = number("limit") {
        let limit = limit.clamp(1, MAX_PAGE);
        let after = get("after")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let page: Vec<(u64, Json)> = all
            .iter()
            .filter(|(id, _)| *id > after)
            .take(limit)
            .cloned()
            .collect();
        let last = page.last().map(|(id, _)| *id);
        let more = last.is_some_and(|l| all.iter().any(|(id, _)| *id > l));
        let cursor = match (more, looping) {
            (false, _) => None,
            (true, true) => Some(0),
            (true, false) => last,
        };
        store.counters.pages_served += 1;
        let items: Vec<Json> = page.into_iter().map(|(_, o)| o).collect();
        if get("style") == Some("body") {
            let next = cursor.map(|c| format!("{path}?limit={limit}&style=body&after={c}"));
            return Some(json_response(
                StatusCode::OK,
                &json!({"data": items, "next": next, "cursor": cursor.map(|c| c.to_string())}),
            ));
        }
        let mut r = json_response(StatusCode::OK, &Json::Array(items));
        if let Some(c) = cursor {
            let link = format!("<{path}?limit={limit}&after={c}>; rel=\"next\"");
            if let Ok(v) = HeaderValue::from_str(&link) {
                r.headers_mut().insert(header::LINK, v);
            }
        }
        return Some(r);
    }
    let (skip, take) = if let Some(per_page) = number("per_page") {
        let per_page = per_page.clamp(1, MAX_PAGE);
        let page = number("page").unwrap_or(1).max(1);
        let page = if looping { 1 } else { page };
        (page.saturating_sub(1).saturating_mul(per_page), per_page)
    } else if let Some(offset) = number("offset") {
        let count = number("count").unwrap_or(100).clamp(1, MAX_PAGE);
        (if looping { 0 } else { offset }, count)
    } else {
        return None;
    };
    store.counters.pages_served += 1;
    let items: Vec<Json> = all
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|(_, o)| o)
        .collect();
    Some(json_response(StatusCode::OK, &Json::Array(items)))
}
