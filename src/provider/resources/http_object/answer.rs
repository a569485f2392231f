//! What an answer's body holds: the object, or a clear account of why it
//! is not one (not JSON, empty, an array, a scalar), with the content type
//! and the first characters, so the user sees what the API really sent.

use serde_json::Value as Json;

use crate::drivers::http::HttpResponse;
use crate::drivers::http::headers::shorten;

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
        Ok(_) => format!("a JSON value that is not an object: {snippet}"),
    }
}

/// The JSON object in the body, or why there is none.
pub(super) fn object(resp: &HttpResponse) -> Result<Json, String> {
    match serde_json::from_slice::<Json>(&resp.body) {
        Ok(j @ Json::Object(_)) => Ok(j),
        _ => Err(not_an_object(resp)),
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
        }
    }

    #[test]
    fn every_kind_of_non_object_is_named() {
        assert!(object(&resp(r#"{"id": 1}"#, None)).is_ok());
        let html = object(&resp("<html>oops</html>", Some("text/html"))).unwrap_err();
        assert!(
            html.contains("not JSON") && html.contains("text/html") && html.contains("oops"),
            "{html}"
        );
        assert_eq!(object(&resp("  ", None)).unwrap_err(), "an empty body");
        assert!(
            object(&resp(r#"[{"id": 1}]"#, None))
                .unwrap_err()
                .contains("JSON array of 1")
        );
        assert!(
            object(&resp("42", None))
                .unwrap_err()
                .contains("not an object")
        );
        assert!(
            object(&resp("{\"a\":", None))
                .unwrap_err()
                .contains("not JSON")
        );
    }
}
