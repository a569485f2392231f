//! Running create, update and delete.

use serde_json::Value as Json;

use super::settings::{self, Settings};
use crate::drivers::exec::{ExecRequest, ExecResponse};
use crate::drivers::http::Sensitive;
use crate::drivers::{Operation, Outcome};
use crate::engine::{EngineError, OperationContext};
use crate::provider::json::{from_json, to_json};
use crate::provider::resource::{ApplyRequest, ApplyResponse};
use crate::provider::runtime::Runtime;
use crate::provider::{Diagnostics, Type, Value};

pub(super) async fn apply(rt: &Runtime, req: ApplyRequest) -> ApplyResponse {
    let keep = |d: Diagnostics| ApplyResponse {
        new_state: (!req.prior_state.is_null()).then(|| req.prior_state.clone()),
        private: req.planned_private.clone(),
        diagnostics: d,
    };
    let mut diags = Diagnostics::new();
    // Delete has no config: the prior state holds the commands.
    let source = if req.planned_state.is_null() {
        &req.prior_state
    } else {
        &req.config
    };
    let Some(s) = settings::parse(source, &mut diags) else {
        return keep(diags);
    };

    if req.planned_state.is_null() {
        let Some(argv) = s.delete.clone() else {
            return ApplyResponse {
                new_state: None,
                ..Default::default()
            };
        };
        return match run(
            rt,
            &s,
            Operation::Delete,
            argv,
            &req.prior_state,
            &req.prior_state,
        )
        .await
        {
            Ok(_) => ApplyResponse {
                new_state: None,
                ..Default::default()
            },
            Err(d) => keep(d),
        };
    }
    let creating = req.prior_state.is_null();
    let (op, argv) = if creating {
        (Operation::Create, s.create.clone())
    } else {
        (Operation::Update, s.update.clone().unwrap_or_default())
    };
    if !creating
        && !req
            .planned_state
            .get("output")
            .is_some_and(Value::is_unknown)
    {
        // Nothing the commands see changed.
        return ApplyResponse {
            new_state: Some(req.planned_state.clone()),
            private: req.planned_private.clone(),
            diagnostics: diags,
        };
    }
    let printed = match run(rt, &s, op, argv, &req.planned_state, &req.prior_state).await {
        Ok(out) => out,
        Err(d) => return keep(d),
    };
    // A command that prints nothing leaves the output to `read`.
    let output = match printed {
        Some(j) => j,
        None => match &s.read {
            Some(read) => match run(
                rt,
                &s,
                Operation::Read,
                read.clone(),
                &req.planned_state,
                &req.prior_state,
            )
            .await
            {
                Ok(Some(j)) => j,
                Ok(None) => Json::Object(Default::default()),
                Err(d) => {
                    diags.extend(d);
                    Json::Object(Default::default())
                }
            },
            None => Json::Object(Default::default()),
        },
    };
    let id = if creating {
        match output.get("id") {
            Some(Json::String(s)) if !s.is_empty() => s.clone(),
            Some(Json::Number(n)) => n.to_string(),
            _ => format!("exec-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
        }
    } else {
        req.prior_state
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let state = req
        .planned_state
        .with_attr("id", Value::string(id))
        .with_attr("output", from_json(&output));
    ApplyResponse {
        new_state: Some(state),
        private: req.planned_private.clone(),
        diagnostics: diags,
    }
}

/// Runs one command for `state` (whose input goes to stdin). `Ok(None)`:
/// it printed nothing, or said the object is gone.
pub(super) async fn run(
    rt: &Runtime,
    s: &Settings,
    op: Operation,
    argv: Vec<String>,
    state: &Value,
    prior: &Value,
) -> Result<Option<Json>, Diagnostics> {
    let mut d = Diagnostics::new();
    let input = state
        .get("input")
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic));
    let stdin = match to_json(&input) {
        Ok(j) => j.to_string().into_bytes(),
        Err(e) => {
            d.attribute_error(
                crate::provider::AttributePath::root("input"),
                "Input cannot be sent",
                e.to_string(),
            );
            return Err(d);
        }
    };
    let mut env = s.env.clone();
    env.push(("DRIVER_OPERATION".into(), op.to_string()));
    let json_env = |v: Option<&Value>| {
        v.filter(|v| !v.is_null() && v.is_wholly_known())
            .and_then(|v| to_json(v).ok())
            .map(|j| j.to_string())
    };
    if let Some(id) = prior.get("id").and_then(Value::as_str) {
        env.push(("DRIVER_ID".into(), id.to_owned()));
    }
    if let Some(out) = json_env(prior.get("output")) {
        env.push(("DRIVER_OUTPUT".into(), out));
    }
    if let Some(inp) = json_env(prior.get("input")) {
        env.push(("DRIVER_PRIOR_INPUT".into(), inp));
    }
    let program = argv.first().cloned().unwrap_or_default();
    let req = ExecRequest {
        operation: op,
        argv,
        stdin,
        env,
        sensitive_env: s
            .sensitive_env
            .iter()
            .map(|(k, v)| (k.clone(), Sensitive(v.clone())))
            .collect(),
        working_dir: s.working_dir.clone(),
        retry_exit_codes: s.retry_on_exit_codes.clone(),
        gone_exit_codes: s.gone_exit_codes.clone(),
    };
    let limit = match op {
        Operation::Create => s.timeouts.create,
        Operation::Read => s.timeouts.read,
        Operation::Update => s.timeouts.update,
        Operation::Delete => s.timeouts.delete,
    };
    let ctx = OperationContext::new(limit, rt.stop.clone()).about(
        "driver_exec_object",
        prior.get("id").and_then(Value::as_str),
    );
    let what = format!("{op} command {program:?}");
    match rt.exec().execute(&req, &ctx).await {
        Ok(Outcome::Gone) => Ok(None),
        Ok(Outcome::Done(ExecResponse { stdout })) => {
            let text = String::from_utf8_lossy(&stdout);
            if text.trim().is_empty() {
                return Ok(None);
            }
            match serde_json::from_str::<Json>(&text) {
                Ok(mut j @ Json::Object(_)) => {
                    // A command that echoes a secret must not put it in state.
                    crate::engine::redact::Redactor::new(
                        s.sensitive_env.iter().map(|(_, v)| v.clone()),
                    )
                    .scrub_json(&mut j);
                    Ok(Some(j))
                }
                _ => {
                    let snippet: String = text.chars().take(200).collect();
                    d.error(
                        "Command output is not a JSON object",
                        format!("The {what} must print one JSON object on stdout (logs belong on stderr). It printed: {snippet}"),
                    );
                    Err(d)
                }
            }
        }
        Err(e) => {
            let summary = match op {
                Operation::Create => "Create command failed",
                Operation::Read => "Read command failed",
                Operation::Update => "Update command failed",
                Operation::Delete => "Delete command failed",
            };
            let mut detail = format!("The {what}: {e}");
            if let EngineError::OperationTimeout { .. } = e {
                detail.push_str(". It was killed, with every process it started; raise timeouts if it needs longer.");
            }
            if op == Operation::Create && e.outcome_unknown() {
                detail.push_str(" The command may have created the object before it was stopped; check before applying again.");
            }
            d.error(summary, rt.scrub(&detail));
            Err(d)
        }
    }
}
