//! `driver_http_objects` data source: every object of a collection, all
//! pages, as a list and as a map by id (for `for_each`).

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::json::from_json;
use crate::listing::{self, ListRequest, id_text, pagination_block, parse_pagination};
use crate::pointer::Pointer;
use crate::resource::DataSource;
use crate::runtime::Runtime;
use crate::{Attribute, AttributePath, Block, Diagnostics, Schema, Type, Value};
use drivers::Operation;
use drivers::http::{HttpRequest, Method};
use engine::OperationContext;

/// The data source type.
#[derive(Debug, Default)]
pub struct HttpObjectsData;

const TYPE: &str = "driver_http_objects";

/// The arguments, checked.
pub(crate) struct Args {
    pub(crate) request: ListRequest,
    pub(crate) id_pointer: Pointer,
}

/// Reads the listing arguments (shared with the `driver_http_object` list
/// resource, which takes the same ones).
pub(crate) fn parse(config: &Value, d: &mut Diagnostics) -> Option<Args> {
    let root = AttributePath::root;
    let mut known = true;
    let path = config.get("path").and_then(Value::as_str).unwrap_or("/");
    let rendered = match crate::template::fixed_path(path, None) {
        Ok(r) => r,
        Err(e) => {
            d.attribute_error(root("path"), "Invalid path", e);
            crate::template::Rendered::default()
        }
    };
    let pointer = |name: &str, d: &mut Diagnostics| match config.get(name).and_then(Value::as_str) {
        None => None,
        Some(p) => match Pointer::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                d.attribute_error(root(name), "Invalid JSON Pointer", e);
                None
            }
        },
    };
    let items_pointer = pointer("items_pointer", d);
    let id_pointer = pointer("id_pointer", d).unwrap_or_else(|| Pointer::from_field("id"));
    let paging = parse_pagination(config.get("pagination"), &root("pagination"), d, &mut known);
    let pairs = |name: &str| match config.get(name) {
        Some(Value::Map(_, m)) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    let mut first = HttpRequest::new(Operation::Read, Method::GET, rendered.path);
    first.query = rendered.query;
    first.query.extend(pairs("query"));
    first.headers = crate::template::checked_headers(pairs("headers"), &root("headers"), d);
    (!d.has_error()).then_some(Args {
        request: ListRequest {
            first,
            items_pointer,
            paging,
        },
        id_pointer,
    })
}

#[async_trait::async_trait]
impl DataSource<Runtime> for HttpObjectsData {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block::new(
                "Every object of a collection, all pages read, as `items` and as `by_id` (a map by \
                 id, for `for_each`). Pagination follows `Link` headers by itself; the \
                 `pagination` block covers the other styles. A listing that cannot be read to its \
                 end (too many pages, a page loop) is an error, never a partial result.",
                vec![
                    Attribute::required("path", Type::String)
                        .describe("Path of the collection below the provider's endpoint, such as `\"/flags\"`."),
                    Attribute::optional("query", Type::map(Type::String))
                        .describe("Query parameters: the API's filters, such as `{ status = \"active\" }`."),
                    Attribute::optional("headers", Type::map(Type::String))
                        .describe("Headers for the requests."),
                    Attribute::optional("items_pointer", Type::String).describe(
                        "JSON Pointer to the array of items in each answer, such as `\"/data\"`. By \
                         default the answer itself when it is an array, else the first array at \
                         `/items`, `/data`, `/results` or `/value`.",
                    ),
                    Attribute::optional("id_pointer", Type::String)
                        .describe("JSON Pointer to an item's id. Defaults to `\"/id\"`."),
                    Attribute::computed("items", Type::Dynamic)
                        .describe("Every item, in the API's order."),
                    Attribute::computed("by_id", Type::Dynamic).describe(
                        "The items by id (numbers as text), for `for_each = data.driver_http_objects.x.by_id`. \
                         Items without an id are only in `items`.",
                    ),
                    Attribute::computed("ids", Type::list(Type::String))
                        .describe("The ids, in the API's order."),
                ],
                vec![pagination_block()],
            ),
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let _ = parse(config, &mut d);
        d
    }

    async fn read(&self, rt: &Runtime, config: Value) -> (Option<Value>, Diagnostics) {
        let mut d = Diagnostics::new();
        let Some(args) = parse(&config, &mut d) else {
            return (None, d);
        };
        let client = match rt.http() {
            Ok(c) => c,
            Err(e) => return (None, e),
        };
        let ctx = OperationContext::new(None, rt.stop.clone()).about(TYPE, None);
        let listing = match listing::fetch(rt, client, &args.request, &ctx).await {
            Ok(l) => l,
            Err(e) => return (None, e),
        };
        if let Some(why) = &listing.incomplete {
            d.attribute_error(
                AttributePath::root("pagination"),
                "Incomplete listing",
                format!(
                    "Listing {}: {why}. Only {} items in {} pages were read; a partial list would \
                     look like deletions. Adjust pagination (max_pages, the style) or narrow the \
                     query.",
                    client.url(&args.request.first.path),
                    listing.items.len(),
                    listing.pages
                ),
            );
            return (None, d);
        }
        let mut by_id = BTreeMap::new();
        let mut ids = Vec::new();
        let mut duplicates = Vec::new();
        for item in &listing.items {
            let Some(id) = args.id_pointer.get(item).and_then(id_text) else {
                continue;
            };
            if by_id.contains_key(&id) {
                duplicates.push(id);
                continue;
            }
            ids.push(Value::string(id.clone()));
            by_id.insert(id, item.clone());
        }
        if !duplicates.is_empty() {
            duplicates.truncate(5);
            d.warning(
                "Duplicate ids in the listing",
                format!(
                    "Ids listed more than once (the first of each is in by_id): {}. If the \
                     collection changed while it was read, run again.",
                    duplicates.join(", ")
                ),
            );
        }
        let by_id: serde_json::Map<String, Json> = by_id.into_iter().collect();
        let mut state = config.clone();
        if let Value::Object(m) = &mut state {
            m.insert(
                "items".into(),
                from_json(&Json::Array(listing.items.clone())),
            );
            m.insert("by_id".into(), from_json(&Json::Object(by_id)));
            m.insert("ids".into(), Value::List(Type::String, ids));
        }
        (Some(state), d)
    }
}
