//! Managed resource types, one module each.

mod common;
mod http_object;

pub use http_object::HttpObject;
