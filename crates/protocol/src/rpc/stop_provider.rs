//! StopProvider: Terraform's Ctrl-C. Cancels in-flight work and answers at
//! once; the work itself reports its cancellation through diagnostics.

use super::pb::stop_provider::Response;
use framework::ProviderServer;

pub(super) fn handle(provider: &dyn ProviderServer) -> Response {
    provider.stop();
    Response {
        error: String::new(),
    }
}
