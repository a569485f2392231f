//! The arguments of the `driver_http_request` ephemeral resource and
//! action, declared once: one request's method, path, query, headers and
//! body, and for the ephemeral resource its expiry and its follow-ups.

use std::collections::BTreeMap;

use framework::settings::{Setting, Settings};

use super::{FollowUps, Spec, check_templates};
use crate::config::values::HttpMethod;
use crate::pointer::Pointer;
use crate::template::{self, Place};
use crate::{AttributePath, Diagnostics, Number, Type, Value};

/// What a request is, whatever its method.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct RequestArgs {
    /// Path below the provider's endpoint, such as `"/v1/leases"`.
    path: RequestPath,
    /// Query parameters.
    query: Option<BTreeMap<String, String>>,
    /// Headers; they replace the provider's headers of the same name.
    headers: Option<BTreeMap<String, String>>,
    /// A JSON body, written as an HCL value.
    body: Option<Value>,
}

impl RequestArgs {
    /// The body, as configured.
    pub(crate) fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// The request with `method`, its templates checked on `at` (only the
    /// follow-ups, `allow_response`, may name the opening answer).
    pub(crate) fn spec(
        self,
        method: HttpMethod,
        at: &AttributePath,
        d: &mut Diagnostics,
        allow_response: bool,
    ) -> Option<Spec> {
        let body = match self.body {
            // An unset body sends no body, not `null`.
            None => None,
            Some(v) if v.is_null() => None,
            Some(v) => match crate::json::to_json(&v) {
                Ok(j) => Some(j),
                Err(e) => {
                    d.attribute_error(at.attr(Self::BODY), "Invalid body", e.to_string());
                    return None;
                }
            },
        };
        let spec = Spec {
            method: method.0.as_str().to_owned(),
            path: self.path.0,
            query: self.query.unwrap_or_default().into_iter().collect(),
            headers: self.headers.unwrap_or_default().into_iter().collect(),
            body,
        };
        let before = d.error_count();
        check_templates(&spec, at, d, allow_response);
        (d.error_count() == before).then_some(spec)
    }
}

/// A request's path template, checked where it is declared.
#[derive(Debug, Clone, PartialEq)]
struct RequestPath(String);

impl Setting for RequestPath {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let written = String::decode(v, at, d)?;
        // `posts` means `/posts`, as for a resource's path; a template that
        // begins with a placeholder stays as written.
        let text = match written.starts_with(['/', '{']) {
            true => written,
            false => format!("/{written}"),
        };
        template::parse_at(&text, Place::Path, at, d).map(|_| RequestPath(text))
    }
}

/// One request through the provider's engine (rate limits, retries,
/// timeouts, audit) whose answer lives for one Terraform run and is never
/// written to plan or state: a short-lived token for another provider block
/// or a write-only argument, a lease, a secret. Optional `renew` and `close`
/// requests keep a lease alive while the run lasts and revoke it at the
/// end.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(super) struct EphemeralArgs {
    /// The HTTP method.
    #[setting(default = "GET")]
    method: HttpMethod,
    #[setting(flatten)]
    request: RequestArgs,
    /// JSON Pointer to when the answer expires: seconds from now
    /// (`"/expires_in"`, `"/lease_duration"`), a Unix time, or an RFC 3339
    /// time (`"/expires_at"`). With a `renew` block, Terraform renews when
    /// two thirds of the lifetime are gone.
    expiry_pointer: Option<Pointer>,
    /// A header saying when the answer expires, in the same forms or as an
    /// HTTP date (`"Expires"`); used when `expiry_pointer` finds nothing.
    expiry_header: Option<String>,
    /// The answer: decoded JSON (a string when the body is not JSON; null
    /// when empty). Ephemeral: never in plan or state.
    #[setting(computed)]
    response: Option<Value>,
    /// The answer's headers, names in lower case.
    #[setting(computed)]
    response_headers: Option<BTreeMap<String, String>>,
    /// The answer's status code.
    #[setting(computed)]
    status: Option<Number>,
    /// When the answer expires (RFC 3339, UTC), if it says.
    #[setting(computed)]
    expires_at: Option<String>,
    /// Renews the lease while the run lasts, when `expiry_pointer` or
    /// `expiry_header` says when it expires. The path, query and header
    /// values and the body's strings may hold `{response/<JSON Pointer>}`,
    /// such as `"/v1/leases/{response/lease_id}"`: that part of the opening
    /// answer.
    #[setting(block)]
    renew: Option<RenewArgs>,
    /// Ends the lease when Terraform is done with it (at the end of plan,
    /// and of apply), such as a token revocation. The path, query and header
    /// values and the body's strings may hold `{response/<JSON Pointer>}`,
    /// such as `"/v1/leases/{response/lease_id}"`: that part of the opening
    /// answer.
    #[setting(block)]
    close: Option<CloseArgs>,
}

/// A renew request.
#[derive(Debug, Clone, PartialEq, Settings)]
struct RenewArgs {
    /// The HTTP method.
    #[setting(default = "POST")]
    method: HttpMethod,
    #[setting(flatten)]
    request: RequestArgs,
}

/// A close request.
#[derive(Debug, Clone, PartialEq, Settings)]
struct CloseArgs {
    /// The HTTP method.
    #[setting(default = "DELETE")]
    method: HttpMethod,
    #[setting(flatten)]
    request: RequestArgs,
}

impl EphemeralArgs {
    /// The opening request and its follow-ups; `None` with diagnostics when
    /// something is wrong (or not known yet).
    pub(super) fn parse(config: &Value, d: &mut Diagnostics) -> Option<(Spec, FollowUps)> {
        let a = EphemeralArgs::decode(config, d).known()?;
        let root = AttributePath::default();
        let open = a.request.spec(a.method, &root, d, false);
        let renew = match a.renew {
            Some(r) => Some(r.request.spec(r.method, &root.attr(Self::RENEW), d, true)?),
            None => None,
        };
        let close = match a.close {
            Some(c) => Some(c.request.spec(c.method, &root.attr(Self::CLOSE), d, true)?),
            None => None,
        };
        let follow_ups = FollowUps {
            renew,
            close,
            expiry_pointer: a.expiry_pointer.map(|p| p.to_string()),
            expiry_header: a.expiry_header,
        };
        Some((open?, follow_ups))
    }
}

/// Sends one request when invoked: from a resource's
/// `lifecycle { action_trigger { ... } }` after it is created or updated, or
/// with `terraform apply -invoke=action.driver_http_request.<name>`. It goes
/// through the provider's engine (endpoint, authentication, rate limits,
/// retries, audit); an answer that is not 2xx fails the action. Nothing is
/// stored.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct ActionArgs {
    /// The HTTP method.
    #[setting(default = "POST")]
    method: HttpMethod,
    #[setting(flatten)]
    request: RequestArgs,
}

impl ActionArgs {
    /// The request; `None` with diagnostics when something is wrong (or
    /// not known yet).
    pub(crate) fn parse(config: &Value, d: &mut Diagnostics) -> Option<Spec> {
        let a = ActionArgs::decode(config, d).known()?;
        a.request
            .spec(a.method, &AttributePath::default(), d, false)
    }
}
