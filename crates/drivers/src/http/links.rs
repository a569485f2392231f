//! The `Link` header (RFC 8288): where the next page of a listing is.
//! Bounded: a header is read up to [`MAX_LINK_HEADER`] bytes and
//! [`MAX_LINKS`] links; anything malformed is skipped, never an error.

/// Longest `Link` header value read.
pub(super) const MAX_LINK_HEADER: usize = 16 * 1024;
/// Most links looked at in one header.
const MAX_LINKS: usize = 64;

/// The target of the first link whose `rel` includes `next`, as written
/// (possibly relative: resolve it against the request's URL).
pub(super) fn next_link(values: &[&str]) -> Option<String> {
    let mut budget = MAX_LINK_HEADER;
    let mut seen = 0;
    for value in values {
        let take = value.len().min(budget);
        let value = value.get(..take)?;
        budget = budget.saturating_sub(take);
        for link in split_links(value) {
            seen += 1;
            if seen > MAX_LINKS {
                return None;
            }
            if let Some(target) = next_target(link) {
                return Some(target.to_owned());
            }
        }
        if budget == 0 {
            break;
        }
    }
    None
}

/// Splits a header into links at the commas outside `<...>` and quotes.
fn split_links(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut in_uri, mut in_quote, mut start) = (false, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '<' if !in_quote => in_uri = true,
            '>' if !in_quote => in_uri = false,
            '"' if !in_uri => in_quote = !in_quote,
            ',' if !in_uri && !in_quote => {
                out.push(value.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(value.get(start..).unwrap_or_default());
    out
}

/// `<target>; rel="next"` (or `rel=next`, or `rel="prev next"`): the target.
fn next_target(link: &str) -> Option<&str> {
    let link = link.trim();
    let rest = link.strip_prefix('<')?;
    let end = rest.find('>')?;
    let target = rest.get(..end)?.trim();
    let params = rest.get(end + 1..)?;
    let is_next = params.split(';').any(|p| {
        let Some((name, value)) = p.split_once('=') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("rel")
            && value
                .trim()
                .trim_matches('"')
                .split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("next"))
    });
    (is_next && !target.is_empty()).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_next_among_other_relations() {
        let github = r#"<https://api.example.com/items?page=2>; rel="next", <https://api.example.com/items?page=9>; rel="last""#;
        assert_eq!(
            next_link(&[github]).as_deref(),
            Some("https://api.example.com/items?page=2")
        );
        assert_eq!(
            next_link(&["</items?after=5>; rel=next"]).as_deref(),
            Some("/items?after=5")
        );
        assert_eq!(
            next_link(&[r#"</a>; rel="prev", </b>; title="x, y"; rel="prev next""#]).as_deref(),
            Some("/b")
        );
        // A comma inside the URI is part of it.
        assert_eq!(
            next_link(&[r#"</items?ids=1,2>; rel="next""#]).as_deref(),
            Some("/items?ids=1,2")
        );
        // Separate header lines count too.
        assert_eq!(
            next_link(&[r#"</a>; rel="last""#, r#"</b>; rel="next""#]).as_deref(),
            Some("/b")
        );
    }

    #[test]
    fn no_next_is_none() {
        for v in [
            "",
            "garbage",
            r#"</a>; rel="last""#,
            "<>; rel=next",
            "</a>",
            "<unclosed; rel=next",
        ] {
            assert_eq!(next_link(&[v]), None, "{v:?}");
        }
    }

    #[test]
    fn huge_headers_are_cut() {
        let many = std::iter::repeat_n(r#"</x>; rel="last""#, 10_000)
            .collect::<Vec<_>>()
            .join(", ");
        let with_next = format!("{many}, </next>; rel=\"next\"");
        assert_eq!(next_link(&[&with_next]), None);
    }

    proptest! {
        #[test]
        fn any_header_is_read_without_panic(v in "\\PC{0,400}") {
            let _ = next_link(&[&v]);
        }

        #[test]
        fn a_next_link_is_found_whatever_surrounds_it(
            before in "[a-z0-9/?=&]{0,20}",
            target in "/[a-z0-9/?=&]{1,30}",
        ) {
            let header = format!("<{before}>; rel=\"prev\", <{target}>; rel=\"next\"");
            prop_assert_eq!(next_link(&[&header]), Some(target));
        }
    }
}
