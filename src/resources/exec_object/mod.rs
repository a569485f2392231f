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
use crate::runtime::Runtime;
use crate::{Diagnostics, Schema, Value};

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

fn schema() -> Schema {
    settings::schema()
}
