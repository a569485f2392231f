//! `action "driver_http_request"`: one request through the engine, such
//! as a webhook or a cache purge after a resource changes. A `POST` that may
//! have reached the API is not repeated; an error answer fails the action.

use crate::http_client::HttpClient;
use tokio::sync::mpsc::UnboundedSender;

use super::Action;
use framework::settings::Settings as _;

use crate::ephemeral::http_request::{ActionArgs, context, send};
use crate::runtime::Runtime;
use crate::{Diagnostics, Schema, Value};

/// The type.
#[derive(Debug, Default)]
pub struct HttpRequestAction;

const TYPE: &str = "driver_http_request";

#[async_trait::async_trait]
impl Action<Runtime> for HttpRequestAction {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: ActionArgs::block(None),
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let _ = ActionArgs::parse(config, &mut d);
        d
    }

    async fn invoke(
        &self,
        rt: &Runtime,
        config: Value,
        progress: UnboundedSender<String>,
    ) -> Diagnostics {
        let mut d = Diagnostics::new();
        let Some(spec) = ActionArgs::parse(&config, &mut d) else {
            return d;
        };
        let base = rt.client::<HttpClient>().ok().map(|c| c.base_url().clone());
        let spec = match spec.render(None, base.as_ref()) {
            Ok((ready, _)) => ready,
            Err(e) => {
                d.error(
                    "Cannot build the request",
                    format!("{e}. Nothing was sent."),
                );
                return d;
            }
        };
        // A closed channel only means nobody watches the progress.
        let _ = progress.send(format!("sending {}", spec.target()));
        match send(rt, &spec, "action", &context(rt, false)).await {
            Ok(r) => {
                let _ = progress.send(format!("{} answered {}", spec.target(), r.status));
                Diagnostics::new()
            }
            Err(e) => e,
        }
    }
}
