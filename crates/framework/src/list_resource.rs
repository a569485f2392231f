//! List resources (Terraform 1.14 `terraform query`): the objects of a
//! managed resource type that exist, managed or not, each named by its
//! resource identity, so users can find them and generate configuration
//! with `import` blocks for them.

use crate::{Diagnostics, Schema, Value};

/// One object found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Its resource identity.
    pub identity: Value,
    /// A name for people.
    pub display_name: String,
    /// Its state as the managed resource would hold it, when asked for.
    pub object: Option<Value>,
}

/// A list resource type; named after the managed type it lists.
#[async_trait::async_trait]
pub trait ListResource<R>: std::fmt::Debug + Send + Sync {
    /// The managed resource type it lists.
    fn type_name(&self) -> &'static str;
    /// The schema of its `config` block.
    fn schema(&self) -> Schema;
    /// Checks a configuration (values may be unknown).
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Lists at most `limit` objects.
    async fn list(
        &self,
        rt: &R,
        config: Value,
        with_objects: bool,
        limit: usize,
    ) -> (Vec<Found>, Diagnostics);
}
