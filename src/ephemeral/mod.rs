//! This provider's ephemeral resources: `driver_http_request`.

mod expiry;
pub(crate) mod http_request;

pub use framework::ephemeral::{EphemeralResource, Opened, Renewed};
pub use http_request::HttpRequestEphemeral;
