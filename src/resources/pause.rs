//! Waiting between two looks at an API: bounded by the operation's
//! deadline and stopped by Terraform's stop, so no wait outlives either.

use std::time::Duration;

use crate::Diagnostics;
use engine::OperationContext;

/// Sleeps `d`, or fails when the operation's deadline or Terraform's stop
/// comes first. `what` says what was being waited on, for the diagnostic.
pub(crate) async fn pause(
    d: Duration,
    ctx: &OperationContext,
    what: &str,
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    if ctx
        .deadline
        .is_some_and(|end| tokio::time::Instant::now() + d > end)
    {
        diags.error("Timed out", format!("{what} did not finish within the operation's time limit (timeouts). Raise the limit if the API needs longer."));
        return Err(diags);
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => Ok(()),
        _ = ctx.cancel.cancelled() => {
            diags.error("Cancelled", format!("Stopped while waiting: {what}. Terraform asked the provider to stop."));
            Err(diags)
        }
    }
}
