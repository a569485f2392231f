//! What a driver adds to the provider, and the list of drivers. A driver
//! is its transport (a `drivers::Driver`), its client (the engine around
//! the transport, built from the provider block: [`Client`]), the types
//! that act through that client, and a [`DriverModule`] that names them.
//! Adding one is its module and one line in [`all`].

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use framework::Types;

use crate::Diagnostics;
use crate::config::ProviderConfig;
use crate::runtime::Runtime;
use engine::Observers;

/// A driver's client, built from the provider configuration.
pub trait Client: Any + Send + Sync + fmt::Debug + Sized {
    /// Builds the client; `Ok(None)` when the configuration does not set
    /// this driver up (an HTTP client without an endpoint).
    fn build(config: &ProviderConfig, observers: &Observers) -> Result<Option<Self>, Diagnostics>;

    /// What a resource that needs this client says when it is missing.
    fn missing() -> Diagnostics;
}

/// One driver, for the provider: its client and its types.
pub trait DriverModule: fmt::Debug + Send + Sync + 'static {
    /// Builds the driver's client (if the configuration sets it up) into
    /// `clients`; [`Clients::build`] does it for a [`Client`].
    fn build_client(
        &self,
        config: &ProviderConfig,
        observers: &Observers,
        clients: &mut Clients,
    ) -> Result<(), Diagnostics>;

    /// The resources, data sources, ephemeral resources, list resources and
    /// actions that act through the client.
    fn types(&self) -> Types<Runtime>;
}

/// Every driver the provider serves: one line each.
pub fn all() -> Vec<Arc<dyn DriverModule>> {
    vec![
        Arc::new(crate::http_client::HttpModule),
        Arc::new(crate::exec_client::ExecModule),
    ]
}

/// The clients that were built, found by type.
#[derive(Default)]
pub struct Clients(Vec<Box<dyn Any + Send + Sync>>);

impl Clients {
    /// Builds client `C` from the configuration and keeps it, if the
    /// configuration sets it up.
    pub fn build<C: Client>(
        &mut self,
        config: &ProviderConfig,
        observers: &Observers,
    ) -> Result<(), Diagnostics> {
        if let Some(c) = C::build(config, observers)? {
            self.0.push(Box::new(c));
        }
        Ok(())
    }

    /// The client of type `C`, if it was built.
    pub fn get<C: Client>(&self) -> Option<&C> {
        self.0.iter().find_map(|c| c.downcast_ref::<C>())
    }
}

impl fmt::Debug for Clients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clients({})", self.0.len())
    }
}

#[cfg(test)]
mod tests;
