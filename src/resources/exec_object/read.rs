//! Refresh: run `read` and compare what it prints with `input`.

use super::apply::run;
use super::settings;
use super::settings::ExecObjectArgs;
use crate::drift::reconcile;
use crate::json::from_json;
use crate::resource::{ReadRequest, ReadResponse};
use crate::resources::common::settle_drift;
use crate::runtime::Runtime;
use crate::{Diagnostics, Type, Value};
use drivers::Operation;

pub(super) async fn read(rt: &Runtime, req: ReadRequest) -> ReadResponse {
    let mut diags = Diagnostics::new();
    // A read that cannot tell keeps what is stored.
    let keep = |diagnostics| ReadResponse {
        new_state: Some(req.current_state.clone()),
        private: None,
        diagnostics,
    };
    let Some(s) = settings::parse(&req.current_state, &mut diags) else {
        return keep(diags);
    };
    let Some(argv) = s.read.clone() else {
        return keep(diags);
    };
    let actual = match run(
        rt,
        &s,
        Operation::Read,
        argv,
        &req.current_state,
        &req.current_state,
    )
    .await
    {
        // Printed nothing, or a gone exit code: re-create.
        Ok(None) => {
            return ReadResponse {
                new_state: None,
                ..Default::default()
            };
        }
        Ok(Some(j)) => j,
        Err(d) => return keep(d),
    };
    let prior = req
        .current_state
        .get(ExecObjectArgs::INPUT)
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic));
    let r = reconcile(&prior, &actual, &s.drift_rules);
    let id = req
        .current_state
        .get(ExecObjectArgs::ID)
        .and_then(Value::as_str)
        .unwrap_or_default();
    rt.audit_drift("driver_exec_object", id, s.drift_mode.as_str(), &r.drifted);
    let input = settle_drift(s.drift_mode, r, prior, "The read command", &mut diags);
    let mut state = req.current_state.clone();
    if let Value::Object(m) = &mut state {
        m.insert(ExecObjectArgs::INPUT.into(), input);
        m.insert(ExecObjectArgs::OUTPUT.into(), from_json(&actual));
    }
    ReadResponse {
        new_state: Some(state),
        private: None,
        diagnostics: diags,
    }
}
