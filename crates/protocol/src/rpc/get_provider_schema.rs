//! GetProviderSchema: every schema, plus what the provider supports.

use super::pb;
use super::pb::get_provider_schema::Response;
use crate::convert;
use framework::ProviderServer;

pub(super) fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        // Destroys are planned by Terraform alone; we have nothing to add.
        plan_destroy: false,
        // The schema is static, so Terraform may cache it across processes.
        get_provider_schema_optional: true,
        move_resource_state: false,
        // Terraform derives configuration for `terraform query` from the
        // listed objects' state itself.
        generate_resource_config: false,
    }
}

pub(super) fn handle(provider: &dyn ProviderServer) -> Response {
    let s = provider.schemas();
    Response {
        provider: Some(convert::schema(&s.provider)),
        resource_schemas: s
            .resources
            .iter()
            .map(|(k, v)| (k.clone(), convert::schema(v)))
            .collect(),
        data_source_schemas: s
            .data_sources
            .iter()
            .map(|(k, v)| (k.clone(), convert::schema(v)))
            .collect(),
        functions: convert::functions(provider.functions()),
        list_resource_schemas: s
            .list_resources
            .iter()
            .map(|(k, v)| (k.clone(), convert::schema(v)))
            .collect(),
        action_schemas: s
            .actions
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    pb::ActionSchema {
                        schema: Some(convert::schema(v)),
                    },
                )
            })
            .collect(),
        ephemeral_resource_schemas: s
            .ephemeral_resources
            .iter()
            .map(|(k, v)| (k.clone(), convert::schema(v)))
            .collect(),
        diagnostics: Vec::new(),
        provider_meta: None,
        server_capabilities: Some(capabilities()),
    }
}
