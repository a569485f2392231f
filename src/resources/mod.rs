//! Managed resource types, one module each.

pub(crate) mod common;
mod exec_object;
mod http_object;
mod http_operation;
pub(crate) mod kept_answer;
pub(crate) mod pause;
pub(crate) mod precheck;
pub(crate) mod write_only;

pub use exec_object::ExecObject;
pub use http_object::HttpObject;
pub(crate) use http_object::{identity, listed_state, only_pointers};
pub use http_operation::HttpOperation;
