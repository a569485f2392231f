//! Drift: comparing the fields a configuration manages with what the API
//! holds. Fields the server adds are not drift; key order, number spelling
//! and the order of configured unordered lists never are. The result is the
//! body to store so that `terraform plan` shows each drifted field changing
//! back to its configured value.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde_json::Value as Json;

use super::Value;
use super::json::{escape, from_json, number, push_escaped, semantically_equal, to_json};

/// What to leave out of the comparison, and which lists are sets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DriftRules {
    /// Pointers (into the body) never compared.
    pub ignore: BTreeSet<String>,
    /// Pointer of a list → the field that identifies its elements; `""`
    /// when the elements are plain values, each its own key.
    pub unordered: BTreeMap<String, String>,
    /// Pointer of an `unordered` list → the keys (canonical JSON text) of
    /// elements the server added in answer to the provider's own write:
    /// the server's, not drift.
    pub server_added: BTreeMap<String, BTreeSet<String>>,
}

/// The outcome of a comparison.
#[derive(Debug, PartialEq)]
pub struct Reconciled {
    /// The managed body as the API has it: the prior body itself when
    /// nothing drifted, so state does not change needlessly.
    pub body: Value,
    /// Pointers of the fields that drifted, outermost first.
    pub drifted: Vec<String>,
}

/// How the server spelled managed fields right after the provider wrote
/// them, where that differs from the configuration: pointer → the value
/// (one element), or no element for a field the server did not return.
pub type Spelling = BTreeMap<String, Vec<Json>>;

/// The server's spelling of `written` (the managed body just sent) in
/// `answer` (its representation right after): only what differs.
pub fn server_spelling(written: &Value, answer: &Json, rules: &DriftRules) -> Spelling {
    reconcile(written, answer, rules)
        .drifted
        .into_iter()
        .filter_map(|p| {
            let ptr = super::pointer::Pointer::parse(&p).ok()?;
            Some((p, ptr.get(answer).cloned().into_iter().collect()))
        })
        .collect()
}

/// Elements a server added to `unordered` lists in its answer to the
/// provider's own write (a system field it always lists): by list pointer,
/// their keys. Remembered, bounded, so that they are not drift later,
/// while an element added out of band still is.
pub type Added = BTreeMap<String, Vec<Json>>;

/// At most this many added elements are remembered per list, each by a key
/// at most `MAX_ADDED_KEY` bytes long: what is remembered costs state.
/// Beyond that, the others show as drift.
const MAX_ADDED: usize = 32;
const MAX_ADDED_KEY: usize = 256;

/// Canonical text of a key (numbers by value).
fn canonical(key: &Json) -> Option<String> {
    to_json(&from_json(key)).ok().map(|j| j.to_string())
}

/// The keys of the elements of each `unordered` list in `answer` (the
/// server's representation right after the write) that `written` (the
/// managed body sent) did not have.
pub fn server_added(written: &Value, answer: &Json, rules: &DriftRules) -> Added {
    let Ok(sent) = to_json(written) else {
        return Added::new();
    };
    let mut out = Added::new();
    for (list, key) in &rules.unordered {
        let Ok(ptr) = super::pointer::Pointer::parse(list) else {
            continue;
        };
        let (Some(Json::Array(remote)), Some(Json::Array(mine))) =
            (ptr.get(answer), ptr.get(&sent))
        else {
            continue;
        };
        let key_of = |j: &Json| if key.is_empty() { Some(j) } else { j.get(key) }.cloned();
        let ours: BTreeSet<String> = mine
            .iter()
            .filter_map(|j| key_of(j).and_then(|k| canonical(&k)))
            .collect();
        let added: Vec<Json> = remote
            .iter()
            .filter_map(key_of)
            .filter(|k| {
                canonical(k).is_some_and(|c| c.len() <= MAX_ADDED_KEY && !ours.contains(&c))
            })
            .take(MAX_ADDED)
            .collect();
        if !added.is_empty() {
            out.insert(list.clone(), added);
        }
    }
    out
}

/// `rules`, also ignoring the fields whose value in `actual` is still the
/// server's spelling of what was written (or still absent, if the server
/// never returned it): that is not drift, while any other value is; and
/// the elements the server added to keyed lists (`added`).
pub fn with_spelling(
    rules: &DriftRules,
    spelling: &Spelling,
    added: &Added,
    actual: &Json,
) -> DriftRules {
    if spelling.is_empty() && added.is_empty() {
        return rules.clone();
    }
    let mut out = rules.clone();
    for (list, keys) in added {
        out.server_added
            .entry(list.clone())
            .or_default()
            .extend(keys.iter().filter_map(canonical));
    }
    for (p, spelled) in spelling {
        let Ok(ptr) = super::pointer::Pointer::parse(p) else {
            continue;
        };
        let now = ptr.get(actual);
        let same = match (now, spelled.first()) {
            (None, None) => true,
            (Some(a), Some(b)) => semantically_equal(&from_json(a), &from_json(b)),
            _ => false,
        };
        if same {
            out.ignore.insert(p.clone());
        }
    }
    out
}

/// Compares the managed body (`prior`, as stored in state) with the API's
/// object. Null fields in `prior` are not managed.
pub fn reconcile(prior: &Value, actual: &Json, rules: &DriftRules) -> Reconciled {
    // Most refreshes find nothing: look first, without building anything,
    // and build the merged body only when something drifted.
    if !drifts(prior, Some(actual), &mut String::new(), rules) {
        return Reconciled {
            body: prior.clone(),
            drifted: Vec::new(),
        };
    }
    let mut drifted = Vec::new();
    let body = merge(prior, Some(actual), "", rules, &mut drifted);
    Reconciled { body, drifted }
}

/// Whether any managed field differs: the read-only half of `merge`, with
/// one path buffer instead of a string per field.
fn drifts(prior: &Value, actual: Option<&Json>, at: &mut String, rules: &DriftRules) -> bool {
    if matches!(prior, Value::Null(_) | Value::Unknown(_)) || rules.ignore.contains(at.as_str()) {
        return false;
    }
    let Some(actual) = actual else { return true };
    let child = |at: &mut String, token: Token, p: &Value, a: Option<&Json>| {
        let len = at.len();
        match token {
            Token::Key(k) => {
                at.push('/');
                push_escaped(at, k);
            }
            Token::Index(i) => {
                use std::fmt::Write;
                let _ = write!(at, "/{i}");
            }
        }
        let d = drifts(p, a, at, rules);
        at.truncate(len);
        d
    };
    match (prior, actual) {
        (Value::Object(fields) | Value::Map(_, fields), Json::Object(remote)) => fields
            .iter()
            .any(|(k, v)| child(at, Token::Key(k), v, remote.get(k))),
        (
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items),
            Json::Array(remote),
        ) => {
            if let Some(key) = rules.unordered.get(at.as_str()) {
                let mut found = Vec::new();
                merge_keyed(prior, items, remote, key, at, rules, &mut found);
                return !found.is_empty();
            }
            items.len() != remote.len()
                || items
                    .iter()
                    .zip(remote)
                    .enumerate()
                    .any(|(i, (p, r))| child(at, Token::Index(i), p, Some(r)))
        }
        (
            Value::Object(_) | Value::Map(..) | Value::List(..) | Value::Set(..) | Value::Tuple(_),
            _,
        ) => true,
        (Value::Bool(a), Json::Bool(b)) => a != b,
        (Value::String(a), Json::String(b)) => a != b,
        (Value::Number(a), Json::Number(b)) => number(b).is_none_or(|b| *a != b),
        _ => !semantically_equal(prior, &from_json(actual)),
    }
}

/// One step of a JSON Pointer.
enum Token<'a> {
    Key(&'a str),
    Index(usize),
}

fn merge(
    prior: &Value,
    actual: Option<&Json>,
    at: &str,
    rules: &DriftRules,
    drifted: &mut Vec<String>,
) -> Value {
    if rules.ignore.contains(at) || prior.is_null() || !prior.is_wholly_known() {
        return prior.clone();
    }
    let Some(actual) = actual else {
        // A managed field the API no longer has.
        drifted.push(pointer(at));
        return Value::Null(prior.ty());
    };
    match prior {
        Value::Object(fields) | Value::Map(_, fields) => {
            let Json::Object(remote) = actual else {
                return replaced(at, actual, drifted);
            };
            let before = drifted.len();
            let merged: BTreeMap<String, Value> = fields
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        merge(
                            v,
                            remote.get(k),
                            &format!("{at}/{}", escape(k)),
                            rules,
                            drifted,
                        ),
                    )
                })
                .collect();
            if drifted.len() == before {
                prior.clone()
            } else {
                Value::Object(merged)
            }
        }
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            let Json::Array(remote) = actual else {
                return replaced(at, actual, drifted);
            };
            match rules.unordered.get(at) {
                Some(key) => merge_keyed(prior, items, remote, key, at, rules, drifted),
                None if items.len() != remote.len() => replaced(at, actual, drifted),
                None => {
                    let before = drifted.len();
                    let merged: Vec<Value> = items
                        .iter()
                        .zip(remote)
                        .enumerate()
                        .map(|(i, (p, r))| merge(p, Some(r), &format!("{at}/{i}"), rules, drifted))
                        .collect();
                    if drifted.len() == before {
                        prior.clone()
                    } else {
                        Value::Tuple(merged)
                    }
                }
            }
        }
        _ => {
            if semantically_equal(prior, &from_json(actual)) {
                prior.clone()
            } else {
                replaced(at, actual, drifted)
            }
        }
    }
}

/// A list whose elements are matched by a key field, not by position.
fn merge_keyed(
    prior: &Value,
    items: &[Value],
    remote: &[Json],
    key: &str,
    at: &str,
    rules: &DriftRules,
    drifted: &mut Vec<String>,
) -> Value {
    // Canonical text of a key (numbers by value), for a hash index: linear
    // in the list's length, not quadratic.
    let canon = |v: &Value| to_json(v).map(|j| j.to_string()).ok();
    let key_of_json = |j: &Json| {
        if key.is_empty() { Some(j) } else { j.get(key) }.and_then(|k| canon(&from_json(k)))
    };
    let mut index: HashMap<String, VecDeque<usize>> = HashMap::new();
    for (j, r) in remote.iter().enumerate() {
        if let Some(k) = key_of_json(r) {
            index.entry(k).or_default().push_back(j);
        }
    }
    let before = drifted.len();
    let mut used = vec![false; remote.len()];
    let mut merged = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let here = format!("{at}/{i}");
        let wanted = if key.is_empty() {
            Some(item)
        } else {
            item.get(key)
        };
        let found = wanted
            .and_then(canon)
            .and_then(|k| index.get_mut(&k))
            .and_then(VecDeque::pop_front);
        match found {
            Some(j) => {
                if let Some(u) = used.get_mut(j) {
                    *u = true;
                }
                merged.push(merge(item, remote.get(j), &here, rules, drifted));
            }
            // The element is gone remotely: drop it, so the plan adds it back.
            None => drifted.push(pointer(&here)),
        }
    }
    let theirs = rules.server_added.get(at);
    for (r, _) in remote.iter().zip(&used).filter(|(_, used)| !**used) {
        if theirs.is_some_and(|t| key_of_json(r).is_some_and(|k| t.contains(&k))) {
            // The server's own element, there since the provider's write.
            continue;
        }
        drifted.push(pointer(&format!("{at}/{}", merged.len())));
        merged.push(from_json(r));
    }
    if drifted.len() == before {
        prior.clone()
    } else {
        Value::Tuple(merged)
    }
}

fn replaced(at: &str, actual: &Json, drifted: &mut Vec<String>) -> Value {
    drifted.push(pointer(at));
    from_json(actual)
}

fn pointer(at: &str) -> String {
    if at.is_empty() {
        "/".to_owned()
    } else {
        at.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(j: Json) -> Value {
        from_json(&j)
    }

    #[test]
    fn server_additions_order_and_number_spelling_are_not_drift() {
        let prior = body(json!({"name": "a", "limits": {"cpu": 1}, "tags": ["x", "y"]}));
        let actual: Json = serde_json::from_str(
            r#"{"tags":["x","y"],"limits":{"mem":4,"cpu":1.0},"id":7,"created_at":"now","name":"a"}"#,
        )
        .unwrap();
        let r = reconcile(&prior, &actual, &DriftRules::default());
        assert!(r.drifted.is_empty(), "{:?}", r.drifted);
        assert_eq!(r.body, prior);
    }

    #[test]
    fn a_changed_field_is_reported_and_stored_as_the_api_has_it() {
        let prior = body(json!({"name": "a", "enabled": true, "limits": {"cpu": 1}}));
        let r = reconcile(
            &prior,
            &json!({"name": "a", "enabled": false, "limits": {"cpu": 2}}),
            &DriftRules::default(),
        );
        assert_eq!(r.drifted, ["/enabled", "/limits/cpu"]);
        assert_eq!(
            r.body,
            body(json!({"name": "a", "enabled": false, "limits": {"cpu": 2}}))
        );
    }

    #[test]
    fn a_removed_field_becomes_null() {
        let prior = body(json!({"name": "a", "owner": "me"}));
        let r = reconcile(&prior, &json!({"name": "a"}), &DriftRules::default());
        assert_eq!(r.drifted, ["/owner"]);
        assert!(r.body.get("owner").unwrap().is_null());
    }

    #[test]
    fn ignored_pointers_are_never_compared() {
        let prior = body(json!({"name": "a", "meta": {"rev": 1}}));
        let rules = DriftRules {
            ignore: ["/meta/rev".to_owned()].into(),
            ..Default::default()
        };
        let r = reconcile(&prior, &json!({"name": "a", "meta": {"rev": 9}}), &rules);
        assert!(r.drifted.is_empty());
    }

    #[test]
    fn unordered_lists_match_by_key() {
        let prior = body(json!({"rules": [{"id": "a", "v": 1}, {"id": "b", "v": 2}]}));
        let rules = DriftRules {
            unordered: [("/rules".to_owned(), "id".to_owned())].into(),
            ..Default::default()
        };
        let same = json!({"rules": [{"id": "b", "v": 2}, {"id": "a", "v": 1, "extra": true}]});
        assert!(reconcile(&prior, &same, &rules).drifted.is_empty());

        let changed = json!({"rules": [{"id": "b", "v": 3}, {"id": "a", "v": 1}]});
        let r = reconcile(&prior, &changed, &rules);
        assert_eq!(r.drifted, ["/rules/1/v"]);

        let extra =
            json!({"rules": [{"id": "b", "v": 2}, {"id": "a", "v": 1}, {"id": "c", "v": 0}]});
        assert_eq!(reconcile(&prior, &extra, &rules).drifted, ["/rules/2"]);
    }

    #[test]
    fn unordered_plain_values_are_a_set() {
        let prior = body(json!({"ips": ["10.0.0.1", "10.0.0.2"]}));
        let rules = DriftRules {
            unordered: [("/ips".to_owned(), String::new())].into(),
            ..Default::default()
        };
        assert!(
            reconcile(&prior, &json!({"ips": ["10.0.0.2", "10.0.0.1"]}), &rules)
                .drifted
                .is_empty()
        );
        assert_eq!(
            reconcile(&prior, &json!({"ips": ["10.0.0.2", "10.0.0.9"]}), &rules).drifted,
            ["/ips/0", "/ips/1"]
        );
    }

    #[test]
    fn ordered_lists_compare_by_position() {
        let prior = body(json!({"l": [1, 2]}));
        assert_eq!(
            reconcile(&prior, &json!({"l": [2, 1]}), &DriftRules::default()).drifted,
            ["/l/0", "/l/1"]
        );
        assert_eq!(
            reconcile(&prior, &json!({"l": [1]}), &DriftRules::default()).drifted,
            ["/l"]
        );
    }

    fn arb_json() -> impl proptest::strategy::Strategy<Value = Json> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            (0i64..4).prop_map(|n| json!(n)),
            prop_oneof![Just("a"), Just("b"), Just("x/y~z")].prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                prop::collection::btree_map(
                    prop_oneof![Just("k"), Just("n"), Just("a/b")].prop_map(String::from),
                    inner,
                    0..3
                )
                .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// The quick look and the full merge agree on whether anything drifted.
        #[test]
        fn the_quick_look_agrees_with_the_merge(prior in arb_json(), actual in arb_json(), same in proptest::bool::ANY) {
            let actual = if same { prior.clone() } else { actual };
            let rules = DriftRules { unordered: [("/k".to_owned(), "n".to_owned())].into(), ignore: ["/a~1b".to_owned()].into(), server_added: [("/k".to_owned(), ["\"sys\"".to_owned()].into())].into() };
            let prior = from_json(&prior);
            let mut full = Vec::new();
            merge(&prior, Some(&actual), "", &rules, &mut full);
            proptest::prop_assert_eq!(drifts(&prior, Some(&actual), &mut String::new(), &rules), !full.is_empty());
        }
    }

    #[test]
    fn null_fields_are_unmanaged() {
        let prior = body(json!({"a": null, "b": 1}));
        assert!(
            reconcile(&prior, &json!({"a": 5, "b": 1}), &DriftRules::default())
                .drifted
                .is_empty()
        );
    }

    #[test]
    fn the_servers_spelling_of_a_written_value_is_not_drift_and_a_change_is() {
        let written = from_json(&json!({"at": "2026-12-03T09:00:00Z", "secret": "s", "n": 1}));
        let answer = json!({"at": "2026-12-03T09:00:00.000Z", "n": 1, "id": 7});
        let spelling = server_spelling(&written, &answer, &DriftRules::default());
        assert_eq!(spelling.len(), 2, "{spelling:?}");
        assert_eq!(spelling["/secret"], Vec::<Json>::new(), "never returned");
        // Read again later, unchanged: no drift.
        let rules = with_spelling(&DriftRules::default(), &spelling, &Added::new(), &answer);
        assert!(reconcile(&written, &answer, &rules).drifted.is_empty());
        // Changed outside Terraform: drift, and the plan reverts it.
        let changed = json!({"at": "2027-01-01T00:00:00.000Z", "n": 1, "secret": "x"});
        let rules = with_spelling(&DriftRules::default(), &spelling, &Added::new(), &changed);
        assert_eq!(
            reconcile(&written, &changed, &rules).drifted,
            ["/at", "/secret"]
        );
    }

    #[test]
    fn elements_the_server_added_to_a_keyed_list_are_its_own_not_drift() {
        let rules = DriftRules {
            unordered: [("/fields".to_owned(), "name".to_owned())].into(),
            ..DriftRules::default()
        };
        let written = from_json(&json!({"fields": [{"name": "title"}, {"name": "body"}]}));
        let answer = json!({"fields": [
            {"name": "id", "system": true}, {"name": "body"}, {"name": "title"}
        ]});
        let added = server_added(&written, &answer, &rules);
        assert_eq!(added["/fields"], vec![json!("id")]);
        // Read again: the server's element is not drift.
        let rules = with_spelling(&rules, &Spelling::new(), &added, &answer);
        assert!(reconcile(&written, &answer, &rules).drifted.is_empty());
        // An element added out of band still is; one the configuration
        // dropped (still on the server, never the server's) is too.
        let other = json!({"fields": [
            {"name": "id"}, {"name": "body"}, {"name": "title"}, {"name": "extra"}
        ]});
        assert_eq!(reconcile(&written, &other, &rules).drifted, ["/fields/2"]);
        let fewer = from_json(&json!({"fields": [{"name": "title"}]}));
        assert_eq!(reconcile(&fewer, &answer, &rules).drifted, ["/fields/1"]);
    }

    #[test]
    fn what_is_remembered_of_added_elements_is_bounded() {
        let rules = DriftRules {
            unordered: [("/l".to_owned(), String::new())].into(),
            ..DriftRules::default()
        };
        let many: Vec<Json> = (0..1000).map(|i| json!(format!("k{i}"))).collect();
        let long = json!("x".repeat(10_000));
        let answer = json!({"l": many.iter().chain([&long]).collect::<Vec<_>>()});
        let added = server_added(&from_json(&json!({"l": []})), &answer, &rules);
        assert_eq!(added["/l"].len(), MAX_ADDED);
        assert!(!added["/l"].contains(&long));
    }
}
