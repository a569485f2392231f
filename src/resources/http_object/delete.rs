//! Deleting the object, and following a long-running delete.

use super::args::HttpObjectArgs;
use super::{TYPE, settings, wait};
use crate::failure;
use crate::http_client::HttpClient;
use crate::resource::{DeleteRequest, DeleteResponse};
use crate::runtime::Runtime;
use crate::{Diagnostics, Value};
use drivers::http::Body;
use drivers::{Operation, Outcome};
use engine::OperationContext;

pub(super) async fn delete(rt: &Runtime, req: DeleteRequest) -> DeleteResponse {
    let mut diags = Diagnostics::new();
    // The prior state holds every argument; the config is null on delete.
    let Some(s) = settings::parse(&req.prior_state, &mut diags) else {
        return DeleteResponse { diagnostics: diags };
    };
    let mut id = req
        .prior_state
        .get(HttpObjectArgs::ID)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let private = super::Private::decode(&req.private);
    // A path that never answered for the object cannot prove it gone.
    let unconfirmed = private.unconfirmed && !private.pending;
    let pending_key = super::pending_key(&req.prior_state).map(str::to_owned);
    if private.pending || pending_key.is_some() {
        // A create whose outcome was unknown: delete what it made, if
        // anything can be found (by natural key, else by sending it again
        // with its idempotency key; the replacement of a tainted object
        // has only the state, where the key is in the id).
        match find_pending(rt, &s, &req.prior_state, pending_key.as_deref(), &mut diags).await {
            Some(found) => id = found,
            None => return DeleteResponse { diagnostics: diags },
        }
    } else if id.is_empty() && s.delete.path.uses_id() {
        diags.warning(
            "Nothing to delete",
            "The object has no id, so there is nothing the provider could delete; it is \
             removed from state.",
        );
        return DeleteResponse { diagnostics: diags };
    }
    let body = super::body_json(&req.prior_state);
    let response = super::last_response(&req.prior_state);
    let values = s.values(Some(&id), &body, response.as_ref());
    let sent = match s.delete.rendered_body(&values) {
        Ok(None) => Body::Empty,
        Ok(Some(j)) => match s.encode(&j) {
            Ok(b) => b,
            Err(e) => {
                diags.attribute_error(
                    crate::AttributePath::root(HttpObjectArgs::DELETE).attr(HttpObjectArgs::BODY),
                    "Delete body cannot be sent",
                    e,
                );
                return DeleteResponse { diagnostics: diags };
            }
        },
        Err(e) => {
            diags.attribute_error(
                crate::AttributePath::root(HttpObjectArgs::DELETE).attr(HttpObjectArgs::BODY),
                "Delete body cannot be sent",
                rt.scrub(&e),
            );
            return DeleteResponse { diagnostics: diags };
        }
    };
    let (http, object) = match (
        super::request_for(rt, &s.delete, values, sent),
        super::request_for(rt, &s.read, values, Body::Empty),
    ) {
        (Ok(h), Ok(o)) => (h, o),
        (Err(d), _) | (_, Err(d)) => return DeleteResponse { diagnostics: d },
    };
    diags.extend(send(rt, &s, (&http, &object), values, unconfirmed).await);
    DeleteResponse { diagnostics: diags }
}

/// Sends the delete (holding the write lock) and follows its operation.
async fn send(
    rt: &Runtime,
    s: &super::settings::Settings,
    (http, object): (&drivers::http::HttpRequest, &drivers::http::HttpRequest),
    values: crate::template::Values<'_>,
    unconfirmed: bool,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let null = serde_json::Value::Null;
    let prior_body = values.body.unwrap_or(&null);
    let id = values.id.unwrap_or_default();
    let _lock = match s.write_lock(rt, prior_body, s.timeouts.delete).await {
        Ok(guard) => guard,
        Err(d) => return d,
    };
    let client = match rt.client::<HttpClient>() {
        Ok(c) => c,
        Err(d) => return d,
    };
    let ctx = OperationContext::new(s.timeouts.delete, rt.stop.clone()).about(TYPE, Some(id));
    if let Some(p) = &s.delete.precheck
        && let Err(d) = crate::resources::precheck::wait(rt, p, &values, "delete", &ctx).await
    {
        return d;
    }
    let target = format!("{} {}", http.method, client.url(&http.path));
    match client.execute(http, &ctx).await {
        Ok(Outcome::Gone) if unconfirmed => {
            diags.error(
                "Delete not confirmed",
                format!(
                    "{target} answered 404, but this object's path has never answered for it: \
                     object_path (or id_pointer, or the delete block's path) is probably wrong, \
                     so the object was not deleted and stays in state. Fix the path, run \
                     terraform untaint on this resource, then apply; if the object really is \
                     gone, run terraform state rm on it."
                ),
            );
        }
        // Already gone is what we wanted.
        Ok(Outcome::Gone) => {}
        Ok(Outcome::Done(resp)) => {
            if let Err(d) = wait::settle(rt, s, &resp, Some(object), &ctx, Operation::Delete).await
            {
                diags.extend(d);
            }
        }
        Err(e) => {
            failure::report(rt, &mut diags, "Delete failed", &target, &e);
        }
    }
    diags
}

/// The id of the object a pending create made, by natural key; `None` when
/// there is none to delete (warnings say so) or it cannot be found (errors).
async fn find_pending(
    rt: &Runtime,
    s: &super::settings::Settings,
    prior: &Value,
    key: Option<&str>,
    diags: &mut Diagnostics,
) -> Option<String> {
    let body = prior
        .get(HttpObjectArgs::BODY)
        .and_then(|b| crate::json::to_json(b).ok())
        .unwrap_or(serde_json::Value::Null);
    if let (true, Some(key)) = (s.natural_key.is_empty(), key) {
        return match super::create::replay(rt, s, prior, key).await {
            Ok(Some(id)) => Some(id),
            Ok(None) => {
                diags.warning(
                    "Object of an interrupted create not found",
                    format!(
                        "The create in {} was sent again with its idempotency key to find the \
                         object it made, but the answer named none: if it exists, delete it in \
                         the API.",
                        s.path
                    ),
                );
                None
            }
            Err(d) => {
                diags.extend(d);
                None
            }
        };
    }
    if s.natural_key.is_empty() {
        diags.warning(
            "Object of an interrupted create not deleted",
            format!(
                "A create in {} had an unknown outcome and, without natural_key, the object \
                 cannot be found: if it exists, delete it in the API.",
                s.path
            ),
        );
        return None;
    }
    match super::lookup::find(rt, s, &body).await {
        Ok(super::lookup::Found::One { id, .. }) => Some(id),
        Ok(super::lookup::Found::Absent) => None,
        Ok(super::lookup::Found::Many(n)) => {
            diags.error(
                "Natural key is not unique",
                format!(
                    "{n} objects have {}; the provider will not guess which one to delete.",
                    super::lookup::describe(&body, &s.natural_key)
                ),
            );
            None
        }
        Err(d) => {
            diags.extend(d);
            None
        }
    }
}
