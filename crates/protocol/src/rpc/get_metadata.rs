//! GetMetadata: the resource and data source names without their schemas.

use super::pb;
use super::pb::get_metadata::{DataSourceMetadata, ResourceMetadata, Response};
use framework::ProviderServer;

pub(super) fn handle(provider: &dyn ProviderServer) -> Response {
    let s = provider.schemas();
    Response {
        server_capabilities: Some(super::get_provider_schema::capabilities()),
        diagnostics: Vec::new(),
        data_sources: s
            .data_sources
            .keys()
            .map(|k| DataSourceMetadata {
                type_name: k.clone(),
            })
            .collect(),
        resources: s
            .resources
            .keys()
            .map(|k| ResourceMetadata {
                type_name: k.clone(),
            })
            .collect(),
        functions: provider
            .functions()
            .iter()
            .map(|f| pb::get_metadata::FunctionMetadata {
                name: f.name.to_owned(),
            })
            .collect(),
        list_resources: s
            .list_resources
            .keys()
            .map(|k| pb::get_metadata::ListResourceMetadata {
                type_name: k.clone(),
            })
            .collect(),
        actions: s
            .actions
            .keys()
            .map(|k| pb::get_metadata::ActionMetadata {
                type_name: k.clone(),
            })
            .collect(),
        ephemeral_resources: s
            .ephemeral_resources
            .keys()
            .map(|k| pb::get_metadata::EphemeralMetadata {
                type_name: k.clone(),
            })
            .collect(),
    }
}
