//! The tfplugin6 `Provider` service: one file per RPC, each decoding the
//! request, calling the provider, and encoding the response. RPCs not listed
//! answer Unimplemented (generated default stubs), which Terraform tolerates
//! for everything this provider does not advertise.

mod actions;
mod apply_resource_change;
mod call_function;
mod configure_provider;
mod ephemeral_lifecycle;
mod get_functions;
mod get_metadata;
mod get_provider_schema;
mod import_resource_state;
mod list_resource;
mod plan_resource_change;
mod read_data_source;
mod read_resource;
mod resource_identity;
mod stop_provider;
mod upgrade_resource_state;
mod validate_data_resource_config;
mod validate_ephemeral_resource_config;
mod validate_provider_config;
mod validate_resource_config;

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::wire::tfplugin6 as pb;
use framework::ProviderServer;

/// The gRPC face of one `Provider`.
#[derive(Debug, Clone)]
pub(crate) struct ProviderService {
    provider: Arc<dyn ProviderServer>,
}

impl ProviderService {
    pub(crate) fn new(provider: Arc<dyn ProviderServer>) -> Self {
        ProviderService { provider }
    }
}

type Rpc<T> = Result<Response<T>, Status>;

/// A response that can carry one more diagnostic.
trait Diagnosed {
    fn diagnose(&mut self, d: pb::Diagnostic);
}

macro_rules! diagnosed {
    ($($rpc:ident),* $(,)?) => {
        $(impl Diagnosed for pb::$rpc::Response {
            fn diagnose(&mut self, d: pb::Diagnostic) {
                self.diagnostics.push(d);
            }
        })*
    };
}

diagnosed!(
    get_metadata,
    get_provider_schema,
    validate_provider_config,
    configure_provider,
    get_functions,
    validate_resource_config,
    validate_data_resource_config,
    upgrade_resource_state,
    plan_resource_change,
    import_resource_state,
    read_resource,
    apply_resource_change,
    read_data_source,
    get_resource_identity_schemas,
    upgrade_resource_identity,
    validate_ephemeral_resource_config,
    validate_list_resource_config,
    validate_action_config,
    plan_action,
    open_ephemeral_resource,
    renew_ephemeral_resource,
    close_ephemeral_resource,
);

/// What a panic in an RPC becomes: an error diagnostic, and the process
/// keeps serving every other RPC.
fn panic_diagnostic(rpc: &str, payload: &(dyn std::any::Any + Send)) -> pb::Diagnostic {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into());
    tracing::error!(rpc, panic = %what, "a bug in the provider: the RPC panicked");
    pb::Diagnostic {
        severity: pb::diagnostic::Severity::Error as i32,
        summary: "Internal error in the provider".into(),
        detail: format!(
            "The provider hit a bug while handling {rpc}: {what}. This is a bug in \
             terraform-provider-driver, not in your configuration; please report it with the \
             Terraform log (TF_LOG=debug). What Terraform had for this resource was kept, and \
             other resources are not affected."
        ),
        attribute: None,
    }
}

/// Runs a synchronous handler; a panic becomes a diagnostic.
fn guard_sync<T: Diagnosed + Default>(rpc: &str, f: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let mut r = T::default();
            r.diagnose(panic_diagnostic(rpc, payload.as_ref()));
            r
        }
    }
}

/// Runs an asynchronous handler; a panic becomes a diagnostic on `kept`.
async fn guard<T: Diagnosed>(rpc: &str, f: impl Future<Output = T>, mut kept: T) -> T {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(f).catch_unwind().await {
        Ok(r) => r,
        Err(payload) => {
            kept.diagnose(panic_diagnostic(rpc, payload.as_ref()));
            kept
        }
    }
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Rpc<pb::get_metadata::Response> {
        Ok(Response::new(guard_sync("get_metadata", || {
            get_metadata::handle(self.provider.as_ref())
        })))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Rpc<pb::get_provider_schema::Response> {
        Ok(Response::new(guard_sync("get_provider_schema", || {
            get_provider_schema::handle(self.provider.as_ref())
        })))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Rpc<pb::validate_provider_config::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync(
            "validate_provider_config",
            || validate_provider_config::handle(self.provider.as_ref(), req),
        )))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Rpc<pb::configure_provider::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync("configure_provider", || {
            configure_provider::handle(self.provider.as_ref(), req)
        })))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Rpc<pb::get_functions::Response> {
        Ok(Response::new(guard_sync("get_functions", || {
            get_functions::handle(self.provider.as_ref())
        })))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Rpc<pb::stop_provider::Response> {
        Ok(Response::new(stop_provider::handle(self.provider.as_ref())))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Rpc<pb::validate_resource_config::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync(
            "validate_resource_config",
            || validate_resource_config::handle(self.provider.as_ref(), req),
        )))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Rpc<pb::validate_data_resource_config::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync(
            "validate_data_resource_config",
            || validate_data_resource_config::handle(self.provider.as_ref(), req),
        )))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Rpc<pb::upgrade_resource_state::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync("upgrade_resource_state", || {
            upgrade_resource_state::handle(self.provider.as_ref(), req)
        })))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Rpc<pb::read_resource::Response> {
        let req = req.into_inner();
        // A panic keeps what Terraform had.
        let kept = pb::read_resource::Response {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            ..Default::default()
        };
        let handled = read_resource::handle(self.provider.as_ref(), req);
        Ok(Response::new(guard("read_resource", handled, kept).await))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Rpc<pb::plan_resource_change::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync("plan_resource_change", || {
            plan_resource_change::handle(self.provider.as_ref(), req)
        })))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Rpc<pb::apply_resource_change::Response> {
        let req = req.into_inner();
        // A panic keeps what Terraform had.
        let kept = pb::apply_resource_change::Response {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            ..Default::default()
        };
        let handled = apply_resource_change::handle(self.provider.as_ref(), req);
        Ok(Response::new(
            guard("apply_resource_change", handled, kept).await,
        ))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Rpc<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(guard_sync(
            "get_resource_identity_schemas",
            || resource_identity::schemas(self.provider.as_ref()),
        )))
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Rpc<pb::upgrade_resource_identity::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync(
            "upgrade_resource_identity",
            || resource_identity::upgrade(self.provider.as_ref(), req),
        )))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Rpc<pb::validate_ephemeral_resource_config::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync(
            "validate_ephemeral_resource_config",
            || validate_ephemeral_resource_config::handle(self.provider.as_ref(), req),
        )))
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Rpc<pb::open_ephemeral_resource::Response> {
        let handled = ephemeral_lifecycle::open(self.provider.as_ref(), req.into_inner());
        Ok(Response::new(
            guard("open_ephemeral_resource", handled, Default::default()).await,
        ))
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Rpc<pb::renew_ephemeral_resource::Response> {
        let handled = ephemeral_lifecycle::renew(self.provider.as_ref(), req.into_inner());
        Ok(Response::new(
            guard("renew_ephemeral_resource", handled, Default::default()).await,
        ))
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Rpc<pb::close_ephemeral_resource::Response> {
        let handled = ephemeral_lifecycle::close(self.provider.as_ref(), req.into_inner());
        Ok(Response::new(
            guard("close_ephemeral_resource", handled, Default::default()).await,
        ))
    }

    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Rpc<pb::validate_list_resource_config::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync(
            "validate_list_resource_config",
            || list_resource::validate(self.provider.as_ref(), req),
        )))
    }

    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Rpc<tonic::codegen::BoxStream<pb::list_resource::Event>> {
        use futures_util::FutureExt;
        let listed = std::panic::AssertUnwindSafe(list_resource::events(
            self.provider.as_ref(),
            req.into_inner(),
        ))
        .catch_unwind()
        .await;
        let events = listed.unwrap_or_else(|payload| {
            vec![pb::list_resource::Event {
                diagnostic: vec![panic_diagnostic("list_resource", payload.as_ref())],
                ..Default::default()
            }]
        });
        Ok(Response::new(list_resource::stream(events)))
    }

    async fn validate_action_config(
        &self,
        req: Request<pb::validate_action_config::Request>,
    ) -> Rpc<pb::validate_action_config::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync("validate_action_config", || {
            actions::validate(self.provider.as_ref(), req)
        })))
    }

    async fn plan_action(
        &self,
        req: Request<pb::plan_action::Request>,
    ) -> Rpc<pb::plan_action::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync("plan_action", || {
            actions::plan(self.provider.as_ref(), req)
        })))
    }

    async fn invoke_action(
        &self,
        req: Request<pb::invoke_action::Request>,
    ) -> Rpc<tonic::codegen::BoxStream<pb::invoke_action::Event>> {
        Ok(Response::new(actions::invoke(
            self.provider.clone(),
            req.into_inner(),
        )))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Rpc<pb::call_function::Response> {
        let req = req.into_inner();
        // A function is a pure body over its arguments: nothing it could leave
        // half-changed is shared, so a panic in it is safe to catch.
        let provider = std::panic::AssertUnwindSafe(self.provider.as_ref());
        let handled = std::panic::catch_unwind(|| call_function::handle(*provider, req));
        Ok(Response::new(handled.unwrap_or_else(|payload| {
            let d = panic_diagnostic("call_function", payload.as_ref());
            pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text: d.detail,
                    function_argument: None,
                }),
            }
        })))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Rpc<pb::import_resource_state::Response> {
        let req = req.into_inner();
        Ok(Response::new(guard_sync("import_resource_state", || {
            import_resource_state::handle(self.provider.as_ref(), req)
        })))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Rpc<pb::read_data_source::Response> {
        let req = req.into_inner();
        // A panic keeps what Terraform had.
        let kept = pb::read_data_source::Response::default();
        let handled = read_data_source::handle(self.provider.as_ref(), req);
        Ok(Response::new(
            guard("read_data_source", handled, kept).await,
        ))
    }
}
