//! Finding an object by its natural key: the fields of `body` the API keeps
//! unique. One listing of the collection, through the engine; the object
//! whose fields at every `natural_key` pointer equal the body's is the one.
//! How a create whose outcome is unknown is found again instead of being
//! lost or repeated.

use super::args::HttpObjectArgs;
use crate::http_client::HttpClient;
use serde_json::Value as Json;

use super::TYPE;
use super::body::id_text;
use super::settings::Settings;
use crate::Diagnostics;
use crate::json::{from_json, semantically_equal};
use crate::pointer::Pointer;
use crate::runtime::Runtime;
use engine::OperationContext;

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

/// Looks up the object `body` describes, by `natural_key`, in the whole
/// (paginated) listing. An incomplete listing that does not hold it says
/// nothing: that is an error, never "absent".
pub(super) async fn find(rt: &Runtime, s: &Settings, body: &Json) -> Result<Found, Diagnostics> {
    let client = rt.client::<HttpClient>()?;
    let req = s.list_request().map_err(|e| {
        let mut d = Diagnostics::new();
        d.attribute_error(
            crate::AttributePath::root(HttpObjectArgs::LIST),
            "Cannot build the listing request",
            e,
        );
        d
    })?;
    let target = format!("GET {}", client.url(&req.first.path));
    let ctx = OperationContext::new(s.timeouts.read, rt.stop.clone()).about(TYPE, None);
    let listing = crate::http_client::fetch_listing(rt, client, &req, &ctx).await?;
    let mut d = Diagnostics::new();
    let found: Vec<&Json> = listing
        .items
        .iter()
        .filter(|i| matches(i, body, &s.natural_key))
        .collect();
    Ok(match found.as_slice() {
        [] => match &listing.incomplete {
            None => Found::Absent,
            Some(why) => {
                d.error(
                    "Incomplete listing",
                    format!(
                        "Looking up {} in {target}: {why}, and the pages read do not hold it, so \
                         the provider cannot tell whether it exists. Check list.pagination.",
                        describe(body, &s.natural_key)
                    ),
                );
                return Err(d);
            }
        },
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
