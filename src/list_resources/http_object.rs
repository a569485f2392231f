//! `list "driver_http_object"`: every object of a collection, all pages
//! read (the arguments of the `driver_http_objects` data source), each with
//! the identity `{ path, id }` an `import` block takes, and on request the
//! state `driver_http_object` would hold after importing it.

use crate::http_client::HttpClient;
use serde_json::Value as Json;

use super::{Found, ListResource};
use crate::data_sources::http_objects::{ListingArgs, parse};
use crate::listing::id_text;
use crate::runtime::Runtime;
use crate::{AttributePath, Diagnostics, Schema, Value};
use engine::OperationContext;
use framework::settings::Settings as _;

/// The type.
#[derive(Debug, Default)]
pub struct HttpObjectList;

const TYPE: &str = "driver_http_object";

/// A name for people: the item's `name` or `title` when it has one.
fn display_name(item: &Json, id: &str) -> String {
    ["name", "title", "display_name"]
        .iter()
        .find_map(|k| item.get(*k).and_then(Json::as_str))
        .map_or_else(|| id.to_owned(), |n| format!("{n} ({id})"))
}

#[async_trait::async_trait]
impl ListResource<Runtime> for HttpObjectList {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        // The data source's arguments, without what it computes.
        Schema {
            version: 0,
            block: ListingArgs::block(Some(
                "Every object of a collection, all pages read, each named by the resource \
                 identity `{ path, id }` of `driver_http_object`: `terraform query` lists them, \
                 and `-generate-config-out` writes a resource and an `import` block for each.",
            )),
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let _ = parse(config, &mut d);
        d
    }

    async fn list(
        &self,
        rt: &Runtime,
        config: Value,
        with_objects: bool,
        limit: usize,
    ) -> (Vec<Found>, Diagnostics) {
        let mut d = Diagnostics::new();
        let Some(args) = parse(&config, &mut d) else {
            return (Vec::new(), d);
        };
        let client = match rt.client::<HttpClient>() {
            Ok(c) => c,
            Err(e) => return (Vec::new(), e),
        };
        let ctx = OperationContext::new(None, rt.stop.clone()).about(TYPE, None);
        let listing = match crate::http_client::fetch_listing(rt, client, &args.request, &ctx).await
        {
            Ok(l) => l,
            Err(e) => return (Vec::new(), e),
        };
        if let Some(why) = &listing.incomplete {
            d.attribute_warning(
                AttributePath::root(crate::data_sources::http_objects::ListingArgs::PAGINATION),
                "Incomplete listing",
                format!(
                    "Listing {}: {why}. The {} objects read are shown; there may be more.",
                    client.url(&args.request.first.path),
                    listing.items.len()
                ),
            );
        }
        let path = args.request.first.path.clone();
        let found = listing
            .items
            .iter()
            .filter_map(|item| {
                let id = args.id_pointer.get(item).and_then(id_text)?;
                Some(Found {
                    identity: crate::resources::identity(&path, &id),
                    display_name: display_name(item, &id),
                    object: with_objects.then(|| crate::resources::listed_state(&path, &id, item)),
                })
            })
            .take(limit)
            .collect();
        (found, d)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Type;
    use crate::resource::Resource;
    use crate::resources::HttpObject;

    #[test]
    fn names_and_objects_of_listed_items() {
        assert_eq!(display_name(&json!({"name": "beta"}), "7"), "beta (7)");
        assert_eq!(display_name(&json!({"n": 1}), "7"), "7");
        let o = crate::resources::listed_state("/flags", "7", &json!({"id": 7, "name": "beta"}));
        // Every attribute of the resource, so it encodes as its state.
        let (Type::Object(have), Type::Object(want)) =
            (o.ty(), HttpObject.schema().block.value_type())
        else {
            panic!("objects");
        };
        assert!(have.keys().eq(want.keys()));
        assert_eq!(o.get("id"), Some(&Value::string("7")));
    }
}
