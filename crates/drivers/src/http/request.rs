//! One HTTP request as the provider asks for it, and the methods it may use.

use std::fmt;

use bytes::Bytes;
use url::Url;

use super::super::{Operation, Request, Sensitive};

/// The header that makes a `POST` safe to repeat
/// (draft-ietf-httpapi-idempotency-key-header).
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// An HTTP method: a standard one, or any other token an API defines.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Method(reqwest::Method);

impl Method {
    /// `GET`
    pub const GET: Method = Method(reqwest::Method::GET);
    /// `HEAD`
    pub const HEAD: Method = Method(reqwest::Method::HEAD);
    /// `POST`
    pub const POST: Method = Method(reqwest::Method::POST);
    /// `PUT`
    pub const PUT: Method = Method(reqwest::Method::PUT);
    /// `PATCH`
    pub const PATCH: Method = Method(reqwest::Method::PATCH);
    /// `DELETE`
    pub const DELETE: Method = Method(reqwest::Method::DELETE);

    /// A method from its name (case-insensitive for the standard ones).
    pub fn parse(name: &str) -> Result<Method, String> {
        let upper = name.trim().to_ascii_uppercase();
        if upper.is_empty() || upper.len() > 32 {
            return Err(format!("{name:?} is not an HTTP method"));
        }
        reqwest::Method::from_bytes(upper.as_bytes())
            .map(Method)
            .map_err(|_| format!("{name:?} is not an HTTP method"))
    }

    /// The method's name.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Safe to repeat by its definition (RFC 9110 §9.2.2); PATCH and POST
    /// are not.
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.0,
            reqwest::Method::GET
                | reqwest::Method::HEAD
                | reqwest::Method::PUT
                | reqwest::Method::DELETE
                | reqwest::Method::OPTIONS
        )
    }

    pub(super) fn to_reqwest(&self) -> reqwest::Method {
        self.0.clone()
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request carries.
#[derive(Clone, Debug, Default)]
pub enum Body {
    /// Nothing.
    #[default]
    Empty,
    /// JSON text.
    Json(Bytes),
    /// `application/x-www-form-urlencoded`; values may be secrets.
    Form(Vec<(String, Sensitive)>),
    /// Any bytes, with the `Content-Type` given in the headers.
    Raw(Bytes),
}

/// One HTTP request.
#[derive(Clone)]
pub struct HttpRequest {
    /// What it does to the object.
    pub operation: Operation,
    /// The method.
    pub method: Method,
    /// Path below the base URL, starting with `/`; already substituted.
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Headers for this request; they replace the provider's headers and
    /// the built-in `Accept` and `Content-Type` of the same name.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// Sends to this URL instead of base URL + path (token endpoints,
    /// status links). The configured credentials go only to the
    /// endpoint's own origin.
    pub absolute_url: Option<Url>,
    /// A bearer token for this request (OAuth), instead of the configured auth.
    pub bearer: Option<Sensitive>,
    /// Safe to repeat although the method alone does not say so.
    pub repeatable: bool,
    /// Not to be repeated on the strength of its idempotency key alone:
    /// the caller checks the target first (APIs may ignore the key).
    pub check_before_repeat: bool,
}

impl HttpRequest {
    /// A request to `path` with nothing else set.
    pub fn new(operation: Operation, method: Method, path: String) -> Self {
        HttpRequest {
            operation,
            method,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
            absolute_url: None,
            bearer: None,
            repeatable: false,
            check_before_repeat: false,
        }
    }

    /// The value of one of this request's own headers.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

// Hand-written: bodies, forms and tokens may hold secrets.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("operation", &self.operation)
            .field("target", &self.target())
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Request for HttpRequest {
    fn operation(&self) -> Operation {
        self.operation
    }
    fn target(&self) -> String {
        // The query is left out: it may carry an API key.
        match &self.absolute_url {
            Some(u) => format!(
                "{} {}{}",
                self.method,
                u.origin().ascii_serialization(),
                u.path()
            ),
            None => format!("{} {}", self.method, shortened(&self.path)),
        }
    }
    fn method(&self) -> String {
        self.method.to_string()
    }
    fn idempotency_key(&self) -> Option<String> {
        self.header(IDEMPOTENCY_KEY).map(str::to_owned)
    }
    fn is_idempotent(&self) -> bool {
        // A request carrying an idempotency key is safe to repeat, as the
        // server deduplicates it, unless the caller would rather check.
        self.repeatable
            || self.method.is_idempotent()
            || (self.header(IDEMPOTENCY_KEY).is_some() && !self.check_before_repeat)
    }
}

/// Most characters of a path quoted in a message: a hostile id must not
/// fill the screen.
const MAX_SHOWN: usize = 200;

/// `path`, cut to [`MAX_SHOWN`] characters.
pub(crate) fn shortened(path: &str) -> String {
    match path.char_indices().nth(MAX_SHOWN) {
        Some((i, _)) => format!("{}…", path.get(..i).unwrap_or_default()),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_never_carry_the_query() {
        let mut r = HttpRequest::new(Operation::Read, Method::GET, "/flags/1".into());
        r.query = vec![("api_key".into(), "secret".into())];
        r.bearer = Some(Sensitive("tok".into()));
        assert_eq!(r.target(), "GET /flags/1");
        assert!(r.is_idempotent());
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("secret") && !dbg.contains("tok\""), "{dbg}");
    }

    #[test]
    fn methods_parse_and_know_idempotency() {
        assert_eq!(Method::parse("post").unwrap(), Method::POST);
        assert!(Method::parse("PURGE").is_ok());
        assert!(Method::parse("").is_err());
        assert!(Method::parse("GE T").is_err());
        assert!(!Method::POST.is_idempotent() && !Method::PATCH.is_idempotent());
        assert!(Method::PUT.is_idempotent());
    }

    #[test]
    fn an_idempotency_key_makes_a_post_repeatable() {
        let mut r = HttpRequest::new(Operation::Create, Method::POST, "/x".into());
        assert!(!r.is_idempotent());
        r.headers.push(("idempotency-key".into(), "k".into()));
        assert!(r.is_idempotent());
        assert_eq!(r.idempotency_key().as_deref(), Some("k"));
        r.check_before_repeat = true;
        assert!(!r.is_idempotent(), "the caller checks before repeating");
    }
}
