//! ImportResourceState: a stub state that ReadResource then completes.

use super::pb;
use super::pb::import_resource_state::{ImportedResource, Request, Response};
use crate::protocol::convert;
use crate::provider::Provider;
use crate::provider::resource::ImportRequest;

pub(super) fn handle(provider: &Provider, req: Request) -> Response {
    let ty = match convert::resource_type(provider, &req.type_name) {
        Ok(t) => t,
        Err(d) => {
            return Response {
                diagnostics: convert::diagnostics(d),
                ..Default::default()
            };
        }
    };
    let resp = provider.import_resource_state(&req.type_name, ImportRequest { id: req.id });
    let imported_resources = resp
        .state
        .map(|s| ImportedResource {
            type_name: req.type_name.clone(),
            state: Some(convert::value_out(&s, &ty)),
            private: resp.private.clone(),
            identity: None::<pb::ResourceIdentityData>,
        })
        .into_iter()
        .collect();
    Response {
        imported_resources,
        diagnostics: convert::diagnostics(resp.diagnostics),
        deferred: None,
    }
}
