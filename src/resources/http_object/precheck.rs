//! Waiting, before a write, for a condition another API must meet (a
//! parent resource that is still provisioning): the precheck's path is
//! read until its status is a success value.

use serde_json::Value as Json;

use super::args::PrecheckBlock;
use crate::http_client::HttpClient;
use crate::runtime::Runtime;
use crate::template::Values;
use crate::{AttributePath, Diagnostics};
use drivers::http::{HttpRequest, Method};
use drivers::{Operation, Outcome};
use engine::OperationContext;

/// Waits until `p`'s condition holds, within `ctx`: `Ok` to go ahead,
/// errors (nothing was sent) when the status says the write cannot go on,
/// the templates cannot be filled, or the wait was stopped.
pub(super) async fn wait(
    rt: &Runtime,
    p: &PrecheckBlock,
    values: &Values<'_>,
    what: &str,
    ctx: &OperationContext,
) -> Result<(), Diagnostics> {
    let fail = |summary: &str, detail: String| {
        let mut d = Diagnostics::new();
        d.attribute_error(AttributePath::root(what), summary, rt.scrub(&detail));
        d
    };
    let client = rt.client::<HttpClient>()?;
    let mut values = *values;
    values.base = Some(client.base_url());
    let target = p.path.0.render_path(&values).map_err(|e| {
        fail(
            "Cannot build the precheck",
            format!("{e}. Nothing was sent."),
        )
    })?;
    let search = p
        .search
        .iter()
        .flat_map(|f| f.0.iter())
        .map(|(ptr, t)| t.render_text(&values).map(|v| (ptr.clone(), v)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            fail(
                "Cannot build the precheck",
                format!("{e}. Nothing was sent."),
            )
        })?;
    let mut req = HttpRequest::new(Operation::Read, Method::GET, target.path.clone());
    req.query = target.query;
    let shown = client.url(&target.path);
    loop {
        let answer: Json = match client.execute(&req, ctx).await {
            Ok(Outcome::Done(r)) => serde_json::from_slice(&r.body).unwrap_or(Json::Null),
            Ok(Outcome::Gone) => Json::Null,
            Err(e) => return Err(fail("Precheck failed", format!("GET {shown}: {e}"))),
        };
        let status = status(&answer, &search, p);
        match status {
            Some(st) if p.success.contains(&st) => return Ok(()),
            Some(st) if p.pending.as_ref().is_some_and(|l| !l.contains(&st)) => {
                return Err(fail(
                    "Precheck failed",
                    format!(
                        "GET {shown} answered status {st:?}, which is neither success nor \
                         pending; the {what} was not sent."
                    ),
                ));
            }
            _ => {}
        }
        super::wait::pause(
            p.interval.0,
            ctx,
            &format!("The {what}'s precheck at {shown}"),
        )
        .await?;
    }
}

/// The status in `answer` (in the item `search` names, if any).
fn status(
    answer: &Json,
    search: &[(crate::pointer::Pointer, String)],
    p: &PrecheckBlock,
) -> Option<String> {
    let object = if search.is_empty() {
        Some(answer)
    } else {
        crate::listing::items(answer, None)
            .and_then(|items| crate::listing::search(items, search).ok().flatten())
    };
    match p.status_pointer.get(object?)? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
