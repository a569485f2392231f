//! The lifecycle every managed resource type implements, with one request
//! and response pair per RPC. Responses carry diagnostics instead of
//! failing; the framework (`Provider`) does the bookkeeping around them.

use crate::{AttributePath, Diagnostics, Schema, Type, Value};

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

/// ApplyResourceChange as Terraform sends it: the framework turns it into
/// a create (prior null), an update, or a delete (planned null).
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

/// The new state, for Terraform.
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

/// Create: the planned state of an object that does not exist yet.
#[derive(Debug)]
pub struct CreateRequest {
    /// What plan said the state will be, with unknowns for what the create
    /// decides.
    pub planned_state: Value,
    /// The wholly known configuration.
    pub config: Value,
    /// Private state from the plan.
    pub planned_private: Vec<u8>,
}

/// The created object's state.
#[derive(Debug, Default)]
pub struct CreateResponse {
    /// The new state. With errors, `Some` keeps an object that was (or may
    /// have been) created tracked, and Terraform marks it tainted; `None`
    /// says nothing was created.
    pub new_state: Option<Value>,
    /// Stored with the state.
    pub private: Vec<u8>,
    /// Problems found.
    pub diagnostics: Diagnostics,
}

/// Update: an existing object changes in place.
#[derive(Debug)]
pub struct UpdateRequest {
    /// The state before.
    pub prior_state: Value,
    /// What plan said the state will be.
    pub planned_state: Value,
    /// The wholly known configuration.
    pub config: Value,
    /// Private state from the plan.
    pub planned_private: Vec<u8>,
}

/// The updated object's state.
#[derive(Debug, Default)]
pub struct UpdateResponse {
    /// The new state. With errors, `None` keeps the prior state (the
    /// framework does it).
    pub new_state: Option<Value>,
    /// Stored with the state; `None` keeps the planned private state.
    pub private: Option<Vec<u8>>,
    /// Problems found.
    pub diagnostics: Diagnostics,
}

/// Delete: the object goes away.
#[derive(Debug)]
pub struct DeleteRequest {
    /// The state before; it holds every argument (there is no
    /// configuration when destroying).
    pub prior_state: Value,
    /// Private state.
    pub private: Vec<u8>,
}

/// How the delete went: no errors means the object is gone, and the
/// framework removes it from state; errors keep the prior state.
#[derive(Debug, Default)]
pub struct DeleteResponse {
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
    /// The refreshed state. Without errors, `None` means the object is gone
    /// (Terraform plans to create it); with errors, `None` keeps the stored
    /// state (the framework does it).
    pub new_state: Option<Value>,
    /// Private state to keep; `None` keeps the stored one.
    pub private: Option<Vec<u8>>,
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

/// A managed resource type, acting through the provider's runtime `R`
/// (what ConfigureProvider built): the lifecycle, and nothing else. The
/// framework ([`crate::Server`]) decides which of create, update and delete a change
/// is, keeps the prior state when one fails, and removes the state after a
/// delete; optional capabilities such as import are separate traits.
#[async_trait::async_trait]
pub trait Resource<R>: std::fmt::Debug + Send + Sync {
    /// `driver_<noun>`.
    fn type_name(&self) -> &'static str;
    /// The schema.
    fn schema(&self) -> Schema;
    /// Checks a configuration, which may hold unknowns.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Plans a create or update: unknowns for what apply decides, and
    /// which changes force replacement.
    fn plan(&self, req: PlanRequest) -> PlanResponse;
    /// Creates the object.
    async fn create(&self, rt: &R, req: CreateRequest) -> CreateResponse;
    /// Reads the remote object.
    async fn read(&self, rt: &R, req: ReadRequest) -> ReadResponse;
    /// Changes the object in place.
    async fn update(&self, rt: &R, req: UpdateRequest) -> UpdateResponse;
    /// Deletes the object.
    async fn delete(&self, rt: &R, req: DeleteRequest) -> DeleteResponse;
    /// Import, if the type supports it.
    fn importer(&self) -> Option<&dyn ImportState> {
        None
    }
    /// State upgrades, for a type whose schema version is above 0.
    fn upgrader(&self) -> Option<&dyn UpgradeState> {
        None
    }
    /// Resource identity, if the type has one.
    fn identity(&self) -> Option<&dyn Identity> {
        None
    }
}

/// One attribute of a resource identity.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityAttribute {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// Whether an `import` block's `identity` must set it.
    pub required_for_import: bool,
    /// What it is.
    pub description: &'static str,
}

/// A resource identity's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentitySchema {
    /// Its version (upgrades work like state upgrades).
    pub version: i64,
    /// Its attributes.
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    /// The identity's value type.
    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.to_owned(), a.ty.clone()))
                .collect(),
        )
    }

    /// As `terraform providers schema -json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        let attributes: serde_json::Map<String, serde_json::Value> = self
            .attributes
            .iter()
            .map(|a| {
                let mut m = serde_json::Map::new();
                m.insert("type".into(), a.ty.to_json());
                m.insert("description".into(), a.description.into());
                if a.required_for_import {
                    m.insert("required_for_import".into(), true.into());
                } else {
                    m.insert("optional_for_import".into(), true.into());
                }
                (a.name.to_owned(), serde_json::Value::Object(m))
            })
            .collect();
        serde_json::json!({"version": self.version, "attributes": attributes})
    }
}

/// The resource identity capability (Terraform 1.12+): a small object that
/// names the remote object, kept by Terraform beside the state; `import`
/// blocks may give it instead of an id.
pub trait Identity: Send + Sync {
    /// The schema.
    fn identity_schema(&self) -> IdentitySchema;
    /// The identity of the object a state holds; `None` while it is not
    /// known (a create whose outcome is not yet known). It never changes
    /// once known.
    fn identity_of(&self, state: &Value) -> Option<Value>;
    /// The import id an identity stands for.
    fn import_id(&self, identity: &Value) -> Result<String, String>;
}

/// The state-upgrade capability: stored state of an earlier schema version
/// becomes the next version's, one step at a time.
pub trait UpgradeState: Send + Sync {
    /// Stored JSON of schema version `from` as version `from + 1`.
    fn upgrade(&self, from: i64, state: serde_json::Value) -> Result<serde_json::Value, String>;
}

/// The import capability: `terraform import` and `import` blocks.
pub trait ImportState: Send + Sync {
    /// Turns an import id into a stub state that ReadResource completes.
    fn import(&self, req: ImportRequest) -> ImportResponse;
}

/// A data source type.
#[async_trait::async_trait]
pub trait DataSource<R>: std::fmt::Debug + Send + Sync {
    /// `driver_<noun>`.
    fn type_name(&self) -> &'static str;
    /// The schema.
    fn schema(&self) -> Schema;
    /// Checks a configuration, which may hold unknowns.
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Reads it; the config is wholly known.
    async fn read(&self, rt: &R, config: Value) -> (Option<Value>, Diagnostics);
}
