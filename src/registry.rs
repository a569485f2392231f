//! The drivers this provider serves, one line each, and what each adds:
//! its client and its types. A driver's own module holds its
//! [`DriverModule`]; adding a driver is that module and one line in [`all`].

use std::sync::Arc;

use framework::Types;

use crate::config::ProviderConfig;
use crate::exec_client::ExecClient;
use crate::http_client::HttpClient;
use crate::runtime::{Clients, DriverModule, Runtime};
use crate::{Diagnostics, actions, data_sources, ephemeral, list_resources, resources};
use engine::Observers;

/// Every driver the provider serves: one line each.
pub fn all() -> Vec<Arc<dyn DriverModule>> {
    vec![Arc::new(HttpModule), Arc::new(ExecModule)]
}

/// The HTTP driver: REST APIs, with `driver_http_object` (resource, data
/// source, list resource), `driver_http_objects` and `driver_http_request`
/// (ephemeral resource, action).
#[derive(Debug)]
pub struct HttpModule;

impl DriverModule for HttpModule {
    fn build_client(
        &self,
        config: &ProviderConfig,
        observers: &Observers,
        clients: &mut Clients,
    ) -> Result<(), Diagnostics> {
        clients.build::<HttpClient>(config, observers)
    }

    fn types(&self) -> Types<Runtime> {
        Types {
            resources: vec![
                Arc::new(resources::HttpObject),
                Arc::new(resources::HttpOperation),
            ],
            data_sources: vec![
                Arc::new(data_sources::HttpObjectData),
                Arc::new(data_sources::HttpObjectsData),
            ],
            ephemeral_resources: vec![Arc::new(ephemeral::HttpRequestEphemeral)],
            list_resources: vec![Arc::new(list_resources::HttpObjectList)],
            actions: vec![Arc::new(actions::HttpRequestAction)],
        }
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

    fn types(&self) -> Types<Runtime> {
        Types {
            resources: vec![Arc::new(resources::ExecObject)],
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests;
