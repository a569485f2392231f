//! Data sources, ephemeral resources, list resources and actions: found by
//! type, run through the configured runtime.

use std::sync::Arc;

use super::{ProviderDefinition, Server, find};
use crate::ephemeral::{EphemeralResource, Opened, Renewed};
use crate::list_resource::Found;
use crate::{Diagnostics, Value};

impl<P: ProviderDefinition> Server<P> {
    fn ephemeral_type(
        &self,
        name: &str,
    ) -> Result<&Arc<dyn EphemeralResource<P::Runtime>>, Diagnostics> {
        find(&self.ephemeral, "ephemeral resource", name)
    }

    /// ReadDataSource.
    pub(super) async fn read_data(
        &self,
        type_name: &str,
        config: Value,
    ) -> (Option<Value>, Diagnostics) {
        let ds = match find(&self.data_sources, "data source", type_name) {
            Ok(ds) => ds.clone(),
            Err(d) => return (None, d),
        };
        let rt = match self.runtime() {
            Ok(rt) => rt,
            Err(d) => return (None, d),
        };
        ds.read(&rt, config).await
    }

    /// OpenEphemeralResource.
    pub(super) async fn open(&self, type_name: &str, config: Value) -> Opened {
        let found = self
            .ephemeral_type(type_name)
            .cloned()
            .and_then(|e| Ok((e, self.runtime()?)));
        match found {
            Ok((e, rt)) => e.open(&rt, config).await,
            Err(diagnostics) => Opened {
                diagnostics,
                ..Opened::default()
            },
        }
    }

    /// RenewEphemeralResource.
    pub(super) async fn renew(&self, type_name: &str, private: &[u8]) -> Renewed {
        let found = self
            .ephemeral_type(type_name)
            .cloned()
            .and_then(|e| Ok((e, self.runtime()?)));
        match found {
            Ok((e, rt)) => e.renew(&rt, private).await,
            Err(diagnostics) => Renewed {
                diagnostics,
                ..Renewed::default()
            },
        }
    }

    /// CloseEphemeralResource.
    pub(super) async fn close(&self, type_name: &str, private: &[u8]) -> Diagnostics {
        let found = self
            .ephemeral_type(type_name)
            .cloned()
            .and_then(|e| Ok((e, self.runtime()?)));
        match found {
            Ok((e, rt)) => e.close(&rt, private).await,
            Err(d) => d,
        }
    }

    /// ListResource: at most `limit` objects found.
    pub(super) async fn list(
        &self,
        type_name: &str,
        config: Value,
        with_objects: bool,
        limit: usize,
    ) -> (Vec<Found>, Diagnostics) {
        let found = find(&self.list_resources, "list resource", type_name)
            .cloned()
            .and_then(|l| Ok((l, self.runtime()?)));
        match found {
            Ok((l, rt)) => l.list(&rt, config, with_objects, limit).await,
            Err(d) => (Vec::new(), d),
        }
    }

    /// InvokeAction.
    pub(super) async fn invoke(
        &self,
        type_name: &str,
        config: Value,
        progress: tokio::sync::mpsc::UnboundedSender<String>,
    ) -> Diagnostics {
        let found = find(&self.actions, "action", type_name)
            .cloned()
            .and_then(|a| Ok((a, self.runtime()?)));
        match found {
            Ok((a, rt)) => a.invoke(&rt, config, progress).await,
            Err(d) => d,
        }
    }
}
