//! The arguments of `driver_exec_object`, declared once (schema,
//! descriptions, checks), and what the commands run with.

use std::collections::BTreeMap;
use std::path::PathBuf;

use framework::settings::{FieldPointer, Setting, Settings as _};

use crate::drift::DriftRules;
use crate::pointer::Pointer;
use crate::resources::common::{DriftBlock, DriftMode, Timeouts, TimeoutsBlock};
use crate::{AttributePath, Diagnostics, Type, Value};

/// What every command's description adds.
const COMMAND: &str = "Program and arguments, run without a shell (write `[\"sh\", \"-c\", \
    \"...\"]` to use one). stdin receives `input` as JSON; `DRIVER_ID`, `DRIVER_OUTPUT` (the last \
    output, JSON) and `DRIVER_PRIOR_INPUT` are set when known.";

/// An object managed by commands: `create`, `read`, `update` and `delete`
/// each run a program with the object's `input` as JSON on stdin and print
/// the object as JSON on stdout. Commands run through the same engine as
/// HTTP requests: timeouts that kill the whole process group, retries on
/// listed exit codes, the concurrency limit.
#[derive(Debug, Clone, PartialEq, framework::settings::Settings)]
pub(super) struct ExecObjectArgs {
    /// Creates the object and prints it as a JSON object on stdout.
    #[setting(also = COMMAND)]
    create: Command,
    /// Prints the object as it is now, as JSON. Printing nothing (or exiting
    /// with one of `gone_exit_codes`) means it is gone, and a create is
    /// planned. Without `read`, drift is not detected.
    #[setting(also = COMMAND)]
    read: Option<Command>,
    /// Changes the object in place. Without `update`, a change of `input`
    /// replaces the object.
    #[setting(also = COMMAND)]
    update: Option<Command>,
    /// Removes the object. Without `delete`, destroying only forgets it.
    #[setting(also = COMMAND)]
    delete: Option<Command>,
    /// The desired object, passed as JSON on stdin. Only the fields written
    /// here are managed and compared for drift with what `read` prints.
    pub(super) input: Value,
    /// Directory the commands run in.
    working_dir: Option<String>,
    /// Environment variables for the commands, on top of the provider's own
    /// environment.
    env: Option<Environment>,
    /// Environment variables whose values are secrets: masked in every
    /// message and never stored in state (write-only; Terraform 1.11 or
    /// later). Passed to create and update; read and delete run without
    /// them, as Terraform does not send write-only values then; put secrets
    /// they need in the environment Terraform runs in.
    #[setting(write_only)]
    sensitive_env: Option<Environment>,
    /// Exit codes that mean "try again": retried with backoff, like an HTTP
    /// 503.
    retry_on_exit_codes: Option<Vec<ExitCode>>,
    /// Exit codes of `read` (and `delete`) that mean the object does not
    /// exist.
    gone_exit_codes: Option<Vec<ExitCode>>,
    /// JSON Pointers into `input` whose change replaces the object instead of
    /// updating it.
    force_new: Option<Vec<FieldPointer>>,
    /// The `id` field of the create output, or a generated id when it has
    /// none.
    #[setting(computed)]
    id: Option<String>,
    /// The last object the commands printed, typed: numbers, lists and
    /// nested objects stay as they are.
    #[setting(computed)]
    output: Option<Value>,
    #[setting(block)]
    drift: Option<DriftBlock>,
    #[setting(block)]
    timeouts: Option<TimeoutsBlock>,
}

/// The resource's schema.
pub(super) fn schema() -> crate::Schema {
    crate::Schema {
        version: 0,
        block: ExecObjectArgs::block(None),
    }
}

/// A program and its arguments.
#[derive(Debug, Clone, PartialEq)]
struct Command(Vec<String>);

impl Setting for Command {
    fn ty() -> Type {
        Type::list(Type::String)
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let argv = Vec::<String>::decode(v, at, d)?;
        let name = at.last_name().unwrap_or("command");
        if argv.is_empty() {
            d.attribute_error(
                at.clone(),
                "Empty command",
                format!("{name} needs at least a program, as in [\"./{name}.sh\"]."),
            );
            return None;
        }
        if argv.first().is_some_and(String::is_empty) {
            d.attribute_error(
                at.index(0),
                "Empty program",
                "The first element is the program to run.",
            );
            return None;
        }
        Some(Command(argv))
    }
}

/// Environment variables: names without `=` or NUL, not empty.
#[derive(Debug, Clone, PartialEq)]
struct Environment(Vec<(String, String)>);

impl Setting for Environment {
    fn ty() -> Type {
        Type::map(Type::String)
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let map = BTreeMap::<String, String>::decode(v, at, d)?;
        let mut ok = true;
        for k in map.keys() {
            if k.is_empty() || k.contains(['=', '\0']) {
                d.attribute_error(
                    at.key(k),
                    "Invalid environment variable name",
                    format!("{k:?} cannot be a variable name (no \"=\" or NUL, not empty)."),
                );
                ok = false;
            }
        }
        ok.then(|| Environment(map.into_iter().collect()))
    }
}

/// A failure exit code, 1 to 255.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ExitCode(i32);

impl Setting for ExitCode {
    fn ty() -> Type {
        Type::Number
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let n = crate::Number::decode(v, at, d)?;
        match n.as_i64().filter(|c| (1..=255).contains(c)) {
            Some(c) => i32::try_from(c).ok().map(ExitCode),
            None => {
                d.attribute_error(
                    at.clone(),
                    "Invalid exit code",
                    format!("{n} is not a failure exit code; use a whole number from 1 to 255."),
                );
                None
            }
        }
    }
}

/// The resource's arguments, checked.
#[derive(Clone, Debug)]
pub(super) struct Settings {
    pub(super) create: Vec<String>,
    pub(super) read: Option<Vec<String>>,
    pub(super) update: Option<Vec<String>>,
    pub(super) delete: Option<Vec<String>>,
    pub(super) working_dir: Option<PathBuf>,
    pub(super) env: Vec<(String, String)>,
    pub(super) sensitive_env: Vec<(String, String)>,
    pub(super) retry_on_exit_codes: Vec<i32>,
    pub(super) gone_exit_codes: Vec<i32>,
    pub(super) force_new: Vec<Pointer>,
    pub(super) drift_mode: DriftMode,
    pub(super) drift_rules: DriftRules,
    pub(super) timeouts: Timeouts,
}

/// Parses the configuration at apply time, when every value is known.
pub(super) fn parse_for_apply(config: &Value, diags: &mut Diagnostics) -> Option<Settings> {
    ExecObjectArgs::decode(config, diags)
        .for_apply(diags)
        .map(settings)
}

/// Parses the arguments; `None` if any is invalid or not known yet.
pub(super) fn parse(v: &Value, diags: &mut Diagnostics) -> Option<Settings> {
    ExecObjectArgs::decode(v, diags).known().map(settings)
}

fn settings(a: ExecObjectArgs) -> Settings {
    let codes = |c: Option<Vec<ExitCode>>| c.unwrap_or_default().iter().map(|c| c.0).collect();
    let (drift_mode, drift_rules) = DriftBlock::settings(a.drift);
    Settings {
        create: a.create.0,
        read: a.read.map(|c| c.0),
        update: a.update.map(|c| c.0),
        delete: a.delete.map(|c| c.0),
        working_dir: a.working_dir.map(PathBuf::from),
        env: a.env.map(|e| e.0).unwrap_or_default(),
        sensitive_env: a.sensitive_env.map(|e| e.0).unwrap_or_default(),
        retry_on_exit_codes: codes(a.retry_on_exit_codes),
        gone_exit_codes: codes(a.gone_exit_codes),
        force_new: a
            .force_new
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.0)
            .collect(),
        drift_mode,
        drift_rules,
        timeouts: TimeoutsBlock::settings(a.timeouts),
    }
}
