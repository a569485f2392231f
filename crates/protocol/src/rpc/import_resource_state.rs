//! ImportResourceState: a stub state that ReadResource then completes.

use super::pb::import_resource_state::{ImportedResource, Request, Response};
use crate::convert;
use framework::ProviderServer;
use framework::resource::ImportRequest;

pub(super) fn handle(provider: &dyn ProviderServer, req: Request) -> Response {
    let ty = match convert::resource_type(provider, &req.type_name) {
        Ok(t) => t,
        Err(d) => {
            return Response {
                diagnostics: convert::diagnostics(d),
                ..Default::default()
            };
        }
    };
    // An `import` block with `identity` instead of `id`.
    let id = match convert::identity_in(provider, &req.type_name, req.identity.as_ref()) {
        Ok(Some(identity)) if req.id.is_empty() => {
            match provider.import_id_from_identity(&req.type_name, &identity) {
                Ok(id) => id,
                Err(d) => {
                    return Response {
                        diagnostics: convert::diagnostics(d),
                        ..Default::default()
                    };
                }
            }
        }
        Ok(_) => req.id,
        Err(d) => {
            return Response {
                diagnostics: convert::diagnostics(d),
                ..Default::default()
            };
        }
    };
    let resp = provider.import_resource_state(&req.type_name, ImportRequest { id });
    let imported_resources = resp
        .state
        .map(|s| ImportedResource {
            type_name: req.type_name.clone(),
            identity: convert::identity_out(provider, &req.type_name, &s),
            state: Some(convert::value_out(&s, &ty)),
            private: resp.private.clone(),
        })
        .into_iter()
        .collect();
    Response {
        imported_resources,
        diagnostics: convert::diagnostics(resp.diagnostics),
        deferred: None,
    }
}
