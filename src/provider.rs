//! This provider as the framework serves it: its provider block, how it is
//! configured (a [`Runtime`] of clients and engines), its types and
//! functions, and the run summary it adds to applies.

use std::sync::Arc;

use framework::{
    ConfigureProviderRequest, Diagnostics, ProviderDefinition, Schema, Server, Types, Value,
};
use tokio_util::sync::CancellationToken;

use crate::config::ProviderConfig;
use crate::functions;
use crate::registry;
use crate::runtime::DriverModule;
use crate::runtime::Runtime;

/// The provider's address in the registry; examples and reattach use it.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/tfdriver/driver";

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

/// terraform-provider-driver.
#[derive(Debug)]
pub struct DriverProvider {
    env: Environment,
    /// The drivers it serves ([`registry::all`]).
    modules: Vec<Arc<dyn DriverModule>>,
}

impl DriverProvider {
    /// The provider, reading `env` for what the provider block leaves out.
    pub fn new(env: Environment) -> Self {
        Self::with_drivers(env, registry::all())
    }

    /// The provider serving the drivers `modules`.
    pub fn with_drivers(env: Environment, modules: Vec<Arc<dyn DriverModule>>) -> Self {
        DriverProvider { env, modules }
    }

    /// A framework server for it, ready for the protocol layer.
    pub fn server(env: Environment) -> Arc<Server<DriverProvider>> {
        Arc::new(Server::new(DriverProvider::new(env)))
    }
}

#[async_trait::async_trait]
impl ProviderDefinition for DriverProvider {
    type Runtime = Runtime;

    fn address(&self) -> &'static str {
        PROVIDER_ADDRESS
    }

    fn schema(&self) -> Schema {
        crate::config::provider_schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        // The environment fallback is applied at configure time only: during
        // validate the endpoint may legitimately come from it later.
        ProviderConfig::parse(config, None).1
    }

    fn configure(
        &self,
        req: ConfigureProviderRequest,
        stop: CancellationToken,
    ) -> (Option<Runtime>, Diagnostics) {
        let (mut config, mut diagnostics) =
            ProviderConfig::parse(&req.config, self.env.driver_endpoint.as_deref());
        config.cli_version = Some(req.terraform_version).filter(|v| !v.is_empty());
        if !req.config.is_wholly_known() {
            diagnostics.warning(
                "Provider configuration not yet known",
                "Parts of the provider block depend on values known only after apply. They are \
                 treated as unset while planning; apply uses the real values.",
            );
        }
        if diagnostics.has_error() {
            return (None, diagnostics);
        }
        config.warn_about_exposure(&mut diagnostics);
        match Runtime::build(&config, stop, &self.modules) {
            Ok(rt) => (Some(rt), diagnostics),
            Err(d) => {
                diagnostics.extend(d);
                (None, diagnostics)
            }
        }
    }

    fn types(&self) -> Types<Runtime> {
        let mut all = Types::default();
        for m in &self.modules {
            let t = m.types();
            all.resources.extend(t.resources);
            all.data_sources.extend(t.data_sources);
            all.ephemeral_resources.extend(t.ephemeral_resources);
            all.list_resources.extend(t.list_resources);
            all.actions.extend(t.actions);
        }
        all
    }

    fn functions(&self) -> &'static [framework::function::Function] {
        functions::all()
    }

    fn after_apply(&self, rt: &Runtime, diagnostics: &mut Diagnostics) {
        rt.summarize(diagnostics);
    }

    async fn shutdown(&self, rt: &Runtime) {
        rt.finish().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use framework::ProviderServer;

    /// Guards `schemas/provider-schema.json`, which docs and reviewers read.
    /// Set `UPDATE_SCHEMA=1` to rewrite it after an intended change.
    #[test]
    fn schema_snapshot_is_current() {
        let rendered = serde_json::to_string_pretty(
            &DriverProvider::server(Environment::default())
                .schemas()
                .to_json(),
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
        let schemas = DriverProvider::server(Environment::default())
            .schemas()
            .clone();
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
