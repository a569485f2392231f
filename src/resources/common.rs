//! What every resource type shares: the `drift` and `timeouts` blocks
//! (declared once, with what they turn into) and the comparisons drift and
//! replacement use.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use framework::settings::{Choice, FieldPointer, Settings};

use crate::drift::DriftRules;
use crate::pointer::Pointer;
use crate::{AttributePath, Diagnostics, Value};

/// What `drift.mode` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Choice)]
#[choice(what = "drift mode")]
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

/// How drift in the managed fields is handled.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct DriftBlock {
    /// `"revert"`: plan shows an in-place update back to the configuration.
    /// `"warn"`: a warning names each drifted JSON Pointer and nothing is
    /// planned. `"ignore"`: drift is not reported.
    #[setting(default = "revert")]
    pub(crate) mode: DriftMode,
    /// JSON Pointers of managed fields that are never compared, such as
    /// `["/meta/revision"]`.
    pub(crate) ignore: Option<Vec<FieldPointer>>,
    /// Lists compared without regard to order: JSON Pointer of the list →
    /// the field that identifies its elements, such as
    /// `{ "/rules" = "id" }`; `""` for lists of plain values, such as
    /// `{ "/ips" = "" }`. An element the server adds to such a list in its
    /// answer to the provider's write (a system entry) is the server's, not
    /// drift; one added out of band still is.
    pub(crate) unordered: Option<UnorderedLists>,
}

impl DriftBlock {
    /// The mode and the comparison rules; no block: revert, compare all.
    pub(crate) fn settings(block: Option<DriftBlock>) -> (DriftMode, DriftRules) {
        let Some(b) = block else {
            return (DriftMode::Revert, DriftRules::default());
        };
        let ignore: BTreeSet<String> = b
            .ignore
            .unwrap_or_default()
            .iter()
            .map(|p| p.0.to_string())
            .collect();
        let unordered = b.unordered.map(|u| u.0).unwrap_or_default();
        (
            b.mode,
            DriftRules {
                ignore,
                unordered,
                server_added: Default::default(),
            },
        )
    }
}

/// `drift.unordered`: lists by pointer (to a list inside the body) → key
/// field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnorderedLists(BTreeMap<String, String>);

impl framework::settings::Setting for UnorderedLists {
    fn ty() -> crate::Type {
        crate::Type::map(crate::Type::String)
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let map = BTreeMap::<String, String>::decode(v, at, d)?;
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (list, key) in map {
            let p = at.key(&list);
            match Pointer::parse(&list) {
                Ok(ptr) if !ptr.tokens().is_empty() => {
                    out.insert(ptr.to_string(), key);
                }
                Ok(_) => {
                    d.attribute_error(
                        p,
                        "Invalid JSON Pointer",
                        "Name a list inside the body, as in \"/rules\".",
                    );
                    ok = false;
                }
                Err(e) => {
                    d.attribute_error(p, "Invalid JSON Pointer", e);
                    ok = false;
                }
            }
        }
        ok.then_some(UnorderedLists(out))
    }
}

/// Time limits per operation, as durations such as `"10m"`. Retries and
/// waits stop at the limit.
#[derive(Debug, Clone, PartialEq, Settings)]
pub(crate) struct TimeoutsBlock {
    /// Limit for creating the object.
    create: Option<Timeout>,
    /// Limit for reading it.
    read: Option<Timeout>,
    /// Limit for updating it.
    update: Option<Timeout>,
    /// Limit for deleting it.
    delete: Option<Timeout>,
}

/// One operation's time limit: a duration longer than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Timeout(Duration);

impl framework::settings::Setting for Timeout {
    fn ty() -> crate::Type {
        crate::Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = <String as framework::settings::Setting>::decode(v, at, d)?;
        match crate::parse_duration(&text) {
            Ok(t) if !t.is_zero() => Some(Timeout(t)),
            Ok(_) => {
                d.attribute_error(
                    at.clone(),
                    "Invalid timeout",
                    "A timeout must be longer than zero.",
                );
                None
            }
            Err(e) => {
                d.attribute_error(at.clone(), "Invalid timeout", e);
                None
            }
        }
    }
}

impl TimeoutsBlock {
    /// The limits; no block: none.
    pub(crate) fn settings(block: Option<TimeoutsBlock>) -> Timeouts {
        let Some(b) = block else {
            return Timeouts::default();
        };
        Timeouts {
            create: b.create.map(|d| d.0),
            read: b.read.map(|d| d.0),
            update: b.update.map(|d| d.0),
            delete: b.delete.map(|d| d.0),
        }
    }
}

/// A collection path: `/` first, a clean path, perhaps with a query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CollectionPath(pub(crate) String);

impl framework::settings::Setting for CollectionPath {
    fn ty() -> crate::Type {
        crate::Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let written = <String as framework::settings::Setting>::decode(v, at, d)?;
        // `posts` means `/posts`, as restful and most HTTP clients take a
        // path relative to the base URL.
        let p = match written.starts_with('/') {
            true => written,
            false => format!("/{written}"),
        };
        let checked = crate::template::check_literal_path(&p);
        match checked {
            Ok(()) => Some(CollectionPath(p)),
            Err(e) => {
                d.attribute_error(at.clone(), "Invalid path", e);
                None
            }
        }
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
