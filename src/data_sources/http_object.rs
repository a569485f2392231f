//! `driver_http_object` data source: reads one object.

use crate::http_client::HttpClient;
use crate::resources::kept_answer::KeptAnswer;
use drivers::http::Method;
use serde_json::Value as Json;

use std::collections::BTreeMap;

use framework::settings::{FieldPointer, Settings};

use crate::pointer::Pointer;
use crate::template::BodyFields;

use crate::config::values::Headers;
use crate::json::from_json;
use crate::resource::DataSource;
use crate::resources::common::CollectionPath;
use crate::runtime::Runtime;
use crate::template;
use crate::{AttributePath, Diagnostics, Schema, Value};
use drivers::http::HttpRequest;
use drivers::{Operation, Outcome};
use engine::OperationContext;

/// The data source type.
#[derive(Debug, Default)]
pub struct HttpObjectData;

#[async_trait::async_trait]
impl DataSource<Runtime> for HttpObjectData {
    fn type_name(&self) -> &'static str {
        "driver_http_object"
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: {
                let mut block = Args::block(None);
                block
                    .attributes
                    .push(crate::resources::kept_answer::sensitive_attribute());
                block
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let _ = target(config, &mut d);
        d
    }

    async fn read(&self, rt: &Runtime, config: Value) -> (Option<Value>, Diagnostics) {
        let mut d = Diagnostics::new();
        let client = match rt.client::<HttpClient>() {
            Ok(e) => e,
            Err(e) => return (None, e),
        };
        let Some((http, args)) = target(&config, &mut d) else {
            return (None, d);
        };
        let path = http.path.clone();
        let target = format!("GET {}", client.url(&path));
        let ctx =
            OperationContext::new(None, rt.stop.clone()).about("data.driver_http_object", None);
        match client.execute(&http, &ctx).await {
            Ok(Outcome::Done(r)) => match serde_json::from_slice::<Json>(&r.body) {
                Ok(j) => {
                    let j = match found(&args, j) {
                        Ok(Some(j)) => j,
                        Ok(None) if args.allow_not_exist => {
                            let null = Value::Null(crate::Type::Dynamic);
                            return (Some(with_response(&config, null)), d);
                        }
                        Ok(None) => {
                            d.attribute_error(
                                AttributePath::root(Args::SEARCH),
                                "Object not found",
                                format!(
                                    "No item of what {target} answered matches the search. Set \
                                     allow_not_exist = true to read it as a null response instead."
                                ),
                            );
                            return (None, d);
                        }
                        Err(e) => {
                            d.attribute_error(
                                AttributePath::root(Args::SEARCH),
                                "Search failed",
                                format!("{target}: {e}"),
                            );
                            return (None, d);
                        }
                    };
                    let response = match &args.response_fields {
                        Some(f) => crate::resources::only_pointers(
                            &from_json(&j),
                            &f.iter().map(|f| f.0.clone()).collect::<Vec<_>>(),
                        ),
                        None => from_json(&j),
                    };
                    (Some(with_response(&config, response)), d)
                }
                Err(_) => {
                    d.error(
                        "Response is not JSON",
                        format!("{target} answered with a body that is not JSON."),
                    );
                    (None, d)
                }
            },
            Ok(Outcome::Gone) if args.allow_not_exist => (
                Some(with_response(&config, Value::Null(crate::Type::Dynamic))),
                d,
            ),
            Ok(Outcome::Gone) => {
                d.attribute_error(
                    AttributePath::root(Args::PATH),
                    "Object not found",
                    format!(
                        "{target} answered 404: there is no object at this path. Set \
                         allow_not_exist = true to read it as a null response instead."
                    ),
                );
                (None, d)
            }
            Err(e) => {
                crate::failure::report(rt, &mut d, "Read failed", &target, &e);
                (None, d)
            }
        }
    }
}

/// Reads one object of a REST API and exposes it as `response`.
#[derive(Debug, Clone, PartialEq, Settings)]
struct Args {
    /// Path below the provider's endpoint: the object itself, or its
    /// collection when `id` is set.
    path: CollectionPath,
    /// When set, the object at `{path}/{id}` is read.
    id: Option<String>,
    /// Headers for the request.
    headers: Option<Headers>,
    /// Query parameters for the request.
    query: Option<BTreeMap<String, String>>,
    /// When the object does not exist (the API answers 404), `response` is
    /// null instead of an error.
    #[setting(default = false)]
    allow_not_exist: bool,
    /// JSON Pointers of the fields kept in `response`, such as
    /// `["/name", "/status"]`; others are left out of state.
    response_fields: Option<Vec<FieldPointer>>,
    /// Finds the object in the list the path answers (restapi's
    /// `search_key` and `search_value`, restful's `selector`): the one item
    /// whose fields at these JSON Pointers have these values, such as
    /// `{ "/name" = "web" }`. No match is "not found" (a null response with
    /// `allow_not_exist`); several are an error.
    search: Option<BodyFields>,
    /// JSON Pointer to the list `search` looks in, such as `"/items"`; by
    /// default the answer itself, or the list at `/items`, `/data`,
    /// `/results` or `/value`.
    items_pointer: Option<Pointer>,
    /// The object as the API returned it is `response` (null when it does
    /// not exist and `allow_not_exist` is set), or `sensitive_response`.
    #[setting(flatten)]
    kept: KeptAnswer,
}

/// The request: `path`, and `id` as one more segment, with the headers
/// and query; `None` with diagnostics when it cannot be sent (or is not
/// known yet).
fn target(config: &Value, d: &mut Diagnostics) -> Option<(HttpRequest, Args)> {
    let args = Args::decode(config, d).known()?;
    match template::fixed_path(&args.path.0, args.id.as_deref()) {
        Ok(r) => {
            let mut http = HttpRequest::new(Operation::Read, Method::GET, r.path);
            http.query = r.query;
            http.query.extend(args.query.clone().unwrap_or_default());
            http.headers = args
                .headers
                .clone()
                .map(|h| h.0.into_iter().collect())
                .unwrap_or_default();
            Some((http, args))
        }
        Err(e) => {
            let at = if e.starts_with("id:") {
                Args::ID
            } else {
                Args::PATH
            };
            d.attribute_error(AttributePath::root(at), format!("Invalid {at}"), e);
            None
        }
    }
}

/// The data source's state: the configuration, with `response` (or,
/// with `response_is_sensitive`, `sensitive_response`).
fn with_response(config: &Value, response: Value) -> Value {
    crate::resources::kept_answer::place(config.with_attr(KeptAnswer::RESPONSE, response))
}

/// The object in the answer `j`: itself, or the item `search` names
/// (`None`: no item matches).
fn found(args: &Args, j: Json) -> Result<Option<Json>, String> {
    let Some(search) = &args.search else {
        return Ok(Some(j));
    };
    let wanted = search
        .0
        .iter()
        .map(|(p, t)| {
            t.render_text(&template::Values::default())
                .map(|v| (p.clone(), v))
                .map_err(|e| format!("search {p}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let Some(items) = crate::listing::items(&j, args.items_pointer.as_ref()) else {
        return Err("the answer holds no list to search (set items_pointer)".into());
    };
    match crate::listing::search(items, &wanted) {
        Ok(hit) => Ok(hit.cloned()),
        Err(n) => Err(format!(
            "{n} items match the search; add fields to it so it names one object"
        )),
    }
}
