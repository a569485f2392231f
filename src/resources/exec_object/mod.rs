//! `driver_exec_object`: an object managed by commands. `input` is the
//! desired object (the managed fields, like `body` for HTTP), `output` is
//! what the commands print; drift is `read`'s output compared with `input`.

mod apply;
mod plan;
mod read;
mod settings;

use super::super::resource::{
    CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, Resource, UpdateRequest, UpdateResponse,
};
use super::common::{drift_block, timeouts_block};
use crate::runtime::Runtime;
use crate::{Attribute, Block, Diagnostics, Schema, Type, Value};

/// The resource type.
#[derive(Debug, Default)]
pub struct ExecObject;

#[async_trait::async_trait]
impl Resource<Runtime> for ExecObject {
    fn type_name(&self) -> &'static str {
        "driver_exec_object"
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
        apply::create(rt, req).await
    }

    async fn read(&self, rt: &Runtime, req: ReadRequest) -> ReadResponse {
        read::read(rt, req).await
    }

    async fn update(&self, rt: &Runtime, req: UpdateRequest) -> UpdateResponse {
        apply::update(rt, req).await
    }

    async fn delete(&self, rt: &Runtime, req: DeleteRequest) -> DeleteResponse {
        apply::delete(rt, req).await
    }
}

fn command(name: &str, what: &str) -> Attribute {
    Attribute::optional(name, Type::list(Type::String)).describe(&format!(
        "{what} Program and arguments, run without a shell (write `[\"sh\", \"-c\", \"...\"]` to use one). \
         stdin receives `input` as JSON; `DRIVER_ID`, `DRIVER_OUTPUT` (the last output, JSON) and \
         `DRIVER_PRIOR_INPUT` are set when known."
    ))
}

fn schema() -> Schema {
    let mut create = command(
        "create",
        "Creates the object and prints it as a JSON object on stdout.",
    );
    create.presence = crate::Presence::Required;
    Schema {
        version: 0,
        block: Block::new(
            "An object managed by commands: `create`, `read`, `update` and `delete` each run a program \
             with the object's `input` as JSON on stdin and print the object as JSON on stdout. \
             Commands run through the same engine as HTTP requests: timeouts that kill the whole \
             process group, retries on listed exit codes, the concurrency limit.",
            vec![
                create,
                command("read", "Prints the object as it is now, as JSON. Printing nothing (or exiting with one of `gone_exit_codes`) means it is gone, and a create is planned. Without `read`, drift is not detected."),
                command("update", "Changes the object in place. Without `update`, a change of `input` replaces the object."),
                command("delete", "Removes the object. Without `delete`, destroying only forgets it."),
                Attribute::required("input", Type::Dynamic).describe(
                    "The desired object, passed as JSON on stdin. Only the fields written here are managed \
                     and compared for drift with what `read` prints.",
                ),
                Attribute::optional("working_dir", Type::String).describe("Directory the commands run in."),
                Attribute::optional("env", Type::map(Type::String))
                    .describe("Environment variables for the commands, on top of the provider's own environment."),
                Attribute::optional("sensitive_env", Type::map(Type::String)).write_only().describe(
                    "Environment variables whose values are secrets: masked in every message and never stored \
                     in state (write-only; Terraform 1.11 or later). Passed to create and update; read and \
                     delete run without them, as Terraform does not send write-only values then; put \
                     secrets they need in the environment Terraform runs in.",
                ),
                Attribute::optional("retry_on_exit_codes", Type::list(Type::Number))
                    .describe("Exit codes that mean \"try again\": retried with backoff, like an HTTP 503."),
                Attribute::optional("gone_exit_codes", Type::list(Type::Number))
                    .describe("Exit codes of `read` (and `delete`) that mean the object does not exist."),
                Attribute::optional("force_new", Type::list(Type::String))
                    .describe("JSON Pointers into `input` whose change replaces the object instead of updating it."),
                Attribute::computed("id", Type::String)
                    .describe("The `id` field of the create output, or a generated id when it has none."),
                Attribute::computed("output", Type::Dynamic)
                    .describe("The last object the commands printed, typed: numbers, lists and nested objects stay as they are."),
            ],
            vec![drift_block("input"), timeouts_block()],
        ),
    }
}
