//! Walking the pages of a listing: which request fetches the next page,
//! and when to stop. Shared by everything that lists a collection.
//!
//! A `Link: <...>; rel="next"` header (RFC 8288) is followed whatever the
//! style; otherwise the style says where the next page is: a URL or a
//! cursor in the answer, or page numbers or offsets in a query parameter.
//! Bounded (at most `max_pages`) and loop-safe (a page asked for twice
//! ends the walk): both end it as *incomplete*, which callers must not
//! read as "these are all the objects".

use std::collections::HashSet;

use url::Url;

use super::request::HttpRequest;

/// Pages fetched at most when the configuration does not say.
pub const DEFAULT_MAX_PAGES: u32 = 1000;
/// The most pages anyone may ask for.
pub const MAX_PAGES_LIMIT: u32 = 100_000;

/// Where the next page is, besides a `Link` header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PageStyle {
    /// Only `Link: <...>; rel="next"`.
    #[default]
    Links,
    /// The next page's URL (absolute, or relative to the page's) is in the
    /// answer; the caller reads it out.
    NextUrl,
    /// An opaque cursor is in the answer; it goes back in this query
    /// parameter.
    Cursor {
        /// The query parameter.
        param: String,
    },
    /// Page numbers in this query parameter, the first page being `first`.
    Page {
        /// The query parameter.
        param: String,
        /// The number of the first page (usually 1, sometimes 0).
        first: u64,
    },
    /// The offset of the page's first item in this query parameter.
    Offset {
        /// The query parameter.
        param: String,
    },
}

/// How a listing is paginated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pagination {
    /// Where the next page is.
    pub style: PageStyle,
    /// The query parameter carrying the page size, and the size asked for.
    pub size: Option<(String, u32)>,
    /// Most pages fetched; a longer listing is incomplete.
    pub max_pages: u32,
}

impl Default for Pagination {
    fn default() -> Self {
        Pagination {
            style: PageStyle::Links,
            size: None,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

/// What one page said about the next.
#[derive(Debug, Default)]
pub struct PageAnswer<'a> {
    /// The `rel="next"` target of its `Link` header.
    pub next_link: Option<&'a str>,
    /// The next URL or cursor read from the answer (styles `NextUrl` and
    /// `Cursor`); empty means none.
    pub next_in_body: Option<&'a str>,
    /// How many items it held.
    pub items: usize,
}

/// What comes after a page.
#[derive(Debug)]
pub enum Next {
    /// This request fetches the next page.
    Page(Box<HttpRequest>),
    /// That was the last page: the listing is complete.
    Done,
    /// The walk stops early: the listing is incomplete, for this reason.
    Incomplete(String),
}

/// The walk through one listing's pages.
#[derive(Debug)]
pub struct Pager {
    config: Pagination,
    /// The first page's URL: relative links resolve against the current
    /// page, and no page may leave this origin.
    base: Url,
    /// The path no page may leave (the endpoint's base path), if set.
    within: Option<String>,
    current: HttpRequest,
    current_url: Url,
    pages: u32,
    seen: HashSet<String>,
    page_number: u64,
    offset: u64,
}

impl Pager {
    /// Starts a walk: the pager, and the request for the first page (with
    /// the page size, page number or offset parameters added). `first_url`
    /// is the full URL `first` is sent to, for resolving relative links.
    pub fn start(config: Pagination, first: HttpRequest, first_url: Url) -> (Pager, HttpRequest) {
        let first_number = match &config.style {
            PageStyle::Page { first, .. } => *first,
            _ => 0,
        };
        let mut pager = Pager {
            base: first_url.clone(),
            within: None,
            current_url: first_url,
            current: first,
            pages: 1,
            seen: HashSet::new(),
            page_number: first_number,
            offset: 0,
            config,
        };
        let mut req = pager.current.clone();
        pager.add_position(&mut req);
        pager.seen.insert(key(&req, &pager.current_url));
        pager.current = req.clone();
        (pager, req)
    }

    /// Keeps every page below `endpoint`'s path: a next link elsewhere on
    /// the origin, or with a `.` or `..` segment, ends the walk.
    pub fn within(mut self, endpoint: &Url) -> Pager {
        self.within = Some(endpoint.path().trim_end_matches('/').to_owned());
        self
    }

    /// Pages asked for so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// The request for the page after the one `answer` describes.
    pub fn next(&mut self, answer: &PageAnswer<'_>) -> Next {
        let mut next = self.current.clone();
        let mut next_url = self.current_url.clone();
        let body_next = answer.next_in_body.map(str::trim).filter(|s| !s.is_empty());
        if let Some(link) = answer.next_link {
            match self.resolve(link) {
                Ok(url) => {
                    next_url = url.clone();
                    next.absolute_url = Some(url);
                    next.query.clear();
                }
                Err(why) => return Next::Incomplete(why),
            }
        } else {
            match &self.config.style {
                PageStyle::Links => return Next::Done,
                PageStyle::NextUrl => {
                    let Some(target) = body_next else {
                        return Next::Done;
                    };
                    match self.resolve(target) {
                        Ok(url) => {
                            next_url = url.clone();
                            next.absolute_url = Some(url);
                            next.query.clear();
                        }
                        Err(why) => return Next::Incomplete(why),
                    }
                }
                PageStyle::Cursor { param } => {
                    let Some(cursor) = body_next else {
                        return Next::Done;
                    };
                    set_param(&mut next, param, cursor);
                }
                PageStyle::Page { .. } | PageStyle::Offset { .. } => {
                    let size = self.config.size.as_ref().map(|(_, n)| *n as usize);
                    // An empty page, or a short one when the size is known, is the last.
                    if answer.items == 0 || size.is_some_and(|n| answer.items < n) {
                        return Next::Done;
                    }
                    self.page_number = self.page_number.saturating_add(1);
                    self.offset = self.offset.saturating_add(answer.items as u64);
                    self.add_position(&mut next);
                }
            }
        }
        if self.pages >= self.config.max_pages {
            return Next::Incomplete(format!(
                "the listing has more than {} pages (max_pages)",
                self.config.max_pages
            ));
        }
        if !self.seen.insert(key(&next, &next_url)) {
            return Next::Incomplete(
                "the API sent a page that was already read (a pagination loop)".into(),
            );
        }
        self.pages += 1;
        self.current = next.clone();
        self.current_url = next_url;
        Next::Page(Box::new(next))
    }

    /// A next-page URL from the API, resolved against the current page and
    /// kept to the listing's origin.
    fn resolve(&self, target: &str) -> Result<Url, String> {
        let short = super::headers::shorten(target, 200);
        let url = self
            .current_url
            .join(target)
            .map_err(|e| format!("the next page's URL {short:?} is not a URL: {e}"))?;
        if url.origin() != self.base.origin() {
            return Err(format!(
                "the next page is on another origin ({short}), which the provider does not follow"
            ));
        }
        if let Some(within) = &self.within {
            let raw = target.split(['?', '#']).next().unwrap_or_default();
            let dot = super::paths::has_dot_segment(raw);
            let path = url.path();
            if dot || !super::paths::is_under(path, within) {
                return Err(format!(
                    "the next page ({short}) is outside the endpoint's path {within:?}, which \
                     the provider does not follow"
                ));
            }
        }
        Ok(url)
    }

    /// The page size, and the page number or offset, as query parameters.
    fn add_position(&self, req: &mut HttpRequest) {
        if let Some((param, n)) = &self.config.size {
            set_param(req, param, &n.to_string());
        }
        match &self.config.style {
            PageStyle::Page { param, .. } => set_param(req, param, &self.page_number.to_string()),
            PageStyle::Offset { param } => set_param(req, param, &self.offset.to_string()),
            _ => {}
        }
    }
}

fn set_param(req: &mut HttpRequest, name: &str, value: &str) {
    // On a URL given by the API (a next link), the parameter replaces the
    // one in the URL.
    if let Some(url) = &mut req.absolute_url {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != name)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair(name, value);
        return;
    }
    req.query.retain(|(k, _)| k != name);
    req.query.push((name.to_owned(), value.to_owned()));
}

/// What identifies a page request, for loop detection.
fn key(req: &HttpRequest, url: &Url) -> String {
    let mut q: Vec<String> = req.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    q.sort();
    format!(
        "{}?{}",
        req.absolute_url.as_ref().unwrap_or(url),
        q.join("&")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Operation;
    use crate::http::Method;
    use proptest::prelude::*;

    fn first() -> (HttpRequest, Url) {
        let req = HttpRequest::new(Operation::Read, Method::GET, "/items".into());
        (req, Url::parse("https://api.example.com/v1/items").unwrap())
    }

    fn page(n: usize) -> PageAnswer<'static> {
        PageAnswer {
            items: n,
            ..Default::default()
        }
    }

    fn query(r: &HttpRequest) -> Vec<(String, String)> {
        r.query.clone()
    }

    #[test]
    fn links_are_followed_until_there_is_none() {
        let (req, url) = first();
        let (mut p, _) = Pager::start(Pagination::default(), req, url);
        let a = PageAnswer {
            next_link: Some("/v1/items?after=10"),
            items: 10,
            ..Default::default()
        };
        let Next::Page(n) = p.next(&a) else {
            panic!("a next link is followed")
        };
        assert_eq!(
            n.absolute_url.as_ref().map(Url::as_str),
            Some("https://api.example.com/v1/items?after=10")
        );
        assert!(matches!(p.next(&page(3)), Next::Done));
        assert_eq!(p.pages(), 2);
    }

    #[test]
    fn page_numbers_stop_at_a_short_page() {
        let (req, url) = first();
        let config = Pagination {
            style: PageStyle::Page {
                param: "page".into(),
                first: 1,
            },
            size: Some(("per_page".into(), 2)),
            max_pages: 10,
        };
        let (mut p, r) = Pager::start(config, req, url);
        assert_eq!(
            query(&r),
            [("per_page".into(), "2".into()), ("page".into(), "1".into())]
        );
        let Next::Page(r) = p.next(&page(2)) else {
            panic!()
        };
        assert!(query(&r).contains(&("page".into(), "2".into())));
        assert!(matches!(p.next(&page(1)), Next::Done));
    }

    #[test]
    fn offsets_advance_by_the_items_seen_and_stop_at_an_empty_page() {
        let (req, url) = first();
        let config = Pagination {
            style: PageStyle::Offset {
                param: "offset".into(),
            },
            size: None,
            max_pages: 10,
        };
        let (mut p, r) = Pager::start(config, req, url);
        assert_eq!(query(&r), [("offset".into(), "0".into())]);
        let Next::Page(r) = p.next(&page(25)) else {
            panic!()
        };
        assert_eq!(query(&r), [("offset".into(), "25".into())]);
        assert!(matches!(p.next(&page(0)), Next::Done));
    }

    #[test]
    fn cursors_go_back_in_their_parameter() {
        let (req, url) = first();
        let config = Pagination {
            style: PageStyle::Cursor {
                param: "cursor".into(),
            },
            size: Some(("limit".into(), 50)),
            max_pages: 10,
        };
        let (mut p, _) = Pager::start(config, req, url);
        let a = PageAnswer {
            next_in_body: Some("abc"),
            items: 50,
            ..Default::default()
        };
        let Next::Page(r) = p.next(&a) else { panic!() };
        assert_eq!(
            query(&r),
            [
                ("limit".into(), "50".into()),
                ("cursor".into(), "abc".into())
            ]
        );
        let end = PageAnswer {
            next_in_body: Some(""),
            items: 3,
            ..Default::default()
        };
        assert!(matches!(p.next(&end), Next::Done));
    }

    #[test]
    fn next_pages_outside_the_endpoint_path_are_not_followed() {
        let url = Url::parse("http://127.0.0.1:9/api/v1/items").unwrap();
        let endpoint = Url::parse("http://127.0.0.1:9/api/v1").unwrap();
        let req = HttpRequest::new(Operation::Read, Method::GET, "/items".into());
        for link in [
            "/admin?page=2",
            "/api/v1/../admin",
            "/api/v1/items/%2e%2e/x",
            // A URL parser drops the tab: `..`, taken out of the items.
            "/api/v1/items/.\t./x",
        ] {
            let (p, _) = Pager::start(Pagination::default(), req.clone(), url.clone());
            let mut p = p.within(&endpoint);
            let said = PageAnswer {
                next_link: Some(link),
                next_in_body: None,
                items: 1,
            };
            assert!(matches!(p.next(&said), Next::Incomplete(_)), "{link}");
        }
        let (p, _) = Pager::start(Pagination::default(), req, url);
        let mut p = p.within(&endpoint);
        let said = PageAnswer {
            next_link: Some("/api/v1/items?page=2"),
            next_in_body: None,
            items: 1,
        };
        assert!(matches!(p.next(&said), Next::Page(_)));
    }

    #[test]
    fn loops_other_origins_and_too_many_pages_are_incomplete() {
        let (req, url) = first();
        let config = Pagination {
            style: PageStyle::Cursor {
                param: "cursor".into(),
            },
            size: None,
            max_pages: 3,
        };
        let (mut p, _) = Pager::start(config.clone(), req.clone(), url.clone());
        let same = PageAnswer {
            next_in_body: Some("c1"),
            items: 1,
            ..Default::default()
        };
        assert!(matches!(p.next(&same), Next::Page(_)));
        let Next::Incomplete(why) = p.next(&same) else {
            panic!("the same cursor twice is a loop")
        };
        assert!(why.contains("loop"), "{why}");

        let (mut p, _) = Pager::start(config.clone(), req.clone(), url.clone());
        let away = PageAnswer {
            next_link: Some("https://evil.example.net/items?page=2"),
            ..Default::default()
        };
        let Next::Incomplete(why) = p.next(&away) else {
            panic!()
        };
        assert!(why.contains("another origin"), "{why}");

        let (mut p, _) = Pager::start(config, req, url);
        for c in ["a", "b"] {
            let a = PageAnswer {
                next_in_body: Some(c),
                items: 1,
                ..Default::default()
            };
            assert!(matches!(p.next(&a), Next::Page(_)));
        }
        let a = PageAnswer {
            next_in_body: Some("c"),
            items: 1,
            ..Default::default()
        };
        let Next::Incomplete(why) = p.next(&a) else {
            panic!()
        };
        assert!(why.contains("more than 3 pages"), "{why}");
    }

    proptest! {
        /// Whatever the API answers, a walk ends within max_pages.
        #[test]
        fn every_walk_ends(answers in prop::collection::vec(
            (prop::option::of("[a-z0-9/?=&:.]{0,30}"), prop::option::of("[a-z0-9]{0,4}"), 0usize..5),
            1..50,
        ), style in 0u8..5) {
            let (req, url) = first();
            let style = match style {
                0 => PageStyle::Links,
                1 => PageStyle::NextUrl,
                2 => PageStyle::Cursor { param: "c".into() },
                3 => PageStyle::Page { param: "p".into(), first: 1 },
                _ => PageStyle::Offset { param: "o".into() },
            };
            let config = Pagination { style, size: Some(("n".into(), 4)), max_pages: 20 };
            let (mut p, _) = Pager::start(config, req, url);
            for (link, body, items) in &answers {
                let a = PageAnswer { next_link: link.as_deref(), next_in_body: body.as_deref(), items: *items };
                match p.next(&a) {
                    Next::Page(_) => prop_assert!(p.pages() <= 20),
                    Next::Done | Next::Incomplete(_) => break,
                }
            }
        }
    }
}
