//! The exec driver's client: the engine around it, with the same limits as
//! HTTP requests, and a long attempt limit (commands may run for minutes;
//! the resource's timeouts bound the operation).

use std::time::Duration;

use super::Diagnostics;
use super::config::ProviderConfig;
use super::driver_module::{Client, Clients, DriverModule};
use super::runtime::{Runtime, engine_config};
use drivers::exec::ExecDriver;
use engine::{Engine, EngineConfig, Observers};

/// Longest one command may run when its resource sets no timeout.
const EXEC_ATTEMPT_LIMIT: Duration = Duration::from_secs(3600);

/// Commands, run through the engine.
#[derive(Debug)]
pub struct ExecClient {
    engine: Engine<ExecDriver>,
}

impl ExecClient {
    /// The engine.
    pub fn engine(&self) -> &Engine<ExecDriver> {
        &self.engine
    }
}

impl Client for ExecClient {
    fn build(config: &ProviderConfig, observers: &Observers) -> Result<Option<Self>, Diagnostics> {
        let config = EngineConfig {
            request_timeout: EXEC_ATTEMPT_LIMIT,
            ..engine_config(config)
        };
        Ok(Some(ExecClient {
            engine: Engine::new(ExecDriver, config, observers.clone()),
        }))
    }

    fn missing() -> Diagnostics {
        let mut d = Diagnostics::new();
        d.error(
            "Exec driver not available",
            "The exec driver was not set up. This is a bug in the provider; please report it.",
        );
        d
    }
}

/// The exec driver: commands, and `driver_exec_object`.
#[derive(Debug)]
pub struct ExecModule;

impl DriverModule for ExecModule {
    fn build_client(
        &self,
        config: &ProviderConfig,
        observers: &Observers,
        clients: &mut Clients,
    ) -> Result<(), Diagnostics> {
        clients.build::<ExecClient>(config, observers)
    }

    fn types(&self) -> framework::Types<Runtime> {
        framework::Types {
            resources: vec![std::sync::Arc::new(crate::resources::ExecObject)],
            ..Default::default()
        }
    }
}
