//! `driver_http_object`: one object of a REST collection.

mod answer;
mod body;
mod create;
mod delete;
mod identity;
mod import;
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
use super::common::{drift_block, timeouts_block};
use crate::runtime::Runtime;
use crate::{Attribute, Block, Diagnostics, Schema, Type, Value};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_json, to_json};
    use serde_json::json;

    #[test]
    fn write_only_fields_are_stripped_from_responses() {
        let wo = from_json(&json!({"credentials": {"password": "p", "user": "u"}, "token": "t"}));
        let mut ptrs = Vec::new();
        leaf_pointers(&wo, "", &mut ptrs);
        assert_eq!(
            ptrs,
            ["/credentials/password", "/credentials/user", "/token"]
        );
        let resp = from_json(
            &json!({"id": 1, "credentials": {"password": "p", "user": "u", "kind": "x"}, "token": "t"}),
        );
        let cleaned = response::without_pointers(resp, &ptrs);
        assert_eq!(
            to_json(&cleaned).unwrap(),
            json!({"id": 1, "credentials": {"kind": "x"}})
        );
    }
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

    fn plan(&self, req: PlanRequest) -> PlanResponse {
        plan::plan(req)
    }

    async fn create(&self, rt: &Runtime, req: CreateRequest) -> CreateResponse {
        create::create(rt, req).await
    }

    async fn read(&self, rt: &Runtime, req: ReadRequest) -> ReadResponse {
        read::read(rt, req).await
    }

    async fn update(&self, rt: &Runtime, req: UpdateRequest) -> UpdateResponse {
        update::update(rt, req).await
    }

    async fn delete(&self, rt: &Runtime, req: DeleteRequest) -> DeleteResponse {
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
        import::import(req)
    }
}

fn schema() -> Schema {
    Schema {
        version: SCHEMA_VERSION,
        block: Block::new(
            "One object of a REST collection: created with a POST (or PUT) to `path`, then read, \
             updated and deleted at `object_path`. Drift in the fields the configuration manages \
             shows up in `terraform plan`; fields the server adds are not drift.",
            vec![
                Attribute::required("path", Type::String)
                    .describe("Collection path below the provider's endpoint, such as `/flags`; it may carry a query (`/flags?version=2`), sent with every request. Creates go here. Changing it replaces the object."),
                Attribute::required("body", Type::Dynamic).describe(
                    "The object as an HCL value, sent as JSON. Only the fields written here are managed and \
                     compared for drift; a `null` field is not managed.",
                ),
                Attribute::optional("body_wo", Type::Dynamic).write_only().describe(
                    "Secret fields merged into the body sent on create and update (such as a password), \
                     never stored in state and never compared for drift; their values are masked in logs, \
                     the audit log and messages. Write-only: Terraform 1.11 or later. Change \
                     `body_wo_version` to send new values.",
                ),
                Attribute::optional("body_wo_version", Type::String).describe(
                    "Any value; changing it sends `body_wo` again with an update, since Terraform cannot \
                     see changes of write-only values.",
                ),
                Attribute::optional("id_pointer", Type::String).describe(
                    "JSON Pointer (RFC 6901) to the id in the create response. Defaults to `\"/id\"`. \
                     Numbers are turned into strings. Without an id in the body, the last segment of a \
                     `Location` header is used; `\"\"` takes a plain-text answer as the id. An \
                     object whose paths do not use `{id}` (created by `PUT` at a name) has its \
                     path as id.",
                ),
                Attribute::optional("object_path", Type::String).describe(
                    "Path template of the object for reads, updates and deletes (see Templates): \
                     `{id}`, `{path}`, `{body/<pointer>}` and `{response/<pointer>}` are filled \
                     in, each as one path segment; `{+id}` takes an id that is a path or URL \
                     (Azure-style ids, `self` links). Defaults to `\"{path}/{id}\"`; `\"{path}\"` \
                     for an object created by `PUT` at `path`.",
                ),
                Attribute::optional("create_method", Type::String)
                    .describe("`\"POST\"` (default), `\"PUT\"` or `\"PATCH\"`, sent to `path` (`create.method` takes any)."),
                Attribute::optional("update_method", Type::String).describe(
                    "`\"PUT\"` (default) sends the whole body; `\"PATCH\"` sends a JSON merge patch \
                     (RFC 7386) of what changed; `\"POST\"` sends the whole body.",
                ),
                Attribute::optional("headers", Type::map(Type::String))
                    .describe("Headers for this object's requests; they override the provider's headers of the same name, `Accept` and `Content-Type` included (vendor media types). Values are templates."),
                Attribute::optional("content_type", Type::String).describe(
                    "How bodies are sent: `\"application/json\"` (default) or \
                     `\"application/x-www-form-urlencoded\"` (top-level fields as form fields).",
                ),
                Attribute::optional("query", Type::map(Type::String))
                    .describe("Query parameters for this object's requests; values are templates."),
                Attribute::optional("force_new", Type::list(Type::String)).describe(
                    "JSON Pointers into `body` whose change replaces the object instead of updating it, \
                     such as `[\"/name\"]`.",
                ),
                Attribute::optional("consistency_window", Type::String).describe(
                    "For eventually consistent APIs: a 404 within this long after the provider's last write \
                     is retried instead of meaning the object is gone. Defaults to `\"10s\"`.",
                ),
                Attribute::optional("response_fields", Type::list(Type::String)).describe(
                    "JSON Pointers of the fields to keep in `response`, such as `[\"/id\", \"/status/phase\"]`; \
                     by default it keeps everything. Terraform rewrites the state file after every resource, so \
                     large responses slow every plan and apply: keep what you reference.",
                ),
                Attribute::optional("natural_key", Type::list(Type::String)).describe(
                    "JSON Pointers into `body` of the fields the API keeps unique in the collection, \
                     such as `[\"/name\"]`. With it, a create whose outcome is unknown (the connection \
                     broke after the request was sent, the API went down) is never lost or repeated \
                     blindly: the provider looks the object up in the collection (see `list`) and \
                     adopts it. Without it, such an object is kept in state as tainted and cannot be \
                     found again unless the API honours `Idempotency-Key`.",
                ),
                Attribute::optional("adopt_existing", Type::Bool).describe(
                    "With `natural_key`: before creating, look for an object with the same natural key \
                     and adopt it (and update it to the configuration) instead of creating a \
                     duplicate. Costs one listing per create. Defaults to `false`.",
                ),
                Attribute::computed("id", Type::String).describe("The object's id, as the server assigned it."),
                Attribute::computed("response", Type::Dynamic)
                    .describe("The last full representation the server returned, server-added fields included; only the `response_fields` when those are set."),
            ],
            vec![
                drift_block("body"),
                timeouts_block(),
                poll_block(),
                wait_for_block(),
                list_block(),
                operation_block("create", "Creating: by default a `POST` (or `create_method`) to `path`, the object at the top of the answer."),
                operation_block("read", "Reading: by default a `GET` of `object_path`. An answer that is an array of one object (row-filter APIs) is that object; an empty array means gone."),
                operation_block("update", "Updating: by default `update_method` at `object_path`. `PATCH` sends a JSON merge patch of what changed; any other method sends the whole body."),
                operation_block("delete", "Deleting: by default a `DELETE` of `object_path`."),
                gone_when_block(),
            ],
        ),
    }
}

fn poll_block() -> crate::NestedBlock {
    crate::NestedBlock::single(
        "poll",
        Block::new(
            "Long-running operations. When a create, update or delete is answered `202 Accepted`, or \
             its answer's status is `pending`, the provider polls until the status is in `success` \
             (done), or outside `pending` (failed, with the API's message). It polls the URL at \
             `url_pointer` in the answer, else the `Operation-Location` header, else the `Location` \
             header of a 202, else the object itself. Every poll goes through the rate limiter and \
             retries; `Retry-After` sets the pace; polling stops at the operation's timeout or Ctrl-C.",
            vec![
                Attribute::required("status_pointer", Type::String)
                    .describe("JSON Pointer to the status in a poll answer, such as `\"/status\"`."),
                Attribute::required("pending", Type::list(Type::String))
                    .describe("Statuses that mean \"still running\", such as `[\"queued\", \"running\"]`."),
                Attribute::required("success", Type::list(Type::String))
                    .describe("Statuses that mean \"done\", such as `[\"succeeded\"]`. Any other status is a failure."),
                Attribute::optional("url_pointer", Type::String)
                    .describe("JSON Pointer to the status URL in the first answer, such as `\"/operation\"`."),
                Attribute::optional("message_pointer", Type::String).describe(
                    "JSON Pointer to the failure message in a poll answer. Defaults to trying `/error/message`, \
                     `/message` and `/error`.",
                ),
                Attribute::optional("interval", Type::String)
                    .describe("Time between polls when the API sends no `Retry-After`. Defaults to `\"2s\"`."),
            ],
            vec![],
        ),
    )
}

fn operation_block(name: &str, what: &str) -> crate::NestedBlock {
    let mut attrs = vec![
        Attribute::optional("method", Type::String).describe("The HTTP method, such as `\"POST\"`."),
        Attribute::optional("path", Type::String).describe(
            "Path template (see Templates): `{path}`, `{id}`, `{body/<pointer>}` (a body value, \
             such as `{body/name}`) and `{response/<pointer>}` (a value the server returned last) \
             are filled in, each value percent-encoded as one segment; a value that would be `.` \
             or `..` is refused, never sent. A `?` starts query parameters, as in \
             `\"/todos?id=eq.{id}\"`.",
        ),
        Attribute::optional("query", Type::map(Type::String))
            .describe("Query parameters added to the resource's `query`; values are templates, as in `{ id = \"eq.{id}\" }`."),
        Attribute::optional("headers", Type::map(Type::String))
            .describe("Headers added to the resource's `headers` (and replacing them by name); values are templates, as in `{ \"If-Match\" = \"{response/etag}\" }`."),
    ];
    if name != "delete" {
        attrs.push(Attribute::optional("pointer", Type::String).describe(
            "JSON Pointer to the object in the answer, for APIs that wrap it, such as `\"/data\"`.",
        ));
    }
    if name == "create" || name == "update" {
        attrs.push(Attribute::optional("add_to_body", Type::map(Type::String)).describe(
            "Fields set in the sent body: JSON Pointer → template, such as `{ \"/id\" = \"{id}\" }` \
             for APIs that update by sending the object, id included, to the collection, or \
             `{ \"/revision\" = \"{response/revision}\" }` to send back a value the server holds. \
             A template that is one placeholder keeps the value's JSON type.",
        ));
    }
    if name == "delete" {
        attrs.push(
            Attribute::optional("body", Type::Dynamic).describe(
                "A body sent with the delete, as an HCL value; its strings are templates.",
            ),
        );
    }
    crate::NestedBlock::single(name, Block::new(what, attrs, vec![]))
}

fn gone_when_block() -> crate::NestedBlock {
    crate::NestedBlock::single(
        "gone_when",
        Block::new(
            "Soft deletes: an object that still answers but whose value at `pointer` is one of \
             `values` (such as `expired` or `deleted`) counts as gone. After a delete, the provider \
             reads until it is.",
            vec![
                Attribute::required("pointer", Type::String)
                    .describe("JSON Pointer into the object, such as `\"/status/state\"`."),
                Attribute::required("values", Type::list(Type::String))
                    .describe("Values that mean gone, such as `[\"expired\"]`."),
            ],
            vec![],
        ),
    )
}

fn list_block() -> crate::NestedBlock {
    crate::NestedBlock::single(
        "list",
        Block::new(
            "How to list the collection: for finding objects by `natural_key`, and for refreshing \
             every object of the collection from one listing (`refresh_from_listing`). By default \
             the collection is `path` and the items are the answer itself when it is an array, else \
             the first array at `/items`, `/data`, `/results` or `/value`; an item's id is at \
             `id_pointer`.",
            vec![
                Attribute::optional("path", Type::String)
                    .describe("Path of the listing. Defaults to `path`."),
                Attribute::optional("items_pointer", Type::String)
                    .describe("JSON Pointer to the array of items in the listing's answer, such as `\"/data\"`."),
                Attribute::optional("query", Type::map(Type::String))
                    .describe("Query parameters for the listing (filters), instead of the resource's `query`."),
                Attribute::optional("refresh_from_listing", Type::String).describe(
                    "Bulk refresh: every object of this collection refreshed in one run is served \
                     from one listing of all its pages, fetched once and shared, instead of one \
                     read per object. `\"full\"`: listed items are whole objects, compared for drift \
                     as listed (API requests per plan: the number of pages). `\"deletions\"`: the \
                     listing holds summaries; it shows which objects were deleted, and the others \
                     are still read one by one. `\"none\"` (default): one read per object. An object \
                     missing from a complete listing is gone; when the listing fails or is \
                     incomplete, each object is read on its own.",
                ),
            ],
            vec![crate::listing::pagination_block()],
        ),
    )
}

fn wait_for_block() -> crate::NestedBlock {
    crate::NestedBlock::single(
        "wait_for",
        Block::new(
            "A readiness condition a create or update must reach before it counts as done, so \
             dependent resources start only when the object is usable. The object is read (every \
             `poll.interval`, or 2 s) until the value at `pointer` is one of `values`.",
            vec![
                Attribute::required("pointer", Type::String)
                    .describe("JSON Pointer into the object, such as `\"/state\"`."),
                Attribute::required("values", Type::list(Type::String))
                    .describe("Values that mean ready, such as `[\"ready\"]`."),
            ],
            vec![],
        ),
    )
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
}

/// The managed body of a state (or plan) as JSON.
fn body_json(state: &Value) -> serde_json::Value {
    state
        .get("body")
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
    let client = rt.http()?;
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
        .get("response")
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
    prior_state.get("body_wo_version") != next.get("body_wo_version")
}

/// The pointers of the fields a write-only value sets (leaves; a list is
/// one leaf).
fn leaf_pointers(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) | Value::Map(_, m) if !m.is_empty() => {
            for (k, x) in m {
                leaf_pointers(x, &format!("{at}/{}", crate::json::escape(k)), out);
            }
        }
        Value::Null(_) => {}
        _ if !at.is_empty() => out.push(at.to_owned()),
        _ => {}
    }
}
