//! `driver_http_objects` data source: every object of a collection, all
//! pages, as a list and as a map by id (for `for_each`).

use crate::http_client::HttpClient;
use std::collections::BTreeMap;

use serde_json::Value as Json;

use framework::settings::Settings;

use crate::config::values::Headers;
use crate::json::from_json;
use crate::listing::{ListRequest, PaginationBlock, id_text};
use crate::pointer::Pointer;
use crate::resource::DataSource;
use crate::resources::common::CollectionPath;
use crate::runtime::Runtime;
use crate::{AttributePath, Diagnostics, Schema, Type, Value};
use drivers::Operation;
use drivers::http::{HttpRequest, Method};
use engine::OperationContext;

/// The data source type.
#[derive(Debug, Default)]
pub struct HttpObjectsData;

const TYPE: &str = "driver_http_objects";

/// Where a collection's listing is and how its pages and items are found:
/// the arguments of this data source and of the `driver_http_object` list
/// resource.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct ListingArgs {
    /// Path of the collection below the provider's endpoint, such as
    /// `"/flags"`.
    path: CollectionPath,
    /// Query parameters: the API's filters, such as
    /// `{ status = "active" }`.
    query: Option<BTreeMap<String, String>>,
    /// Headers for the requests.
    headers: Option<Headers>,
    /// JSON Pointer to the array of items in each answer, such as
    /// `"/data"`. By default the answer itself when it is an array, else the
    /// first array at `/items`, `/data`, `/results` or `/value`.
    items_pointer: Option<Pointer>,
    /// JSON Pointer to an item's id.
    #[setting(default = "/id")]
    pub(crate) id_pointer: Pointer,
    #[setting(block)]
    pagination: Option<PaginationBlock>,
}

/// Every object of a collection, all pages read, as `items` and as `by_id`
/// (a map by id, for `for_each`). Pagination follows `Link` headers by
/// itself; the `pagination` block covers the other styles. A listing that
/// cannot be read to its end (too many pages, a page loop) is an error,
/// never a partial result.
#[derive(Debug, Clone, PartialEq, Settings)]
struct HttpObjectsArgs {
    #[setting(flatten)]
    listing: ListingArgs,
    /// Every item, in the API's order.
    #[setting(computed)]
    items: Option<Value>,
    /// The items by id (numbers as text), for
    /// `for_each = data.driver_http_objects.x.by_id`. Items without an id are
    /// only in `items`.
    #[setting(computed)]
    by_id: Option<Value>,
    /// The ids, in the API's order.
    #[setting(computed)]
    ids: Option<Vec<String>>,
}

/// The arguments, checked.
pub(crate) struct Args {
    pub(crate) request: ListRequest,
    pub(crate) id_pointer: Pointer,
}

/// Reads the listing arguments (shared with the `driver_http_object` list
/// resource, which takes the same ones); `None` if any is invalid or not
/// known yet.
pub(crate) fn parse(config: &Value, d: &mut Diagnostics) -> Option<Args> {
    ListingArgs::decode(config, d)
        .known()
        .map(ListingArgs::args)
}

impl ListingArgs {
    fn args(self) -> Args {
        let (path, mut query) = match self.path.0.split_once('?') {
            Some((p, q)) => (
                p.to_owned(),
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect(),
            ),
            None => (self.path.0.clone(), Vec::new()),
        };
        query.extend(self.query.unwrap_or_default());
        let mut first = HttpRequest::new(Operation::Read, Method::GET, path);
        first.query = query;
        first.headers = self
            .headers
            .map(|h| h.0.into_iter().collect())
            .unwrap_or_default();
        Args {
            request: ListRequest {
                first,
                items_pointer: self.items_pointer,
                paging: PaginationBlock::settings(self.pagination),
            },
            id_pointer: self.id_pointer,
        }
    }
}

#[async_trait::async_trait]
impl DataSource<Runtime> for HttpObjectsData {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: HttpObjectsArgs::block(None),
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
        let client = match rt.client::<HttpClient>() {
            Ok(c) => c,
            Err(e) => return (None, e),
        };
        let ctx = OperationContext::new(None, rt.stop.clone()).about(TYPE, None);
        let listing = match crate::http_client::fetch_listing(rt, client, &args.request, &ctx).await
        {
            Ok(l) => l,
            Err(e) => return (None, e),
        };
        if let Some(why) = &listing.incomplete {
            d.attribute_error(
                AttributePath::root(ListingArgs::PAGINATION),
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
                HttpObjectsArgs::ITEMS.into(),
                from_json(&Json::Array(listing.items.clone())),
            );
            m.insert(
                HttpObjectsArgs::BY_ID.into(),
                from_json(&Json::Object(by_id)),
            );
            m.insert(HttpObjectsArgs::IDS.into(), Value::List(Type::String, ids));
        }
        (Some(state), d)
    }
}
