//! `driver_http_object` data source: reads one object.

use drivers::http::Method;
use serde_json::Value as Json;

use crate::json::from_json;
use crate::resource::DataSource;
use crate::runtime::Runtime;
use crate::template;
use crate::{Attribute, AttributePath, Block, Diagnostics, Schema, Type, Value};
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
            block: Block::new(
                "Reads one object of a REST API and exposes it as `response`.",
                vec![
                    Attribute::required("path", Type::String)
                        .describe("Path below the provider's endpoint: the object itself, or its collection when `id` is set."),
                    Attribute::optional("id", Type::String).describe("When set, the object at `{path}/{id}` is read."),
                    Attribute::optional("headers", Type::map(Type::String)).describe("Headers for the request."),
                    Attribute::optional("query", Type::map(Type::String)).describe("Query parameters for the request."),
                    Attribute::computed("response", Type::Dynamic).describe("The object as the API returned it."),
                ],
                vec![],
            ),
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let _ = target(config, &mut d);
        d
    }

    async fn read(&self, rt: &Runtime, config: Value) -> (Option<Value>, Diagnostics) {
        let mut d = Diagnostics::new();
        let client = match rt.http() {
            Ok(e) => e,
            Err(e) => return (None, e),
        };
        let Some((rendered, headers)) = target(&config, &mut d) else {
            return (None, d);
        };
        let path = rendered.path;
        let mut http = HttpRequest::new(Operation::Read, Method::GET, path.clone());
        http.query = rendered.query;
        http.query.extend(pairs(&config, "query"));
        http.headers = headers;
        let target = format!("GET {}", client.url(&path));
        let ctx =
            OperationContext::new(None, rt.stop.clone()).about("data.driver_http_object", None);
        match client.execute(&http, &ctx).await {
            Ok(Outcome::Done(r)) => match serde_json::from_slice::<Json>(&r.body) {
                Ok(j) => {
                    let mut state = config.clone();
                    if let Value::Object(m) = &mut state {
                        m.insert("response".into(), from_json(&j));
                    }
                    (Some(state), d)
                }
                Err(_) => {
                    d.error(
                        "Response is not JSON",
                        format!("{target} answered with a body that is not JSON."),
                    );
                    (None, d)
                }
            },
            Ok(Outcome::Gone) => {
                d.attribute_error(
                    AttributePath::root("path"),
                    "Object not found",
                    format!("{target} answered 404: there is no object at this path."),
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

/// A map argument's string pairs.
fn pairs(config: &Value, name: &str) -> Vec<(String, String)> {
    match config.get(name) {
        Some(Value::Map(_, m)) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        _ => Vec::new(),
    }
}

/// The path to read (`path`, and `id` as one more segment) and the
/// headers, checked; `None` with diagnostics when they cannot be sent.
fn target(
    config: &Value,
    d: &mut Diagnostics,
) -> Option<(template::Rendered, Vec<(String, String)>)> {
    let headers =
        template::checked_headers(pairs(config, "headers"), &AttributePath::root("headers"), d);
    let path = config.get("path").and_then(Value::as_str)?;
    let id = config.get("id").and_then(Value::as_str);
    match template::fixed_path(path, id) {
        Ok(r) => (!d.has_error()).then_some((r, headers)),
        Err(e) => {
            let at = if e.starts_with("id:") { "id" } else { "path" };
            d.attribute_error(AttributePath::root(at), format!("Invalid {at}"), e);
            None
        }
    }
}
