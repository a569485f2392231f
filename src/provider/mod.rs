//! Terraform semantics in native types: values, schemas, diagnostics, the
//! provider configuration, and the provider itself. Knows nothing of gRPC,
//! protobuf or msgpack; the `protocol` layer translates.

mod configure;
mod diagnostics;
mod dispatch;
mod duration;
mod number;
mod schema;
mod types;
mod value;

pub mod actions;
pub mod config;
pub mod data_sources;
pub mod drift;
pub mod ephemeral;
pub mod exec_client;
pub mod failure;
pub mod functions;
pub mod http_client;
pub mod json;
pub mod list_resources;
pub mod listing;
pub mod metrics_push;
pub mod pointer;
pub mod resource;
pub mod resources;
pub mod runtime;
pub mod template;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value as Json};
use tokio_util::sync::CancellationToken;

pub use configure::{
    ConfigureProviderRequest, ConfigureProviderResponse, ValidateProviderConfigRequest,
    ValidateProviderConfigResponse,
};
pub use diagnostics::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use duration::parse_duration;
pub use number::{InvalidNumber, Number};
pub use schema::{
    Attribute, AttributeType, Block, BlockNesting, NestedBlock, NestedObject, ObjectNesting,
    Presence, Schema,
};
pub use types::{InvalidType, Type};
pub use value::Value;

use config::ProviderConfig;
use resource::{DataSource, Resource};
use runtime::Runtime;

/// The provider's address in the registry; examples and reattach use it.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/tfdriver/driver";

/// Every schema the provider serves.
#[derive(Clone, Debug)]
pub struct ProviderSchemas {
    /// The `provider "driver"` block.
    pub provider: Schema,
    /// Managed resource types by name.
    pub resources: BTreeMap<String, Schema>,
    /// Data source types by name.
    pub data_sources: BTreeMap<String, Schema>,
    /// Ephemeral resource types by name.
    pub ephemeral_resources: BTreeMap<String, Schema>,
    /// Resource identity schemas, by resource type.
    pub identities: BTreeMap<String, resource::IdentitySchema>,
    /// List resource types (their `config` blocks) by name.
    pub list_resources: BTreeMap<String, Schema>,
    /// Action types by name.
    pub actions: BTreeMap<String, Schema>,
}

impl ProviderSchemas {
    /// The schemas as `terraform providers schema -json` prints one
    /// provider's entry; `schemas/provider-schema.json` holds this.
    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("provider".into(), self.provider.to_json());
        let render = |s: &BTreeMap<String, Schema>| {
            Json::Object(s.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
        };
        // Terraform omits empty maps.
        if !self.resources.is_empty() {
            m.insert("resource_schemas".into(), render(&self.resources));
        }
        if !self.data_sources.is_empty() {
            m.insert("data_source_schemas".into(), render(&self.data_sources));
        }
        if !self.ephemeral_resources.is_empty() {
            m.insert(
                "ephemeral_resource_schemas".into(),
                render(&self.ephemeral_resources),
            );
        }
        if !self.list_resources.is_empty() {
            m.insert("list_resource_schemas".into(), render(&self.list_resources));
        }
        if !self.actions.is_empty() {
            // Actions have no schema version: Terraform prints the block only.
            let actions = self
                .actions
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        serde_json::json!({"block": v.to_json().get("block")}),
                    )
                })
                .collect();
            m.insert("action_schemas".into(), Json::Object(actions));
        }
        if !self.identities.is_empty() {
            m.insert(
                "resource_identity_schemas".into(),
                Json::Object(
                    self.identities
                        .iter()
                        .map(|(k, v)| (k.clone(), v.to_json()))
                        .collect(),
                ),
            );
        }
        m.insert(
            "functions".into(),
            Json::Object(
                functions::all()
                    .iter()
                    .map(|f| (f.name.to_owned(), f.to_json()))
                    .collect(),
            ),
        );
        Json::Object(m)
    }
}

/// What the provider reads from its process environment, gathered once so
/// the rest of the code (and its tests) never reads the environment.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// `DRIVER_ENDPOINT`: the endpoint when the provider block sets none.
    pub driver_endpoint: Option<String>,
}

impl Environment {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        Environment {
            driver_endpoint: std::env::var("DRIVER_ENDPOINT")
                .ok()
                .filter(|s| !s.is_empty()),
        }
    }
}

/// The provider: one per plugin process, shared by every RPC.
#[derive(Debug)]
pub struct Provider {
    schemas: ProviderSchemas,
    env: Environment,
    /// Set by ConfigureProvider; resources read it.
    configured: RwLock<Option<Arc<ProviderConfig>>>,
    /// Built by ConfigureProvider: the engines resources run requests on.
    runtime: RwLock<Option<Arc<Runtime>>>,
    resources: BTreeMap<&'static str, Arc<dyn Resource>>,
    data_sources: BTreeMap<&'static str, Arc<dyn DataSource>>,
    ephemeral: BTreeMap<&'static str, Arc<dyn ephemeral::EphemeralResource>>,
    list_resources: BTreeMap<&'static str, Arc<dyn list_resources::ListResource>>,
    actions: BTreeMap<&'static str, Arc<dyn actions::Action>>,
    /// Cancelled by StopProvider (Ctrl-C in Terraform): in-flight work stops.
    stop: CancellationToken,
    /// The counters the last run summary reported.
    summarized: std::sync::Mutex<Option<crate::engine::Totals>>,
}

impl Provider {
    /// A provider that has not been configured yet.
    pub fn new(env: Environment) -> Self {
        let resources: Vec<Arc<dyn Resource>> = vec![
            Arc::new(resources::HttpObject),
            Arc::new(resources::ExecObject),
        ];
        let data_sources: Vec<Arc<dyn DataSource>> = vec![
            Arc::new(data_sources::HttpObjectData),
            Arc::new(data_sources::HttpObjectsData),
        ];
        let ephemeral: Vec<Arc<dyn ephemeral::EphemeralResource>> =
            vec![Arc::new(ephemeral::HttpRequestEphemeral)];
        let lists: Vec<Arc<dyn list_resources::ListResource>> =
            vec![Arc::new(list_resources::HttpObjectList)];
        let action_types: Vec<Arc<dyn actions::Action>> =
            vec![Arc::new(actions::HttpRequestAction)];
        Provider {
            schemas: ProviderSchemas {
                list_resources: lists
                    .iter()
                    .map(|l| (l.type_name().to_owned(), l.schema()))
                    .collect(),
                actions: action_types
                    .iter()
                    .map(|a| (a.type_name().to_owned(), a.schema()))
                    .collect(),
                identities: resources
                    .iter()
                    .filter_map(|r| {
                        Some((r.type_name().to_owned(), r.identity()?.identity_schema()))
                    })
                    .collect(),
                ephemeral_resources: ephemeral
                    .iter()
                    .map(|e| (e.type_name().to_owned(), e.schema()))
                    .collect(),
                provider: config::provider_schema(),
                resources: resources
                    .iter()
                    .map(|r| (r.type_name().to_owned(), r.schema()))
                    .collect(),
                data_sources: data_sources
                    .iter()
                    .map(|d| (d.type_name().to_owned(), d.schema()))
                    .collect(),
            },
            env,
            configured: RwLock::new(None),
            runtime: RwLock::new(None),
            resources: resources.into_iter().map(|r| (r.type_name(), r)).collect(),
            data_sources: data_sources
                .into_iter()
                .map(|d| (d.type_name(), d))
                .collect(),
            ephemeral: ephemeral.into_iter().map(|e| (e.type_name(), e)).collect(),
            list_resources: lists.into_iter().map(|l| (l.type_name(), l)).collect(),
            actions: action_types
                .into_iter()
                .map(|a| (a.type_name(), a))
                .collect(),
            stop: CancellationToken::new(),
            summarized: std::sync::Mutex::new(None),
        }
    }

    /// Every schema.
    pub fn schemas(&self) -> &ProviderSchemas {
        &self.schemas
    }

    /// The configuration from the last ConfigureProvider, if any.
    pub fn config(&self) -> Option<Arc<ProviderConfig>> {
        crate::sync::read(&self.configured).clone()
    }

    /// Cancels in-flight work (Terraform's StopProvider). Idempotent.
    pub fn stop(&self) {
        tracing::info!("stop requested: cancelling in-flight work");
        self.stop.cancel();
    }

    /// A token that is cancelled when Terraform asks the provider to stop.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards `schemas/provider-schema.json`, which docs and reviewers read.
    /// Set `UPDATE_SCHEMA=1` to rewrite it after an intended change.
    #[test]
    fn schema_snapshot_is_current() {
        let rendered = serde_json::to_string_pretty(
            &Provider::new(Environment::default()).schemas().to_json(),
        )
        .expect("schema json serializes")
            + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/provider-schema.json");
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &rendered).expect("write snapshot");
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == rendered,
            "schemas/provider-schema.json is out of date; run `UPDATE_SCHEMA=1 cargo test schema_snapshot` and commit it"
        );
    }

    #[test]
    fn every_attribute_is_described() {
        let schemas = Provider::new(Environment::default()).schemas().clone();
        let all = std::iter::once(("provider".to_owned(), schemas.provider))
            .chain(schemas.resources)
            .chain(schemas.data_sources);
        for (name, schema) in all {
            assert!(
                !schema.block.description.is_empty(),
                "{name} has no description"
            );
            for (path, attr) in schema.block.walk_attributes() {
                assert!(
                    !attr.description.is_empty(),
                    "{name}.{path} has no description"
                );
            }
        }
    }
}
