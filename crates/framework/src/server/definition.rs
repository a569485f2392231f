//! What a provider is, for the framework: its schema, how it is configured,
//! its types and functions.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::action::Action;
use crate::configure::ConfigureProviderRequest;
use crate::ephemeral::EphemeralResource;
use crate::function::Function;
use crate::list_resource::ListResource;
use crate::resource::{DataSource, Resource};
use crate::{Diagnostics, Schema, Value};

/// A provider as the framework serves it. `Runtime` is what
/// ConfigureProvider builds (clients, engines) and every type acts through.
#[async_trait::async_trait]
pub trait ProviderDefinition: Send + Sync + 'static {
    /// What configuring builds.
    type Runtime: Send + Sync + 'static;

    /// The registry address, such as `registry.terraform.io/tfdriver/driver`.
    fn address(&self) -> &'static str;
    /// The `provider` block's schema.
    fn schema(&self) -> Schema;
    /// Checks a provider block, which may hold unknowns. Called before
    /// configuration, so it must not depend on anything but the block.
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Builds the runtime from a provider block; `stop` is cancelled when
    /// Terraform asks the provider to stop. `None` with errors when it
    /// cannot be built.
    fn configure(
        &self,
        req: ConfigureProviderRequest,
        stop: CancellationToken,
    ) -> (Option<Self::Runtime>, Diagnostics);
    /// Every type, of every kind.
    fn types(&self) -> Types<Self::Runtime>;
    /// The provider's functions.
    fn functions(&self) -> &'static [Function] {
        &[]
    }
    /// After each apply: warnings about the run so far (such as a summary
    /// of retries), added to the apply's diagnostics.
    fn after_apply(&self, _rt: &Self::Runtime, _diagnostics: &mut Diagnostics) {}
    /// End of the process (Terraform's Shutdown).
    async fn shutdown(&self, _rt: &Self::Runtime) {}
}

/// Every type of a provider, by kind.
pub struct Types<R> {
    /// Managed resources.
    pub resources: Vec<Arc<dyn Resource<R>>>,
    /// Data sources.
    pub data_sources: Vec<Arc<dyn DataSource<R>>>,
    /// Ephemeral resources.
    pub ephemeral_resources: Vec<Arc<dyn EphemeralResource<R>>>,
    /// List resources.
    pub list_resources: Vec<Arc<dyn ListResource<R>>>,
    /// Actions.
    pub actions: Vec<Arc<dyn Action<R>>>,
}

impl<R> Default for Types<R> {
    fn default() -> Self {
        Types {
            resources: Vec::new(),
            data_sources: Vec::new(),
            ephemeral_resources: Vec::new(),
            list_resources: Vec::new(),
            actions: Vec::new(),
        }
    }
}

impl<R> std::fmt::Debug for Types<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Types")
            .field("resources", &self.resources)
            .field("data_sources", &self.data_sources)
            .finish_non_exhaustive()
    }
}
