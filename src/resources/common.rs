//! What every resource type shares: the `drift` and `timeouts` blocks
//! (schema and parsing) and typed reads of list and map arguments that
//! tolerate unknown values.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::drift::DriftRules;
use crate::pointer::Pointer;
use crate::{
    Attribute, AttributePath, Block, Diagnostics, NestedBlock, Type, Value, parse_duration,
};

/// What `drift.mode` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DriftMode {
    /// Plan a change back to the configuration.
    Revert,
    /// Warn, naming each drifted pointer, and plan nothing.
    Warn,
    /// Say nothing.
    Ignore,
}

/// Per-operation time limits.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Timeouts {
    pub(crate) create: Option<Duration>,
    pub(crate) read: Option<Duration>,
    pub(crate) update: Option<Duration>,
    pub(crate) delete: Option<Duration>,
}

impl DriftMode {
    /// The mode as configured, for records.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DriftMode::Revert => "revert",
            DriftMode::Warn => "warn",
            DriftMode::Ignore => "ignore",
        }
    }
}

/// What refresh stores for the managed value after a comparison: the API's
/// values (revert: plan shows the change back), or the prior value with a
/// warning naming the drifted pointers (warn), or silently (ignore).
pub(crate) fn settle_drift(
    mode: DriftMode,
    reconciled: crate::drift::Reconciled,
    prior: Value,
    target: &str,
    diags: &mut Diagnostics,
) -> Value {
    match mode {
        DriftMode::Revert => reconciled.body,
        DriftMode::Warn => {
            if !reconciled.drifted.is_empty() {
                diags.warning(
                    "Drift detected",
                    format!(
                        "{target}: these managed fields differ from the configuration: {}. drift.mode is \"warn\", \
                         so nothing is planned; set it to \"revert\" to plan a change back.",
                        reconciled.drifted.join(", ")
                    ),
                );
            }
            prior
        }
        DriftMode::Ignore => prior,
    }
}

/// The `drift` block; `what` names the attribute compared ("body", "input").
pub(crate) fn drift_block(what: &str) -> NestedBlock {
    NestedBlock::single(
        "drift",
        Block::new(
            "How drift in the managed fields is handled.",
            vec![
                Attribute::optional("mode", Type::String).describe(
                    "`\"revert\"` (default): plan shows an in-place update back to the \
                     configuration. `\"warn\"`: a warning names each drifted JSON Pointer and \
                     nothing is planned. `\"ignore\"`: drift is not reported.",
                ),
                Attribute::optional("ignore", Type::list(Type::String)).describe(&format!(
                    "JSON Pointers into `{what}` that are never compared, such as `[\"/meta/revision\"]`."
                )),
                Attribute::optional("unordered", Type::map(Type::String)).describe(
                    "Lists compared without regard to order: JSON Pointer of the list → the field that \
                     identifies its elements, such as `{ \"/rules\" = \"id\" }`; `\"\"` for lists of plain \
                     values, such as `{ \"/ips\" = \"\" }`.",
                ),
            ],
            vec![],
        ),
    )
}

/// The `timeouts` block.
pub(crate) fn timeouts_block() -> NestedBlock {
    NestedBlock::single(
        "timeouts",
        Block::new(
            "Time limits per operation, as durations such as `\"10m\"`. Retries and waits stop at the limit.",
            vec![
                Attribute::optional("create", Type::String)
                    .describe("Limit for creating the object."),
                Attribute::optional("read", Type::String).describe("Limit for reading it."),
                Attribute::optional("update", Type::String).describe("Limit for updating it."),
                Attribute::optional("delete", Type::String).describe("Limit for deleting it."),
            ],
            vec![],
        ),
    )
}

pub(crate) fn string_map(v: &Value, name: &str, known: &mut bool) -> Vec<(String, String)> {
    match v.get(name) {
        Some(Value::Map(_, m)) => m
            .iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k.clone(), s.clone())),
                Value::Unknown(_) => {
                    *known = false;
                    None
                }
                _ => None,
            })
            .collect(),
        Some(Value::Unknown(_)) => {
            *known = false;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

pub(crate) fn strings(v: Option<&Value>, known: &mut bool) -> Vec<(usize, String)> {
    match v {
        Some(Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| match it {
                Value::String(s) => Some((i, s.clone())),
                Value::Unknown(_) => {
                    *known = false;
                    None
                }
                _ => None,
            })
            .collect(),
        Some(Value::Unknown(_)) => {
            *known = false;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Whether the value at any of `pointers` differs between two bodies
/// (`force_new`: such a change replaces the object).
pub(crate) fn changed_at_any(pointers: &[Pointer], prior: &Value, new: &Value) -> bool {
    pointers
        .iter()
        .any(|p| match (p.get_value(prior), p.get_value(new)) {
            (Some(a), Some(b)) => !crate::json::semantically_equal(a, b),
            (None, None) => false,
            _ => true,
        })
}

pub(crate) fn pointer_list(
    v: Option<&Value>,
    at: &AttributePath,
    diags: &mut Diagnostics,
    known: &mut bool,
) -> Vec<Pointer> {
    strings(v, known)
        .into_iter()
        .filter_map(|(i, s)| match Pointer::parse(&s) {
            Ok(p) if !p.tokens().is_empty() => Some(p),
            Ok(_) => {
                diags.attribute_error(
                    at.index(i),
                    "Invalid JSON Pointer",
                    "\"\" points at the whole body; name a field, as in \"/name\".",
                );
                None
            }
            Err(e) => {
                diags.attribute_error(at.index(i), "Invalid JSON Pointer", e);
                None
            }
        })
        .collect()
}

pub(crate) fn parse_drift(
    d: &Value,
    at: &AttributePath,
    diags: &mut Diagnostics,
    known: &mut bool,
) -> (DriftMode, DriftRules) {
    let mode = match d.get("mode") {
        Some(Value::String(s)) => match s.as_str() {
            "revert" => DriftMode::Revert,
            "warn" => DriftMode::Warn,
            "ignore" => DriftMode::Ignore,
            other => {
                diags.attribute_error(
                    at.attr("mode"),
                    "Invalid drift mode",
                    format!("{other:?} is not a mode; use \"revert\", \"warn\" or \"ignore\"."),
                );
                DriftMode::Revert
            }
        },
        Some(Value::Unknown(_)) => {
            *known = false;
            DriftMode::Revert
        }
        _ => DriftMode::Revert,
    };
    let ignore: BTreeSet<String> = pointer_list(d.get("ignore"), &at.attr("ignore"), diags, known)
        .iter()
        .map(Pointer::to_string)
        .collect();
    let mut unordered = BTreeMap::new();
    for (list, key) in string_map(d, "unordered", known) {
        let p = at.attr("unordered").key(&list);
        match Pointer::parse(&list) {
            Ok(ptr) if !ptr.tokens().is_empty() => {
                unordered.insert(ptr.to_string(), key);
            }
            Ok(_) => diags.attribute_error(
                p,
                "Invalid JSON Pointer",
                "Name a list inside the body, as in \"/rules\".",
            ),
            Err(e) => diags.attribute_error(p, "Invalid JSON Pointer", e),
        }
    }
    (mode, DriftRules { ignore, unordered })
}

pub(crate) fn parse_timeouts(
    t: &Value,
    at: &AttributePath,
    diags: &mut Diagnostics,
    known: &mut bool,
) -> Timeouts {
    let mut one = |name: &str| match t.get(name) {
        Some(Value::String(s)) => match parse_duration(s) {
            Ok(d) if !d.is_zero() => Some(d),
            Ok(_) => {
                diags.attribute_error(
                    at.attr(name),
                    "Invalid timeout",
                    "A timeout must be longer than zero.",
                );
                None
            }
            Err(e) => {
                diags.attribute_error(at.attr(name), "Invalid timeout", e);
                None
            }
        },
        Some(Value::Unknown(_)) => {
            *known = false;
            None
        }
        _ => None,
    };
    Timeouts {
        create: one("create"),
        read: one("read"),
        update: one("update"),
        delete: one("delete"),
    }
}
