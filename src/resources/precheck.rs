//! Waiting, before a write, for a condition another API must meet (a
//! parent resource that is still provisioning): the precheck's path is
//! read until its status is a success value.

use serde_json::Value as Json;

use framework::settings::Settings;

use crate::http_client::HttpClient;
use crate::pointer::Pointer;
use crate::runtime::Runtime;
use crate::template::Values;
use crate::template::{BodyFields, PathTemplate};
use crate::{AttributePath, Diagnostics};
use drivers::http::{HttpRequest, Method};
use drivers::{Operation, Outcome};
use engine::OperationContext;

/// A condition another API must meet before the write is sent (restful's
/// `precheck_*` with an `api`): `path` (a template: `{path}`, `{body/…}`,
/// `{id}` after the create, `{response/…}`) is read every `interval` until
/// the value at `status_pointer` is in `success`; with `search`, the value
/// in the item of the list it names. A status in `pending` (or, without
/// `pending`, any other status) waits; a status outside both fails the
/// write, which is then not sent.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct PrecheckBlock {
    /// The path read, such as `"/resourceGroups/rg"`; it may carry a query.
    pub(crate) path: PathTemplate,
    /// Finds the item in a list, as `read.search` does.
    pub(crate) search: Option<BodyFields>,
    /// JSON Pointer to the status, such as `"/properties/provisioningState"`.
    pub(crate) status_pointer: Pointer,
    /// Statuses that mean "go ahead", such as `["Succeeded"]`.
    pub(crate) success: Vec<String>,
    /// Statuses that mean "wait"; any other fails. Without it, every
    /// status but success waits.
    pub(crate) pending: Option<Vec<String>>,
    /// Time between reads.
    #[setting(default = "2s")]
    pub(crate) interval: crate::config::values::NonZeroDuration,
}

/// Waits until `p`'s condition holds, within `ctx`: `Ok` to go ahead,
/// errors (nothing was sent) when the status says the write cannot go on,
/// the templates cannot be filled, or the wait was stopped.
pub(crate) async fn wait(
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
    let search = rendered_search(p.search.as_ref(), &values).map_err(|e| {
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
        let status = status_at(&answer, &search, &p.status_pointer);
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
        super::pause::pause(
            p.interval.0,
            ctx,
            &format!("The {what}'s precheck at {shown}"),
        )
        .await?;
    }
}

/// `search`'s fields with their values filled from `values`.
pub(crate) fn rendered_search(
    search: Option<&BodyFields>,
    values: &Values<'_>,
) -> Result<Vec<(Pointer, String)>, String> {
    search
        .iter()
        .flat_map(|f| f.0.iter())
        .map(|(ptr, t)| t.render_text(values).map(|v| (ptr.clone(), v)))
        .collect()
}

/// The status at `pointer` in `answer`, or in the item of its list that
/// `search` names (none when no item matches, or several do).
pub(crate) fn status_at(
    answer: &Json,
    search: &[(Pointer, String)],
    pointer: &Pointer,
) -> Option<String> {
    let object = if search.is_empty() {
        Some(answer)
    } else {
        crate::listing::items(answer, None)
            .and_then(|items| crate::listing::search(items, search).ok().flatten())
    };
    match pointer.get(object?)? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
