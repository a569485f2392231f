//! ListResource and ValidateListResourceConfig (Terraform 1.14 `terraform
//! query`): the objects found, as a stream of events carrying each one's
//! identity (and, when asked, its state); problems ride on an event.

use tonic::codegen::BoxStream;

use super::pb;
use crate::convert;
use framework::{Diagnostics, ProviderServer};

/// Most results streamed, whatever the limit asked for.
const MAX_RESULTS: usize = 100_000;

pub(super) fn validate(
    provider: &dyn ProviderServer,
    req: pb::validate_list_resource_config::Request,
) -> pb::validate_list_resource_config::Response {
    let diagnostics = match convert::list_resource_type(provider, &req.type_name)
        .and_then(|ty| convert::value_in(req.config.as_ref(), &ty, "list configuration"))
    {
        Ok(config) => provider.validate_list_resource(&req.type_name, &config),
        Err(d) => d,
    };
    pb::validate_list_resource_config::Response {
        diagnostics: convert::diagnostics(diagnostics),
    }
}

fn only_diagnostics(d: Diagnostics) -> Vec<pb::list_resource::Event> {
    vec![pb::list_resource::Event {
        diagnostic: convert::diagnostics(d),
        ..Default::default()
    }]
}

pub(super) async fn events(
    provider: &dyn ProviderServer,
    req: pb::list_resource::Request,
) -> Vec<pb::list_resource::Event> {
    let ty = match convert::list_resource_type(provider, &req.type_name) {
        Ok(t) => t,
        Err(d) => return only_diagnostics(d),
    };
    let config = match convert::value_in(req.config.as_ref(), &ty, "list configuration") {
        Ok(c) => c,
        Err(d) => return only_diagnostics(d),
    };
    let (Some(identity_ty), Ok(state_ty)) = (
        provider
            .schemas()
            .identities
            .get(&req.type_name)
            .map(framework::resource::IdentitySchema::value_type),
        convert::resource_type(provider, &req.type_name),
    ) else {
        let mut d = Diagnostics::new();
        d.error(
            "Not listable",
            format!("{} has no resource identity to list by.", req.type_name),
        );
        return only_diagnostics(d);
    };
    let limit = usize::try_from(req.limit)
        .ok()
        .filter(|l| *l > 0)
        .unwrap_or(MAX_RESULTS)
        .min(MAX_RESULTS);
    let (found, diagnostics) = provider
        .list_resource_objects(&req.type_name, config, req.include_resource_object, limit)
        .await;
    let mut events: Vec<pb::list_resource::Event> = found
        .into_iter()
        .map(|f| pb::list_resource::Event {
            identity: Some(pb::ResourceIdentityData {
                identity_data: Some(convert::value_out(&f.identity, &identity_ty)),
            }),
            display_name: f.display_name,
            resource_object: f.object.map(|o| convert::value_out(&o, &state_ty)),
            diagnostic: Vec::new(),
        })
        .collect();
    if !diagnostics.is_empty() {
        events.extend(only_diagnostics(diagnostics));
    }
    events
}

/// The events as the stream tonic sends.
pub(super) fn stream(events: Vec<pb::list_resource::Event>) -> BoxStream<pb::list_resource::Event> {
    Box::pin(tokio_stream::iter(events.into_iter().map(Ok)))
}
