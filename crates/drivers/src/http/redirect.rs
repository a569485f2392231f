//! Which redirects are followed. reqwest's own following is off; this
//! decides, for every 3xx with a `Location`:
//!
//! - to another origin (scheme, host or port): never followed, so no
//!   credential, cookie or body leaves the origin the request was for;
//! - out of the endpoint's base path, for a request that was under it:
//!   never followed, as a path in the configuration could not go there;
//! - a read (GET, HEAD): followed within the origin, up to
//!   [`MAX_REDIRECTS`] hops;
//! - anything else: 307 and 308 are followed within the origin (they keep
//!   the method and body by definition); 303 is the answer itself ("done,
//!   see there": a create's `Location`); 301 and 302 are refused, since
//!   clients turn them into a GET and the write would silently not happen.

use url::Url;

use super::super::{DriverError, ErrorKind, Request};
use super::HttpRequest;

/// Most hops followed for one request.
pub(super) const MAX_REDIRECTS: u32 = 10;

/// What to do with an answer.
pub(super) enum Next {
    /// Send the request again to this URL.
    Follow(Url),
    /// This is the answer.
    Stop,
}

/// Decides about `resp`, the answer from `current`, after `hops` redirects
/// of a request first sent to `first`; `under` is the base path it must
/// stay below, if any.
pub(super) fn next(
    req: &HttpRequest,
    first: &Url,
    under: Option<&str>,
    current: &Url,
    resp: &reqwest::Response,
    hops: u32,
) -> Result<Next, DriverError> {
    let status = resp.status().as_u16();
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Ok(Next::Stop);
    }
    let Some(location) = resp.headers().get("location").and_then(|v| v.to_str().ok()) else {
        return Ok(Next::Stop);
    };
    let read = req.method.is_idempotent() && matches!(req.method.as_str(), "GET" | "HEAD");
    if status == 303 && !read {
        return Ok(Next::Stop);
    }
    let refuse = |why: String| {
        Err(DriverError::new(
            ErrorKind::Redirected,
            format!("{} answered {status}: {why}", req.target()),
        ))
    };
    let Ok(to) = current.join(location) else {
        return refuse("the redirect's Location is not a URL".into());
    };
    let shown = format!("{}{}", to.origin().ascii_serialization(), to.path());
    if to.origin() != first.origin() {
        return refuse(format!(
            "a redirect to {shown}, another origin, is not followed: credentials and request \
             bodies never leave {}. If the API moved, point the provider's endpoint there.",
            first.origin().ascii_serialization()
        ));
    }
    if let Some(base) = under.filter(|base| !super::paths::is_under(to.path(), base)) {
        return refuse(format!(
            "a redirect to {shown}, outside the endpoint's path {base:?}, is not followed: \
             requests stay below the endpoint. If the API moved, point the provider's endpoint \
             there."
        ));
    }
    if !read && matches!(status, 301 | 302) {
        return refuse(format!(
            "a {} redirected to {shown} is not followed: it would become a GET, and the {} \
             would not happen. Nothing was changed; use the object's final URL in the \
             configuration.",
            req.method, req.method
        ));
    }
    if hops >= MAX_REDIRECTS {
        return refuse(format!("more than {MAX_REDIRECTS} redirects"));
    }
    Ok(Next::Follow(to))
}
