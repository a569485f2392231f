//! Every schema a provider serves, and their JSON form as
//! `terraform providers schema -json` prints it.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::{ProviderDefinition, Types};
use crate::Schema;
use crate::function::Function;
use crate::resource;

/// Every schema the provider serves.
#[derive(Clone, Debug)]
pub struct ProviderSchemas {
    /// The `provider` block.
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
    /// The functions.
    pub functions: &'static [Function],
}

impl ProviderSchemas {
    /// Every schema of `definition`, whose types are `types`.
    pub(super) fn of<P: ProviderDefinition>(definition: &P, types: &Types<P::Runtime>) -> Self {
        let by_name = |pairs: Vec<(&'static str, Schema)>| {
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<BTreeMap<_, _>>()
        };
        ProviderSchemas {
            provider: definition.schema(),
            resources: by_name(
                types
                    .resources
                    .iter()
                    .map(|r| (r.type_name(), r.schema()))
                    .collect(),
            ),
            data_sources: by_name(
                types
                    .data_sources
                    .iter()
                    .map(|d| (d.type_name(), d.schema()))
                    .collect(),
            ),
            ephemeral_resources: by_name(
                types
                    .ephemeral_resources
                    .iter()
                    .map(|e| (e.type_name(), e.schema()))
                    .collect(),
            ),
            identities: types
                .resources
                .iter()
                .filter_map(|r| Some((r.type_name().to_owned(), r.identity()?.identity_schema())))
                .collect(),
            list_resources: by_name(
                types
                    .list_resources
                    .iter()
                    .map(|l| (l.type_name(), l.schema()))
                    .collect(),
            ),
            actions: by_name(
                types
                    .actions
                    .iter()
                    .map(|a| (a.type_name(), a.schema()))
                    .collect(),
            ),
            functions: definition.functions(),
        }
    }

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
                self.functions
                    .iter()
                    .map(|f| (f.name.to_owned(), f.to_json()))
                    .collect(),
            ),
        );
        Json::Object(m)
    }
}
