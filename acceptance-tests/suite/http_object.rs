//! driver_http_object against the demo API: clean plans after apply,
//! drift shown and reverted, remote deletes re-created, import, data source,
//! and diagnostics that name the attribute.

use demo_api::Running;
use serde_json::json;

use crate::harness::Workdir;

fn provider_block(api: &Running) -> String {
    format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n",
        api.url()
    )
}

const FLAG_RESOURCE: &str = r#"
resource "driver_http_object" "flag" {
  path = "/flags"
  body = {
    name    = "checkout-v2"
    enabled = true
    rollout = { percent = 10, regions = ["eu", "us"] }
  }
}
"#;

const FLAG: &str = concat!(
    r#"
resource "driver_http_object" "flag" {
  path = "/flags"
  body = {
    name    = "checkout-v2"
    enabled = true
    rollout = { percent = 10, regions = ["eu", "us"] }
  }
}
"#,
    r#"
output "id" {
  value = driver_http_object.flag.id
}
"#
);

fn apply(wd: &Workdir) {
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
}

/// `terraform plan -detailed-exitcode`: 0 clean, 2 changes.
fn plan(wd: &Workdir) -> crate::harness::Run {
    wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
}

/// The `body` part of a plan's resource diff (the computed `response`
/// that follows it lists the whole old server object).
fn body_diff(plan: &str) -> &str {
    let start = plan.find("~ body").unwrap_or(0);
    let end = plan[start..]
        .find("response")
        .map_or(plan.len(), |e| start + e);
    &plan[start..end]
}

fn state_id(wd: &Workdir) -> String {
    let out = wd.run(&["output", "-raw", "id"]).expect_code(0);
    out.stdout.trim().to_owned()
}

#[test]
fn apply_then_plan_is_clean_despite_server_fields_order_and_number_spelling() {
    let api = Running::start();
    let wd = Workdir::new(&format!("{}{FLAG}", provider_block(&api)));
    apply(&wd);
    let id = state_id(&wd);
    let stored = api
        .get(&format!("/flags/{id}"))
        .expect("object created on the server");
    // The server added fields and re-spelled 10 as 10.0 ...
    assert_eq!(stored["rollout"]["percent"].to_string(), "10.0");
    assert!(stored.get("created_at").is_some());
    // ... and none of that is a diff.
    let p = plan(&wd);
    assert_eq!(
        p.code(),
        0,
        "plan after apply must be clean:\n{}\n{}",
        p.stdout,
        p.stderr
    );
    assert_eq!(api.list("/flags").len(), 1);
}

#[test]
fn remote_edit_shows_in_plan_and_apply_reverts_it() {
    let api = Running::start();
    let wd = Workdir::new(&format!("{}{FLAG}", provider_block(&api)));
    apply(&wd);
    let path = format!("/flags/{}", state_id(&wd));

    // Someone flips the flag off and adds a field of their own.
    assert!(api.edit(&path, json!({"enabled": false, "owner": "someone"})));
    let p = plan(&wd);
    assert_eq!(
        p.code(),
        2,
        "drift must be a planned change:\n{}\n{}",
        p.stdout,
        p.stderr
    );
    assert!(p.stdout.contains("update in-place"), "{}", p.stdout);
    assert!(
        p.stdout.contains("enabled") && p.stdout.contains("false -> true"),
        "{}",
        p.stdout
    );
    assert!(
        !body_diff(&p.stdout).contains("owner"),
        "server-side additions are not drift:\n{}",
        p.stdout
    );

    apply(&wd);
    assert_eq!(api.get(&path).unwrap()["enabled"], json!(true));
    assert_eq!(plan(&wd).code(), 0);
}

#[test]
fn remote_delete_is_planned_for_re_creation() {
    let api = Running::start();
    let wd = Workdir::new(&format!("{}{FLAG}", provider_block(&api)));
    apply(&wd);
    let first = state_id(&wd);
    assert!(api.delete(&format!("/flags/{first}")));

    let p = plan(&wd);
    assert_eq!(p.code(), 2, "{}\n{}", p.stdout, p.stderr);
    assert!(p.stdout.contains("will be created"), "{}", p.stdout);

    apply(&wd);
    let second = state_id(&wd);
    assert_ne!(first, second);
    assert_eq!(
        api.list("/flags").len(),
        1,
        "exactly one object exists again"
    );
    assert_eq!(plan(&wd).code(), 0);
}

#[test]
fn changing_the_body_updates_in_place_and_destroy_deletes() {
    let api = Running::start();
    let wd = Workdir::new(&format!("{}{FLAG}", provider_block(&api)));
    apply(&wd);
    let path = format!("/flags/{}", state_id(&wd));
    let puts_before = api.counters().method("PUT");

    std::fs::write(
        wd.path().join("main.tf"),
        std::fs::read_to_string(wd.path().join("main.tf"))
            .unwrap()
            .replace("percent = 10", "percent = 50"),
    )
    .unwrap();
    let p = plan(&wd);
    assert_eq!(p.code(), 2);
    assert!(p.stdout.contains("update in-place"), "{}", p.stdout);
    apply(&wd);
    assert_eq!(api.counters().method("PUT"), puts_before + 1);
    assert_eq!(
        api.get(&path).unwrap()["rollout"]["percent"].as_f64(),
        Some(50.0)
    );
    assert_eq!(plan(&wd).code(), 0);

    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(api.get(&path).is_none());
}

/// restful's `update_body_patches`: fields added to and removed from what
/// an update sends, and a change of the update settings alone sends the
/// object again (nothing else changed in the configuration). The path is
/// written relative, as restful takes it (`switches` is `/switches`).
#[test]
fn update_patches_add_and_remove_fields_and_resend_when_changed() {
    let api = Running::start();
    let config = |note: &str| {
        format!(
            r#"{}
resource "driver_http_object" "x" {{
  path          = "switches"
  update_method = "PATCH"
  body          = {{ name = "a", status = "on" }}
  update {{
    add_to_body      = {{ "/note" = "{note}" }}
    remove_from_body = ["/status", "/name"]
  }}
}}
"#,
            provider_block(&api)
        )
    };
    let wd = Workdir::new(&config("first"));
    apply(&wd);
    assert_eq!(plan(&wd).code(), 0);
    let id = wd.resources()[0]["values"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Only the update block changes: the object is sent again.
    wd.set(&config("second"));
    let p = plan(&wd);
    assert_eq!(p.code(), 2, "{}", p.stdout);
    apply(&wd);
    let log = api.counters().log;
    assert!(
        log.iter()
            .any(|s| s.method == "POST" && s.path == "/switches")
    );
    let patches: Vec<_> = log.iter().filter(|s| s.method == "PATCH").collect();
    assert_eq!(patches.len(), 1, "{log:?}");
    let sent: serde_json::Value = serde_json::from_str(&patches[0].body).unwrap();
    assert_eq!(sent, json!({"note": "second"}), "status and name left out");
    let stored = api.get(&format!("/switches/{id}")).unwrap();
    assert_eq!(
        (&stored["note"], &stored["status"]),
        (&json!("second"), &json!("on"))
    );
    assert_eq!(plan(&wd).code(), 0, "clean after");
}

#[test]
fn response_fields_keep_only_the_named_fields_and_drift_is_still_seen() {
    let api = Running::start();
    let hcl = |fields: &str| {
        format!(
            r#"{}
resource "driver_http_object" "flag" {{
  path            = "/flags"
  body            = {{ name = "checkout-v2", enabled = true }}
  response_fields = {fields}
}}
output "id" {{
  value = driver_http_object.flag.id
}}
"#,
            provider_block(&api)
        )
    };
    let wd = Workdir::new(&hcl(r#"["/id"]"#));
    apply(&wd);
    let response = || wd.resources()[0]["values"]["response"].clone();
    let id = state_id(&wd);
    assert_eq!(
        response(),
        json!({"id": id.parse::<u64>().unwrap()}),
        "only the named field is stored"
    );
    assert_eq!(plan(&wd).code(), 0);

    // Drift is judged on the body, not on what response keeps.
    let path = format!("/flags/{id}");
    assert!(api.edit(&path, json!({"enabled": false})));
    let p = plan(&wd);
    assert_eq!(p.code(), 2, "{}\n{}", p.stdout, p.stderr);
    assert!(p.stdout.contains("false -> true"), "{}", p.stdout);
    apply(&wd);
    assert_eq!(api.get(&path).unwrap()["enabled"], json!(true));

    // Naming more fields reads the object again; nothing is sent.
    let (puts, patches) = (api.counters().method("PUT"), api.counters().method("PATCH"));
    let main = std::fs::read_to_string(wd.path().join("main.tf")).unwrap();
    std::fs::write(
        wd.path().join("main.tf"),
        main.replace(r#"["/id"]"#, r#"["/id", "/created_at", "/name"]"#),
    )
    .unwrap();
    apply(&wd);
    assert_eq!(
        (api.counters().method("PUT"), api.counters().method("PATCH")),
        (puts, patches)
    );
    let r = response();
    assert_eq!(r["name"], json!("checkout-v2"));
    assert!(
        r["created_at"].is_string() && r.get("enabled").is_none(),
        "{r}"
    );
    assert_eq!(plan(&wd).code(), 0);
}

#[test]
fn force_new_pointer_replaces_the_object() {
    let api = Running::start();
    let hcl = format!(
        "{}{}",
        provider_block(&api),
        FLAG.replace(
            "path = \"/flags\"",
            "path = \"/flags\"\n  force_new = [\"/name\"]"
        )
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    let first = state_id(&wd);
    std::fs::write(
        wd.path().join("main.tf"),
        std::fs::read_to_string(wd.path().join("main.tf"))
            .unwrap()
            .replace("checkout-v2", "checkout-v3"),
    )
    .unwrap();
    let p = plan(&wd);
    assert_eq!(p.code(), 2);
    assert!(p.stdout.contains("must be replaced"), "{}", p.stdout);
    apply(&wd);
    assert_ne!(state_id(&wd), first);
    assert_eq!(api.list("/flags").len(), 1);
}

#[test]
fn warn_mode_names_the_drifted_pointer_and_plans_nothing() {
    let api = Running::start();
    let hcl = format!(
        "{}{}",
        provider_block(&api),
        FLAG.replace(
            "path = \"/flags\"",
            "path = \"/flags\"\n  drift {\n    mode = \"warn\"\n  }"
        )
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    assert!(api.edit(
        &format!("/flags/{}", state_id(&wd)),
        json!({"rollout": {"percent": 99}})
    ));
    let p = plan(&wd);
    assert_eq!(p.code(), 0, "{}\n{}", p.stdout, p.stderr);
    let all = format!("{}{}", p.stdout, p.stderr);
    assert!(
        all.contains("Drift detected") && all.contains("/rollout/percent"),
        "{all}"
    );
}

#[test]
fn unordered_lists_and_ignored_fields_do_not_cause_diffs() {
    let api = Running::start();
    let hcl = format!(
        "{}{}",
        provider_block(&api),
        r#"
resource "driver_http_object" "policy" {
  path = "/policies"
  body = {
    rules    = [{ id = "a", allow = true }, { id = "b", allow = false }]
    revision = 1
  }
  drift {
    ignore    = ["/revision"]
    unordered = { "/rules" = "id" }
  }
}
output "id" {
  value = driver_http_object.policy.id
}
"#
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    let path = format!("/policies/{}", state_id(&wd));
    assert!(api.edit(
        &path,
        json!({"rules": [{"id": "b", "allow": false}, {"id": "a", "allow": true}], "revision": 7})
    ));
    let p = plan(&wd);
    assert_eq!(
        p.code(),
        0,
        "reordered keyed list and ignored field are not drift:\n{}",
        p.stdout
    );
    assert!(api.edit(
        &path,
        json!({"rules": [{"id": "b", "allow": true}, {"id": "a", "allow": true}]})
    ));
    assert_eq!(plan(&wd).code(), 2);
}

#[test]
fn import_with_named_fields_gives_a_clean_first_plan() {
    let api = Running::start();
    // An object that exists before Terraform knows it.
    let seed = Workdir::new(&format!("{}{FLAG}", provider_block(&api)));
    apply(&seed);
    let id = state_id(&seed);

    let hcl = format!(
        r#"{}
import {{
  to = driver_http_object.flag
  id = jsonencode({{ path = "/flags/{id}", body = ["name", "enabled", "rollout"] }})
}}
{FLAG_RESOURCE}"#,
        provider_block(&api)
    );
    if crate::harness::terraform_supports_import_blocks() {
        let wd = Workdir::new(&hcl);
        let p = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
        assert!(
            p.stdout
                .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
            "{}\n{}",
            p.stdout,
            p.stderr
        );
    }
    // The CLI route works on every version. (No outputs here: Terraform 1.0
    // counts a new output value as a change.)
    let wd = Workdir::new(&format!("{}{FLAG_RESOURCE}", provider_block(&api)));
    let import_id = format!(r#"{{"path": "/flags/{id}", "body": ["name", "enabled", "rollout"]}}"#);
    wd.run(&[
        "import",
        "-input=false",
        "-no-color",
        "driver_http_object.flag",
        &import_id,
    ])
    .expect_code(0);
    let p = plan(&wd);
    assert_eq!(
        p.code(),
        0,
        "first plan after import must be clean:\n{}\n{}",
        p.stdout,
        p.stderr
    );
}

#[test]
fn data_source_reads_an_object() {
    let api = Running::start();
    let seed = Workdir::new(&format!("{}{FLAG}", provider_block(&api)));
    apply(&seed);
    let id = state_id(&seed);
    let hcl = format!(
        "{}\ndata \"driver_http_object\" \"flag\" {{\n  path = \"/flags\"\n  id   = \"{id}\"\n}}\noutput \"name\" {{\n  value = data.driver_http_object.flag.response.name\n}}\n",
        provider_block(&api)
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    assert_eq!(
        wd.run(&["output", "-raw", "name"])
            .expect_code(0)
            .stdout
            .trim(),
        "checkout-v2"
    );
}

/// Runs `terraform validate -json` and returns its diagnostics.
fn validate(wd: &Workdir) -> Vec<serde_json::Value> {
    let v = wd.run(&["validate", "-json", "-no-color"]);
    assert_eq!(v.code(), 1, "{}", v.stdout);
    v.json()["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Asserts a diagnostic with `summary` exists and that Terraform shows it on
/// the line of `attr` (the provider sent the attribute path).
fn assert_points_at(diags: &[serde_json::Value], summary: &str, attr: &str) {
    let d = diags
        .iter()
        .find(|d| d["summary"].as_str().unwrap_or("").contains(summary))
        .unwrap_or_else(|| panic!("no {summary:?} in {diags:#?}"));
    let code = d["snippet"]["code"].as_str().unwrap_or("");
    assert!(
        code.contains(attr),
        "{summary}: snippet {code:?} does not show {attr}"
    );
    assert!(
        !d["detail"].as_str().unwrap_or("").is_empty(),
        "{summary}: empty detail"
    );
}

#[test]
fn bad_resource_arguments_are_diagnosed_with_their_attribute() {
    let api = Running::start();
    let hcl = format!(
        "{}{}",
        provider_block(&api),
        r#"
resource "driver_http_object" "bad" {
  path          = "/flags/../admin"
  body          = { a = 1 }
  update_method = "FETCH"
  force_new     = ["name"]
  response_fields = ["/id", "status"]
  timeouts {
    create = "ten minutes"
  }
}
"#
    );
    let diags = validate(&Workdir::new(&hcl));
    assert_points_at(&diags, "Invalid path", "path");
    assert_points_at(&diags, "Invalid update_method", "update_method");
    assert_points_at(&diags, "Invalid JSON Pointer", "force_new");
    let on = |attr: &str| {
        diags.iter().any(|d| {
            d["summary"] == "Invalid JSON Pointer"
                && d["snippet"]["code"].as_str().unwrap_or("").contains(attr)
        })
    };
    assert!(on("response_fields"), "{diags:#?}");
    assert_points_at(&diags, "Invalid timeout", "create");
    assert_eq!(api.counters().total(), 0, "nothing was sent");
}

/// Mistakes users make moving from other providers, refused at validate
/// with the fix: a `jsonencode`d body, a field in both `body` and
/// `body_wo`, a content type the provider cannot write.
#[test]
fn body_mistakes_are_refused_at_validate_with_the_fix() {
    let write_only = crate::harness::terraform().version >= (1, 11);
    let both = if write_only {
        r#"
resource "driver_http_object" "both" {
  path    = "/users"
  body    = { name = "a", credentials = { user = "a" } }
  body_wo = { credentials = { user = "b" } }
}
"#
    } else {
        ""
    };
    let hcl = format!(
        r#"
provider "driver" {{
  endpoint = "http://127.0.0.1:9"
}}

resource "driver_http_object" "encoded" {{
  path = "/flags"
  body = jsonencode({{ name = "a" }})
}}

resource "driver_http_object" "text" {{
  path         = "/flags"
  body         = {{ name = "a" }}
  content_type = "text/plain"
}}
{both}"#
    );
    let diags = validate(&Workdir::new(&hcl));
    assert_points_at(&diags, "body is a JSON string", "jsonencode");
    let detail = diags
        .iter()
        .find(|d| d["summary"] == "body is a JSON string")
        .map(|d| d["detail"].to_string())
        .unwrap_or_default();
    assert!(detail.contains("HCL"), "{detail}");
    assert_points_at(&diags, "Invalid content_type", "content_type");
    if write_only {
        assert_points_at(&diags, "A field in both body and body_wo", "body_wo");
        let detail = diags
            .iter()
            .find(|d| d["summary"] == "A field in both body and body_wo")
            .map(|d| d["detail"].to_string())
            .unwrap_or_default();
        assert!(detail.contains("credentials.user"), "{detail}");
    }
}

#[test]
fn bad_provider_arguments_are_diagnosed_with_their_attribute() {
    let hcl = r#"
provider "driver" {
  endpoint        = "api.example.com"
  request_timeout = "soon"
  retry {
    max_attempts = 0
  }
}

resource "driver_http_object" "x" {
  path = "/x"
  body = { a = 1 }
}
"#;
    let diags = validate(&Workdir::new(hcl));
    assert_points_at(&diags, "Invalid URL", "endpoint");
    assert_points_at(&diags, "Invalid request_timeout", "request_timeout");
    assert_points_at(&diags, "Invalid max_attempts", "max_attempts");
}
