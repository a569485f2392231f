//! What a URL parser does to a path, asked before it does it: whether a
//! path has a segment the parser would resolve away (`.`, `..`, however
//! spelled), and whether a path lies under a base path. The HTTP driver,
//! the pager and the provider's templates all ask these, so a path that
//! would leave the endpoint is refused the same way wherever it was built.

use percent_encoding::percent_decode_str;

/// Whether any segment of `path` is `.` or `..` to a URL parser.
///
/// A WHATWG parser first removes every tab, line feed and carriage return
/// (`.\t.` is `..`) and trims C0 controls and spaces from both ends; it
/// takes `\` as `/` and `%2e` as `.`. The check does the same first.
pub fn has_dot_segment(path: &str) -> bool {
    let cleaned: String = path
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    cleaned
        .trim_matches(|c: char| c <= ' ')
        .split(['/', '\\'])
        .any(|s| {
            let decoded = percent_decode_str(s).decode_utf8_lossy();
            let decoded = decoded.trim_matches(|c: char| c <= ' ');
            decoded == "." || decoded == ".."
        })
}

/// Whether `path` is `base` or below it. `base` has no trailing `/`; the
/// empty base (an endpoint at the host's root) holds every absolute path.
pub fn is_under(path: &str, base: &str) -> bool {
    path == base
        || path
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_found_however_spelled() {
        for p in [
            "/a/..",
            "/a/../b",
            "/./a",
            "/a/%2e%2E/b",
            "/a/.%2e",
            "/a\\..\\b",
            "/a/.\t./b",
            "/a/.\n.",
            "/a/.\r/b",
            " /..",
            "/a/.. ",
            "..",
        ] {
            assert!(has_dot_segment(p), "{p:?}");
        }
        for p in ["/a/...", "/a/.b", "/a/b.", "/a/%2e%2e%2e", "/", "/a/b"] {
            assert!(!has_dot_segment(p), "{p:?}");
        }
    }

    #[test]
    fn under_needs_a_segment_boundary() {
        assert!(is_under("/v1", "/v1"));
        assert!(is_under("/v1/x", "/v1"));
        assert!(!is_under("/v10/x", "/v1"));
        assert!(!is_under("/", "/v1"));
        assert!(is_under("/anything", ""));
        assert!(!is_under("", "/v1"));
    }

    proptest::proptest! {
        /// Whatever the path, if no dot segment is found, the URL the
        /// parser builds from the endpoint and the path stays under the
        /// endpoint's path.
        #[test]
        fn a_path_without_dot_segments_stays_under_the_base(
            path in "/[./\\%2eE \t\n\rab?#]{0,12}"
        ) {
            if !has_dot_segment(path.split(['?', '#']).next().unwrap_or_default()) {
                let url = url::Url::parse(&format!("http://127.0.0.1/base{path}"));
                if let Ok(url) = url {
                    proptest::prop_assert!(is_under(url.path(), "/base"), "{path:?} -> {url}");
                }
            }
        }
    }
}
