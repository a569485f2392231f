//! API shapes other than the demo API's own, for the tests of real-world
//! REST designs:
//!
//! - `/named/<any path>`: objects created and replaced by `PUT` at a name
//!   the client picks (answered 201 or 204, no body; an object or an
//!   array), read by `GET`, removed by
//!   `DELETE`, as message brokers and key-value stores do;
//! - `/one/<collection>/<id>`: an object read, updated and deleted at
//!   another path than its collection's (`/silences` vs `/silence/{id}`);
//! - `POST /<collection>/<id>/delete`: a delete sent as a POST;
//! - `GET|PATCH|DELETE /<collection>?id=eq.<id>`: row filters
//!   (PostgREST-style): a read answers an array of the matching objects;
//! - `/schemas`: a backend-as-a-service's collection schemas, to whose
//!   `fields` every write adds the system field `id` (first) when it is
//!   missing;
//! - `POST /applications`: a notification service's applications, each
//!   created with a secret `token` in its answers;
//! - `PUT /versions/<id>`: versioned objects, replaced on write: the
//!   update creates the object anew under a new id, removes the old one,
//!   and answers with the new one;
//! - `POST /rpc/get` with `{"collection": "/things", "id": "1"}`: an
//!   RPC-style read, answering `{"found": [object]}`, or, for a missing
//!   object, `{}` (or `{"found": []}` when the body says `"as_list":
//!   true`), never 404.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json;

use super::{Store, collection, error, json_response, object, parse_object, split_object};

/// Objects stored by `PUT` at a name.
pub(crate) type Named = BTreeMap<String, Json>;

/// Handles `path` if it is one of the shapes above.
pub(crate) fn handle(
    store: &mut Store,
    method: &Method,
    path: &str,
    query: &str,
    body: &Bytes,
) -> Option<Response> {
    if path.starts_with("/named/") {
        return Some(named(store, method, path, body));
    }
    if *method == Method::PUT
        && path.starts_with("/versions/")
        && let Some((c, id)) = split_object(path)
    {
        let old = store.collections.get_mut(c).and_then(|m| m.remove(&id));
        if old.is_none() {
            return Some(error(StatusCode::NOT_FOUND, "no such object"));
        }
        let r = collection(store, &Method::POST, c, body);
        let mut r = r;
        if r.status() == StatusCode::CREATED {
            *r.status_mut() = StatusCode::OK;
        }
        return Some(r);
    }
    if *method == Method::POST && path == "/rpc/get" {
        return Some(rpc_get(store, body));
    }
    if *method == Method::POST && path == "/applications" {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let token = format!("tok-{nanos:08x}{:08x}", store.next_id);
        let mut j: Json = serde_json::from_slice(body).ok()?;
        j.as_object_mut()?.insert("token".into(), Json::from(token));
        let body = Bytes::from(serde_json::to_vec(&j).ok()?);
        return Some(collection(store, method, path, &body));
    }
    if path.starts_with("/schemas")
        && matches!(*method, Method::POST | Method::PUT | Method::PATCH)
        && let Some(with_system) = with_system_field(body)
    {
        let r = match split_object(path) {
            Some((c, id)) => object(store, method, c, id, &with_system),
            None => collection(store, method, path.trim_end_matches('/'), &with_system),
        };
        return Some(r);
    }
    if let Some(rest) = path.strip_prefix("/one") {
        let (c, id) = split_object(rest)?;
        return Some(object(store, method, c, id, body));
    }
    if *method == Method::POST
        && let Some(target) = path.strip_suffix("/delete")
        && let Some((c, id)) = split_object(target)
    {
        return Some(object(store, &Method::DELETE, c, id, body));
    }
    let row = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("id=eq."))
        .and_then(|id| id.parse::<u64>().ok())?;
    let collection_path = path.trim_end_matches('/');
    match *method {
        Method::GET => {
            let found: Vec<Json> = store
                .collections
                .get(collection_path)
                .and_then(|m| m.get(&row))
                .cloned()
                .into_iter()
                .collect();
            Some(json_response(StatusCode::OK, &Json::Array(found)))
        }
        Method::PATCH | Method::DELETE => {
            let r = object(store, method, collection_path, row, body);
            // Row-filter writes answer with the rows they touched.
            Some(if r.status() == StatusCode::NOT_FOUND {
                json_response(StatusCode::OK, &Json::Array(Vec::new()))
            } else {
                r
            })
        }
        Method::POST => Some(collection(store, method, collection_path, body)),
        _ => None,
    }
}

fn named(store: &mut Store, method: &Method, path: &str, body: &Bytes) -> Response {
    match *method {
        Method::PUT => {
            // A key-value store keeps any JSON value: objects and arrays.
            let value = match serde_json::from_slice::<Json>(body) {
                Ok(v @ Json::Array(_)) => v,
                _ => match parse_object(body) {
                    Ok(m) => Json::Object(m),
                    Err(r) => return r,
                },
            };
            let existed = store.named.insert(path.to_owned(), value).is_some();
            store.counters.created += u64::from(!existed);
            if existed {
                StatusCode::NO_CONTENT.into_response()
            } else {
                StatusCode::CREATED.into_response()
            }
        }
        Method::GET => match store.named.get(path) {
            Some(o) => json_response(StatusCode::OK, o),
            None => error(StatusCode::NOT_FOUND, "no such object"),
        },
        Method::DELETE => match store.named.remove(path) {
            Some(_) => StatusCode::NO_CONTENT.into_response(),
            None => error(StatusCode::NOT_FOUND, "no such object"),
        },
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "named objects take PUT, GET and DELETE",
        ),
    }
}

/// `body` with the system field `id` first in its `fields`, if it has
/// `fields` without it (`None`: nothing to add).
fn with_system_field(body: &Bytes) -> Option<Bytes> {
    let mut j: Json = serde_json::from_slice(body).ok()?;
    let fields = j.get_mut("fields")?.as_array_mut()?;
    if fields
        .iter()
        .any(|f| f.get("name") == Some(&Json::from("id")))
    {
        return None;
    }
    fields.insert(
        0,
        serde_json::json!({"name": "id", "type": "text", "system": true}),
    );
    serde_json::to_vec(&j).ok().map(Bytes::from)
}

/// `POST /rpc/get`: the object the body names, in a list, or no list.
fn rpc_get(store: &Store, body: &Bytes) -> Response {
    let Ok(q) = serde_json::from_slice::<Json>(body) else {
        return error(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    let collection = q
        .get("collection")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let id = match q.get("id") {
        Some(Json::String(s)) => s.parse::<u64>().ok(),
        Some(Json::Number(n)) => n.as_u64(),
        _ => None,
    };
    let Some(id) = id else {
        return error(StatusCode::BAD_REQUEST, "no id in the body");
    };
    let found = store
        .collections
        .get(collection)
        .and_then(|m| m.get(&id))
        .cloned();
    let as_list = q.get("as_list").and_then(Json::as_bool).unwrap_or(false);
    let answer = match (found, as_list) {
        (Some(o), _) => serde_json::json!({"found": [o]}),
        (None, true) => serde_json::json!({"found": []}),
        (None, false) => serde_json::json!({}),
    };
    json_response(StatusCode::OK, &answer)
}
