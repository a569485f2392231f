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

/// The object in a read answer: at `pointer` (an envelope), else the
/// answer itself; an array of one object is that object, an empty array
/// is nothing. An array of several is an error, as is anything else.
/// Where the object is an array (`array_body`), an array is the object.
pub(super) fn read(
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
pub(super) fn written(resp: &HttpResponse, pointer: Option<&Pointer>, body: &Json) -> Option<Json> {
    match read(resp, pointer, body.is_array()) {
        Ok(Found::Object(j)) if pointer.is_some() || represents(&j, body) => Some(j),
        _ => None,
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
            read(&resp(r#"[{"id": 3}]"#, None), None, false),
            Ok(obj(r#"{"id": 3}"#))
        );
        assert_eq!(read(&resp("[]", None), None, false), Ok(Found::Nothing));
        assert!(
            read(&resp(r#"[{"id": 3}, {"id": 4}]"#, None), None, false)
                .unwrap_err()
                .contains("several")
        );
        assert_eq!(
            read(&resp(r#"{"data": {"id": 3}}"#, None), Some(&data), false),
            Ok(obj(r#"{"id": 3}"#))
        );
        assert_eq!(
            read(&resp(r#"{"data": [{"id": 3}]}"#, None), Some(&data), false),
            Ok(obj(r#"{"id": 3}"#))
        );
        assert_eq!(
            read(&resp(r#"{"data": null}"#, None), Some(&data), false),
            Ok(Found::Nothing)
        );
        assert_eq!(
            read(&resp(r#"{"errors": []}"#, None), Some(&data), false),
            Ok(Found::Nothing)
        );
        assert!(
            read(&resp("<html/>", None), None, false)
                .unwrap_err()
                .contains("not JSON")
        );
    }

    #[test]
    fn an_array_is_the_object_where_the_body_is_an_array() {
        let one = r#"[{"foo": "foo"}]"#;
        assert_eq!(
            read(&resp(one, None), None, true),
            Ok(Found::Object(serde_json::from_str(one).unwrap()))
        );
        assert_eq!(
            read(&resp("[]", None), None, true),
            Ok(Found::Object(serde_json::json!([])))
        );
        let body = serde_json::json!([{"foo": "foo"}]);
        assert_eq!(written(&resp(one, None), None, &body), Some(body.clone()));
    }
}
