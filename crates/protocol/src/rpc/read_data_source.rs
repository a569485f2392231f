//! ReadDataSource: called only with a wholly known configuration.

use super::pb::read_data_source::{Request, Response};
use crate::convert;
use framework::ProviderServer;

pub(super) async fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let ty = match convert::data_source_type(provider, &req.type_name) {
        Ok(t) => t,
        Err(d) => {
            return Response {
                diagnostics: convert::diagnostics(d),
                ..Default::default()
            };
        }
    };
    let config = match convert::value_in(req.config.as_ref(), &ty, "data source configuration") {
        Ok(c) => c,
        Err(d) => {
            return Response {
                diagnostics: convert::diagnostics(d),
                ..Default::default()
            };
        }
    };
    let (state, diagnostics) = provider.read_data_source(&req.type_name, config).await;
    Response {
        state: state.map(|s| convert::value_out(&s, &ty)),
        diagnostics: convert::diagnostics(diagnostics),
        deferred: None,
    }
}
