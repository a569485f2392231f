//! The HTTP driver: one request per call, on reqwest with rustls/aws-lc-rs.
//!
//! What it guarantees whatever the server does:
//! - credentials and bodies go only to the configured endpoint's origin
//!   (scheme, host, port); redirects are followed by hand, within that
//!   origin only, and a redirect of anything but a read is reported, not
//!   followed ([`redirect`]);
//! - an answer is read up to `max_response_bytes` and no further;
//! - every number a server sends (waits, quotas) is bounded ([`headers`]);
//! - failures are classified by type for the engine ([`classify`]).

pub mod classify;
pub mod headers;
mod links;
pub mod pagination;
pub mod paths;
pub mod push;
mod redirect;
mod request;

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use url::Url;

pub use request::{Body, HttpRequest, IDEMPOTENCY_KEY, Method};

use super::{Driver, DriverError, ErrorKind, Feedback, Outcome, Request, Sensitive};

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

/// Default for [`HttpConfig::max_response_bytes`]: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 << 20;

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
    /// Failure statuses worth retrying.
    pub retry_on_status: Vec<u16>,
    /// Largest answer read; a larger one fails the attempt.
    pub max_response_bytes: u64,
    /// `User-Agent` unless a header sets one.
    pub user_agent: String,
}

impl HttpConfig {
    /// A configuration for `base_url` with the defaults.
    pub fn new(base_url: Url) -> Self {
        HttpConfig {
            base_url,
            headers: Vec::new(),
            auth: HttpAuth::None,
            tls: HttpTls::default(),
            retry_on_status: classify::DEFAULT_RETRY_ON_STATUS.to_vec(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: concat!("terraform-provider-driver/", env!("CARGO_PKG_VERSION")).into(),
        }
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
    /// `Content-Type`, if sent.
    pub content_type: Option<String>,
    /// `Retry-After`, if sent (how long until polling again is useful).
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: Bytes,
    /// Hold-off the server asked for through its rate-limit headers.
    pub pause: Option<Duration>,
    /// The pace the server announced through its rate-limit headers.
    pub pace: Option<Duration>,
    /// The `rel="next"` target of a `Link` header (a listing's next page),
    /// as sent: possibly relative.
    pub next_link: Option<String>,
    /// Every header with a text value (names in lower case), at most
    /// [`MAX_KEPT_HEADERS`], each value at most [`MAX_KEPT_HEADER_BYTES`].
    pub headers: Vec<(String, String)>,
}

/// Most headers kept in [`HttpResponse::headers`].
pub const MAX_KEPT_HEADERS: usize = 100;
/// Longest header value kept in [`HttpResponse::headers`].
pub const MAX_KEPT_HEADER_BYTES: usize = 8192;

impl Feedback for HttpResponse {
    fn pause_hint(&self) -> Option<Duration> {
        self.pause
    }
    fn pace_hint(&self) -> Option<Duration> {
        self.pace
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
            // Redirects are followed by hand, within the endpoint's origin.
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(config.tls.insecure_skip_verify);
        if let Some(pem) = &config.tls.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| DriverError::invalid(format!("ca_cert_pem: {}", e.without_url())))?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if let Some(pem) = &config.tls.client_identity_pem {
            let id = reqwest::Identity::from_pem(pem.0.as_bytes()).map_err(|e| {
                DriverError::invalid(format!("client certificate: {}", e.without_url()))
            })?;
            b = b.identity(id);
        }
        let client = b
            .build()
            .map_err(|e| DriverError::invalid(format!("HTTP client: {}", e.without_url())))?;
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

    /// The URL of a path for a message: a long path is cut short.
    pub fn shown(&self, path: &str) -> String {
        self.url(&request::shortened(path))
    }

    /// The configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// The endpoint's path, without a trailing `/`: every request built
    /// from a path stays under it.
    fn base_path(&self) -> &str {
        self.config.base_url.path().trim_end_matches('/')
    }

    /// Whether `url` is on the configured endpoint's origin.
    fn own_origin(&self, url: &Url) -> bool {
        url.origin() == self.config.base_url.origin()
    }

    fn first_url(&self, req: &HttpRequest) -> Result<Url, DriverError> {
        match &req.absolute_url {
            Some(u) => Ok(u.clone()),
            None => {
                let text = self.url(&req.path);
                let url = Url::parse(&text)
                    .map_err(|e| DriverError::invalid(format!("{}: {e}", req.target())))?;
                self.check_below_base(req, &text, &url)?;
                Ok(url)
            }
        }
    }

    /// A path is appended to the endpoint and must stay below it: a URL
    /// parser that removed a `..` segment (or `%2e%2e`) would send the
    /// request elsewhere, so such a path is refused, whoever built it.
    fn check_below_base(
        &self,
        req: &HttpRequest,
        text: &str,
        url: &Url,
    ) -> Result<(), DriverError> {
        let base = self.base_path();
        let sent = text
            .get(self.config.base_url.origin().ascii_serialization().len()..)
            .unwrap_or_default();
        let sent_path = sent.split(['?', '#']).next().unwrap_or_default();
        let dot_segment = paths::has_dot_segment(sent_path);
        let under = paths::is_under(url.path(), base);
        if !req.path.starts_with('/') || !under || dot_segment {
            return Err(DriverError::invalid(format!(
                "{}: the path would leave the endpoint's base path {base:?}; it was not sent",
                req.target()
            )));
        }
        Ok(())
    }

    fn build(&self, req: &HttpRequest, url: Url) -> Result<reqwest::Request, DriverError> {
        let mut b = self.client.request(req.method.to_reqwest(), url.clone());
        let own = |name: &str| {
            req.header(name).is_some()
                || self
                    .config
                    .headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(name))
        };
        // Built-in headers give way to configured ones (vendor media types).
        if !own("accept") {
            b = b.header("Accept", "application/json");
        }
        if !own("user-agent") {
            b = b.header("User-Agent", &self.config.user_agent);
        }
        for (k, v) in &self.config.headers {
            if req.header(k).is_none() {
                b = b.header(k, v);
            }
        }
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        let mut query = req.query.clone();
        // The configured credentials go only to the configured API's origin.
        let foreign = !self.own_origin(&url);
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
        let content_type = |b: reqwest::RequestBuilder, t: &str| {
            if own("content-type") {
                b
            } else {
                b.header("Content-Type", t)
            }
        };
        b = match &req.body {
            Body::Empty => b,
            Body::Json(body) => content_type(b, "application/json").body(body.clone()),
            Body::Form(form) => {
                let body: String = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form.iter().map(|(k, v)| (k.as_str(), v.0.as_str())))
                    .finish();
                content_type(b, "application/x-www-form-urlencoded").body(body)
            }
            Body::Raw(body) => b.body(body.clone()),
        };
        b.build()
            .map_err(|e| DriverError::invalid(format!("{}: {}", req.target(), e.without_url())))
    }

    /// Reads the body up to the limit.
    async fn read_body(
        &self,
        resp: &mut reqwest::Response,
        req: &HttpRequest,
        https: bool,
    ) -> Result<Bytes, DriverError> {
        let limit = self.config.max_response_bytes;
        let too_large = |status: u16| {
            let mut e = DriverError::new(
                ErrorKind::TooLarge,
                format!(
                    "{} answered {status} with more than {limit} bytes (max_response_bytes)",
                    req.target()
                ),
            );
            // A write that answered success did happen.
            e.class.maybe_applied = (200..300).contains(&status) && !req.method.is_idempotent();
            e
        };
        let status = resp.status().as_u16();
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large(status));
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify::transport_error(e, https))?
        {
            if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
                return Err(too_large(status));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
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
        let (mut resp, url) = self.send(req).await?;
        let status = resp.status().as_u16();
        let head = Head::of(resp.headers());
        let body = self
            .read_body(&mut resp, req, url.scheme() == "https")
            .await?;
        tracing::debug!(target_object = %req.target(), status, "received response");
        match status {
            // A 303 that ends a write: done, the result is at `Location`.
            200..=299 | 303 => Ok(Outcome::Done(HttpResponse {
                status,
                location: head.location,
                operation_location: head.operation_location,
                content_type: head.content_type,
                retry_after: head.retry_after,
                body,
                pause: head.pause,
                pace: head.pace,
                next_link: head.next_link,
                headers: head.kept,
            })),
            404 | 410 => Ok(Outcome::Gone),
            _ => {
                let detail = headers::error_message(&body);
                let message = if detail.is_empty() {
                    status.to_string()
                } else {
                    format!("{status}: {detail}")
                };
                let class = classify::status_class(
                    status,
                    &self.config.retry_on_status,
                    head.retry_after,
                    head.pace,
                );
                Err(DriverError::answered(i64::from(status), detail, message).classified(class))
            }
        }
    }
}

impl HttpDriver {
    /// Sends the request, following redirects within the endpoint's origin:
    /// the last answer, and the URL that gave it.
    async fn send(&self, req: &HttpRequest) -> Result<(reqwest::Response, Url), DriverError> {
        let first = self.first_url(req)?;
        // A request under the endpoint's path is redirected only under it.
        let keep_under =
            paths::is_under(first.path(), self.base_path()).then(|| self.base_path().to_owned());
        let mut url = first.clone();
        let mut hops = 0;
        loop {
            let request = self.build(req, url.clone())?;
            tracing::debug!(target_object = %req.target(), "sending request");
            let https = url.scheme() == "https";
            let resp = self
                .client
                .execute(request)
                .await
                .map_err(|e| classify::transport_error(e, https))?;
            match redirect::next(req, &first, keep_under.as_deref(), &url, &resp, hops)? {
                redirect::Next::Follow(next) => {
                    hops += 1;
                    url = next;
                }
                redirect::Next::Stop => return Ok((resp, url)),
            }
        }
    }
}

/// What the provider takes from an answer's headers, bounded.
struct Head {
    location: Option<String>,
    operation_location: Option<String>,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    pace: Option<Duration>,
    pause: Option<Duration>,
    next_link: Option<String>,
    kept: Vec<(String, String)>,
}

impl Head {
    fn of(h: &reqwest::header::HeaderMap) -> Head {
        let text = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let now = SystemTime::now();
        let retry_after = h
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| headers::parse_retry_after(v, now));
        let pace = headers::announced_pace(h);
        // A spent quota under an announced pace comes back one request at a
        // time (a token bucket refills continuously): wait one interval, not
        // the whole reset; a request too early gets a 429 with Retry-After.
        let pause = headers::quota_spent(h, now).map(|p| pace.map_or(p, |i| p.min(i)));
        let link_values: Vec<&str> = h
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Head {
            location: text("location"),
            operation_location: text("operation-location"),
            content_type: text("content-type"),
            retry_after,
            pace,
            pause,
            next_link: links::next_link(&link_values),
            kept: h
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .filter(|(_, v)| v.len() <= MAX_KEPT_HEADER_BYTES)
                .take(MAX_KEPT_HEADERS)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Operation;

    #[test]
    fn no_path_leaves_the_endpoints_base_path() {
        let base = Url::parse("http://127.0.0.1:9/api/v1").unwrap();
        let driver = HttpDriver::new(HttpConfig::new(base)).unwrap();
        let url = |path: &str| {
            let req = HttpRequest::new(Operation::Read, Method::GET, path.to_owned());
            driver.first_url(&req).map(|u| u.to_string())
        };
        assert_eq!(
            url("/x/a%20b").unwrap(),
            "http://127.0.0.1:9/api/v1/x/a%20b"
        );
        assert_eq!(url("/x/c-9").unwrap(), "http://127.0.0.1:9/api/v1/x/c-9");
        for hostile in [
            "/x/..",
            "/x/../../admin",
            "/x/%2e%2E/y",
            "/x/.",
            "/x\\..\\..\\y",
            "x",
        ] {
            assert!(url(hostile).is_err(), "{hostile}");
        }
    }
}
