//! This provider's actions (Terraform 1.14 `action` blocks):
//! `driver_http_request`.

mod http_request;

pub use http_request::HttpRequestAction;

pub use framework::action::Action;
