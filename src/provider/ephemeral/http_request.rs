//! `driver_http_request` ephemeral resource: one request through the
//! engine, its answer as `response`, never in plan or state. Optional
//! `renew` and `close` requests for leases and short-lived tokens: their
//! paths, query, headers and body may name parts of the opening answer as
//! `{response/<JSON Pointer>}`, resolved when it is opened.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{EphemeralResource, Opened, Renewed, expiry};
use crate::drivers::http::{Body, HttpRequest, HttpResponse, Method};
use crate::drivers::{Operation, Outcome};
use crate::engine::OperationContext;
use crate::provider::json::{from_json, to_json};
use crate::provider::pointer::Pointer;
use crate::provider::runtime::Runtime;
use crate::provider::{
    Attribute, AttributePath, Block, Diagnostics, NestedBlock, Number, Schema, Type, Value,
};

/// The type.
#[derive(Debug, Default)]
pub struct HttpRequestEphemeral;

const TYPE: &str = "driver_http_request";
/// Most answer headers exposed.
const MAX_HEADERS: usize = 100;
/// Most placeholders resolved in one request.
const MAX_PLACEHOLDERS: usize = 64;

/// One request, as configured (renew and close: placeholders resolved).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Spec {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Json>,
}

/// What Renew and Close need; Terraform holds it in memory for the run.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Private {
    renew: Option<Spec>,
    close: Option<Spec>,
    expiry_pointer: Option<String>,
    expiry_header: Option<String>,
}

pub(crate) fn request_attributes(default_method: &str, what: &str) -> Vec<Attribute> {
    vec![
        Attribute::optional("method", Type::String).describe(&format!(
            "The HTTP method. Defaults to `\"{default_method}\"`."
        )),
        Attribute::required("path", Type::String).describe(&format!(
            "Path below the provider's endpoint, such as `\"/v1/leases\"`.{what}"
        )),
        Attribute::optional("query", Type::map(Type::String)).describe("Query parameters."),
        Attribute::optional("headers", Type::map(Type::String))
            .describe("Headers; they replace the provider's headers of the same name."),
        Attribute::optional("body", Type::Dynamic)
            .describe("A JSON body, written as an HCL value."),
    ]
}

fn follow_up(name: &str, default_method: &str, when: &str) -> NestedBlock {
    NestedBlock::single(
        name,
        Block::new(
            when,
            request_attributes(
                default_method,
                " The path, query and header values and the body's strings may hold \
                 `{response/<JSON Pointer>}`, such as `\"/v1/leases/{response/lease_id}\"`: \
                 that part of the opening answer.",
            ),
            vec![],
        ),
    )
}

impl Spec {
    /// The method and target, for messages.
    pub(crate) fn target(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

impl HttpRequestEphemeral {
    /// One request's arguments, checked (shared with the action).
    pub(crate) fn spec(
        config: &Value,
        default_method: &str,
        at: &AttributePath,
        d: &mut Diagnostics,
    ) -> Option<Spec> {
        let method = config
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or(default_method)
            .to_ascii_uppercase();
        if let Err(e) = Method::parse(&method) {
            d.attribute_error(at.attr("method"), "Invalid method", e);
        }
        let path = config
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_owned();
        if !path.starts_with('/') {
            d.attribute_error(
                at.attr("path"),
                "Invalid path",
                format!(
                    "{path:?} must start with \"/\"; it is appended to the provider's endpoint."
                ),
            );
        }
        let pairs = |name: &str| match config.get(name) {
            Some(Value::Map(_, m)) => m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect(),
            _ => Vec::new(),
        };
        let body = match config.get("body") {
            None | Some(Value::Null(_)) => None,
            Some(v) if !v.is_wholly_known() => None,
            Some(v) => match to_json(v) {
                Ok(j) => Some(j),
                Err(e) => {
                    d.attribute_error(at.attr("body"), "Invalid body", e.to_string());
                    None
                }
            },
        };
        Some(Spec {
            method,
            path,
            query: pairs("query"),
            headers: pairs("headers"),
            body,
        })
    }

    fn pointer_setting(config: &Value, name: &str, d: &mut Diagnostics) -> Option<String> {
        let text = config.get(name).and_then(Value::as_str)?;
        if let Err(e) = Pointer::parse(text) {
            d.attribute_error(AttributePath::root(name), "Invalid JSON Pointer", e);
        }
        Some(text.to_owned())
    }

    /// The request and its follow-ups; `None` with diagnostics if wrong.
    fn parse(config: &Value, d: &mut Diagnostics) -> Option<(Spec, Private)> {
        let root = AttributePath::default();
        let open = Self::spec(config, "GET", &root, d)?;
        let block = |name: &str, method: &str, d: &mut Diagnostics| match config.get(name) {
            Some(b) if !b.is_null() => {
                let s = Self::spec(b, method, &AttributePath::root(name), d)?;
                check_placeholders(&s, &AttributePath::root(name), d);
                Some(s)
            }
            _ => None,
        };
        let private = Private {
            renew: block("renew", "POST", d),
            close: block("close", "DELETE", d),
            expiry_pointer: Self::pointer_setting(config, "expiry_pointer", d),
            expiry_header: config
                .get("expiry_header")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        (!d.has_error()).then_some((open, private))
    }
}

/// Every `{response/...}` names a valid pointer: in the path, the query
/// and header values, and the body's strings.
fn check_placeholders(s: &Spec, at: &AttributePath, d: &mut Diagnostics) {
    let mut texts: Vec<(&str, AttributePath)> = vec![(&s.path, at.attr("path"))];
    texts.extend(
        s.query
            .iter()
            .map(|(k, v)| (v.as_str(), at.attr("query").key(k))),
    );
    texts.extend(
        s.headers
            .iter()
            .map(|(k, v)| (v.as_str(), at.attr("headers").key(k))),
    );
    let mut strings = Vec::new();
    if let Some(b) = &s.body {
        body_strings(b, &mut strings, 0);
    }
    texts.extend(strings.into_iter().map(|t| (t, at.attr("body"))));
    let mut check = Filler::new(&Json::Null, false);
    for (text, path) in texts {
        if let Err(e) = check.fill(text, false) {
            d.attribute_error(path, "Invalid placeholder", e);
        }
    }
}

/// The string leaves of a body, at most 64 deep.
fn body_strings<'j>(j: &'j Json, out: &mut Vec<&'j str>, depth: usize) {
    match j {
        Json::String(s) => out.push(s),
        Json::Array(a) if depth < 64 => a.iter().for_each(|x| body_strings(x, out, depth + 1)),
        Json::Object(m) if depth < 64 => m.values().for_each(|x| body_strings(x, out, depth + 1)),
        _ => {}
    }
}

/// Fills `{response/<pointer>}` placeholders from the opening answer and
/// remembers the values used: they may be secrets (a token), to be masked
/// wherever a request is quoted.
struct Filler<'a> {
    answer: &'a Json,
    /// A part the answer does not have is an error (else left empty).
    strict: bool,
    used: Vec<String>,
}

impl<'a> Filler<'a> {
    fn new(answer: &'a Json, strict: bool) -> Self {
        Filler {
            answer,
            strict,
            used: Vec::new(),
        }
    }

    /// `text` with each placeholder replaced (strings as they are, other
    /// values as JSON). In a path (`segment`), each value is one
    /// percent-encoded segment, never `.` or `..`: a server's value cannot
    /// send the request to another endpoint.
    fn fill(&mut self, text: &str, segment: bool) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        let mut count = 0;
        while let Some(start) = rest.find("{response") {
            out.push_str(rest.get(..start).unwrap_or_default());
            let tail = rest.get(start..).unwrap_or_default();
            let Some(end) = tail.find('}') else {
                return Err(format!(
                    "{text:?} has a \"{{response\" without its closing \"}}\""
                ));
            };
            let inner = tail.get("{response".len()..end).unwrap_or_default();
            let pointer = Pointer::parse(inner).map_err(|e| format!("in {text:?}: {e}"))?;
            count += 1;
            if count > MAX_PLACEHOLDERS {
                return Err(format!(
                    "{text:?} has more than {MAX_PLACEHOLDERS} placeholders"
                ));
            }
            let value = match pointer.get(self.answer) {
                Some(Json::String(s)) => s.clone(),
                Some(Json::Null) | None if self.strict => {
                    return Err(format!("the opening answer has nothing at {pointer}"));
                }
                Some(Json::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            if segment {
                if self.strict && matches!(value.as_str(), "" | "." | "..") {
                    return Err(format!(
                        "the opening answer's {pointer} ({value:?}) is not a path segment"
                    ));
                }
                let encoded = percent_encoding::utf8_percent_encode(&value, SEGMENT).to_string();
                out.push_str(&encoded);
                if encoded != value {
                    self.used.push(encoded);
                }
            } else {
                out.push_str(&value);
            }
            self.used.push(value);
            rest = tail.get(end + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        Ok(out)
    }

    fn body(&mut self, j: &Json, depth: usize) -> Result<Json, String> {
        if depth > 64 {
            return Err("the body is nested too deeply".into());
        }
        Ok(match j {
            Json::String(t) => Json::String(self.fill(t, false)?),
            Json::Array(a) => Json::Array(
                a.iter()
                    .map(|x| self.body(x, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            Json::Object(m) => Json::Object(
                m.iter()
                    .map(|(k, x)| Ok((k.clone(), self.body(x, depth + 1)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// Everything but unreserved characters and sub-delimiters that are safe
/// inside one segment: `/`, `%`, `?` and `#` are always encoded.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A follow-up request with its placeholders resolved, and the values
/// that went into it.
fn resolved(s: &Spec, answer: &Json) -> Result<(Spec, Vec<String>), String> {
    let mut f = Filler::new(answer, true);
    let pairs =
        |p: &[(String, String)], f: &mut Filler<'_>| -> Result<Vec<(String, String)>, String> {
            p.iter()
                .map(|(k, v)| Ok((k.clone(), f.fill(v, false)?)))
                .collect()
        };
    let query = pairs(&s.query, &mut f)?;
    let headers = pairs(&s.headers, &mut f)?;
    let spec = Spec {
        method: s.method.clone(),
        path: f.fill(&s.path, true)?,
        query,
        headers,
        body: s.body.as_ref().map(|b| f.body(b, 0)).transpose()?,
    };
    Ok((spec, f.used))
}

fn request(s: &Spec) -> Result<HttpRequest, String> {
    let method = Method::parse(&s.method)?;
    let operation = match s.method.as_str() {
        "GET" | "HEAD" => Operation::Read,
        "DELETE" => Operation::Delete,
        "PUT" | "PATCH" => Operation::Update,
        _ => Operation::Create,
    };
    let mut req = HttpRequest::new(operation, method, s.path.clone());
    req.query = s.query.clone();
    req.headers = s.headers.clone();
    if let Some(b) = &s.body {
        req.body = Body::Json(serde_json::to_vec(b).map_err(|e| e.to_string())?.into());
    }
    Ok(req)
}

/// Sends one request; its answer, or a diagnostic naming `what`.
/// How long a close may take: it runs even after Ctrl-C (a lease must not
/// outlive the run because the user stopped it), so it has a bound of its own.
const CLOSE_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The context of a request: Terraform's stop cancels it, except a close.
pub(crate) fn context(rt: &Runtime, closing: bool) -> OperationContext {
    if closing {
        OperationContext::new(
            Some(CLOSE_LIMIT),
            tokio_util::sync::CancellationToken::new(),
        )
        .about(TYPE, None)
    } else {
        OperationContext::new(None, rt.stop.clone()).about(TYPE, None)
    }
}

pub(crate) async fn send(
    rt: &Runtime,
    s: &Spec,
    what: &str,
    ctx: &OperationContext,
) -> Result<HttpResponse, Diagnostics> {
    let fail = |detail: String| {
        let mut d = Diagnostics::new();
        d.error(format!("The {what} request failed"), rt.scrub(&detail));
        d
    };
    let client = rt.http()?;
    let req = request(s).map_err(|e| fail(format!("{} {}: {e}", s.method, s.path)))?;
    match client.execute(&req, ctx).await {
        Ok(Outcome::Done(r)) => Ok(r),
        Ok(Outcome::Gone) => Err(fail(format!(
            "{} {} answered 404 or 410: nothing is there. Check the path.",
            s.method, s.path
        ))),
        Err(e) => Err(fail(format!("{} {}: {e}", s.method, s.path))),
    }
}

/// The answer's body as JSON (a string when it is not JSON; null when empty).
fn answer_json(r: &HttpResponse) -> Json {
    if r.body.is_empty() {
        return Json::Null;
    }
    serde_json::from_slice(&r.body)
        .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&r.body).into_owned()))
}

/// When what the answer says expires, by the configured pointer or header.
fn expires(r: &HttpResponse, answer: &Json, p: &Private, now: SystemTime) -> Option<SystemTime> {
    let from_body = p.expiry_pointer.as_deref().and_then(|ptr| {
        match Pointer::parse(ptr).ok()?.get(answer)? {
            Json::Number(n) => expiry::from_number(n.as_f64()?, now),
            Json::String(s) => expiry::parse(s, now),
            _ => None,
        }
    });
    from_body.or_else(|| {
        let name = p.expiry_header.as_deref()?;
        let (_, v) = r
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))?;
        expiry::parse(v, now)
    })
}

/// Renew when two thirds of the lifetime are gone (at least a second
/// from now), if there is a renew request.
fn renew_at(p: &Private, expires: Option<SystemTime>, now: SystemTime) -> Option<SystemTime> {
    p.renew.as_ref()?;
    let life = expires?.duration_since(now).ok()?;
    now.checked_add((life * 2 / 3).max(std::time::Duration::from_secs(1)))
}

fn encode(p: &Private) -> Vec<u8> {
    serde_json::to_vec(p).unwrap_or_default()
}

fn decode(bytes: &[u8]) -> Result<Private, Diagnostics> {
    if bytes.is_empty() {
        return Ok(Private::default());
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let mut d = Diagnostics::new();
        d.error(
            "Unreadable private data from Terraform",
            format!("What Terraform kept since the request was opened cannot be read ({e}). This is a bug; please report it."),
        );
        d
    })
}

#[async_trait::async_trait]
impl EphemeralResource for HttpRequestEphemeral {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let mut attributes = request_attributes("GET", "");
        attributes.extend([
            Attribute::optional("expiry_pointer", Type::String).describe(
                "JSON Pointer to when the answer expires: seconds from now (`\"/expires_in\"`, \
                 `\"/lease_duration\"`), a Unix time, or an RFC 3339 time (`\"/expires_at\"`). \
                 With a `renew` block, Terraform renews when two thirds of the lifetime are gone.",
            ),
            Attribute::optional("expiry_header", Type::String).describe(
                "A header saying when the answer expires, in the same forms or as an HTTP date \
                 (`\"Expires\"`); used when `expiry_pointer` finds nothing.",
            ),
            Attribute::computed("response", Type::Dynamic).describe(
                "The answer: decoded JSON (a string when the body is not JSON; null when empty). \
                 Ephemeral: never in plan or state.",
            ),
            Attribute::computed("response_headers", Type::map(Type::String))
                .describe("The answer's headers, names in lower case."),
            Attribute::computed("status", Type::Number).describe("The answer's status code."),
            Attribute::computed("expires_at", Type::String)
                .describe("When the answer expires (RFC 3339, UTC), if it says."),
        ]);
        Schema {
            version: 0,
            block: Block::new(
                "One request through the provider's engine (rate limits, retries, timeouts, audit) \
                 whose answer lives for one Terraform run and is never written to plan or state: \
                 a short-lived token for another provider block or a write-only argument, a \
                 lease, a secret. Optional `renew` and `close` requests keep a lease alive while \
                 the run lasts and revoke it at the end.",
                attributes,
                vec![
                    follow_up(
                        "renew",
                        "POST",
                        "Renews the lease while the run lasts, when `expiry_pointer` or \
                         `expiry_header` says when it expires.",
                    ),
                    follow_up(
                        "close",
                        "DELETE",
                        "Ends the lease when Terraform is done with it (at the end of plan, and \
                         of apply), such as a token revocation.",
                    ),
                ],
            ),
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let _ = Self::parse(config, &mut d);
        d
    }

    async fn open(&self, rt: &Runtime, config: Value) -> Opened {
        let mut d = Diagnostics::new();
        let Some((open, mut private)) = Self::parse(&config, &mut d) else {
            return Opened {
                diagnostics: d,
                ..Opened::default()
            };
        };
        let r = match send(rt, &open, "opening", &context(rt, false)).await {
            Ok(r) => r,
            Err(d) => {
                return Opened {
                    diagnostics: d,
                    ..Opened::default()
                };
            }
        };
        let answer = answer_json(&r);
        let now = SystemTime::now();
        let expires = expires(&r, &answer, &private, now);
        for (name, spec) in [("renew", &mut private.renew), ("close", &mut private.close)] {
            if let Some(s) = spec {
                match resolved(s, &answer) {
                    Ok((done, used)) => {
                        // A token in a close path or header is a secret:
                        // masked in the audit log, logs and messages.
                        for v in used {
                            rt.observers().redactor.add(v);
                        }
                        *s = done;
                    }
                    Err(e) => {
                        // The answer stays usable; only this follow-up is
                        // lost, and the user is told to do it by hand.
                        d.attribute_warning(
                            AttributePath::root(name),
                            "Cannot fill the placeholders",
                            format!(
                                "{e}. The {name} request will not be sent: {} it by hand if \
                                 the API needs it.",
                                if name == "close" { "end" } else { "renew" }
                            ),
                        );
                        *spec = None;
                    }
                }
            }
        }
        let headers = Value::Map(
            Type::String,
            r.headers
                .iter()
                .take(MAX_HEADERS)
                .map(|(k, v)| (k.clone(), Value::string(v.clone())))
                .collect(),
        );
        let result = config
            .with_attr("response", from_json(&answer))
            .with_attr("response_headers", headers)
            .with_attr("status", Value::Number(Number::from(u64::from(r.status))))
            .with_attr(
                "expires_at",
                expires.map_or(Value::Null(Type::String), |t| {
                    Value::string(expiry::format(t))
                }),
            );
        Opened {
            result: Some(result),
            renew_at: renew_at(&private, expires, now),
            private: encode(&private),
            diagnostics: d,
        }
    }

    async fn renew(&self, rt: &Runtime, bytes: &[u8]) -> Renewed {
        let private = match decode(bytes) {
            Ok(p) => p,
            Err(d) => {
                return Renewed {
                    diagnostics: d,
                    ..Renewed::default()
                };
            }
        };
        let Some(spec) = &private.renew else {
            return Renewed {
                private: bytes.to_vec(),
                ..Renewed::default()
            };
        };
        match send(rt, spec, "renew", &context(rt, false)).await {
            Ok(r) => {
                let now = SystemTime::now();
                let expires = expires(&r, &answer_json(&r), &private, now);
                Renewed {
                    renew_at: renew_at(&private, expires, now),
                    private: bytes.to_vec(),
                    diagnostics: Diagnostics::new(),
                }
            }
            Err(d) => Renewed {
                private: bytes.to_vec(),
                renew_at: None,
                diagnostics: d,
            },
        }
    }

    async fn close(&self, rt: &Runtime, bytes: &[u8]) -> Diagnostics {
        let private = match decode(bytes) {
            Ok(p) => p,
            Err(d) => return d,
        };
        let Some(spec) = &private.close else {
            return Diagnostics::new();
        };
        match send(rt, spec, "close", &context(rt, true)).await {
            Ok(_) => Diagnostics::new(),
            // Already gone is what closing wants.
            Err(d) if d.iter().any(|x| x.detail.contains("404 or 410")) => Diagnostics::new(),
            Err(d) => d,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn resolve(text: &str, answer: &Json, strict: bool) -> Result<String, String> {
        Filler::new(answer, strict).fill(text, false)
    }

    #[test]
    fn placeholders_take_parts_of_the_opening_answer() {
        let answer = json!({"lease_id": "abc/1 2", "n": 7, "token": "t0k", "up": ".."});
        assert_eq!(
            resolve("Bearer {response/token}", &answer, true).unwrap(),
            "Bearer t0k"
        );
        assert_eq!(resolve("{response/n}", &answer, true).unwrap(), "7");
        assert!(resolve("{response/missing}", &answer, true).is_err());
        assert_eq!(resolve("{response/missing}", &answer, false).unwrap(), "");
        assert!(resolve("{response/a", &answer, true).is_err());
        assert!(resolve("{responsea}", &answer, true).is_err());
        let spec = Spec {
            method: "DELETE".into(),
            path: "/v1/leases/{response/lease_id}".into(),
            query: vec![],
            headers: vec![("X-Token".into(), "{response/token}".into())],
            body: Some(json!({"lease": "{response/lease_id}", "keep": [1]})),
        };
        let (done, used) = resolved(&spec, &answer).unwrap();
        // One segment: a server's "/" cannot reach another endpoint.
        assert_eq!(done.path, "/v1/leases/abc%2F1%202");
        assert_eq!(done.headers, [("X-Token".to_owned(), "t0k".to_owned())]);
        assert_eq!(done.body, Some(json!({"lease": "abc/1 2", "keep": [1]})));
        assert!(used.contains(&"t0k".to_owned()) && used.contains(&"abc%2F1%202".to_owned()));
        let up = Spec {
            path: "/v1/leases/{response/up}".into(),
            ..spec
        };
        assert!(
            resolved(&up, &answer)
                .unwrap_err()
                .contains("not a path segment")
        );
    }

    #[test]
    fn renewal_comes_at_two_thirds_of_the_lifetime_with_a_renew_request() {
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        let expires = now + std::time::Duration::from_secs(300);
        let mut p = Private::default();
        assert_eq!(
            renew_at(&p, Some(expires), now),
            None,
            "nothing to renew with"
        );
        p.renew = Some(Spec {
            method: "POST".into(),
            path: "/renew".into(),
            query: vec![],
            headers: vec![],
            body: None,
        });
        assert_eq!(
            renew_at(&p, Some(expires), now),
            Some(now + std::time::Duration::from_secs(200))
        );
        assert_eq!(renew_at(&p, None, now), None);
    }

    proptest::proptest! {
        #[test]
        fn any_template_is_answered_without_panic(text in ".{0,60}") {
            let _ = resolve(&text, &json!({"a": {"b": [1, "x"]}}), true);
        }
    }
}
