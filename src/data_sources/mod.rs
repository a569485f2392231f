//! Data source types.

mod http_object;
pub(crate) mod http_objects;

pub use http_object::HttpObjectData;
pub use http_objects::HttpObjectsData;
