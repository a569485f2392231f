//! The arguments of `driver_http_object`, declared once: the schema, the
//! descriptions, the defaults and the checks of each value come from these
//! structs. `settings.rs` turns them into what the operations run with.

use std::time::Duration;

use framework::settings::{Choice, FieldPointer, Setting, Settings};

use crate::listing::PaginationBlock;
use crate::pointer::Pointer;
use crate::resources::common::{CollectionPath, DriftBlock, TimeoutsBlock};
pub(super) use crate::resources::kept_answer::KeptAnswer;
use crate::resources::precheck::PrecheckBlock;
use crate::template::{
    BodyFields, BodyTemplate, HeaderTemplates, PathTemplate, QueryTemplates, TextTemplate,
};
use crate::{AttributePath, Diagnostics, Type, Value};
use drivers::http::Method;

/// One object of a REST collection: created with a POST (or PUT) to
/// `path`, then read, updated and deleted at `object_path`. Drift in the
/// fields the configuration manages shows up in `terraform plan`; fields
/// the server adds are not drift.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = HttpObjectArgs::check)]
pub(super) struct HttpObjectArgs {
    /// Collection path below the provider's endpoint, such as `/flags`
    /// (`flags` is the same path); it may carry a query
    /// (`/flags?version=2`), sent with every request.
    /// Creates go here. Changing it replaces the object.
    pub(super) path: CollectionPath,
    /// The object as an HCL value, sent as JSON. Only the fields written here
    /// are managed and compared for drift; a `null` field is not managed.
    pub(super) body: Value,
    /// Secret fields merged into the body sent on create and update (such as
    /// a password), never stored in state and never compared for drift;
    /// their values are masked in logs, the audit log and messages.
    /// Write-only: Terraform 1.11 or later. Change `body_wo_version` to send
    /// new values.
    #[setting(write_only)]
    pub(super) body_wo: Option<Value>,
    /// Any value; changing it sends `body_wo` again with an update, since
    /// Terraform cannot see changes of write-only values.
    pub(super) body_wo_version: Option<String>,
    /// JSON Pointer (RFC 6901) to the id in the create response. Numbers are
    /// turned into strings. Without an id in the body, the last segment of a
    /// `Location` header is used; `""` takes a plain-text answer as the id.
    /// An object whose paths do not use `{id}` (created by `PUT` at a name)
    /// has its path as id.
    #[setting(default = "/id")]
    pub(super) id_pointer: Pointer,
    /// Path template of the object for reads, updates and deletes (see
    /// Templates): `{id}`, `{path}`, `{body/<pointer>}` and
    /// `{response/<pointer>}` are filled in, each as one path segment;
    /// `{+id}` takes an id that is a path or URL (Azure-style ids, `self`
    /// links). Defaults to `"{path}/{id}"`; `"{path}"` for an object created
    /// by `PUT` at `path`.
    pub(super) object_path: Option<PathTemplate>,
    /// `"POST"` (default), `"PUT"` or `"PATCH"`, sent to `path`
    /// (`create.method` takes any).
    pub(super) create_method: Option<CreateMethod>,
    /// `"PUT"` (default) sends the whole body; `"PATCH"` sends a JSON merge
    /// patch (RFC 7386) of what changed; `"POST"` sends the whole body.
    pub(super) update_method: Option<UpdateMethod>,
    /// Headers for this object's requests; they override the provider's
    /// headers of the same name, `Accept` and `Content-Type` included (vendor
    /// media types). Values are templates.
    pub(super) headers: Option<HeaderTemplates>,
    /// How bodies are sent: `"application/json"`, a JSON media type such as
    /// `"application/vnd.api+json"` (also sent as `Accept`; headers of the
    /// same name override it), or `"application/x-www-form-urlencoded"`
    /// (fields as form fields; nested ones in bracket notation,
    /// `metadata[tier]=gold`, `tags[0]=a`).
    #[setting(default = "application/json")]
    pub(super) content_type: ContentType,
    /// Query parameters for this object's requests; values are templates.
    pub(super) query: Option<QueryTemplates>,
    /// JSON Pointers into `body` whose change replaces the object instead of
    /// updating it, such as `["/name"]`.
    pub(super) force_new: Option<Vec<FieldPointer>>,
    /// A key (a template of `{path}` and `{body/…}`, or text) for APIs that
    /// refuse overlapping writes under one parent (Azure's `409
    /// AnotherOperationInProgress`): creates, updates and deletes of
    /// objects with the same key run one at a time in this provider
    /// process, such as `"{path}"` for the children of one collection.
    pub(super) write_lock: Option<TextTemplate>,
    /// For eventually consistent APIs: a 404 within this long after the
    /// provider's last write is retried instead of meaning the object is
    /// gone.
    #[setting(default = "10s")]
    pub(super) consistency_window: Duration,
    /// JSON Pointers of the fields to keep in `response`, such as
    /// `["/id", "/status/phase"]`; by default it keeps everything. Terraform
    /// rewrites the state file after every resource, so large responses slow
    /// every plan and apply: keep what you reference.
    pub(super) response_fields: Option<Vec<FieldPointer>>,
    /// JSON Pointers into `body` of the fields the API keeps unique in the
    /// collection, such as `["/name"]`. With it, a create whose outcome is
    /// unknown (the connection broke after the request was sent, the API
    /// went down) is never lost or repeated blindly: the provider looks the
    /// object up in the collection (see `list`) and adopts it. Without it,
    /// such an object is kept in state as tainted and cannot be found again
    /// unless the API honours `Idempotency-Key`.
    pub(super) natural_key: Option<Vec<FieldPointer>>,
    /// With `natural_key`: before creating, look for an object with the same
    /// natural key and adopt it (and update it to the configuration) instead
    /// of creating a duplicate. Costs one listing per create.
    #[setting(default = false)]
    pub(super) adopt_existing: bool,
    /// The object's id, as the server assigned it.
    #[setting(computed)]
    pub(super) id: Option<String>,
    #[setting(flatten)]
    pub(super) kept: crate::resources::kept_answer::KeptAnswer,
    #[setting(block)]
    pub(super) drift: Option<DriftBlock>,
    #[setting(block)]
    pub(super) timeouts: Option<TimeoutsBlock>,
    #[setting(block)]
    pub(super) poll: Option<PollBlock>,
    #[setting(block)]
    pub(super) wait_for: Option<WaitForBlock>,
    #[setting(block)]
    pub(super) list: Option<ListBlock>,
    /// Creating: by default a `POST` (or `create_method`) to `path`, the
    /// object at the top of the answer.
    #[setting(block)]
    pub(super) create: Option<WriteOperation>,
    /// Reading: by default a `GET` of `object_path`. An answer that is an
    /// array of one object (row-filter APIs) is that object; an empty array
    /// means gone.
    #[setting(block)]
    pub(super) read: Option<ReadOperation>,
    /// Updating: by default `update_method` at `object_path`. `PATCH` sends a
    /// JSON merge patch of what changed; any other method sends the whole
    /// body.
    #[setting(block)]
    pub(super) update: Option<WriteOperation>,
    /// Deleting: by default a `DELETE` of `object_path`.
    #[setting(block)]
    pub(super) delete: Option<DeleteOperation>,
    #[setting(block)]
    pub(super) gone_when: Option<GoneWhenBlock>,
}

impl HttpObjectArgs {
    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        type A = HttpObjectArgs;
        let legacy = [
            (
                A::CREATE_METHOD,
                A::CREATE,
                OperationArgs::METHOD,
                self.create_method.is_some(),
                {
                    self.create
                        .as_ref()
                        .is_some_and(|c| c.operation.method.is_some())
                },
            ),
            (
                A::UPDATE_METHOD,
                A::UPDATE,
                OperationArgs::METHOD,
                self.update_method.is_some(),
                {
                    self.update
                        .as_ref()
                        .is_some_and(|c| c.operation.method.is_some())
                },
            ),
            (
                A::OBJECT_PATH,
                A::READ,
                OperationArgs::PATH,
                self.object_path.is_some(),
                {
                    self.read
                        .as_ref()
                        .is_some_and(|c| c.operation.path.is_some())
                },
            ),
        ];
        for (old, block, what, old_set, new_set) in legacy {
            if old_set && new_set {
                d.attribute_error(
                    at.attr(old),
                    format!("{old} and {block}.{what} both set"),
                    format!("Set one of them: {block}.{what} is the newer way to say {old}."),
                );
            }
        }
        self.check_body(at, d);
        if let Some(t) = &self.write_lock
            && (t.0.uses_id() || t.0.uses_response())
        {
            d.attribute_error(
                at.attr(Self::WRITE_LOCK),
                "{id} or {response/…} in write_lock",
                "A create takes the lock before the object has an id or an answer: build the \
                 key from {path}, {body/…} or text, such as \"{path}\".",
            );
        }
        if self.create.as_ref().is_some_and(|c| c.returns_new_id) {
            d.attribute_error(
                at.attr(HttpObjectArgs::CREATE)
                    .attr(WriteOperation::RETURNS_NEW_ID),
                "returns_new_id in create",
                "A create always takes its id from the answer: set returns_new_id in the update \
                 block.",
            );
        }
        if self.adopt_existing && self.natural_key.as_ref().is_none_or(Vec::is_empty) {
            d.attribute_error(
                at.attr(HttpObjectArgs::ADOPT_EXISTING),
                "adopt_existing needs natural_key",
                "An existing object is found by its natural key: set natural_key to the JSON \
                 Pointers of the fields the API keeps unique, such as [\"/name\"].",
            );
        }
    }
}

impl HttpObjectArgs {
    /// A body written with `jsonencode` (a string holding JSON) would be
    /// sent as one JSON string; a field set in both `body` and `body_wo`
    /// would silently take the write-only value. Both are refused.
    fn check_body(&self, at: &AttributePath, d: &mut Diagnostics) {
        if self.content_type == ContentType::Form
            && let Value::Object(m) = &self.body
            && let Some(k) = m.keys().find(|k| k.contains('['))
        {
            d.attribute_warning(
                at.attr(Self::BODY),
                "A form field written in bracket notation",
                format!(
                    "{k:?} is sent as written, but the API answers it nested, so its drift \
                     cannot be seen. Write it nested (metadata = {{ tier = \"gold\" }} is sent as \
                     metadata[tier]=gold)."
                ),
            );
        }
        if let Value::String(text) = &self.body
            && serde_json::from_str::<serde_json::Value>(text)
                .is_ok_and(|j| j.is_object() || j.is_array())
        {
            d.attribute_error(
                at.attr(Self::BODY),
                "body is a JSON string",
                "body holds JSON text, so it would be sent as one JSON string, not as the \
                 object. Write the value in HCL instead of jsonencode(...): body = { name = \"a\" } \
                 (or body = jsondecode(...) for text from a file).",
            );
        }
        if let Some(wo) = &self.body_wo
            && let Some(both) = crate::resources::write_only::both_set(&self.body, wo)
        {
            // Terraform shows the attribute; the detail names the field.
            let shown = both.join(".");
            d.attribute_error(
                at.attr(Self::BODY_WO),
                "A field in both body and body_wo",
                format!(
                    "body.{shown} and body_wo.{shown} are both set; body_wo's value would be \
                     sent and body's never. Set the field in one of them: secrets in body_wo, \
                     everything else in body."
                ),
            );
        }
    }
}

/// `create_method`: POST, PUT or PATCH, in any case.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CreateMethod(pub(super) Method);

impl Setting for CreateMethod {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        match text.to_ascii_uppercase().as_str() {
            "POST" => Some(CreateMethod(Method::POST)),
            "PUT" => Some(CreateMethod(Method::PUT)),
            "PATCH" => Some(CreateMethod(Method::PATCH)),
            _ => {
                d.attribute_error(
                    at.clone(),
                    "Invalid create_method",
                    format!(
                        "{text:?} is not supported; use \"POST\", \"PUT\" or \"PATCH\" (or any \
                         method in the create block)."
                    ),
                );
                None
            }
        }
    }
}

/// `update_method`: PUT, PATCH or POST, in any case.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct UpdateMethod(pub(super) Method);

impl Setting for UpdateMethod {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        match text.to_ascii_uppercase().as_str() {
            "PUT" => Some(UpdateMethod(Method::PUT)),
            "PATCH" => Some(UpdateMethod(Method::PATCH)),
            "POST" => Some(UpdateMethod(Method::POST)),
            _ => {
                d.attribute_error(
                    at.clone(),
                    "Invalid update_method",
                    format!(
                        "{text:?} is not supported; use \"PUT\" (the full body), \"PATCH\" (a \
                         JSON merge patch) or \"POST\" (the full body)."
                    ),
                );
                None
            }
        }
    }
}

/// How bodies are encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ContentType {
    /// JSON, as this media type: `application/json` or an
    /// `application/…+json` type (`application/vnd.api+json`).
    Json(String),
    /// Top-level fields as form fields.
    Form,
}

impl ContentType {
    /// A JSON media type other than `application/json`: sent as the
    /// `Content-Type` and `Accept` of the object's requests.
    pub(super) fn vendor_json(&self) -> Option<&str> {
        match self {
            ContentType::Json(t) if t != "application/json" => Some(t),
            _ => None,
        }
    }
}

impl Setting for ContentType {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        let media = text.trim().to_ascii_lowercase();
        let json_suffix = media
            .strip_prefix("application/")
            .and_then(|t| t.strip_suffix("+json"))
            .is_some_and(|t| {
                !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            });
        match media.as_str() {
            "application/x-www-form-urlencoded" => Some(ContentType::Form),
            "application/json" => Some(ContentType::Json(media)),
            _ if json_suffix => Some(ContentType::Json(media)),
            _ => {
                d.attribute_error(
                    at.clone(),
                    "Invalid content_type",
                    format!(
                        "{text:?} is not a body encoding the provider writes. Use \
                         \"application/json\", a JSON media type such as \
                         \"application/vnd.api+json\", or \"application/x-www-form-urlencoded\"."
                    ),
                );
                None
            }
        }
    }
}

/// What every operation block says: how the request is made.
#[derive(Debug, Clone, PartialEq, Default, Settings)]
pub(super) struct OperationArgs {
    /// The HTTP method, such as `"POST"`.
    pub(super) method: Option<crate::config::values::HttpMethod>,
    /// Path template (see Templates): `{path}`, `{id}`, `{body/<pointer>}` (a
    /// body value, such as `{body/name}`) and `{response/<pointer>}` (a value
    /// the server returned last) are filled in, each value percent-encoded as
    /// one segment; a value that would be `.` or `..` is refused, never
    /// sent. A `?` starts query parameters, as in `"/todos?id=eq.{id}"`.
    pub(super) path: Option<PathTemplate>,
    /// Query parameters added to the resource's `query`; values are
    /// templates, as in `{ id = "eq.{id}" }`.
    pub(super) query: Option<QueryTemplates>,
    /// Headers added to the resource's `headers` (and replacing them by
    /// name); values are templates, as in
    /// `{ "If-Match" = "{response/etag}" }`.
    pub(super) headers: Option<HeaderTemplates>,
}

/// A create or an update.
#[derive(Debug, Clone, PartialEq, Default, Settings)]
pub(super) struct WriteOperation {
    #[setting(flatten)]
    pub(super) operation: OperationArgs,
    /// JSON Pointer to the object in the answer, for APIs that wrap it, such
    /// as `"/data"`.
    pub(super) pointer: Option<Pointer>,
    /// The body this write sends instead of `body`, as an HCL value whose
    /// strings are templates (restful's whole-body `update_body_patches`),
    /// such as `{ op = "set", value = "{body/name}" }`. It is sent as it is
    /// (an update by PATCH too, not as a merge patch); `add_to_body` and
    /// `remove_from_body` apply to it, `body_wo` is merged in. `body` stays
    /// what is managed and compared for drift.
    pub(super) body: Option<BodyTemplate>,
    /// Fields set in the sent body: JSON Pointer → template, such as
    /// `{ "/id" = "{id}" }` for APIs that update by sending the object, id
    /// included, to the collection, or
    /// `{ "/revision" = "{response/revision}" }` to send back a value the
    /// server holds. A template that is one placeholder keeps the value's
    /// JSON type.
    pub(super) add_to_body: Option<BodyFields>,
    /// Fields left out of the sent body, as JSON Pointers, such as
    /// `["/status"]` for a field the API refuses in a write (restful's
    /// `update_body_patches` with `removed`). Applied after `add_to_body`;
    /// the field is still managed and compared for drift.
    pub(super) remove_from_body: Option<Vec<FieldPointer>>,
    /// A condition to wait for before this write is sent.
    #[setting(block)]
    pub(super) precheck: Option<PrecheckBlock>,
    /// In `update`: the API answers an update with the object under a new
    /// id (versioned objects, replace-on-write, Alertmanager's silences),
    /// at `id_pointer` in its answer. The id is then planned unknown on
    /// every update, which dependents see. Without it, an update answered
    /// with a new id still keeps the new id in state (nothing is
    /// orphaned), with an error that says so.
    #[setting(default = false)]
    pub(super) returns_new_id: bool,
}

/// A read.
#[derive(Debug, Clone, PartialEq, Default, Settings)]
#[settings(check = ReadOperation::check)]
pub(super) struct ReadOperation {
    #[setting(flatten)]
    pub(super) operation: OperationArgs,
    /// JSON Pointer to the object in the answer, for APIs that wrap it, such
    /// as `"/data"`; with `search`, to the list the object is found in. An
    /// answer that is an object without it means the object is gone (an
    /// RPC-style read that answers `{}` rather than 404).
    pub(super) pointer: Option<Pointer>,
    /// A JSON body the read sends, as an HCL value whose strings are
    /// templates, for APIs that read with a POST (etcd's
    /// `{ key = "{id}" }` to `/v3/kv/range`, search endpoints, RPC
    /// gateways).
    pub(super) body: Option<BodyTemplate>,
    /// Finds the object in a list (APIs that cannot read one object,
    /// restapi's `read_search`, restful's `read_selector`): the answer is a
    /// list of objects (at `pointer`, or found as listings are), and the
    /// object is the one whose fields at these JSON Pointers have these
    /// values (templates): `{ "/id" = "{id}" }`, `{ "/name" = "{body/name}" }`.
    /// No match means the object is gone; several are an error.
    pub(super) search: Option<BodyFields>,
    /// An RFC 6902 JSON Patch applied to the object a read found, before it
    /// is compared and stored (restapi's `search_patch`), such as
    /// `[{ op = "remove", path = "/metadata" }]`.
    pub(super) patch: Option<ReadPatch>,
    /// Where the read's answer sits in the object `body` describes, for APIs
    /// that answer a part of what they were sent (restful's
    /// `read_response_template`): with `"/properties"`, an answer `[…]` is
    /// read as `{ properties = […] }`. The answer (at `pointer`) is taken
    /// as it is, an array too; `patch` applies after.
    pub(super) answer_at: Option<Pointer>,
}

impl ReadOperation {
    /// `answer_at` names a field: the empty pointer (the whole document)
    /// would put the answer where it already is.
    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        if self
            .answer_at
            .as_ref()
            .is_none_or(|p| !p.tokens().is_empty())
        {
            return;
        }
        d.attribute_error(
            at.attr(Self::ANSWER_AT),
            "Invalid JSON Pointer",
            "Name the field the answer goes in, as in \"/properties\".",
        );
    }
}

/// `read.patch`: an RFC 6902 JSON Patch, written as an HCL list.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ReadPatch(pub(super) json_patch::Patch);

impl Setting for ReadPatch {
    fn ty() -> Type {
        Type::Dynamic
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let json = match crate::json::to_json(v) {
            Ok(serde_json::Value::String(_)) => Err(
                "the patch is a string; write it as an HCL list, not jsonencode(...): \
                 [{ op = \"remove\", path = \"/metadata\" }]"
                    .to_owned(),
            ),
            Ok(j) => Ok(j),
            Err(e) => Err(e.to_string()),
        };
        match json.and_then(|j| serde_json::from_value(j).map_err(|e| e.to_string())) {
            Ok(p) => Some(ReadPatch(p)),
            Err(e) => {
                d.attribute_error(
                    at.clone(),
                    "Invalid patch",
                    format!(
                        "{e}. A patch is a list of RFC 6902 operations: add, remove, replace, \
                         move, copy or test, each with a JSON Pointer path (and from or value)."
                    ),
                );
                None
            }
        }
    }
}

/// A delete.
#[derive(Debug, Clone, PartialEq, Default, Settings)]
pub(super) struct DeleteOperation {
    #[setting(flatten)]
    pub(super) operation: OperationArgs,
    /// A body sent with the delete, as an HCL value; its strings are
    /// templates.
    pub(super) body: Option<BodyTemplate>,
    /// A condition to wait for before the delete is sent.
    #[setting(block)]
    pub(super) precheck: Option<PrecheckBlock>,
}

/// Long-running operations. When a create, update or delete is answered
/// `202 Accepted`, or with an `Azure-AsyncOperation` or
/// `Operation-Location` header, or its answer's status is `pending`, the
/// provider polls until the status is in `success` (done), or outside
/// `pending` (failed, with the API's message). It polls the URL at
/// `url_pointer` in the answer, else the `Azure-AsyncOperation` header,
/// else `Operation-Location`, else the `Location` header of a 202, else the
/// object itself (for a delete, its 404 means done). Every poll goes
/// through the rate limiter and retries; `Retry-After` sets the pace;
/// polling stops at the operation's timeout or Ctrl-C.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = PollBlock::check)]
pub(super) struct PollBlock {
    /// JSON Pointer to the status in a poll answer, such as `"/status"`.
    /// Without it, the status is each answer's HTTP status code (restful's
    /// `status_locator = "code"`): `pending` then defaults to `["202"]` and
    /// `success` to `["200", "201", "204"]`.
    pub(super) status_pointer: Option<Pointer>,
    /// Statuses that mean "still running", such as `["queued", "running"]`.
    pub(super) pending: Option<Vec<String>>,
    /// Statuses that mean "done", such as `["succeeded"]`. Any other status
    /// is a failure.
    pub(super) success: Option<Vec<String>>,
    /// JSON Pointer to the status URL in the first answer, such as
    /// `"/operation"`.
    pub(super) url_pointer: Option<Pointer>,
    /// JSON Pointer to the failure message in a poll answer. Defaults to
    /// trying `/error/message`, `/message` and `/error`.
    pub(super) message_pointer: Option<Pointer>,
    /// Time between polls when the API sends no `Retry-After`.
    #[setting(default = "2s")]
    pub(super) interval: crate::config::values::NonZeroDuration,
    /// What is polled: `"operation"`, the status URL the answer names (else
    /// the object), or `"object"`, the object itself even when the answer
    /// names an operation (restful's poll without `url_locator`). Polling
    /// the object after a delete ends at its 404: while it answers, the
    /// delete is still running unless its status is neither success nor
    /// pending.
    #[setting(default = "operation")]
    pub(super) follow: PollTarget,
    /// JSON Pointer to the new object's id in the finished operation's
    /// last answer, for a create whose own answer names none (the id exists
    /// only once the operation is done). Without it, the last segment of
    /// the `resourceLocation` there (a path or URL) is the id.
    pub(super) id_pointer: Option<Pointer>,
}

/// What `poll` reads (`poll.follow`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Choice)]
#[choice(what = "follow")]
pub(super) enum PollTarget {
    /// The status URL the answer names (`url_pointer`, an operation
    /// header, the `Location` of a 202), else the object.
    #[default]
    Operation,
    /// The object itself.
    Object,
}

impl PollBlock {
    /// The statuses that mean "still running" and "done", defaults applied.
    pub(super) fn statuses(&self) -> (Vec<String>, Vec<String>) {
        let codes = |c: &[&str]| c.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        match &self.status_pointer {
            Some(_) => (
                self.pending.clone().unwrap_or_default(),
                self.success.clone().unwrap_or_default(),
            ),
            None => (
                self.pending.clone().unwrap_or_else(|| codes(&["202"])),
                self.success
                    .clone()
                    .unwrap_or_else(|| codes(&["200", "201", "204"])),
            ),
        }
    }

    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        if self.status_pointer.is_some() && self.pending.is_none() {
            d.attribute_error(
                at.attr(Self::PENDING),
                "No pending values",
                "With status_pointer, name the status values that mean the operation is still \
                 running, as in [\"queued\", \"running\"].",
            );
        }
        let (pending, success) = self.statuses();
        if success.is_empty() {
            d.attribute_error(
                at.attr(Self::SUCCESS),
                "No success values",
                "Name the status values that mean the operation succeeded, as in [\"succeeded\"].",
            );
        }
        if let Some(both) = pending.iter().find(|x| success.contains(x)) {
            d.attribute_error(
                at.attr(Self::PENDING),
                "Status both pending and success",
                format!("{both:?} is in both lists; a status is one or the other."),
            );
        }
    }
}

/// A readiness condition a create or update must reach before it counts as
/// done, so dependent resources start only when the object is usable. The
/// object is read (every `poll.interval`, or 2 s) until the value at
/// `pointer` is one of `values`.
#[derive(Debug, Clone, PartialEq, Settings)]
#[settings(check = WaitForBlock::check)]
pub(super) struct WaitForBlock {
    /// JSON Pointer into the object, such as `"/state"`.
    pub(super) pointer: Pointer,
    /// Values that mean ready, such as `["ready"]`.
    pub(super) values: Vec<String>,
}

impl WaitForBlock {
    fn check(&self, at: &AttributePath, d: &mut Diagnostics) {
        if self.values.is_empty() {
            d.attribute_error(
                at.attr(Self::VALUES),
                "No values to wait for",
                "Name the values that mean the object is ready, as in [\"ready\"].",
            );
        }
    }
}

/// Soft deletes: an object that still answers but whose value at `pointer`
/// is one of `values` (such as `expired` or `deleted`) counts as gone.
/// After a delete, the provider reads until it is.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(super) struct GoneWhenBlock {
    /// JSON Pointer into the object, such as `"/status/state"`.
    pub(super) pointer: Pointer,
    /// Values that mean gone, such as `["expired"]`.
    pub(super) values: Vec<String>,
}

/// How to list the collection: for finding objects by `natural_key`, and
/// for refreshing every object of the collection from one listing
/// (`refresh_from_listing`). By default the collection is `path` and the
/// items are the answer itself when it is an array, else the first array at
/// `/items`, `/data`, `/results` or `/value`; an item's id is at
/// `id_pointer`.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(super) struct ListBlock {
    /// Path of the listing. Defaults to `path`.
    pub(super) path: Option<CollectionPath>,
    /// JSON Pointer to the array of items in the listing's answer, such as
    /// `"/data"`.
    pub(super) items_pointer: Option<Pointer>,
    /// Query parameters for the listing (filters), instead of the resource's
    /// `query`.
    pub(super) query: Option<QueryTemplates>,
    /// Bulk refresh: every object of this collection refreshed in one run is
    /// served from one listing of all its pages, fetched once and shared,
    /// instead of one read per object. `"full"`: listed items are whole
    /// objects, compared for drift as listed (API requests per plan: the
    /// number of pages). `"deletions"`: the listing holds summaries; it shows
    /// which objects were deleted, and the others are still read one by one.
    /// `"none"`: one read per object. An object missing from a complete
    /// listing is gone; when the listing fails or is incomplete, each object
    /// is read on its own.
    #[setting(default = "none")]
    pub(super) refresh_from_listing: ListRefresh,
    #[setting(block)]
    pub(super) pagination: Option<PaginationBlock>,
}

/// What refresh takes from the collection's listing
/// (`list.refresh_from_listing`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Choice)]
#[choice(what = "refresh_from_listing")]
pub(super) enum ListRefresh {
    /// Nothing: each object is read on its own.
    #[default]
    None,
    /// Which objects still exist: one missing from a complete listing is
    /// gone; the others are still read one by one for drift.
    Deletions,
    /// Everything: listed items are whole objects, compared for drift as
    /// they are listed.
    Full,
}
