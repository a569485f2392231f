//! What an answer's body holds: the object, or a clear account of why it
//! is not one (not JSON, empty, an array, a scalar), with the content type
//! and the first characters, so the user sees what the API really sent.

use serde_json::Value as Json;

use crate::pointer::Pointer;
use drivers::http::HttpResponse;
use drivers::http::headers::shorten;

/// Characters of a body shown in messages.
const SNIPPET: usize = 200;

/// Why a body is not an object, in words.
pub(super) fn not_an_object(resp: &HttpResponse) -> String {
    let kind = resp
        .content_type
        .as_deref()
        .map(|t| format!(" (Content-Type: {})", shorten(t, 80)))
        .unwrap_or_default();
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return format!("an empty body{kind}");
    }
    let snippet = shorten(String::from_utf8_lossy(&resp.body).trim(), SNIPPET);
    match serde_json::from_slice::<Json>(&resp.body) {
        Err(_) => format!("a body that is not JSON{kind}: {snippet}"),
        Ok(Json::Array(a)) => format!(
            "a JSON array of {} element(s), not an object: {snippet}",
            a.len()
        ),
        Ok(Json::Object(_)) => format!("a JSON object: {snippet}"),
        Ok(_) => format!("a JSON value that is not an object: {snippet}"),
    }
}

/// What a read found.
#[derive(Debug, PartialEq)]
pub(super) enum Found {
    /// The object.
    Object(Json),
    /// An empty array (a row-filter API's "no such row"), or an envelope
    /// without the object: it is gone.
    Nothing,
}

/// How a read answer holds the object.
#[derive(Debug, Default)]
pub(super) struct Reading {
    /// Where the object (or, with `search`, the list) is.
    pub(super) pointer: Option<Pointer>,
    /// The object is an array: an array answer is the object.
    pub(super) array_body: bool,
    /// The object is the item of a list with these values (as text) at
    /// these pointers.
    pub(super) search: Vec<(Pointer, String)>,
    /// Applied to the object found.
    pub(super) patch: Option<json_patch::Patch>,
    /// Where the answer sits in the object.
    pub(super) answer_at: Option<Pointer>,
}

/// The object in a read answer, as `how` says, patched.
pub(super) fn read(resp: &HttpResponse, how: &Reading) -> Result<Found, String> {
    // An answer placed in the object is taken as it is, an array too.
    let array_body = how.array_body || how.answer_at.is_some();
    let found = match how.search.is_empty() {
        true => at_pointer(resp, how.pointer.as_ref(), array_body)?,
        false => searched(resp, how)?,
    };
    let found = match (found, &how.answer_at) {
        (Found::Object(j), Some(at)) => Found::Object(nested(j, at)),
        (found, _) => found,
    };
    match (found, &how.patch) {
        (Found::Object(mut j), Some(p)) => {
            json_patch::patch(&mut j, p)
                .map_err(|e| format!("the read's patch cannot be applied to the object: {e}"))?;
            Ok(Found::Object(j))
        }
        (found, _) => Ok(found),
    }
}

/// `j` placed at `at` in an object: `{"a": {"b": j}}` for `/a/b`.
fn nested(j: Json, at: &Pointer) -> Json {
    at.tokens().iter().rev().fold(j, |inner, token| {
        Json::Object(serde_json::Map::from_iter([(token.clone(), inner)]))
    })
}

/// The one item of the answer's list whose fields have the searched
/// values: nothing when none has, an error when several have.
fn searched(resp: &HttpResponse, how: &Reading) -> Result<Found, String> {
    let whole: Json = serde_json::from_slice(&resp.body).map_err(|_| not_an_object(resp))?;
    let Some(items) = crate::listing::items(&whole, how.pointer.as_ref()) else {
        return Err(format!(
            "no list to search in: {}",
            shorten(String::from_utf8_lossy(&resp.body).trim(), SNIPPET)
        ));
    };
    match crate::listing::search(items, &how.search) {
        Ok(Some(one)) => Ok(Found::Object(one.clone())),
        // Not on this page is not gone: the object may be on another.
        Ok(None) if resp.next_link.is_some() => Err(
            "no item of the list's first page matches the search, and the list has more pages; \
             a search reads one page, so narrow the list with read.query (a filter, or a larger \
             page size)"
                .into(),
        ),
        Ok(None) => Ok(Found::Nothing),
        Err(n) => Err(format!(
            "{n} items of the list match the search ({}); it must name one object",
            how.search
                .iter()
                .map(|(p, v)| format!("{p} = {v:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The object at `pointer` (an envelope), else the answer itself; an
/// array of one object is that object, an empty array is nothing. An
/// array of several is an error, as is anything else. Where the object is
/// an array (`array_body`), an array is the object.
fn at_pointer(
    resp: &HttpResponse,
    pointer: Option<&Pointer>,
    array_body: bool,
) -> Result<Found, String> {
    let whole: Json = serde_json::from_slice(&resp.body).map_err(|_| not_an_object(resp))?;
    let at = match pointer {
        Some(p) => match p.get(&whole) {
            Some(j) => j,
            None if whole.is_object() => return Ok(Found::Nothing),
            None => return Err(not_an_object(resp)),
        },
        None => &whole,
    };
    match at {
        Json::Object(_) => Ok(Found::Object(at.clone())),
        Json::Array(_) if array_body => Ok(Found::Object(at.clone())),
        Json::Array(items) => match items.as_slice() {
            [] => Ok(Found::Nothing),
            [one @ Json::Object(_)] => Ok(Found::Object(one.clone())),
            _ => Err(format!(
                "a JSON array of {} element(s) where one object was expected (a row filter that \
                 matches several rows?)",
                items.len()
            )),
        },
        Json::Null if pointer.is_some() => Ok(Found::Nothing),
        _ => Err(not_an_object(resp)),
    }
}

/// The object in a create or update answer, if there is one: at `pointer`,
/// else the answer itself (or the one object of an array). Without a
/// pointer, an answer that holds none of the body's fields is an
/// acknowledgement (`{"silenceID": "…"}`), not the object.
/// The read's `patch`, if any, applies to it as to what a read finds
/// (an answer it does not fit is not taken: the object is read back).
pub(super) fn written(
    resp: &HttpResponse,
    pointer: Option<&Pointer>,
    body: &Json,
    patch: Option<&json_patch::Patch>,
) -> Option<Json> {
    let mut j = match at_pointer(resp, pointer, body.is_array()) {
        Ok(Found::Object(j)) if pointer.is_some() || represents(&j, body) => j,
        _ => return None,
    };
    match patch {
        Some(p) => json_patch::patch(&mut j, p).ok().map(|()| j),
        None => Some(j),
    }
}

/// Whether `answer` is a representation of the object `body` describes:
/// it has at least one of the body's top-level fields (or the body has
/// none).
fn represents(answer: &Json, body: &Json) -> bool {
    match (answer, body) {
        (Json::Object(a), Json::Object(b)) => b.is_empty() || b.keys().any(|k| a.contains_key(k)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(body: &str, content_type: Option<&str>) -> HttpResponse {
        HttpResponse {
            status: 200,
            location: None,
            operation_location: None,
            content_type: content_type.map(str::to_owned),
            retry_after: None,
            body: bytes::Bytes::from(body.to_owned()),
            pause: None,
            pace: None,
            next_link: None,
            headers: Vec::new(),
        }
    }

    #[test]
    fn every_kind_of_non_object_is_named() {
        let html = not_an_object(&resp("<html>oops</html>", Some("text/html")));
        assert!(
            html.contains("not JSON") && html.contains("text/html") && html.contains("oops"),
            "{html}"
        );
        assert_eq!(not_an_object(&resp("  ", None)), "an empty body");
        assert!(not_an_object(&resp(r#"[{"id": 1}, 2]"#, None)).contains("JSON array of 2"));
        assert!(not_an_object(&resp("42", None)).contains("not an object"));
        assert!(not_an_object(&resp("{\"a\":", None)).contains("not JSON"));
    }

    #[test]
    fn reads_unwrap_envelopes_and_arrays_of_one() {
        let data = Pointer::parse("/data").unwrap();
        let obj = |s: &str| Found::Object(serde_json::from_str(s).unwrap());
        assert_eq!(
            at_pointer(&resp(r#"[{"id": 3}]"#, None), None, false),
            Ok(obj(r#"{"id": 3}"#))
        );
        assert_eq!(
            at_pointer(&resp("[]", None), None, false),
            Ok(Found::Nothing)
        );
        assert!(
            at_pointer(&resp(r#"[{"id": 3}, {"id": 4}]"#, None), None, false)
                .unwrap_err()
                .contains("several")
        );
        assert_eq!(
            at_pointer(&resp(r#"{"data": {"id": 3}}"#, None), Some(&data), false),
            Ok(obj(r#"{"id": 3}"#))
        );
        assert_eq!(
            at_pointer(&resp(r#"{"data": [{"id": 3}]}"#, None), Some(&data), false),
            Ok(obj(r#"{"id": 3}"#))
        );
        assert_eq!(
            at_pointer(&resp(r#"{"data": null}"#, None), Some(&data), false),
            Ok(Found::Nothing)
        );
        assert_eq!(
            at_pointer(&resp(r#"{"errors": []}"#, None), Some(&data), false),
            Ok(Found::Nothing)
        );
        assert!(
            at_pointer(&resp("<html/>", None), None, false)
                .unwrap_err()
                .contains("not JSON")
        );
    }

    #[test]
    fn an_array_is_the_object_where_the_body_is_an_array() {
        let one = r#"[{"foo": "foo"}]"#;
        assert_eq!(
            at_pointer(&resp(one, None), None, true),
            Ok(Found::Object(serde_json::from_str(one).unwrap()))
        );
        assert_eq!(
            at_pointer(&resp("[]", None), None, true),
            Ok(Found::Object(serde_json::json!([])))
        );
        let body = serde_json::json!([{"foo": "foo"}]);
        assert_eq!(
            written(&resp(one, None), None, &body, None),
            Some(body.clone())
        );
        // The read's patch shapes a written answer as it shapes a read.
        let patch: json_patch::Patch =
            serde_json::from_value(serde_json::json!([{"op": "remove", "path": "/meta"}])).unwrap();
        let body = serde_json::json!({"name": "a"});
        let answer = resp(r#"{"name": "a", "meta": {"v": 1}}"#, None);
        assert_eq!(
            written(&answer, None, &body, Some(&patch)),
            Some(body.clone())
        );
        let unfit = resp(r#"{"name": "a"}"#, None);
        assert_eq!(
            written(&unfit, None, &body, Some(&patch)),
            None,
            "read back instead"
        );
    }

    #[test]
    fn a_search_finds_one_item_and_a_patch_reshapes_it() {
        let listing = r#"{"list": [{"id": 1, "n": "a", "on": true}, {"id": "2", "n": "b"}, {"id": 3, "n": "b"}]}"#;
        let how = |search: &[(&str, &str)], patch: Option<serde_json::Value>| Reading {
            pointer: Some(Pointer::parse("/list").unwrap()),
            search: search
                .iter()
                .map(|(p, v)| (Pointer::parse(p).unwrap(), (*v).to_owned()))
                .collect(),
            patch: patch.map(|p| serde_json::from_value(p).unwrap()),
            ..Reading::default()
        };
        let found = |h: &Reading| read(&resp(listing, None), h);
        assert_eq!(
            found(&how(&[("/id", "1"), ("/on", "true")], None)),
            Ok(Found::Object(
                serde_json::json!({"id": 1, "n": "a", "on": true})
            ))
        );
        assert_eq!(
            found(&how(
                &[("/id", "2")],
                Some(serde_json::json!([
                    {"op": "copy", "from": "/n", "path": "/name"},
                    {"op": "remove", "path": "/n"}
                ]))
            )),
            Ok(Found::Object(serde_json::json!({"id": "2", "name": "b"})))
        );
        assert_eq!(found(&how(&[("/id", "9")], None)), Ok(Found::Nothing));
        assert!(
            found(&how(&[("/n", "b")], None))
                .unwrap_err()
                .contains("2 items")
        );
        let bad_patch = how(
            &[("/id", "1")],
            Some(serde_json::json!([{"op": "remove", "path": "/nope"}])),
        );
        assert!(found(&bad_patch).unwrap_err().contains("patch"));
    }

    #[test]
    fn an_answer_placed_in_the_object_is_taken_as_it_is() {
        let how = |at: &str| Reading {
            answer_at: Some(Pointer::parse(at).unwrap()),
            ..Reading::default()
        };
        let one = resp(r#"[{"property_name": "system"}]"#, None);
        assert_eq!(
            read(&one, &how("/properties")),
            Ok(Found::Object(
                serde_json::json!({"properties": [{"property_name": "system"}]})
            )),
            "an array of one stays an array"
        );
        assert_eq!(
            read(&resp("[]", None), &how("/a/b")),
            Ok(Found::Object(serde_json::json!({"a": {"b": []}})))
        );
        assert!(read(&resp("7", None), &how("/n")).is_err());
    }

    #[test]
    fn a_search_that_misses_on_a_page_of_many_is_not_gone() {
        let mut r = resp(r#"[{"id": 1}]"#, None);
        r.next_link = Some("/items?page=2".into());
        let how = Reading {
            search: vec![(Pointer::parse("/id").unwrap(), "2".to_owned())],
            ..Reading::default()
        };
        assert!(read(&r, &how).unwrap_err().contains("more pages"));
    }
}
