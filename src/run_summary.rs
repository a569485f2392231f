//! The run summary: when requests were retried or throttled, a warning
//! says so without TF_LOG. Terraform has no "end of apply" call, so the
//! warning rides on the apply responses that follow a change in the
//! counters; Terraform folds warnings with one summary into one ("and N
//! more similar warnings").

use engine::Totals;
use framework::Diagnostics;
use parking_lot::Mutex;

/// The counters the last summary reported.
#[derive(Debug, Default)]
pub(crate) struct RunSummary {
    last: Mutex<Option<Totals>>,
}

impl RunSummary {
    /// Adds the warnings `totals` call for, unless they were reported
    /// already.
    pub(crate) fn report(&self, totals: Totals, diags: &mut Diagnostics) {
        let s = totals;
        if s.retries == 0 && s.throttled == 0 && s.unshared == 0 {
            return;
        }
        let mut last = self.last.lock();
        if *last == Some(s) {
            return;
        }
        *last = Some(s);
        if s.unshared > 0 {
            diags.warning(
                "The shared rate budget was unavailable",
                format!(
                    "So far in this run: {} requests could not reach the shared rate budget \
                     (rate_limit.shared): its Redis was down or did not answer within 2 s. With \
                     on_unavailable = \"local\" they went on under this process's own limits, \
                     so runs sharing the budget may together exceed it until Redis is back.",
                    s.unshared
                ),
            );
        }
        if s.retries == 0 && s.throttled == 0 {
            return;
        }
        diags.warning(
            "Requests were retried or throttled",
            format!(
                "So far in this run: {} requests, {} throttled by the API, {:.1} s waited for the \
                 rate limit, {} retries. The audit log and metrics file (provider arguments \
                 audit_log and metrics_file) have the details; rate_limit and retry in the \
                 provider block tune this.",
                s.attempts,
                s.throttled,
                s.waited.as_secs_f64(),
                s.retries
            ),
        );
    }
}
