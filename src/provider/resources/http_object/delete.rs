//! Deleting the object, and following a long-running delete.

use super::{TYPE, settings, wait};
use crate::drivers::http::Method;
use crate::drivers::{Operation, Outcome};
use crate::engine::OperationContext;
use crate::provider::failure;
use crate::provider::resource::{DeleteRequest, DeleteResponse};
use crate::provider::runtime::Runtime;
use crate::provider::{Diagnostics, Value};

pub(super) async fn delete(rt: &Runtime, req: DeleteRequest) -> DeleteResponse {
    let mut diags = Diagnostics::new();
    // The prior state holds every argument; the config is null on delete.
    let Some(s) = settings::parse(&req.prior_state, &mut diags) else {
        return DeleteResponse { diagnostics: diags };
    };
    let client = match rt.http() {
        Ok(e) => e,
        Err(d) => return DeleteResponse { diagnostics: d },
    };
    let id = req
        .prior_state
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let path = s.object_path_for(&id);
    let http = s.request(Operation::Delete, Method::DELETE, path.clone(), None);
    let ctx = OperationContext::new(s.timeouts.delete, rt.stop.clone()).about(TYPE, Some(&id));
    match client.execute(&http, &ctx).await {
        // Already gone is what we wanted.
        Ok(Outcome::Gone) => {}
        Ok(Outcome::Done(resp)) => {
            if let Err(d) = wait::settle(rt, &s, &resp, &path, &ctx, Operation::Delete).await {
                diags.extend(d);
            }
        }
        Err(e) => {
            let target = format!("DELETE {}", client.url(&path));
            failure::report(rt, &mut diags, "Delete failed", &target, &e);
        }
    }
    DeleteResponse { diagnostics: diags }
}
