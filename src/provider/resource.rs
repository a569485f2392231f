//! The lifecycle every managed resource type implements, with one request
//! and response pair per RPC. Responses carry diagnostics instead of
//! failing; the framework (`Provider`) does the bookkeeping around them.

use std::sync::Arc;

use super::{AttributePath, Diagnostics, Schema, Value};
use crate::provider::runtime::Runtime;

/// PlanResourceChange for a create or update (destroys are not planned by
/// resources: Terraform plans them alone).
#[derive(Debug)]
pub struct PlanRequest {
    /// Null on create.
    pub prior_state: Value,
    /// Terraform's proposal: config, with prior values for unset computed attributes.
    pub proposed_new_state: Value,
    /// The configuration, possibly with unknowns.
    pub config: Value,
    /// Private state from the prior state.
    pub prior_private: Vec<u8>,
}

/// The planned state.
#[derive(Debug, Default)]
pub struct PlanResponse {
    /// What apply will produce, with unknowns for what it decides.
    pub planned_state: Option<Value>,
    /// Attributes whose change forces replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Passed to apply.
    pub planned_private: Vec<u8>,
    /// Problems found.
    pub diagnostics: Diagnostics,
}

/// ApplyResourceChange: create (prior null), update, or delete (planned null).
#[derive(Debug)]
pub struct ApplyRequest {
    /// Null on create.
    pub prior_state: Value,
    /// Null on delete.
    pub planned_state: Value,
    /// The wholly known configuration (null on delete).
    pub config: Value,
    /// From the plan.
    pub planned_private: Vec<u8>,
}

/// The new state.
#[derive(Debug, Default)]
pub struct ApplyResponse {
    /// The new state; null after delete. Saved even with errors, so a
    /// partly applied change stays tracked.
    pub new_state: Option<Value>,
    /// Stored with the state.
    pub private: Vec<u8>,
    /// Problems found.
    pub diagnostics: Diagnostics,
}

/// ReadResource (refresh).
#[derive(Debug)]
pub struct ReadRequest {
    /// The state as stored.
    pub current_state: Value,
    /// Private state.
    pub private: Vec<u8>,
}

/// The state as the remote object has it.
#[derive(Debug, Default)]
pub struct ReadResponse {
    /// `None` when the object is gone: Terraform plans to create it.
    pub new_state: Option<Value>,
    /// Private state to keep.
    pub private: Vec<u8>,
    /// Problems and drift warnings.
    pub diagnostics: Diagnostics,
}

/// ImportResourceState.
#[derive(Debug)]
pub struct ImportRequest {
    /// What the user passed to `terraform import` or an `import` block.
    pub id: String,
}

/// A stub state that ReadResource completes.
#[derive(Debug, Default)]
pub struct ImportResponse {
    /// The stub.
    pub state: Option<Value>,
    /// Private state for the following read.
    pub private: Vec<u8>,
    /// Problems found.
    pub diagnostics: Diagnostics,
}

/// A managed resource type.
#[async_trait::async_trait]
pub trait Resource: std::fmt::Debug + Send + Sync {
    /// `driver_<noun>`.
    fn type_name(&self) -> &'static str;
    /// The schema.
    fn schema(&self) -> Schema;
    /// Checks a configuration, which may hold unknowns.
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Plans a create or update.
    fn plan(&self, req: PlanRequest) -> PlanResponse;
    /// Applies a planned change.
    async fn apply(&self, rt: Arc<Runtime>, req: ApplyRequest) -> ApplyResponse;
    /// Reads the remote object.
    async fn read(&self, rt: Arc<Runtime>, req: ReadRequest) -> ReadResponse;
    /// Turns an import id into a stub state.
    fn import(&self, req: ImportRequest) -> ImportResponse;
}

/// A data source type.
#[async_trait::async_trait]
pub trait DataSource: std::fmt::Debug + Send + Sync {
    /// `driver_<noun>`.
    fn type_name(&self) -> &'static str;
    /// The schema.
    fn schema(&self) -> Schema;
    /// Checks a configuration, which may hold unknowns.
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Reads it; the config is wholly known.
    async fn read(&self, rt: Arc<Runtime>, config: Value) -> (Option<Value>, Diagnostics);
}
