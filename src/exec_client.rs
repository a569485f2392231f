//! The exec driver's client: the engine around it, with the same limits as
//! HTTP requests, and a long attempt limit (commands may run for minutes;
//! the resource's timeouts bound the operation).

use std::time::Duration;

use super::Diagnostics;
use super::config::ProviderConfig;
use super::runtime::Client;
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
            ..config.engine_config()
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
