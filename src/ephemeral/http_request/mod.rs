//! `driver_http_request` ephemeral resource: one request through the
//! engine, its answer as `response`, never in plan or state. Optional
//! `renew` and `close` requests for leases and short-lived tokens: their
//! paths, query, headers and body may name parts of the opening answer as
//! `{response/<JSON Pointer>}`, resolved when it is opened.

use crate::http_client::HttpClient;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

mod args;

use args::EphemeralArgs;
pub(crate) use args::{ActionArgs, RequestArgs};
use framework::settings::Settings as _;

use super::{EphemeralResource, Opened, Renewed, expiry};
use crate::json::from_json;
use crate::pointer::Pointer;
use crate::runtime::Runtime;
use crate::template::{self, Place, Source, Template, Values};
use crate::{AttributePath, Diagnostics, Number, Schema, Type, Value};
use drivers::http::{Body, HttpRequest, HttpResponse, Method};
use drivers::{Operation, Outcome};
use engine::OperationContext;

/// The type.
#[derive(Debug, Default)]
pub struct HttpRequestEphemeral;

const TYPE: &str = "driver_http_request";
/// Most answer headers exposed.
const MAX_HEADERS: usize = 100;

/// One request, as configured: its strings are templates.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Spec {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Option<Json>,
}

/// One request with its templates rendered: what is sent.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Ready {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Json>,
}

/// What Renew and Close need; Terraform holds it in memory for the run.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Private {
    renew: Option<Ready>,
    close: Option<Ready>,
    expiry_pointer: Option<String>,
    expiry_header: Option<String>,
}

impl Ready {
    /// The method and target, for messages.
    pub(crate) fn target(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The path it is sent to (below the endpoint).
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Its headers.
    pub(crate) fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Its body.
    pub(crate) fn body(&self) -> Option<&Json> {
        self.body.as_ref()
    }

    /// Replaces its body (with secrets merged in after the templates were
    /// filled, so a secret is never read as a template).
    pub(crate) fn set_body(&mut self, body: Option<Json>) {
        self.body = body;
    }
}

impl Spec {
    /// The request to send, with `{response/…}` taken from `answer` (the
    /// opening answer; `None` for the opening request itself), and the
    /// values that went in: they may be secrets (a token), to be masked
    /// wherever a request is quoted.
    pub(crate) fn render(
        &self,
        answer: Option<&Json>,
        base: Option<&url::Url>,
    ) -> Result<(Ready, Vec<String>), String> {
        let values = Values {
            response: answer,
            base,
            ..Values::default()
        };
        let mut used = Vec::new();
        let mut parse = |text: &str| -> Result<Template, String> {
            let t = Template::parse(text)?;
            used.extend(t.used_values(&values));
            Ok(t)
        };
        let rendered = parse(&self.path)?.render_path(&values)?;
        let mut query = rendered.query;
        for (k, v) in &self.query {
            query.push((k.clone(), parse(v)?.render_text(&values)?));
        }
        let headers = self
            .headers
            .iter()
            .map(|(k, v)| {
                Ok((
                    k.clone(),
                    parse(v)?
                        .render_header(&values)
                        .map_err(|e| format!("header {k}: {e}"))?,
                ))
            })
            .collect::<Result<_, String>>()?;
        if let Some(b) = &self.body {
            for (_, t) in template::body_templates(b) {
                used.extend(t?.used_values(&values));
            }
        }
        let body = self
            .body
            .as_ref()
            .map(|b| template::render_body(b, &values))
            .transpose()?;
        let ready = Ready {
            method: self.method.clone(),
            path: rendered.path,
            query,
            headers,
            body,
        };
        Ok((ready, used))
    }
}

/// A follow-up request with the opening answer filled in. The values
/// used join the redactor: a token in a close path or header is a secret.
/// When it cannot be filled, the answer stays usable; only this follow-up
/// is lost, and the user is told to do it by hand.
fn resolve_follow_up(
    rt: &Runtime,
    name: &str,
    spec: Spec,
    answer: &Json,
    base: Option<&url::Url>,
    d: &mut Diagnostics,
) -> Option<Ready> {
    match spec.render(Some(answer), base) {
        Ok((ready, used)) => {
            for v in used {
                rt.observers().redactor.add(v);
            }
            Some(ready)
        }
        Err(e) => {
            d.attribute_warning(
                AttributePath::root(name),
                "Cannot fill the placeholders",
                rt.scrub(&format!(
                    "{e}. The {name} request will not be sent: {} it by hand if the API needs it.",
                    if name == EphemeralArgs::CLOSE {
                        "end"
                    } else {
                        "renew"
                    }
                )),
            );
            None
        }
    }
}

/// The follow-up requests and expiry settings, as configured.
#[derive(Debug, Default)]
pub(super) struct FollowUps {
    renew: Option<Spec>,
    close: Option<Spec>,
    expiry_pointer: Option<String>,
    expiry_header: Option<String>,
}

/// Every template of a request can be used where it is: path, query and
/// header values, the body's strings. Only renew and close
/// (`allow_response`) may name the opening answer; nothing else has a
/// value here.
pub(super) fn check_templates(
    s: &Spec,
    at: &AttributePath,
    d: &mut Diagnostics,
    allow_response: bool,
) {
    for (t, here) in templates_of(s, at, d) {
        for why in t.refused(|source| match source {
            Source::Response(_) if allow_response => Ok(()),
            Source::Response(_) => Err(
                "{response/…} names the opening answer: only the renew and close requests may use it".to_owned(),
            ),
            other => Err(format!(
                "{} has no value in a request: only {{response/<pointer>}} (in renew and close) is filled in",
                other.spelled(false)
            )),
        }) {
            d.attribute_error(here.clone(), "Invalid placeholder", why);
        }
    }
}

/// Every template of a request (path, query and header values, the body's
/// strings), each with its attribute path; what cannot be read is
/// diagnosed.
pub(crate) fn templates_of(
    s: &Spec,
    at: &AttributePath,
    d: &mut Diagnostics,
) -> Vec<(Template, AttributePath)> {
    let mut found: Vec<(Template, AttributePath)> = Vec::new();
    // The path was checked as it was decoded (`args::RequestPath`).
    if let Ok(t) = Template::parse(&s.path) {
        found.push((t, at.attr(args::RequestArgs::PATH)));
    }
    for (name, pairs, place) in [
        (args::RequestArgs::QUERY, &s.query, Place::Query),
        (args::RequestArgs::HEADERS, &s.headers, Place::Header),
    ] {
        for (k, v) in pairs {
            let here = at.attr(name).key(k);
            if place == Place::Header
                && let Err(e) = template::check_header_name(k)
            {
                d.attribute_error(here.clone(), "Invalid header name", e);
            }
            if let Some(t) = template::parse_at(v, place, &here, d) {
                found.push((t, here));
            }
        }
    }
    if let Some(b) = &s.body {
        for (pointer, t) in template::body_templates(b) {
            match t {
                Ok(t) => found.push((t, at.attr(args::RequestArgs::BODY))),
                Err(e) => d.attribute_error(
                    at.attr(args::RequestArgs::BODY),
                    "Invalid template",
                    format!("at {pointer}: {e}"),
                ),
            }
        }
    }
    found
}

fn request(s: &Ready) -> Result<HttpRequest, String> {
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
    s: &Ready,
    what: &str,
    ctx: &OperationContext,
) -> Result<HttpResponse, Diagnostics> {
    let fail = |detail: String| {
        let mut d = Diagnostics::new();
        d.error(format!("The {what} request failed"), rt.scrub(&detail));
        d
    };
    let client = rt.client::<HttpClient>()?;
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
pub(crate) fn answer_json(r: &HttpResponse) -> Json {
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
impl EphemeralResource<Runtime> for HttpRequestEphemeral {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: EphemeralArgs::block(None),
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let _ = EphemeralArgs::parse(config, &mut d);
        d
    }

    async fn open(&self, rt: &Runtime, config: Value) -> Opened {
        let mut d = Diagnostics::new();
        let failed = |diagnostics| Opened {
            diagnostics,
            ..Opened::default()
        };
        let Some((open, follow_ups)) = EphemeralArgs::parse(&config, &mut d) else {
            return failed(d);
        };
        let base = rt.client::<HttpClient>().ok().map(|c| c.base_url().clone());
        let ready = match open.render(None, base.as_ref()) {
            Ok((ready, _)) => ready,
            Err(e) => {
                d.error(
                    "Cannot build the request",
                    format!("{e}. Nothing was sent."),
                );
                return failed(d);
            }
        };
        let r = match send(rt, &ready, "opening", &context(rt, false)).await {
            Ok(r) => r,
            Err(d) => return failed(d),
        };
        let answer = answer_json(&r);
        let mut follow_up = |name: &str, spec: Option<Spec>| {
            resolve_follow_up(rt, name, spec?, &answer, base.as_ref(), &mut d)
        };
        let private = Private {
            renew: follow_up(EphemeralArgs::RENEW, follow_ups.renew),
            close: follow_up(EphemeralArgs::CLOSE, follow_ups.close),
            expiry_pointer: follow_ups.expiry_pointer,
            expiry_header: follow_ups.expiry_header,
        };
        let now = SystemTime::now();
        let expires = expires(&r, &answer, &private, now);
        let headers = Value::Map(
            Type::String,
            r.headers
                .iter()
                .take(MAX_HEADERS)
                .map(|(k, v)| (k.clone(), Value::string(v.clone())))
                .collect(),
        );
        let result = config
            .with_attr(EphemeralArgs::RESPONSE, from_json(&answer))
            .with_attr(EphemeralArgs::RESPONSE_HEADERS, headers)
            .with_attr(
                EphemeralArgs::STATUS,
                Value::Number(Number::from(u64::from(r.status))),
            )
            .with_attr(
                EphemeralArgs::EXPIRES_AT,
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
        match send(rt, spec, EphemeralArgs::RENEW, &context(rt, false)).await {
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
        match send(rt, spec, EphemeralArgs::CLOSE, &context(rt, true)).await {
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

    fn spec(path: &str, headers: &[(&str, &str)], body: Option<Json>) -> Spec {
        Spec {
            method: "DELETE".into(),
            path: path.into(),
            query: vec![],
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body,
        }
    }

    #[test]
    fn placeholders_take_parts_of_the_opening_answer() {
        let answer = json!({"lease_id": "abc/1 2", "n": 7, "token": "t0k", "up": ".."});
        let s = spec(
            "/v1/leases/{response/lease_id}",
            &[("X-Token", "Bearer {response/token}")],
            Some(json!({"lease": "{response/lease_id}", "n": "{response/n}", "keep": [1]})),
        );
        let (done, used) = s.render(Some(&answer), None).unwrap();
        // One segment: a server's "/" cannot reach another endpoint.
        assert_eq!(done.path, "/v1/leases/abc%2F1%202");
        assert_eq!(
            done.headers,
            [("X-Token".to_owned(), "Bearer t0k".to_owned())]
        );
        assert_eq!(
            done.body,
            Some(json!({"lease": "abc/1 2", "n": 7, "keep": [1]}))
        );
        assert!(used.contains(&"t0k".to_owned()) && used.contains(&"abc%2F1%202".to_owned()));
        let up = spec("/v1/leases/{response/up}", &[], None);
        assert!(
            up.render(Some(&answer), None)
                .unwrap_err()
                .contains("\"..\"")
        );
        let missing = spec("/v1/{response/missing}", &[], None);
        assert!(missing.render(Some(&answer), None).is_err());
        let injected = spec("/v1", &[("X", "{response/token}\r\nX-Other: 1")], None);
        assert!(injected.render(Some(&answer), None).is_err());
    }

    #[test]
    fn only_follow_ups_may_name_the_answer() {
        let mut d = Diagnostics::new();
        check_templates(
            &spec("/v1/{response/id}", &[], None),
            &AttributePath::default(),
            &mut d,
            false,
        );
        assert!(d.has_error());
        let mut d = Diagnostics::new();
        check_templates(
            &spec("/v1/{id}", &[], None),
            &AttributePath::default(),
            &mut d,
            true,
        );
        assert!(d.has_error());
        let mut d = Diagnostics::new();
        check_templates(
            &spec("/v1/{response/id}", &[], None),
            &AttributePath::default(),
            &mut d,
            true,
        );
        assert!(!d.has_error());
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
        p.renew = Some(Ready {
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
            let _ = spec(&text, &[("X", &text)], Some(json!({"a": text.clone()})))
                .render(Some(&json!({"a": {"b": [1, "x"]}})), None);
        }
    }
}
