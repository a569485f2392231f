//! The HTTP driver: one request per call, on reqwest with rustls/aws-lc-rs.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
/// The HTTP method type requests are built with.
pub use reqwest::Method;
use url::Url;

use super::{Driver, DriverError, Feedback, Operation, Outcome, Request};

/// A string that must not be printed (tokens, passwords, keys).
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive(pub String);

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How every request authenticates.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum HttpAuth {
    /// No credentials.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Sensitive),
    /// HTTP basic authentication.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Sensitive,
    },
    /// A key in a header.
    HeaderKey {
        /// Header name.
        name: String,
        /// The key.
        value: Sensitive,
    },
    /// A key in a query parameter.
    QueryKey {
        /// Parameter name.
        name: String,
        /// The key.
        value: Sensitive,
    },
}

/// TLS settings for the client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HttpTls {
    /// Extra trusted roots, PEM.
    pub ca_cert_pem: Option<String>,
    /// Client certificate chain and key, PEM.
    pub client_identity_pem: Option<Sensitive>,
    /// Accept any server certificate.
    pub insecure_skip_verify: bool,
}

/// Everything the HTTP driver needs to reach an API.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpConfig {
    /// Base URL; request paths are appended to it.
    pub base_url: Url,
    /// Headers on every request (a request's own headers win).
    pub headers: Vec<(String, String)>,
    /// Credentials.
    pub auth: HttpAuth,
    /// TLS settings.
    pub tls: HttpTls,
}

/// The header that makes a `POST` safe to repeat
/// (draft-ietf-httpapi-idempotency-key-header).
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

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
    /// Headers for this request.
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Bytes>,
    /// Sends to this URL instead of base URL + path (token endpoints).
    pub absolute_url: Option<Url>,
    /// A form body instead of JSON; its values may be secrets.
    pub form: Option<Vec<(String, Sensitive)>>,
    /// A bearer token for this request (OAuth), instead of the configured auth.
    pub bearer: Option<Sensitive>,
    /// Safe to repeat although the method alone does not say so.
    pub repeatable: bool,
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
            body: None,
            absolute_url: None,
            form: None,
            bearer: None,
            repeatable: false,
        }
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
            None => format!("{} {}", self.method, self.path),
        }
    }
    fn method(&self) -> String {
        self.method.to_string()
    }
    fn idempotency_key(&self) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(IDEMPOTENCY_KEY))
            .map(|(_, v)| v.clone())
    }
    fn is_idempotent(&self) -> bool {
        // RFC 9110 §9.2.2 (PATCH is not in general); any request carrying an
        // idempotency key is safe to repeat, as the server deduplicates it.
        self.repeatable
            || matches!(
                self.method,
                Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
            )
            || self
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(IDEMPOTENCY_KEY))
    }
}

/// A response with a success status.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status.
    pub status: u16,
    /// `Location`, if sent.
    pub location: Option<String>,
    /// `Operation-Location`, if sent (long-running operations).
    pub operation_location: Option<String>,
    /// `Retry-After`, if sent (how long until polling again is useful).
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: Bytes,
    /// Hold-off the server asked for through its rate-limit headers.
    pub pause: Option<Duration>,
}

impl Feedback for HttpResponse {
    fn pause_hint(&self) -> Option<Duration> {
        self.pause
    }
    fn status_code(&self) -> Option<i64> {
        Some(i64::from(self.status))
    }
}

/// The HTTP driver.
#[derive(Debug, Clone)]
pub struct HttpDriver {
    client: reqwest::Client,
    config: HttpConfig,
}

impl HttpDriver {
    /// Builds the client. Fails on unusable TLS material.
    pub fn new(config: HttpConfig) -> Result<Self, DriverError> {
        let mut b = reqwest::Client::builder()
            .user_agent(concat!(
                "terraform-provider-driver/",
                env!("CARGO_PKG_VERSION")
            ))
            .danger_accept_invalid_certs(config.tls.insecure_skip_verify);
        if let Some(pem) = &config.tls.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| DriverError::Invalid(format!("ca_cert_pem: {}", e.without_url())))?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if let Some(pem) = &config.tls.client_identity_pem {
            let id = reqwest::Identity::from_pem(pem.0.as_bytes()).map_err(|e| {
                DriverError::Invalid(format!("client certificate: {}", e.without_url()))
            })?;
            b = b.identity(id);
        }
        let client = b
            .build()
            .map_err(|e| DriverError::Invalid(format!("HTTP client: {}", e.without_url())))?;
        Ok(HttpDriver { client, config })
    }

    /// The full URL of a path (the base URL's own path is kept).
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.config.base_url.as_str().trim_end_matches('/'),
            path
        )
    }

    fn build(&self, req: &HttpRequest) -> Result<reqwest::Request, DriverError> {
        let url = match &req.absolute_url {
            Some(u) => u.clone(),
            None => Url::parse(&self.url(&req.path))
                .map_err(|e| DriverError::Invalid(format!("{}: {e}", req.target())))?,
        };
        let mut b = self
            .client
            .request(req.method.clone(), url)
            .header("Accept", "application/json");
        for (k, v) in &self.config.headers {
            if !req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)) {
                b = b.header(k, v);
            }
        }
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        let mut query = req.query.clone();
        // The configured credentials go only to the configured API's origin.
        let foreign = req
            .absolute_url
            .as_ref()
            .is_some_and(|u| u.origin() != self.config.base_url.origin());
        match (&req.bearer, &self.config.auth) {
            (Some(t), _) => b = b.bearer_auth(&t.0),
            (None, _) if foreign => {}
            (None, HttpAuth::None) => {}
            (None, HttpAuth::Bearer(t)) => b = b.bearer_auth(&t.0),
            (None, HttpAuth::Basic { username, password }) => {
                b = b.basic_auth(username, Some(&password.0))
            }
            (None, HttpAuth::HeaderKey { name, value }) => b = b.header(name, &value.0),
            (None, HttpAuth::QueryKey { name, value }) => {
                query.push((name.clone(), value.0.clone()))
            }
        }
        if !query.is_empty() {
            b = b.query(&query);
        }
        if let Some(form) = &req.form {
            let body: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter().map(|(k, v)| (k.as_str(), v.0.as_str())))
                .finish();
            b = b
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body);
        } else if let Some(body) = &req.body {
            b = b
                .header("Content-Type", "application/json")
                .body(body.clone());
        }
        b.build()
            .map_err(|e| DriverError::Invalid(format!("{}: {}", req.target(), e.without_url())))
    }
}

#[async_trait::async_trait]
impl Driver for HttpDriver {
    type Request = HttpRequest;
    type Response = HttpResponse;

    fn name(&self) -> &'static str {
        "http"
    }

    async fn call(&self, req: &HttpRequest) -> Result<Outcome<HttpResponse>, DriverError> {
        let request = self.build(req)?;
        tracing::debug!(target_object = %req.target(), "sending request");
        let resp = self
            .client
            .execute(request)
            .await
            .map_err(transport_error)?;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let pause = quota_spent(resp.headers());
        let operation_location = resp
            .headers()
            .get("operation-location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.bytes().await.map_err(transport_error)?;
        tracing::debug!(target_object = %req.target(), status, "received response");
        match status {
            200..=299 => Ok(Outcome::Done(HttpResponse {
                status,
                location,
                operation_location,
                retry_after,
                body,
                pause,
            })),
            404 | 410 => Ok(Outcome::Gone),
            _ => Err(DriverError::Status {
                status,
                message: error_message(&body),
                retry_after,
            }),
        }
    }
}

fn transport_error(e: reqwest::Error) -> DriverError {
    // A failed connect never reached the server; anything later may have.
    let sent = !e.is_connect();
    // Without the URL: its query may hold an API key.
    let e = e.without_url();
    // reqwest's own text is terse ("error sending request"); the chain says why.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    // A certificate the client does not trust (or a refused client
    // certificate) is not transient: retrying cannot fix it.
    let lower = message.to_ascii_lowercase();
    if lower.contains("certificate")
        || lower.contains("handshake")
        || lower.contains("unknownissuer")
    {
        return DriverError::Invalid(format!("TLS handshake failed: {message}"));
    }
    DriverError::Transport { message, sent }
}

/// When `RateLimit-Remaining` (or `X-RateLimit-Remaining`) is 0: the time
/// until `RateLimit-Reset` (seconds; `X-RateLimit-Reset` may be a Unix time).
fn quota_spent(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| h.get(*n)?.to_str().ok()?.trim().parse::<f64>().ok())
    };
    let remaining = get(["ratelimit-remaining", "x-ratelimit-remaining"])?;
    if remaining > 0.0 {
        return None;
    }
    let reset = get(["ratelimit-reset", "x-ratelimit-reset"]).unwrap_or(1.0);
    // Values this large are Unix times, not deltas.
    let secs = if reset > 1e9 {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        (reset - now).max(0.0)
    } else {
        reset.max(0.0)
    };
    Some(Duration::from_secs_f64(secs.min(3600.0)))
}

/// `Retry-After` as seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The API's own explanation from an error body: a JSON `message`,
/// `error`, `detail` or `title`, else the text, shortened.
pub fn error_message(body: &[u8]) -> String {
    const MAX: usize = 300;
    if let Ok(j) = serde_json::from_slice::<serde_json::Value>(body) {
        let pick = |o: &serde_json::Value| {
            ["message", "error", "detail", "title", "error_description"]
                .iter()
                .find_map(|k| o.get(k).and_then(|v| v.as_str().map(str::to_owned)))
        };
        if let Some(m) = pick(&j).or_else(|| j.get("error").and_then(pick)) {
            return shorten(&m, MAX);
        }
    }
    shorten(String::from_utf8_lossy(body).trim(), MAX)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_both_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        let d = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(
            d <= Duration::from_secs(120) && d >= Duration::from_secs(100),
            "{d:?}"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn spent_quota_becomes_a_pause() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("ratelimit-remaining", "3".parse().unwrap());
        assert_eq!(quota_spent(&h), None);
        h.insert("ratelimit-remaining", "0".parse().unwrap());
        h.insert("ratelimit-reset", "2".parse().unwrap());
        assert_eq!(quota_spent(&h), Some(Duration::from_secs(2)));
        let mut x = reqwest::header::HeaderMap::new();
        x.insert("x-ratelimit-remaining", "0".parse().unwrap());
        let in_5s = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 5;
        x.insert("x-ratelimit-reset", in_5s.to_string().parse().unwrap());
        let d = quota_spent(&x).unwrap();
        assert!(
            d <= Duration::from_secs(5) && d >= Duration::from_secs(3),
            "{d:?}"
        );
    }

    #[test]
    fn api_messages_are_extracted() {
        assert_eq!(
            error_message(br#"{"message":"name is taken"}"#),
            "name is taken"
        );
        assert_eq!(error_message(br#"{"error":{"message":"quota"}}"#), "quota");
        assert_eq!(error_message(b"plain failure\n"), "plain failure");
        assert!(error_message(&[b'x'; 1000]).ends_with('…'));
    }

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
}
