//! Running create, update and delete.

use super::settings::ExecObjectArgs;
use crate::exec_client::ExecClient;
use serde_json::Value as Json;

use super::settings::{self, Settings};
use crate::json::{from_json, to_json};
use crate::resource::{
    CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, UpdateRequest, UpdateResponse,
};
use crate::runtime::Runtime;
use crate::{Diagnostics, Type, Value};
use drivers::exec::{ExecRequest, ExecResponse};
use drivers::{Operation, Outcome, Sensitive};
use engine::{EngineError, OperationContext, Stop};

/// Nothing was created.
fn nothing(diagnostics: Diagnostics) -> CreateResponse {
    CreateResponse {
        diagnostics,
        ..Default::default()
    }
}

pub(super) async fn create(rt: &Runtime, req: CreateRequest) -> CreateResponse {
    let mut diags = Diagnostics::new();
    let Some(s) = settings::parse_for_apply(&req.config, &mut diags) else {
        return nothing(diags);
    };
    let output = match run_and_read(
        rt,
        &s,
        Operation::Create,
        s.create.clone(),
        &req.planned_state,
        &Value::Null(Type::Dynamic),
        &mut diags,
    )
    .await
    {
        Some(o) => o,
        None => return nothing(diags),
    };
    let id = match output.get("id") {
        Some(Json::String(s)) if !s.is_empty() => s.clone(),
        Some(Json::Number(n)) => n.to_string(),
        _ => format!("exec-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
    };
    let state = req
        .planned_state
        .with_attr(ExecObjectArgs::ID, Value::string(id))
        .with_attr(ExecObjectArgs::OUTPUT, from_json(&output));
    CreateResponse {
        new_state: Some(state),
        private: req.planned_private,
        diagnostics: diags,
    }
}

pub(super) async fn update(rt: &Runtime, req: UpdateRequest) -> UpdateResponse {
    let mut diags = Diagnostics::new();
    let Some(s) = settings::parse_for_apply(&req.config, &mut diags) else {
        return UpdateResponse {
            diagnostics: diags,
            ..Default::default()
        };
    };
    if !req
        .planned_state
        .get(ExecObjectArgs::OUTPUT)
        .is_some_and(Value::is_unknown)
    {
        // Nothing the commands see changed.
        return UpdateResponse {
            new_state: Some(req.planned_state),
            private: None,
            diagnostics: diags,
        };
    }
    let argv = s.update.clone().unwrap_or_default();
    let Some(output) = run_and_read(
        rt,
        &s,
        Operation::Update,
        argv,
        &req.planned_state,
        &req.prior_state,
        &mut diags,
    )
    .await
    else {
        return UpdateResponse {
            diagnostics: diags,
            ..Default::default()
        };
    };
    let state = req
        .planned_state
        .with_attr(ExecObjectArgs::OUTPUT, from_json(&output));
    UpdateResponse {
        new_state: Some(state),
        private: None,
        diagnostics: diags,
    }
}

pub(super) async fn delete(rt: &Runtime, req: DeleteRequest) -> DeleteResponse {
    let mut diags = Diagnostics::new();
    // The prior state holds the commands; there is no configuration.
    let Some(s) = settings::parse(&req.prior_state, &mut diags) else {
        return DeleteResponse { diagnostics: diags };
    };
    if let Some(argv) = s.delete.clone()
        && let Err(d) = run(
            rt,
            &s,
            Operation::Delete,
            argv,
            &req.prior_state,
            &req.prior_state,
        )
        .await
    {
        diags.extend(d);
    }
    DeleteResponse { diagnostics: diags }
}

/// Runs a create or update command; when it prints nothing, the output
/// comes from `read`. `None` when the command failed (diagnostics say why).
async fn run_and_read(
    rt: &Runtime,
    s: &Settings,
    op: Operation,
    argv: Vec<String>,
    planned: &Value,
    prior: &Value,
    diags: &mut Diagnostics,
) -> Option<Json> {
    let printed = match run(rt, s, op, argv, planned, prior).await {
        Ok(out) => out,
        Err(d) => {
            diags.extend(d);
            return None;
        }
    };
    let empty = || Json::Object(Default::default());
    Some(match printed {
        Some(j) => j,
        None => match &s.read {
            Some(read) => match run(rt, s, Operation::Read, read.clone(), planned, prior).await {
                Ok(Some(j)) => j,
                Ok(None) => empty(),
                Err(d) => {
                    diags.extend(d);
                    empty()
                }
            },
            None => empty(),
        },
    })
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
    let program = argv.first().cloned().unwrap_or_default();
    let req = command(s, op, argv, state, prior)?;
    let limit = match op {
        Operation::Create => s.timeouts.create,
        Operation::Read => s.timeouts.read,
        Operation::Update => s.timeouts.update,
        Operation::Delete => s.timeouts.delete,
    };
    let ctx = OperationContext::new(limit, rt.stop.clone()).about(
        "driver_exec_object",
        prior.get(ExecObjectArgs::ID).and_then(Value::as_str),
    );
    let what = format!("{op} command {program:?}");
    match rt
        .client::<ExecClient>()?
        .engine()
        .execute(&req, &ctx)
        .await
    {
        Ok(Outcome::Gone) => Ok(None),
        Ok(Outcome::Done(ExecResponse { stdout })) => printed(s, &stdout, &what),
        Err(e) => Err(command_failed(rt, op, &what, &e)),
    }
}

/// The command to run: `state`'s input on stdin, what is known of the
/// object before it in the environment.
fn command(
    s: &Settings,
    op: Operation,
    argv: Vec<String>,
    state: &Value,
    prior: &Value,
) -> Result<ExecRequest, Diagnostics> {
    let input = state
        .get(ExecObjectArgs::INPUT)
        .cloned()
        .unwrap_or(Value::Null(Type::Dynamic));
    let stdin = to_json(&input).map_err(|e| {
        let mut d = Diagnostics::new();
        d.attribute_error(
            crate::AttributePath::root(ExecObjectArgs::INPUT),
            "Input cannot be sent",
            e.to_string(),
        );
        d
    })?;
    let mut env = s.env.clone();
    env.push(("DRIVER_OPERATION".into(), op.to_string()));
    let json_env = |v: Option<&Value>| {
        v.filter(|v| !v.is_null() && v.is_wholly_known())
            .and_then(|v| to_json(v).ok())
            .map(|j| j.to_string())
    };
    if let Some(id) = prior.get(ExecObjectArgs::ID).and_then(Value::as_str) {
        env.push(("DRIVER_ID".into(), id.to_owned()));
    }
    if let Some(out) = json_env(prior.get(ExecObjectArgs::OUTPUT)) {
        env.push(("DRIVER_OUTPUT".into(), out));
    }
    if let Some(inp) = json_env(prior.get(ExecObjectArgs::INPUT)) {
        env.push(("DRIVER_PRIOR_INPUT".into(), inp));
    }
    Ok(ExecRequest {
        operation: op,
        argv,
        stdin: stdin.to_string().into_bytes(),
        env,
        sensitive_env: s
            .sensitive_env
            .iter()
            .map(|(k, v)| (k.clone(), Sensitive(v.clone())))
            .collect(),
        working_dir: s.working_dir.clone(),
        retry_exit_codes: s.retry_on_exit_codes.clone(),
        gone_exit_codes: s.gone_exit_codes.clone(),
    })
}

/// What a command printed: one JSON object (with any secret it echoes
/// masked, so it never reaches state), or nothing.
fn printed(s: &Settings, stdout: &[u8], what: &str) -> Result<Option<Json>, Diagnostics> {
    let text = String::from_utf8_lossy(stdout);
    if text.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Json>(&text) {
        Ok(mut j @ Json::Object(_)) => {
            engine::redact::Redactor::new(s.sensitive_env.iter().map(|(_, v)| v.clone()))
                .scrub_json(&mut j);
            Ok(Some(j))
        }
        _ => {
            let snippet: String = text.chars().take(200).collect();
            let mut d = Diagnostics::new();
            d.error(
                "Command output is not a JSON object",
                format!(
                    "The {what} must print one JSON object on stdout (logs belong on stderr). It \
                     printed: {snippet}"
                ),
            );
            Err(d)
        }
    }
}

/// The diagnostic for a command that failed, with what to do about it.
fn command_failed(rt: &Runtime, op: Operation, what: &str, e: &EngineError) -> Diagnostics {
    let summary = match op {
        Operation::Create => "Create command failed",
        Operation::Read => "Read command failed",
        Operation::Update => "Update command failed",
        Operation::Delete => "Delete command failed",
    };
    let mut advice = String::new();
    if let Stop::Deadline { .. } = e.stop {
        advice.push_str(
            "It was killed, with every process it started; raise timeouts if it needs longer.",
        );
    }
    if op == Operation::Create && e.outcome_unknown() {
        advice.push_str(
            " The command may have created the object before it was stopped; check before \
             applying again.",
        );
    }
    let mut d = Diagnostics::new();
    crate::failure::report_with(
        rt,
        &mut d,
        summary,
        &format!("The {what}"),
        e,
        advice.trim(),
    );
    d
}
