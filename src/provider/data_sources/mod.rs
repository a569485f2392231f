//! Data source types.

mod http_object;
mod http_objects;

pub use http_object::HttpObjectData;
pub use http_objects::HttpObjectsData;
