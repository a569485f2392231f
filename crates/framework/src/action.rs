//! Actions (Terraform 1.14 `action` blocks): something done once when a
//! resource changes or on `terraform apply -invoke`, such as a webhook or a
//! cache purge. Nothing is stored; progress is shown while it runs.

use tokio::sync::mpsc::UnboundedSender;

use crate::{Diagnostics, Schema, Value};

/// An action type.
#[async_trait::async_trait]
pub trait Action<R>: std::fmt::Debug + Send + Sync {
    /// Its type name.
    fn type_name(&self) -> &'static str;
    /// Its schema.
    fn schema(&self) -> Schema;
    /// Checks a configuration (values may be unknown); also the plan.
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Does it, sending progress messages as it goes.
    async fn invoke(&self, rt: &R, config: Value, progress: UnboundedSender<String>)
    -> Diagnostics;
}
