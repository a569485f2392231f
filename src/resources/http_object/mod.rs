//! `driver_http_object`: one object of a REST collection.

mod answer;
mod args;
mod body;
mod create;
mod delete;
mod identity;
mod import;

pub(crate) use identity::identity;
pub(crate) use import::listed_state;
pub(crate) use response::only_pointers;
mod lookup;
mod operations;
mod plan;
mod read;
mod response;
mod settings;
mod update;
mod wait;

use super::super::resource::{
    CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, Identity, IdentitySchema,
    ImportRequest, ImportResponse, ImportState, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource, UpdateRequest, UpdateResponse, UpgradeState,
};
use crate::http_client::HttpClient;
use crate::resources::kept_answer::{gather, place};
use crate::runtime::Runtime;
use crate::{Diagnostics, Schema, Value};
use args::HttpObjectArgs;
use framework::settings::Settings as _;

/// The resource type.
#[derive(Debug, Default)]
pub struct HttpObject;

/// The type name, for records.
const TYPE: &str = "driver_http_object";

/// Current schema version; a change to the stored shape bumps it and adds
/// a single-step upgrader.
///
/// - 0: the first release.
/// - 1: the operation blocks (`create`, `read`, `update`, `delete`),
///   `gone_when`, `list`, `content_type`, `natural_key`, `adopt_existing`.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// The id of an object whose create had an unknown outcome: this, then the
/// `Idempotency-Key` the create was sent with (see `create::replay`).
const PENDING_ID: &str = "pending-create:";

/// The idempotency key of a pending create in `state`: its id carries it,
/// and it has no answer (an object whose server-given id merely starts
/// like this has one, or at least is not taken for a pending create
/// without it being null).
fn pending_key(state: &Value) -> Option<&str> {
    let answered = state
        .get(args::KeptAnswer::RESPONSE)
        .is_some_and(|r| !r.is_null());
    state
        .get(args::HttpObjectArgs::ID)
        .and_then(Value::as_str)
        .and_then(|id| id.strip_prefix(PENDING_ID))
        .filter(|_| !answered)
}

#[async_trait::async_trait]
impl Resource<Runtime> for HttpObject {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let _ = settings::parse(config, &mut d);
        d
    }

    // Every state given goes through `kept_answer::gather` and every state
    // and plan returned through `kept_answer::place`: the code between
    // works on `response` alone, and a sensitive answer moves.
    fn plan(&self, mut req: PlanRequest) -> PlanResponse {
        req.prior_state = gather(req.prior_state);
        req.proposed_new_state = gather(req.proposed_new_state);
        let mut r = plan::plan(req);
        r.planned_state = r.planned_state.map(place);
        r
    }

    async fn create(&self, rt: &Runtime, mut req: CreateRequest) -> CreateResponse {
        req.planned_state = gather(req.planned_state);
        let mut r = create::create(rt, req).await;
        r.new_state = r.new_state.map(place);
        r
    }

    async fn read(&self, rt: &Runtime, mut req: ReadRequest) -> ReadResponse {
        req.current_state = gather(req.current_state);
        let mut r = read::read(rt, req).await;
        r.new_state = r.new_state.map(place);
        r
    }

    async fn update(&self, rt: &Runtime, mut req: UpdateRequest) -> UpdateResponse {
        req.prior_state = gather(req.prior_state);
        req.planned_state = gather(req.planned_state);
        let mut r = update::update(rt, req).await;
        r.new_state = r.new_state.map(place);
        r
    }

    async fn delete(&self, rt: &Runtime, mut req: DeleteRequest) -> DeleteResponse {
        req.prior_state = gather(req.prior_state);
        delete::delete(rt, req).await
    }

    fn importer(&self) -> Option<&dyn ImportState> {
        Some(self)
    }

    fn upgrader(&self) -> Option<&dyn UpgradeState> {
        Some(self)
    }

    fn identity(&self) -> Option<&dyn Identity> {
        Some(self)
    }
}

impl UpgradeState for HttpObject {
    fn upgrade(&self, from: i64, state: serde_json::Value) -> Result<serde_json::Value, String> {
        match from {
            // Only additions: the new arguments are null, which keeps every
            // behaviour of version 0.
            0 => match state {
                serde_json::Value::Object(_) => Ok(state),
                _ => Err("the stored state is not an object".into()),
            },
            other => Err(format!("unknown schema version {other}")),
        }
    }
}

impl Identity for HttpObject {
    fn identity_schema(&self) -> IdentitySchema {
        identity::schema()
    }

    fn identity_of(&self, state: &Value) -> Option<Value> {
        identity::of(state)
    }

    fn import_id(&self, identity: &Value) -> Result<String, String> {
        identity::import_id(identity)
    }
}

impl ImportState for HttpObject {
    fn import(&self, req: ImportRequest) -> ImportResponse {
        let mut r = import::import(req);
        r.state = r.state.map(place);
        r
    }
}

fn schema() -> Schema {
    let mut block = args::HttpObjectArgs::block(None);
    block
        .attributes
        .push(crate::resources::kept_answer::sensitive_attribute());
    Schema {
        version: SCHEMA_VERSION,
        block,
    }
}

/// Private state: remembered between RPCs, never shown.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize, PartialEq)]
struct Private {
    /// Set by import until the first read: which body fields to manage
    /// (`None` = every field the server returns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    import: Option<ImportMarker>,
    /// Set when a create is planned: sent as `Idempotency-Key`, the same on
    /// every retry of that create, so the API can drop duplicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<String>,
    /// Where `body_wo` put fields (JSON Pointers, never values): removed
    /// from `response`, which would otherwise store the API's echo of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    write_only_pointers: Vec<String>,
    /// When the provider last wrote the object (Unix milliseconds): a 404
    /// within `consistency_window` of it is not "gone".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_write_ms: Option<u64>,
    /// Set when a create's outcome is unknown: the object may exist, but
    /// its id is not known. Refresh looks it up by `natural_key`; delete
    /// deletes what it finds.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pending: bool,
    /// How the server spelled managed fields right after the last write,
    /// where it differs from the configuration (see `drift::Spelling`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    spelling: crate::drift::Spelling,
    /// Set by a create until the object has once been read at its own
    /// path: until then a 404 there means "the path is wrong"
    /// (`object_path`, `id_pointer`) far more often than "deleted", so
    /// refresh keeps the object and a delete does not take 404 as done.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    unconfirmed: bool,
    /// Elements the server added to `drift.unordered` lists in its answer
    /// to the last write (see `drift::Added`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    added: crate::drift::Added,
}

/// The managed body of a state (or plan) as JSON.
fn body_json(state: &Value) -> serde_json::Value {
    state
        .get(HttpObjectArgs::BODY)
        .and_then(|b| crate::json::to_json(b).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// The request of operation `op` for the object `values` describe, or a
/// diagnostic on the block that made it impossible (a value refused in a
/// path or header is never sent).
fn request_for<'a>(
    rt: &'a Runtime,
    op: &operations::Op,
    mut values: crate::template::Values<'a>,
    payload: drivers::http::Body,
) -> Result<drivers::http::HttpRequest, Diagnostics> {
    let client = rt.client::<HttpClient>()?;
    values.base = Some(client.base_url());
    op.request(&values, payload).map_err(|e| {
        let mut d = Diagnostics::new();
        d.attribute_error(
            crate::AttributePath::root(&op.operation.to_string()),
            format!("Cannot build the {} request", op.operation),
            rt.scrub(&format!(
                "{e}. Nothing was sent. Check the {} block's templates (or object_path and \
                 id_pointer), and what the server answered.",
                op.operation
            )),
        );
        d
    })
}

/// What the server returned last for the object in `state` (`response`),
/// for `{response/…}` placeholders.
fn last_response(state: &Value) -> Option<serde_json::Value> {
    state
        .get(args::KeptAnswer::RESPONSE)
        .filter(|r| !r.is_null())
        .and_then(|r| crate::json::to_json(r).ok())
}

/// Whether `object` meets `gone_when`: a soft-deleted object.
fn soft_deleted(s: &settings::Settings, object: &serde_json::Value) -> bool {
    s.gone_when.as_ref().is_some_and(|g| {
        g.pointer
            .get(object)
            .and_then(|v| match v {
                serde_json::Value::String(t) => Some(t.clone()),
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) => Some(v.to_string()),
                _ => None,
            })
            .is_some_and(|v| g.values.contains(&v))
    })
}

/// Now, in Unix milliseconds.
pub(super) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize, PartialEq)]
struct ImportMarker {
    /// Names or JSON Pointers of the body fields to manage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<String>>,
    /// Or the shape of the managed body (an object naming its fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    template: Option<serde_json::Value>,
}

/// A fresh idempotency key (UUID-shaped, random).
fn new_idempotency_key() -> String {
    let (a, b) = (fastrand::u64(..), fastrand::u64(..));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

impl Private {
    fn decode(bytes: &[u8]) -> Private {
        serde_json::from_slice(bytes).unwrap_or_default()
    }
    fn encode(&self) -> Vec<u8> {
        if *self == Private::default() {
            Vec::new()
        } else {
            // Plain fields: serializing cannot fail.
            serde_json::to_vec(self).unwrap_or_default()
        }
    }
}

/// Whether `body_wo_version` changed, which asks for `body_wo` to be sent
/// again (`next`: the configuration when planning, the plan when applying).
fn wo_version_changed(prior_state: &Value, next: &Value) -> bool {
    prior_state.get(HttpObjectArgs::BODY_WO_VERSION) != next.get(HttpObjectArgs::BODY_WO_VERSION)
}

#[cfg(test)]
mod pending_tests {
    use super::*;
    use crate::Type;

    fn state(id: &str, response: Value) -> Value {
        Value::object([
            (args::HttpObjectArgs::ID, Value::string(id)),
            (args::KeptAnswer::RESPONSE, response),
        ])
    }

    #[test]
    fn only_an_unanswered_object_with_the_prefix_is_a_pending_create() {
        let null = Value::Null(Type::Dynamic);
        assert_eq!(
            pending_key(&state("pending-create:k-1", null.clone())),
            Some("k-1")
        );
        // A server that names an object like that does not make it one.
        let answered = Value::object([("id", Value::string("pending-create:x"))]);
        assert_eq!(pending_key(&state("pending-create:x", answered)), None);
        assert_eq!(pending_key(&state("42", null)), None);
    }
}
