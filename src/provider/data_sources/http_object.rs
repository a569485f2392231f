//! `driver_http_object` data source: reads one object.

use crate::drivers::http::Method;
use serde_json::Value as Json;

use crate::drivers::http::HttpRequest;
use crate::drivers::{Operation, Outcome};
use crate::engine::OperationContext;
use crate::provider::json::from_json;
use crate::provider::resource::DataSource;
use crate::provider::runtime::Runtime;
use crate::provider::{Attribute, AttributePath, Block, Diagnostics, Schema, Type, Value};

/// The data source type.
#[derive(Debug, Default)]
pub struct HttpObjectData;

#[async_trait::async_trait]
impl DataSource for HttpObjectData {
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
        if let Some(p) = config.get("path").and_then(Value::as_str)
            && !p.starts_with('/')
        {
            d.attribute_error(
                AttributePath::root("path"),
                "Invalid path",
                format!("{p:?} must start with \"/\", as in \"/flags/1\"."),
            );
        }
        d
    }

    async fn read(&self, rt: &Runtime, config: Value) -> (Option<Value>, Diagnostics) {
        let mut d = self.validate(&config);
        if d.has_error() {
            return (None, d);
        }
        let client = match rt.http() {
            Ok(e) => e,
            Err(e) => return (None, e),
        };
        let mut path = config
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_owned();
        if let Some(id) = config.get("id").and_then(Value::as_str) {
            let id = percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC);
            path = format!("{}/{id}", path.trim_end_matches('/'));
        }
        let pairs = |name: &str| match config.get(name) {
            Some(Value::Map(_, m)) => m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect(),
            _ => Vec::new(),
        };
        let mut http = HttpRequest::new(Operation::Read, Method::GET, path.clone());
        http.query = pairs("query");
        http.headers = pairs("headers");
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
                crate::provider::failure::report(rt, &mut d, "Read failed", &target, &e);
                (None, d)
            }
        }
    }
}
