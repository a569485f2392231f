//! Finding an object by its natural key: the fields of `body` the API keeps
//! unique. One listing of the collection, through the engine; the object
//! whose fields at every `natural_key` pointer equal the body's is the one.
//! How a create whose outcome is unknown is found again instead of being
//! lost or repeated.

use serde_json::Value as Json;

use super::body::id_text;
use super::settings::Settings;
use super::{TYPE, answer};
use crate::drivers::http::Method;
use crate::drivers::{Operation, Outcome};
use crate::engine::OperationContext;
use crate::provider::Diagnostics;
use crate::provider::failure;
use crate::provider::json::{from_json, semantically_equal};
use crate::provider::pointer::Pointer;
use crate::provider::runtime::Runtime;

/// What a lookup found.
#[derive(Debug)]
pub(super) enum Found {
    /// Exactly one object: its id and representation.
    One {
        /// The id, at `id_pointer` in the item.
        id: String,
        /// The item as listed.
        object: Json,
    },
    /// None in the listing.
    Absent,
    /// More than one: the key is not unique, nothing is guessed.
    Many(usize),
}

/// Where the items are in a listing: `items_pointer`, else the answer
/// itself when it is an array, else the first array at a usual place.
pub(super) fn items<'a>(answer: &'a Json, pointer: Option<&Pointer>) -> Option<&'a Vec<Json>> {
    if let Some(p) = pointer {
        return p.get(answer)?.as_array();
    }
    if let Json::Array(a) = answer {
        return Some(a);
    }
    ["items", "data", "results", "value"]
        .iter()
        .find_map(|k| answer.get(k)?.as_array())
}

/// Whether `item` has the body's values at every key pointer.
fn matches(item: &Json, body: &Json, key: &[Pointer]) -> bool {
    key.iter().all(|p| match (p.get(item), p.get(body)) {
        (Some(a), Some(b)) => semantically_equal(&from_json(a), &from_json(b)),
        _ => false,
    })
}

/// The natural key's values in `body`, for messages: `/name = "a"`.
pub(super) fn describe(body: &Json, key: &[Pointer]) -> String {
    key.iter()
        .map(|p| {
            let v = p
                .get(body)
                .map_or_else(|| "(absent)".to_owned(), Json::to_string);
            format!("{p} = {v}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Looks up the object `body` describes, by `natural_key`.
pub(super) async fn find(rt: &Runtime, s: &Settings, body: &Json) -> Result<Found, Diagnostics> {
    let client = rt.http()?;
    let path = s.list.path.clone().unwrap_or_else(|| s.path.clone());
    let mut req = s.request(Operation::Read, Method::GET, path.clone(), None);
    if let Some(q) = &s.list.query {
        req.query = q.clone();
    }
    let target = format!("GET {}", client.url(&path));
    let ctx = OperationContext::new(s.timeouts.read, rt.stop.clone()).about(TYPE, None);
    let mut d = Diagnostics::new();
    let resp = match client.execute(&req, &ctx).await {
        Ok(Outcome::Done(r)) => r,
        Ok(Outcome::Gone) => {
            d.error(
                "Collection not found",
                format!(
                    "{target} answered 404 while looking up an object by natural_key; set \
                     list.path to where the collection can be listed."
                ),
            );
            return Err(d);
        }
        Err(e) => {
            failure::report(rt, &mut d, "Lookup failed", &target, &e);
            return Err(d);
        }
    };
    let listing: Json = match serde_json::from_slice(&resp.body) {
        Ok(j) => j,
        Err(_) => {
            let why = answer::not_an_object(&resp);
            d.error(
                "Listing is not JSON",
                rt.scrub(&format!("{target} answered {why}.")),
            );
            return Err(d);
        }
    };
    let Some(items) = items(&listing, s.list.items_pointer.as_ref()) else {
        d.error(
            "No items in the listing",
            format!(
                "{target} answered, but the provider found no array of items in it; set \
                 list.items_pointer to where the items are, such as \"/data\"."
            ),
        );
        return Err(d);
    };
    let found: Vec<&Json> = items
        .iter()
        .filter(|i| matches(i, body, &s.natural_key))
        .collect();
    Ok(match found.as_slice() {
        [] => Found::Absent,
        [one] => match s.id_pointer.get(one).and_then(id_text) {
            Some(id) => Found::One {
                id,
                object: (*one).clone(),
            },
            None => {
                d.error(
                    "Listed object without an id",
                    format!(
                        "{target} lists an object with {} but without an id at {} (id_pointer).",
                        describe(body, &s.natural_key),
                        s.id_pointer
                    ),
                );
                return Err(d);
            }
        },
        many => Found::Many(many.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_are_found_by_shape_or_pointer() {
        let bare = json!([{"id": 1}]);
        assert_eq!(items(&bare, None).map(Vec::len), Some(1));
        let wrapped = json!({"data": [{"id": 1}, {"id": 2}], "next": null});
        assert_eq!(items(&wrapped, None).map(Vec::len), Some(2));
        let odd = json!({"page": {"rows": [{"id": 1}]}});
        assert_eq!(items(&odd, None), None);
        let p = Pointer::parse("/page/rows").unwrap();
        assert_eq!(items(&odd, Some(&p)).map(Vec::len), Some(1));
    }

    #[test]
    fn matching_compares_every_key_field_as_json() {
        let key = [
            Pointer::parse("/name").unwrap(),
            Pointer::parse("/zone/id").unwrap(),
        ];
        let body = json!({"name": "a", "zone": {"id": 5}, "size": 1});
        assert!(matches(
            &json!({"id": 9, "name": "a", "zone": {"id": 5.0}}),
            &body,
            &key
        ));
        assert!(!matches(
            &json!({"name": "a", "zone": {"id": 6}}),
            &body,
            &key
        ));
        assert!(
            !matches(&json!({"name": "a"}), &body, &key),
            "a missing field is no match"
        );
        assert_eq!(describe(&body, &key), "/name = \"a\", /zone/id = 5");
    }
}
