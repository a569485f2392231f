//! Refresh: read the object and report drift in the managed fields.

use super::args::HttpObjectArgs;
use crate::resources::kept_answer::KeptAnswer;
use serde_json::Value as Json;

use super::super::common::settle_drift;
use super::settings::{self, ListRefresh, Settings};
use super::{Private, TYPE, answer, now_ms, response, wait};
use crate::drift::{DriftRules, reconcile, with_spelling};
use crate::failure;
use crate::http_client::HttpClient;
use crate::json::from_json;
use crate::pointer::Pointer;
use crate::resource::{ReadRequest, ReadResponse};
use crate::runtime::Runtime;
use crate::{Diagnostics, Type, Value};
use drivers::Outcome;
use drivers::http::Body;
use engine::OperationContext;

pub(super) async fn read(rt: &Runtime, req: ReadRequest) -> ReadResponse {
    let mut diags = Diagnostics::new();
    // A read that cannot tell keeps what is stored.
    let keep = |diagnostics: Diagnostics| ReadResponse {
        new_state: Some(req.current_state.clone()),
        private: None,
        diagnostics,
    };
    // Deleted outside Terraform: dropping it from state plans a create.
    let gone = |diagnostics: Diagnostics| ReadResponse {
        new_state: None,
        private: None,
        diagnostics,
    };
    let Some(s) = settings::parse(&req.current_state, &mut diags) else {
        return keep(diags);
    };
    let client = match rt.client::<HttpClient>() {
        Ok(e) => e,
        Err(d) => return keep(d),
    };
    let private = Private::decode(&req.private);
    let id = req
        .current_state
        .get(HttpObjectArgs::ID)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if private.pending || super::pending_key(&req.current_state).is_some() {
        return resolve_pending(rt, &s, &req, private).await;
    }
    // Bulk refresh: what the collection's shared listing says, when it can.
    let listed = match s.list.refresh {
        ListRefresh::None => None,
        _ => from_listing(rt, client, &s, &id).await,
    };
    let (actual, target) = match (s.list.refresh, listed) {
        // Missing from a complete listing: deleted outside Terraform.
        (_, Some(None)) => return gone(diags),
        (ListRefresh::Full, Some(Some(item))) => {
            let listing = s.list.path.clone().unwrap_or_else(|| s.path.clone());
            (item, format!("the listing of {}", client.url(&listing)))
        }
        _ => match read_remote(rt, &s, &req, &id, private.last_write_ms).await {
            Remote::Object(actual, target) => (actual, target),
            // Never read at its path: gone only if the collection agrees
            // (it can tell only where the id is a field of its items).
            Remote::Gone if private.unconfirmed => {
                let listed = match s.id_pointer.tokens().is_empty() {
                    true => None,
                    false => from_listing(rt, client, &s, &id).await,
                };
                return match listed {
                    Some(None) => gone(diags),
                    _ => keep(unproven_path(&s, &id)),
                };
            }
            Remote::Gone => return gone(diags),
            Remote::Unknown(d) => return keep(d),
        },
    };
    compare(rt, &s, &req, private, actual, &target, &id, diags)
}

/// A 404 at the path of an object this provider created, which has never
/// answered there, while the collection still lists it (or cannot say): a
/// wrong `object_path` or `id_pointer`, and forgetting the object would
/// leak it (the next apply creates another). It is kept, with a warning
/// that says what to do.
fn unproven_path(s: &Settings, id: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.warning(
        "Object not found at its path",
        format!(
            "The object {id:?} created in {} answers 404 at its read path, which has never \
             answered for it: object_path (or id_pointer, or the read block's path) is probably \
             wrong. It is kept in state rather than forgotten and created again. Fix the path, \
             run terraform untaint on this resource if it is tainted, then apply. If the object \
             really was deleted, run terraform state rm on it.",
            s.path
        ),
    );
    d
}

/// What a read of the object found.
enum Remote {
    /// The object, and the request's target for messages.
    Object(Json, String),
    /// It no longer exists (404, an empty listing, soft-deleted).
    Gone,
    /// It could not tell (diagnosed).
    Unknown(Diagnostics),
}

/// Reads the object `id` itself.
async fn read_remote(
    rt: &Runtime,
    s: &Settings,
    req: &ReadRequest,
    id: &str,
    last_write: Option<u64>,
) -> Remote {
    let mut diags = Diagnostics::new();
    let client = match rt.client::<HttpClient>() {
        Ok(c) => c,
        Err(d) => return Remote::Unknown(d),
    };
    let stored_body = super::body_json(&req.current_state);
    let response = super::last_response(&req.current_state);
    let values = s.values(Some(id), &stored_body, response.as_ref());
    let (request, reading) = match super::request_for(rt, &s.read, values, Body::Empty)
        .and_then(|r| Ok((r, s.reading(&values)?)))
    {
        Ok(r) => r,
        Err(d) => return Remote::Unknown(d),
    };
    let target = format!("{} {}", request.method, client.url(&request.path));
    let ctx = OperationContext::new(s.timeouts.read, rt.stop.clone()).about(TYPE, Some(id));
    let resp = match super::wait::read_object(rt, s, &request, &ctx, last_write).await {
        Ok(Ok(Outcome::Done(r))) => r,
        Ok(Ok(Outcome::Gone)) => return Remote::Gone,
        Ok(Err(e)) => {
            failure::report(rt, &mut diags, "Read failed", &target, &e);
            return Remote::Unknown(diags);
        }
        Err(d) => return Remote::Unknown(d),
    };
    match answer::read(&resp, &reading) {
        Ok(answer::Found::Object(j)) if !super::soft_deleted(s, &j) => Remote::Object(j, target),
        // An empty listing, or a soft-deleted object: gone.
        Ok(_) => Remote::Gone,
        Err(why) => {
            diags.error(
                "The API did not answer with an object",
                rt.scrub(&format!(
                    "{target} answered {why}, so the object cannot be compared with the \
                     configuration. Nothing was changed in state."
                )),
            );
            Remote::Unknown(diags)
        }
    }
}

/// What the collection's listing (fetched once per process, shared) says
/// about object `id`: `Some(Some(item))` listed, `Some(None)` absent from a
/// complete listing (gone); `None` when it cannot say (the listing failed
/// or is incomplete), and the object is read on its own.
async fn from_listing(
    rt: &Runtime,
    client: &HttpClient,
    s: &Settings,
    id: &str,
) -> Option<Option<Json>> {
    let req = s.list_request().ok()?;
    let key = req.key();
    let ctx = OperationContext::new(s.timeouts.read, rt.stop.clone()).about(TYPE, None);
    let fetched = client
        .listings()
        .get_or_fetch(key, || async {
            crate::http_client::fetch_listing(rt, client, &req, &ctx)
                .await
                .map_err(|d| d.summary())
        })
        .await;
    let listing = match fetched {
        Ok(l) => l,
        Err(why) => {
            tracing::warn!(%why, "listing for bulk refresh failed; reading objects one by one");
            return None;
        }
    };
    match (listing.find(&s.id_pointer, id), &listing.incomplete) {
        (Some(item), _) => Some(Some(item.clone())),
        (None, None) => Some(None),
        (None, Some(why)) => {
            tracing::warn!(%why, id, "listing incomplete; reading the object on its own");
            None
        }
    }
}

/// Compares the object as the API has it (`actual`) with the state, and
/// returns the refreshed state: drift in the managed fields, the response.
#[allow(clippy::too_many_arguments)]
fn compare(
    rt: &Runtime,
    s: &Settings,
    req: &ReadRequest,
    mut private: Private,
    actual: Json,
    target: &str,
    id: &str,
    mut diags: Diagnostics,
) -> ReadResponse {
    // Its path answered: a later 404 there is a deletion.
    private.unconfirmed = false;
    if super::soft_deleted(s, &actual) {
        return ReadResponse {
            new_state: None,
            private: None,
            diagnostics: diags,
        };
    }
    let prior_body = req
        .current_state
        .get(HttpObjectArgs::BODY)
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic));
    let body = match private.import.take() {
        // First read after import: the managed fields come from the API.
        Some(marker) => imported_body(&actual, &marker, &s.drift_rules),
        None => {
            let rules = with_spelling(&s.drift_rules, &private.spelling, &private.added, &actual);
            let r = reconcile(&prior_body, &actual, &rules);
            rt.audit_drift(TYPE, id, s.drift_mode.as_str(), &r.drifted);
            settle_drift(s.drift_mode, r, prior_body, target, &mut diags)
        }
    };
    let stored = response::stored(
        from_json(&actual),
        &private.write_only_pointers,
        s.response_fields.as_deref(),
    );
    let state = req
        .current_state
        .with_attr(HttpObjectArgs::BODY, body)
        .with_attr(KeptAnswer::RESPONSE, stored);
    ReadResponse {
        new_state: Some(state),
        private: Some(private.encode()),
        diagnostics: diags,
    }
}

/// Reads the object after a create or update that did not return it.
pub(super) async fn read_back(
    rt: &Runtime,
    s: &Settings,
    id: &str,
    body: &Json,
    last_answer: Option<&Json>,
) -> Result<Json, Diagnostics> {
    read_back_at_path(rt, s, id, body, last_answer)
        .await?
        .ok_or_else(|| not_at_path(rt, s, id, body, last_answer))
}

/// The error of a read back that kept answering 404.
fn not_at_path(
    rt: &Runtime,
    s: &Settings,
    id: &str,
    body: &Json,
    last_answer: Option<&Json>,
) -> Diagnostics {
    let values = s.values(Some(id), body, last_answer);
    let target = match (rt.client::<HttpClient>(), s.read.target(&values)) {
        (Ok(c), Ok(t)) => format!("{} {}", s.read.method, c.url(&t.path)),
        _ => "The read".to_owned(),
    };
    let mut d = Diagnostics::new();
    d.error(
        "Object not found after write",
        format!(
            "{target} kept answering 404 for consistency_window ({:?}) after the object was \
             written. If the API takes longer to show new objects, raise consistency_window.",
            s.consistency_window
        ),
    );
    d
}

/// Reads the object after a write that did not return it: `Ok(None)` when
/// its read path kept answering 404 for `consistency_window`.
pub(super) async fn read_back_at_path(
    rt: &Runtime,
    s: &Settings,
    id: &str,
    body: &Json,
    last_answer: Option<&Json>,
) -> Result<Option<Json>, Diagnostics> {
    let mut d = Diagnostics::new();
    let client = rt.client::<HttpClient>()?;
    let values = s.values(Some(id), body, last_answer);
    let request = super::request_for(rt, &s.read, values, Body::Empty)?;
    let reading = s.reading(&values)?;
    let ctx = OperationContext::new(s.timeouts.read, rt.stop.clone()).about(TYPE, Some(id));
    let target = format!("{} {}", request.method, client.url(&request.path));
    match wait::read_object(rt, s, &request, &ctx, Some(now_ms())).await? {
        Ok(Outcome::Done(r)) => match answer::read(&r, &reading) {
            Ok(answer::Found::Object(j)) => Ok(Some(j)),
            Ok(answer::Found::Nothing) => {
                d.error(
                    "Object not found after write",
                    format!("{target} does not list the object that was just written."),
                );
                Err(d)
            }
            Err(why) => {
                d.error(
                    "The API did not answer with an object",
                    rt.scrub(&format!(
                        "{target} answered {why}, so the object cannot be compared with the \
                         configuration."
                    )),
                );
                Err(d)
            }
        },
        Ok(Outcome::Gone) => Ok(None),
        Err(e) => {
            failure::report(rt, &mut d, "Read failed", &target, &e);
            Err(d)
        }
    }
}

/// A create whose outcome was unknown: find the object by natural key.
/// Found, it takes its id and is compared like any other; absent from the
/// listing, it is gone (a create is planned); otherwise it stays pending.
async fn resolve_pending(
    rt: &Runtime,
    s: &Settings,
    req: &ReadRequest,
    mut private: Private,
) -> ReadResponse {
    let mut diags = Diagnostics::new();
    let keep = |diagnostics: Diagnostics| ReadResponse {
        new_state: Some(req.current_state.clone()),
        private: None,
        diagnostics,
    };
    let prior_body = req
        .current_state
        .get(HttpObjectArgs::BODY)
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic));
    if s.natural_key.is_empty() {
        diags.warning(
            "Object of an interrupted create not known yet",
            format!(
                "A create in {} had an unknown outcome. It stays tainted: the next apply \
                 replaces it, first sending the create again with the same idempotency key, so \
                 that an API that honours keys names the object the first create made, which is \
                 then deleted. With an API that ignores keys, set natural_key so that the object \
                 is found instead.",
                s.path
            ),
        );
        return keep(diags);
    }
    let body_json = crate::json::to_json(&prior_body).unwrap_or(Json::Null);
    match super::lookup::find(rt, s, &body_json).await {
        Ok(super::lookup::Found::One { id, object }) => {
            private.pending = false;
            let r = reconcile(&prior_body, &object, &s.drift_rules);
            let target = format!(
                "natural key {}",
                super::lookup::describe(&body_json, &s.natural_key)
            );
            let body = settle_drift(s.drift_mode, r, prior_body, &target, &mut diags);
            let stored = response::stored(
                from_json(&object),
                &private.write_only_pointers,
                s.response_fields.as_deref(),
            );
            let state = req
                .current_state
                .with_attr(HttpObjectArgs::ID, Value::string(id))
                .with_attr(HttpObjectArgs::BODY, body)
                .with_attr(KeptAnswer::RESPONSE, stored);
            ReadResponse {
                new_state: Some(state),
                private: Some(private.encode()),
                diagnostics: diags,
            }
        }
        // Never created: plan a create.
        Ok(super::lookup::Found::Absent) => ReadResponse::default(),
        Ok(super::lookup::Found::Many(n)) => {
            diags.error(
                "Natural key is not unique",
                format!(
                    "{n} objects have {}: the provider cannot tell which one an interrupted create \
                     made. Remove the extra ones in the API, or import the right one.",
                    super::lookup::describe(&body_json, &s.natural_key)
                ),
            );
            keep(diags)
        }
        Err(d) => keep(d),
    }
}

/// The body to manage after an import: the named fields (names or JSON
/// Pointers), or everything the API returned.
fn imported_body(actual: &Json, marker: &super::ImportMarker, rules: &DriftRules) -> Value {
    let picked = match (&marker.fields, &marker.template) {
        (Some(fields), _) => {
            let pointers: Vec<Pointer> = fields.iter().filter_map(|f| field_pointer(f)).collect();
            // Rebuilt with the nesting down to each field; a pointer into a
            // list keeps the whole list.
            response::only_pointers(&from_json(actual), &pointers)
        }
        (None, Some(template)) => from_json(&shaped(actual, template)),
        (None, None) => from_json(actual),
    };
    // What drift never compares is not managed either.
    let ignored: Vec<String> = rules.ignore.iter().cloned().collect();
    crate::resources::write_only::without_pointers(picked, &ignored)
}

/// `actual` cut to the shape of `template`: the keys an object template
/// names (recursively), every element of a list shaped by the template's
/// one element; anything else in the template takes the value whole.
fn shaped(actual: &Json, template: &Json) -> Json {
    match (template, actual) {
        (Json::Object(t), Json::Object(a)) => Json::Object(
            t.iter()
                .filter_map(|(k, sub)| Some((k.clone(), shaped(a.get(k)?, sub))))
                .collect(),
        ),
        (Json::Array(t), Json::Array(a)) if t.len() == 1 => {
            let element = t.first().unwrap_or(&Json::Null);
            Json::Array(a.iter().map(|x| shaped(x, element)).collect())
        }
        _ => actual.clone(),
    }
}

/// An import field: a JSON Pointer, or a top-level field name.
pub(super) fn field_pointer(field: &str) -> Option<Pointer> {
    if field.starts_with('/') {
        Pointer::parse(field).ok()
    } else {
        Pointer::parse(&format!("/{}", crate::json::escape(field))).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(names: &[&str]) -> super::super::ImportMarker {
        super::super::ImportMarker {
            fields: Some(names.iter().map(|s| (*s).to_owned()).collect()),
            template: None,
        }
    }

    fn json_of(v: &Value) -> Json {
        crate::json::to_json(v).unwrap()
    }

    #[test]
    fn import_picks_named_fields_and_pointers() {
        let actual =
            json!({"id": 1, "name": "n", "enabled": true, "spec": {"size": 3, "zone": "a"}});
        let v = imported_body(
            &actual,
            &fields(&["name", "/spec/size", "missing"]),
            &DriftRules::default(),
        );
        assert_eq!(json_of(&v), json!({"name": "n", "spec": {"size": 3}}));
        let all = super::super::ImportMarker::default();
        assert_eq!(
            json_of(&imported_body(&actual, &all, &DriftRules::default())),
            actual
        );
    }

    #[test]
    fn import_by_template_leaves_out_what_the_server_added_inside_lists() {
        let actual = json!({
            "name": "n",
            "rules": [{"port": 80, "created": "t1"}, {"port": 443, "created": "t2"}],
            "meta": {"rev": 9, "owner": "x"},
            "server": true
        });
        let marker = super::super::ImportMarker {
            fields: None,
            template: Some(
                json!({"name": null, "rules": [{"port": null}], "meta": {"owner": null}}),
            ),
        };
        let v = imported_body(&actual, &marker, &DriftRules::default());
        assert_eq!(
            json_of(&v),
            json!({"name": "n", "rules": [{"port": 80}, {"port": 443}], "meta": {"owner": "x"}})
        );
        // What drift ignores is not managed after import either.
        let rules = DriftRules {
            ignore: ["/meta".to_owned()].into(),
            ..Default::default()
        };
        let v = imported_body(&actual, &marker, &rules);
        assert_eq!(
            json_of(&v),
            json!({"name": "n", "rules": [{"port": 80}, {"port": 443}]})
        );
    }
}
