//! The framework around a provider's types: it finds the type an RPC is
//! for, checks the provider is configured, and does the bookkeeping every
//! type shares (state kept when a change fails, removed after a delete,
//! write-only attributes nulled, upgrades run step by step). A provider
//! says what it is in a [`ProviderDefinition`]; [`Server`] serves it, and
//! the protocol layer calls it through [`ProviderServer`].

mod data;
mod definition;
mod resources;
mod schemas;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use parking_lot::RwLock;
use tokio_util::sync::CancellationToken;

pub use definition::{ProviderDefinition, Types};
pub use schemas::ProviderSchemas;

use crate::action::Action;
use crate::configure::{
    ConfigureProviderRequest, ConfigureProviderResponse, ValidateProviderConfigRequest,
    ValidateProviderConfigResponse,
};
use crate::ephemeral::{EphemeralResource, Opened, Renewed};
use crate::function::Function;
use crate::list_resource::{Found, ListResource};
use crate::resource::{
    ApplyRequest, ApplyResponse, DataSource, ImportRequest, ImportResponse, PlanRequest,
    PlanResponse, ReadRequest, ReadResponse, Resource,
};
use crate::{Diagnostics, Value};

/// Every RPC of the plugin protocol in native types: what the protocol
/// layer calls. Responses carry diagnostics instead of failing.
#[async_trait::async_trait]
pub trait ProviderServer: fmt::Debug + Send + Sync {
    /// The provider's registry address (for reattach).
    fn address(&self) -> &'static str;
    /// Every schema.
    fn schemas(&self) -> &ProviderSchemas;
    /// The provider's functions.
    fn functions(&self) -> &'static [Function];
    /// Cancels in-flight work (Terraform's StopProvider). Idempotent.
    fn stop(&self);
    /// ValidateProviderConfig.
    fn validate_provider_config(
        &self,
        req: ValidateProviderConfigRequest,
    ) -> ValidateProviderConfigResponse;
    /// ConfigureProvider.
    fn configure_provider(&self, req: ConfigureProviderRequest) -> ConfigureProviderResponse;
    /// ValidateResourceConfig; `write_only_allowed` is the client's
    /// capability.
    fn validate_resource_config(
        &self,
        type_name: &str,
        config: &Value,
        write_only_allowed: bool,
    ) -> Diagnostics;
    /// PlanResourceChange.
    fn plan_resource_change(&self, type_name: &str, req: PlanRequest) -> PlanResponse;
    /// ApplyResourceChange.
    async fn apply_resource_change(&self, type_name: &str, req: ApplyRequest) -> ApplyResponse;
    /// ReadResource.
    async fn read_resource(&self, type_name: &str, req: ReadRequest) -> ReadResponse;
    /// ImportResourceState.
    fn import_resource_state(&self, type_name: &str, req: ImportRequest) -> ImportResponse;
    /// UpgradeResourceState: stored JSON of `version`, brought up to date.
    fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics>;
    /// The identity of the object `state` holds, for a type with one.
    fn identity_of(&self, type_name: &str, state: &Value) -> Option<Value>;
    /// The import id an identity from an `import` block stands for.
    fn import_id_from_identity(
        &self,
        type_name: &str,
        identity: &Value,
    ) -> Result<String, Diagnostics>;
    /// ValidateDataResourceConfig.
    fn validate_data_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics;
    /// ReadDataSource.
    async fn read_data_source(
        &self,
        type_name: &str,
        config: Value,
    ) -> (Option<Value>, Diagnostics);
    /// ValidateEphemeralResourceConfig.
    fn validate_ephemeral(&self, type_name: &str, config: &Value) -> Diagnostics;
    /// OpenEphemeralResource.
    async fn open_ephemeral(&self, type_name: &str, config: Value) -> Opened;
    /// RenewEphemeralResource.
    async fn renew_ephemeral(&self, type_name: &str, private: &[u8]) -> Renewed;
    /// CloseEphemeralResource.
    async fn close_ephemeral(&self, type_name: &str, private: &[u8]) -> Diagnostics;
    /// ValidateListResourceConfig.
    fn validate_list_resource(&self, type_name: &str, config: &Value) -> Diagnostics;
    /// ListResource: at most `limit` objects found.
    async fn list_resource_objects(
        &self,
        type_name: &str,
        config: Value,
        with_objects: bool,
        limit: usize,
    ) -> (Vec<Found>, Diagnostics);
    /// ValidateActionConfig and PlanAction.
    fn validate_action(&self, type_name: &str, config: &Value) -> Diagnostics;
    /// InvokeAction.
    async fn invoke_action(
        &self,
        type_name: &str,
        config: Value,
        progress: tokio::sync::mpsc::UnboundedSender<String>,
    ) -> Diagnostics;
    /// End of the process (Terraform's Shutdown).
    async fn shutdown(&self);
}

/// Serves one provider: one per plugin process, shared by every RPC.
pub struct Server<P: ProviderDefinition> {
    definition: P,
    schemas: ProviderSchemas,
    /// Built by ConfigureProvider: what the types act through.
    runtime: RwLock<Option<Arc<P::Runtime>>>,
    resources: BTreeMap<&'static str, Arc<dyn Resource<P::Runtime>>>,
    data_sources: BTreeMap<&'static str, Arc<dyn DataSource<P::Runtime>>>,
    ephemeral: BTreeMap<&'static str, Arc<dyn EphemeralResource<P::Runtime>>>,
    list_resources: BTreeMap<&'static str, Arc<dyn ListResource<P::Runtime>>>,
    actions: BTreeMap<&'static str, Arc<dyn Action<P::Runtime>>>,
    /// Cancelled by StopProvider (Ctrl-C in Terraform): in-flight work stops.
    stop: CancellationToken,
}

impl<P: ProviderDefinition> fmt::Debug for Server<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.definition.address())
            .field("configured", &self.runtime.read().is_some())
            .finish_non_exhaustive()
    }
}

impl<P: ProviderDefinition> Server<P> {
    /// A server for `definition`, not configured yet.
    pub fn new(definition: P) -> Self {
        let types = definition.types();
        let schemas = ProviderSchemas::of(&definition, &types);
        Server {
            schemas,
            runtime: RwLock::new(None),
            resources: types
                .resources
                .into_iter()
                .map(|r| (r.type_name(), r))
                .collect(),
            data_sources: types
                .data_sources
                .into_iter()
                .map(|d| (d.type_name(), d))
                .collect(),
            ephemeral: types
                .ephemeral_resources
                .into_iter()
                .map(|e| (e.type_name(), e))
                .collect(),
            list_resources: types
                .list_resources
                .into_iter()
                .map(|l| (l.type_name(), l))
                .collect(),
            actions: types
                .actions
                .into_iter()
                .map(|a| (a.type_name(), a))
                .collect(),
            definition,
            stop: CancellationToken::new(),
        }
    }

    /// The definition it serves.
    pub fn definition(&self) -> &P {
        &self.definition
    }

    /// A token that is cancelled when Terraform asks the provider to stop.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// The configured runtime, or a diagnostic saying it is missing.
    fn runtime(&self) -> Result<Arc<P::Runtime>, Diagnostics> {
        self.runtime.read().clone().ok_or_else(|| {
            let mut d = Diagnostics::new();
            d.error(
                "Provider not configured",
                "Terraform did not configure the provider before using it, or its configuration \
                 failed (see the errors above).",
            );
            d
        })
    }
}

/// The diagnostic for a type name this provider does not have.
fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        format!("Unknown {kind} type"),
        format!(
            "This provider has no {kind} type {name:?}. This is a bug in Terraform or the \
             provider; please report it."
        ),
    );
    d
}

/// Looks `name` up in one of the maps of types.
fn find<'a, T: ?Sized>(
    map: &'a BTreeMap<&'static str, Arc<T>>,
    kind: &str,
    name: &str,
) -> Result<&'a Arc<T>, Diagnostics> {
    map.get(name).ok_or_else(|| unknown_type(kind, name))
}

#[async_trait::async_trait]
impl<P: ProviderDefinition> ProviderServer for Server<P> {
    fn address(&self) -> &'static str {
        self.definition.address()
    }

    fn schemas(&self) -> &ProviderSchemas {
        &self.schemas
    }

    fn functions(&self) -> &'static [Function] {
        self.definition.functions()
    }

    fn stop(&self) {
        tracing::info!("stop requested: cancelling in-flight work");
        self.stop.cancel();
    }

    fn validate_provider_config(
        &self,
        req: ValidateProviderConfigRequest,
    ) -> ValidateProviderConfigResponse {
        ValidateProviderConfigResponse {
            diagnostics: self.definition.validate(&req.config),
        }
    }

    fn configure_provider(&self, req: ConfigureProviderRequest) -> ConfigureProviderResponse {
        tracing::debug!(terraform_version = %req.terraform_version, "configuring provider");
        let (runtime, diagnostics) = self.definition.configure(req, self.stop.clone());
        if let Some(rt) = runtime {
            *self.runtime.write() = Some(Arc::new(rt));
        }
        ConfigureProviderResponse { diagnostics }
    }

    fn validate_resource_config(
        &self,
        type_name: &str,
        config: &Value,
        write_only_allowed: bool,
    ) -> Diagnostics {
        self.validate_resource(type_name, config, write_only_allowed)
    }

    fn plan_resource_change(&self, type_name: &str, req: PlanRequest) -> PlanResponse {
        self.plan(type_name, req)
    }

    async fn apply_resource_change(&self, type_name: &str, req: ApplyRequest) -> ApplyResponse {
        self.apply(type_name, req).await
    }

    async fn read_resource(&self, type_name: &str, req: ReadRequest) -> ReadResponse {
        self.read(type_name, req).await
    }

    fn import_resource_state(&self, type_name: &str, req: ImportRequest) -> ImportResponse {
        self.import(type_name, req)
    }

    fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        self.upgrade(type_name, version, state)
    }

    fn identity_of(&self, type_name: &str, state: &Value) -> Option<Value> {
        if state.is_null() {
            return None;
        }
        self.resources
            .get(type_name)?
            .identity()?
            .identity_of(state)
    }

    fn import_id_from_identity(
        &self,
        type_name: &str,
        identity: &Value,
    ) -> Result<String, Diagnostics> {
        self.import_id(type_name, identity)
    }

    fn validate_data_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        self.validate_data(type_name, config)
    }

    async fn read_data_source(
        &self,
        type_name: &str,
        config: Value,
    ) -> (Option<Value>, Diagnostics) {
        self.read_data(type_name, config).await
    }

    fn validate_ephemeral(&self, type_name: &str, config: &Value) -> Diagnostics {
        match find(&self.ephemeral, "ephemeral resource", type_name) {
            Ok(e) => e.validate(config),
            Err(d) => d,
        }
    }

    async fn open_ephemeral(&self, type_name: &str, config: Value) -> Opened {
        self.open(type_name, config).await
    }

    async fn renew_ephemeral(&self, type_name: &str, private: &[u8]) -> Renewed {
        self.renew(type_name, private).await
    }

    async fn close_ephemeral(&self, type_name: &str, private: &[u8]) -> Diagnostics {
        self.close(type_name, private).await
    }

    fn validate_list_resource(&self, type_name: &str, config: &Value) -> Diagnostics {
        match find(&self.list_resources, "list resource", type_name) {
            Ok(l) => l.validate(config),
            Err(d) => d,
        }
    }

    async fn list_resource_objects(
        &self,
        type_name: &str,
        config: Value,
        with_objects: bool,
        limit: usize,
    ) -> (Vec<Found>, Diagnostics) {
        self.list(type_name, config, with_objects, limit).await
    }

    fn validate_action(&self, type_name: &str, config: &Value) -> Diagnostics {
        match find(&self.actions, "action", type_name) {
            Ok(a) => a.validate(config),
            Err(d) => d,
        }
    }

    async fn invoke_action(
        &self,
        type_name: &str,
        config: Value,
        progress: tokio::sync::mpsc::UnboundedSender<String>,
    ) -> Diagnostics {
        self.invoke(type_name, config, progress).await
    }

    async fn shutdown(&self) {
        let rt = self.runtime.read().clone();
        if let Some(rt) = rt {
            self.definition.shutdown(&rt).await;
        }
    }
}
