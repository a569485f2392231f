//! Data source types.

mod http_object;

pub use http_object::HttpObjectData;
