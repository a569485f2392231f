//! The tfplugin6 `Provider` service: one file per RPC, each decoding the
//! request, calling the provider, and encoding the response. RPCs not listed
//! answer Unimplemented (generated default stubs), which Terraform tolerates
//! for everything this provider does not advertise.

mod apply_resource_change;
mod configure_provider;
mod get_functions;
mod get_metadata;
mod get_provider_schema;
mod import_resource_state;
mod plan_resource_change;
mod read_data_source;
mod read_resource;
mod stop_provider;
mod upgrade_resource_state;
mod validate_data_resource_config;
mod validate_provider_config;
mod validate_resource_config;

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::wire::tfplugin6 as pb;
use crate::provider::Provider;

/// The gRPC face of one `Provider`.
#[derive(Debug, Clone)]
pub(crate) struct ProviderService {
    provider: Arc<Provider>,
}

impl ProviderService {
    pub(crate) fn new(provider: Arc<Provider>) -> Self {
        ProviderService { provider }
    }
}

type Rpc<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Rpc<pb::get_metadata::Response> {
        Ok(Response::new(get_metadata::handle(&self.provider)))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Rpc<pb::get_provider_schema::Response> {
        Ok(Response::new(get_provider_schema::handle(&self.provider)))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Rpc<pb::validate_provider_config::Response> {
        Ok(Response::new(validate_provider_config::handle(
            &self.provider,
            req.into_inner(),
        )))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Rpc<pb::configure_provider::Response> {
        Ok(Response::new(configure_provider::handle(
            &self.provider,
            req.into_inner(),
        )))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Rpc<pb::get_functions::Response> {
        Ok(Response::new(get_functions::handle()))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Rpc<pb::stop_provider::Response> {
        Ok(Response::new(stop_provider::handle(&self.provider)))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Rpc<pb::validate_resource_config::Response> {
        Ok(Response::new(validate_resource_config::handle(
            &self.provider,
            req.into_inner(),
        )))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Rpc<pb::validate_data_resource_config::Response> {
        Ok(Response::new(validate_data_resource_config::handle(
            &self.provider,
            req.into_inner(),
        )))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Rpc<pb::upgrade_resource_state::Response> {
        Ok(Response::new(upgrade_resource_state::handle(
            &self.provider,
            req.into_inner(),
        )))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Rpc<pb::read_resource::Response> {
        Ok(Response::new(
            read_resource::handle(&self.provider, req.into_inner()).await,
        ))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Rpc<pb::plan_resource_change::Response> {
        Ok(Response::new(plan_resource_change::handle(
            &self.provider,
            req.into_inner(),
        )))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Rpc<pb::apply_resource_change::Response> {
        Ok(Response::new(
            apply_resource_change::handle(&self.provider, req.into_inner()).await,
        ))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Rpc<pb::import_resource_state::Response> {
        Ok(Response::new(import_resource_state::handle(
            &self.provider,
            req.into_inner(),
        )))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Rpc<pb::read_data_source::Response> {
        Ok(Response::new(
            read_data_source::handle(&self.provider, req.into_inner()).await,
        ))
    }
}
