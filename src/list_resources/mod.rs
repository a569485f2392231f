//! This provider's list resources (Terraform 1.14 `terraform query`):
//! `driver_http_object`.

mod http_object;

pub use http_object::HttpObjectList;

pub use framework::list_resource::{Found, ListResource};
