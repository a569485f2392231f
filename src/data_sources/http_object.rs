//! `driver_http_object` data source: reads one object.

use crate::http_client::HttpClient;
use drivers::http::Method;
use serde_json::Value as Json;

use std::collections::BTreeMap;

use framework::settings::Settings;

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
            block: Args::block(None),
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
        let Some(http) = target(&config, &mut d) else {
            return (None, d);
        };
        let path = http.path.clone();
        let target = format!("GET {}", client.url(&path));
        let ctx =
            OperationContext::new(None, rt.stop.clone()).about("data.driver_http_object", None);
        match client.execute(&http, &ctx).await {
            Ok(Outcome::Done(r)) => match serde_json::from_slice::<Json>(&r.body) {
                Ok(j) => {
                    let mut state = config.clone();
                    if let Value::Object(m) = &mut state {
                        m.insert(Args::RESPONSE.into(), from_json(&j));
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
                    AttributePath::root(Args::PATH),
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
    /// The object as the API returned it.
    #[setting(computed)]
    response: Option<Value>,
}

/// The request: `path`, and `id` as one more segment, with the headers
/// and query; `None` with diagnostics when it cannot be sent (or is not
/// known yet).
fn target(config: &Value, d: &mut Diagnostics) -> Option<HttpRequest> {
    let args = Args::decode(config, d).known()?;
    match template::fixed_path(&args.path.0, args.id.as_deref()) {
        Ok(r) => {
            let mut http = HttpRequest::new(Operation::Read, Method::GET, r.path);
            http.query = r.query;
            http.query.extend(args.query.unwrap_or_default());
            http.headers = args
                .headers
                .map(|h| h.0.into_iter().collect())
                .unwrap_or_default();
            Some(http)
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
