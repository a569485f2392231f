//! The arguments of driver_exec_object, parsed and checked.

use std::path::PathBuf;

use super::super::common::{
    DriftMode, Timeouts, parse_drift, parse_timeouts, pointer_list, string_map, strings,
};
use crate::drift::DriftRules;
use crate::pointer::Pointer;
use crate::{AttributePath, Diagnostics, Value};

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
    let parsed = parse(config, diags);
    if parsed.is_none() && !diags.has_error() {
        diags.error(
            "Configuration not known at apply",
            "Some arguments are still unknown during apply. This is a bug in the provider; please \
             report it.",
        );
    }
    parsed
}

/// Parses the arguments; `None` if any is invalid or unknown.
pub(super) fn parse(v: &Value, diags: &mut Diagnostics) -> Option<Settings> {
    let mut known = true;
    let root = AttributePath::default();
    let command = |name: &str, diags: &mut Diagnostics, known: &mut bool| -> Option<Vec<String>> {
        let items = v.get(name).filter(|x| !x.is_null())?;
        let argv: Vec<String> = strings(Some(items), known)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        if *known && argv.is_empty() {
            diags.attribute_error(
                root.attr(name),
                "Empty command",
                format!("{name} needs at least a program, as in [\"./{name}.sh\"]."),
            );
        } else if *known && argv.first().is_some_and(String::is_empty) {
            diags.attribute_error(
                root.attr(name).index(0),
                "Empty program",
                "The first element is the program to run.",
            );
        }
        Some(argv)
    };
    let create = command("create", diags, &mut known);
    let read = command("read", diags, &mut known);
    let update = command("update", diags, &mut known);
    let delete = command("delete", diags, &mut known);
    let working_dir = match v.get("working_dir") {
        Some(Value::String(s)) => Some(PathBuf::from(s)),
        Some(x) if !x.is_wholly_known() => {
            known = false;
            None
        }
        _ => None,
    };
    let env = string_map(v, "env", &mut known);
    for (k, _) in &env {
        check_env_name(k, &root.attr("env").key(k), diags);
    }
    let sensitive_env = string_map(v, "sensitive_env", &mut known);
    for (k, _) in &sensitive_env {
        check_env_name(k, &root.attr("sensitive_env").key(k), diags);
    }
    let retry_on_exit_codes = exit_codes(v, "retry_on_exit_codes", diags, &mut known);
    let gone_exit_codes = exit_codes(v, "gone_exit_codes", diags, &mut known);
    let force_new = pointer_list(
        v.get("force_new"),
        &root.attr("force_new"),
        diags,
        &mut known,
    );
    let (drift_mode, drift_rules) = match v.get("drift") {
        Some(d @ Value::Object(_)) => parse_drift(d, &root.attr("drift"), diags, &mut known),
        _ => (DriftMode::Revert, DriftRules::default()),
    };
    let timeouts = match v.get("timeouts") {
        Some(t @ Value::Object(_)) => parse_timeouts(t, &root.attr("timeouts"), diags, &mut known),
        _ => Timeouts::default(),
    };
    if diags.has_error() || !known {
        return None;
    }
    Some(Settings {
        create: create?,
        read,
        update,
        delete,
        working_dir,
        env,
        sensitive_env,
        retry_on_exit_codes,
        gone_exit_codes,
        force_new,
        drift_mode,
        drift_rules,
        timeouts,
    })
}

fn check_env_name(k: &str, at: &AttributePath, diags: &mut Diagnostics) {
    if k.is_empty() || k.contains(['=', '\0']) {
        diags.attribute_error(
            at.clone(),
            "Invalid environment variable name",
            format!("{k:?} cannot be a variable name (no \"=\" or NUL, not empty)."),
        );
    }
}

fn exit_codes(v: &Value, name: &str, diags: &mut Diagnostics, known: &mut bool) -> Vec<i32> {
    let Some(Value::List(_, items)) = v.get(name) else {
        if v.get(name).is_some_and(|x| !x.is_wholly_known()) {
            *known = false;
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        match it {
            Value::Number(n) => match n.as_i64().filter(|c| (1..=255).contains(c)) {
                Some(c) => out.push(c as i32),
                None => diags.attribute_error(
                    AttributePath::root(name).index(i),
                    "Invalid exit code",
                    format!("{n} is not a failure exit code; use a whole number from 1 to 255."),
                ),
            },
            Value::Unknown(_) => *known = false,
            _ => {}
        }
    }
    out
}
