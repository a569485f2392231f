//! Mastercard/terraform-provider-restapi's acceptance tests, as a user
//! following `docs/guides/migrating-from-restapi.md` writes them, against
//! restapi's own fakeserver (objects at `/api/objects/{id}`, ids chosen by
//! the client, answers `text/plain`, `PUT` merging top-level keys in the
//! pinned v1.20.0). Each test names the restapi test it mirrors.

use serde_json::json;

use super::{apply, apply_clean, destroy, fakeserver, get, plan, provider, response, send};
use crate::harness::Workdir;

const OBJECTS: &str = "/api/objects";

/// Seeds the fakeserver as restapi's tests do by writing into its map.
fn seed(url: &str, objects: &[serde_json::Value]) {
    for o in objects {
        assert_eq!(send(url, "POST", OBJECTS, o), 200, "seeded {o}");
    }
}

fn outputs(wd: &Workdir) -> serde_json::Value {
    let out = wd.run(&["output", "-json"]).expect_code(0).json();
    out.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v["value"].clone()))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .unwrap_or_default()
}

/// `TestAccRestapiobject_Basic` and
/// `TestAccRestapiObjectDataSource_ResultsContainsObject`: a data source
/// finds one object of a listing by a field (nested fields by pointer),
/// with a query, or in a list under a key at another path.
#[test]
fn data_source_finds_an_object_in_a_listing() {
    let Some(fs) = fakeserver() else { return };
    seed(
        &fs.url,
        &[
            json!({"id": "1234", "first": "Foo", "last": "Bar", "data": {"identifier": "FooBar"}}),
            json!({"id": "4321", "first": "Foo", "last": "Baz", "data": {"identifier": "FooBaz"}}),
            json!({"id": "5678", "first": "Nested", "last": "Fields", "data": {"identifier": "NestedFields"}}),
        ],
    );
    let hcl = format!(
        r#"{}
data "driver_http_object" "foo" {{
  path   = "/api/objects"
  search = {{ "/last" = "Bar" }}
}}
data "driver_http_object" "nested" {{
  path   = "/api/objects"
  search = {{ "/data/identifier" = "NestedFields" }}
}}
data "driver_http_object" "baz" {{
  path   = "/api/objects"
  query  = {{ someArg = "foo", anotherArg = "bar" }}
  search = {{ "/last" = "Baz" }}
}}
data "driver_http_object" "list" {{
  path          = "/api/object_list"
  items_pointer = "/list"
  search        = {{ "/last" = "Baz" }}
}}
output "foo" {{ value = data.driver_http_object.foo.response }}
output "nested" {{ value = data.driver_http_object.nested.response }}
output "baz" {{ value = data.driver_http_object.baz.response }}
output "list" {{ value = data.driver_http_object.list.response }}
"#,
        provider(&fs.url, "")
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    let out = outputs(&wd);
    assert_eq!(
        out["foo"],
        json!({"data": {"identifier": "FooBar"}, "first": "Foo", "id": "1234", "last": "Bar"})
    );
    assert_eq!(
        (&out["nested"]["id"], &out["nested"]["last"]),
        (&json!("5678"), &json!("Fields"))
    );
    assert_eq!(out["baz"]["id"], "4321");
    assert_eq!(out["list"]["id"], "4321");
}

/// `TestAccProvider_TestPath`: restapi probes `test_path` when it is
/// configured; here a `driver_http_objects` listing of that path is the
/// probe, and resources that depend on it are not touched when it fails.
#[test]
fn a_probe_of_a_path_stops_the_run_before_any_write() {
    let Some(fs) = fakeserver() else { return };
    let config = |probe: &str, id: &str| {
        format!(
            r#"{}
data "driver_http_objects" "probe" {{
  path = "{probe}"
}}
resource "driver_http_object" "test" {{
  path       = "/api/objects"
  body       = {{ id = "{id}", name = "test" }}
  depends_on = [data.driver_http_objects.probe]
}}
"#,
            provider(&fs.url, "")
        )
    };
    let wd = Workdir::new(&config("/api/objects", "99998"));
    apply(&wd);
    assert_eq!(get(&fs.url, "/api/objects/99998").0, 200);
    let failing = Workdir::new(&config("/api/nonexistent", "99999"));
    let out = failing.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert_ne!(out.code(), 0, "{text}");
    assert!(
        text.contains("GET") && text.contains("/api/nonexistent answered"),
        "{text}"
    );
    assert_eq!(get(&fs.url, "/api/objects/99999").0, 404, "nothing written");
}

/// `TestAccRestApiObject_Basic`: create by POST (the id is the client's),
/// read back at `{path}/{id}`, update by PUT, and an id at a nested
/// pointer (`attributes/id` is `/attributes/id`).
#[test]
fn basic_create_update_and_a_nested_id() {
    let Some(fs) = fakeserver() else { return };
    let object = |first: &str, last: &str| {
        format!(
            r#"{}
resource "driver_http_object" "foo" {{
  path = "/api/objects"
  body = {{ id = "1234", first = "{first}", last = "{last}" }}
}}
"#,
            provider(&fs.url, "")
        )
    };
    let wd = Workdir::new(&object("Foo", "Bar"));
    apply_clean(&wd);
    assert_eq!(
        response(&wd, "foo"),
        json!({"first": "Foo", "id": "1234", "last": "Bar"})
    );
    wd.set(&object("Updated", "Value"));
    apply_clean(&wd);
    assert_eq!(get(&fs.url, "/api/objects/1234").1["first"], "Updated");
    assert_eq!(response(&wd, "foo")["last"], "Value");

    wd.set(&format!(
        r#"{}
resource "driver_http_object" "bar" {{
  path       = "/api/objects"
  id_pointer = "/attributes/id"
  body = {{
    id         = "4321"
    attributes = {{ id = "4321" }}
    config     = {{ first = "Bar", last = "Baz" }}
  }}
}}
"#,
        provider(&fs.url, "")
    ));
    apply_clean(&wd);
    assert_eq!(get(&fs.url, "/api/objects/1234").0, 404, "foo destroyed");
    assert_eq!(get(&fs.url, "/api/objects/4321").1["config"]["last"], "Baz");
    destroy(&wd);
    assert_eq!(get(&fs.url, "/api/objects/4321").0, 404);
}

/// `TestAccRestApiObject_importBasic`: importing by the object's path
/// (with the managed fields named) gives a clean first plan.
#[test]
fn import_by_object_path_plans_clean() {
    let Some(fs) = fakeserver() else { return };
    let hcl = format!(
        r#"{}
resource "driver_http_object" "foo" {{
  path = "/api/objects"
  body = {{ id = "1234", first = "Foo", last = "Bar" }}
}}
"#,
        provider(&fs.url, "")
    );
    apply_clean(&Workdir::new(&hcl));
    let other = Workdir::new(&hcl);
    other
        .run(&[
            "import",
            "-input=false",
            "-no-color",
            "driver_http_object.foo",
            r#"{"path": "/api/objects/1234", "body": ["id", "first", "last"]}"#,
        ])
        .expect_code(0);
    let (code, out) = plan(&other);
    assert_eq!(code, 0, "{out}");
    assert_eq!(other.resources()[0]["values"]["id"], "1234");
}

/// `TestAccProvider_DependentURI`: the endpoint comes from another
/// resource's answer, unknown at plan time.
#[test]
fn an_endpoint_known_only_at_apply() {
    let Some(fs) = fakeserver() else { return };
    let host = fs.url.trim_start_matches("http://");
    let hcl = format!(
        r#"
provider "driver" {{
  alias    = "bootstrap"
  endpoint = "{url}"
}}
resource "driver_http_object" "api_endpoint" {{
  provider = driver.bootstrap
  path     = "/api/objects"
  body     = {{ id = "config1", endpoint_host = "{host}" }}
}}
provider "driver" {{
  endpoint = "http://${{driver_http_object.api_endpoint.response.endpoint_host}}"
}}
resource "driver_http_object" "dependent" {{
  path = "/api/objects"
  body = {{ id = "dep1", name = "Dependent Object" }}
}}
"#,
        url = fs.url
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    assert_eq!(
        get(&fs.url, "/api/objects/dep1").1["name"],
        "Dependent Object"
    );
}

/// `TestAccProvider_EnvironmentVariable`: without `endpoint`, the
/// environment names it (`DRIVER_ENDPOINT` for restapi's `REST_API_URI`).
#[test]
fn the_endpoint_from_the_environment() {
    let Some(fs) = fakeserver() else { return };
    let wd = Workdir::new(
        r#"
provider "driver" {}
resource "driver_http_object" "env_test" {
  path = "/api/objects"
  body = { id = "env1", name = "Environment Variable Test" }
}
"#,
    );
    let mut cmd = wd.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    cmd.env("DRIVER_ENDPOINT", &fs.url);
    wd.run_command(cmd).expect_code(0);
    assert_eq!(
        get(&fs.url, "/api/objects/env1").1["name"],
        "Environment Variable Test"
    );
    let mut cmd = wd.command(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    cmd.env("DRIVER_ENDPOINT", &fs.url);
    wd.run_command(cmd).expect_code(0);
}

/// `TestAccRestApiObject_IgnoreChangesTo`, `…_IgnoreAllServerChanges`,
/// `…_PlanAfterApply_IgnoreAllServerChanges` and
/// `…_PlanAfterApply_IgnoreServerAdditions`: fields in `drift.ignore`, or
/// everything with `drift.mode = "ignore"`, and fields the server adds, are
/// never drift; here the server really changes them after the create.
#[test]
fn ignored_fields_and_server_additions_are_not_drift() {
    let Some(fs) = fakeserver() else { return };
    let hcl = format!(
        r#"{}
resource "driver_http_object" "ignore_some" {{
  path = "/api/objects"
  body = {{ id = "ignore1", name = "Test", timestamp = "2026-01-01T00:00:00Z" }}
  drift {{
    ignore = ["/timestamp"]
  }}
}}
resource "driver_http_object" "ignore_all" {{
  path = "/api/objects"
  body = {{ id = "ignore2", name = "Original" }}
  drift {{
    mode = "ignore"
  }}
}}
resource "driver_http_object" "additions" {{
  path = "/api/objects"
  body = {{
    id   = "ign-add-1"
    name = "Test Object"
    parameters = {{
      enable_cspm     = true
      target_accounts = [{{ account_id = "acc-12345", account_type = "standard" }}]
    }}
  }}
}}
"#,
        provider(&fs.url, "")
    );
    let wd = Workdir::new(&hcl);
    apply_clean(&wd);
    // The server changes what it owns (v1.20.0's PUT merges the keys).
    send(
        &fs.url,
        "PUT",
        "/api/objects/ignore1",
        &json!({"timestamp": "2026-01-12T10:00:00Z"}),
    );
    send(
        &fs.url,
        "PUT",
        "/api/objects/ignore2",
        &json!({"name": "ServerModified"}),
    );
    send(
        &fs.url,
        "PUT",
        "/api/objects/ign-add-1",
        &json!({"created_at": "2026-01-01", "resource_version": 7, "metadata": {"region": "eu"}}),
    );
    let (code, out) = plan(&wd);
    assert_eq!(code, 0, "{out}");
}

/// `TestAccRestApiObject_IgnoreServerAdditions_DetectsServerModifications`
/// and `…_UserConfigChanges`: a managed field the server changes is drift
/// here (restapi keeps the configured value silently): plan shows it and
/// apply writes it back; a change in the configuration is planned and
/// applied.
#[test]
fn server_modifications_are_drift_and_config_changes_apply() {
    let Some(fs) = fakeserver() else { return };
    let object = |name: &str| {
        format!(
            r#"{}
resource "driver_http_object" "x" {{
  path = "/api/objects"
  body = {{ id = "detect-mod-1", name = "{name}" }}
}}
"#,
            provider(&fs.url, "")
        )
    };
    let wd = Workdir::new(&object("Original"));
    apply_clean(&wd);
    send(
        &fs.url,
        "PUT",
        "/api/objects/detect-mod-1",
        &json!({"name": "Server Modified", "version": "2"}),
    );
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("Server Modified"), "{out}");
    apply_clean(&wd);
    assert_eq!(
        get(&fs.url, "/api/objects/detect-mod-1").1["name"],
        "Original"
    );
    wd.set(&object("User Updated"));
    assert_eq!(plan(&wd).0, 2);
    apply_clean(&wd);
    assert_eq!(response(&wd, "x")["name"], "User Updated");
}

/// `TestAccRestApiObject_ForceNew`: an ordinary change updates in place; a
/// change at a `force_new` pointer replaces the object.
#[test]
fn force_new_fields_replace_and_others_update() {
    let Some(fs) = fakeserver() else { return };
    let object = |ty: &str, name: &str| {
        format!(
            r#"{}
resource "driver_http_object" "x" {{
  path      = "/api/objects"
  force_new = ["/type"]
  body      = {{ id = "forcenew1", type = "{ty}", name = "{name}" }}
}}
"#,
            provider(&fs.url, "")
        )
    };
    let wd = Workdir::new(&object("A", "Test"));
    apply_clean(&wd);
    wd.set(&object("A", "Updated"));
    let (_, out) = plan(&wd);
    assert!(out.contains("updated in-place"), "{out}");
    apply_clean(&wd);
    wd.set(&object("B", "Updated"));
    let (_, out) = plan(&wd);
    assert!(out.contains("must be replaced"), "{out}");
    apply_clean(&wd);
    let now = get(&fs.url, "/api/objects/forcenew1").1;
    assert_eq!(
        (&now["type"], &now["name"]),
        (&json!("B"), &json!("Updated"))
    );
}

/// `TestAccRestApiObject_DestroyData` and `…_QueryString`: a body sent with
/// the delete, and a query on every request.
#[test]
fn a_delete_body_and_a_query_on_every_request() {
    let Some(fs) = fakeserver() else { return };
    let hcl = format!(
        r#"{}
resource "driver_http_object" "destroy" {{
  path = "/api/objects"
  body = {{ id = "destroy1", name = "Test" }}
  delete {{
    body = {{ reason = "test cleanup" }}
  }}
}}
resource "driver_http_object" "query" {{
  path  = "/api/objects"
  query = {{ version = "2", force = "true" }}
  body  = {{ id = "query1", name = "Test" }}
}}
"#,
        provider(&fs.url, "")
    );
    let wd = Workdir::new(&hcl);
    apply_clean(&wd);
    assert_eq!(get(&fs.url, "/api/objects/query1").0, 200);
    destroy(&wd);
    assert_eq!(get(&fs.url, "/api/objects/destroy1").0, 404);
    assert_eq!(get(&fs.url, "/api/objects/query1").0, 404);
}

/// `TestAccRestApiObject_ReadSearchIdSubstitution`,
/// `…_ReadSearchQueryString` and `…_ReadSearchQueryStringWithObjectLevel`:
/// reads find the object in the collection's listing by a field (its own
/// id, or a name), with the read's query joined to the object's.
#[test]
fn reads_search_the_listing() {
    let Some(fs) = fakeserver() else { return };
    seed(
        &fs.url,
        &[json!({"id": "search2", "name": "Another Object", "status": "active"})],
    );
    let object = |name: &str| {
        format!(
            r#"{}
resource "driver_http_object" "by_id" {{
  path = "/api/objects"
  body = {{ id = "search1", name = "{name}", status = "active" }}
  read {{
    path   = "{{path}}"
    search = {{ "/id" = "{{id}}" }}
  }}
}}
resource "driver_http_object" "by_name" {{
  path  = "/api/objects"
  query = {{ version = "v1" }}
  body  = {{ id = "1234", name = "test-object", status = "active" }}
  read {{
    path   = "{{path}}"
    query  = {{ include_metadata = "true", status = "active" }}
    search = {{ "/name" = "{{body/name}}" }}
  }}
}}
"#,
            provider(&fs.url, "")
        )
    };
    let wd = Workdir::new(&object("Test Object"));
    apply_clean(&wd);
    assert_eq!(response(&wd, "by_id")["name"], "Test Object");
    assert_eq!(response(&wd, "by_name")["id"], "1234");
    wd.set(&object("Updated Object"));
    apply_clean(&wd);
    assert_eq!(response(&wd, "by_id")["name"], "Updated Object");
    // Gone from the listing: gone.
    assert_eq!(
        send(&fs.url, "DELETE", "/api/objects/search1", &json!({})),
        200
    );
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("will be created"), "{out}");
}

/// `TestAccRestApiObject_ReadPatch` and `…_ReadPatchRemove`: an RFC 6902
/// patch reshapes what a read found (unwraps it, drops server fields)
/// before it is compared; the create and update are GETs of the listing.
#[test]
fn a_json_patch_reshapes_the_read_object() {
    let Some(fs) = fakeserver() else { return };
    seed(
        &fs.url,
        &[
            json!({"id": "wrapped1", "data": {"name": "Wrapped Object", "status": "active"}}),
            json!({"id": "meta1", "name": "Object with Metadata",
                   "metadata": {"server": "timestamp", "version": "v1"},
                   "createdAt": "2024-01-01T00:00:00Z"}),
        ],
    );
    let hcl = format!(
        r#"{}
resource "driver_http_object" "wrapped" {{
  path = "/api/objects"
  body = {{ id = "wrapped1", name = "Wrapped Object", status = "active" }}
  create {{
    method = "GET"
  }}
  update {{
    method = "GET"
    path   = "{{path}}"
  }}
  read {{
    path   = "{{path}}"
    search = {{ "/id" = "wrapped1" }}
    patch = [
      {{ op = "copy", from = "/data/name", path = "/name" }},
      {{ op = "copy", from = "/data/status", path = "/status" }},
      {{ op = "remove", path = "/data" }},
    ]
  }}
}}
resource "driver_http_object" "meta" {{
  path = "/api/objects"
  body = {{ id = "meta1", name = "Object with Metadata" }}
  create {{
    method = "GET"
  }}
  read {{
    path   = "{{path}}"
    search = {{ "/id" = "meta1" }}
    patch  = [{{ op = "remove", path = "/metadata" }}, {{ op = "remove", path = "/createdAt" }}]
  }}
}}
"#,
        provider(&fs.url, "")
    );
    let wd = Workdir::new(&hcl);
    apply_clean(&wd);
    assert_eq!(
        response(&wd, "wrapped"),
        json!({"id": "wrapped1", "name": "Wrapped Object", "status": "active"})
    );
    assert_eq!(
        response(&wd, "meta"),
        json!({"id": "meta1", "name": "Object with Metadata"})
    );
}

/// `TestAccRestApiObject_FailedUpdate`: an update answered 400 fails with
/// the status, and the change stays planned. restapi's inline mock server
/// is played by the demo API.
#[test]
fn a_failed_update_keeps_the_change_planned() {
    let api = demo_api::Running::start();
    let object = |foo: &str| {
        format!(
            r#"{}
resource "driver_http_object" "foo" {{
  path = "/objects"
  body = {{ foo = "{foo}" }}
}}
"#,
            provider(&api.url(), "")
        )
    };
    let wd = Workdir::new(&object("Bar"));
    apply_clean(&wd);
    api.set_faults(demo_api::Faults {
        scripted: vec![demo_api::Scripted {
            method: "PUT".into(),
            status: 400,
            ..Default::default()
        }],
        ..Default::default()
    });
    wd.set(&object("Updated"));
    let r = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(r.code(), 1);
    assert!(r.stderr_flat().contains("400"), "{}", r.stderr);
    api.set_faults(demo_api::Faults::default());
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "the update is still planned: {out}");
}

/// `TestAccRestApiObject_UnknownDataWithIgnoreServerAdditions`: a body
/// with a value unknown until apply plans and applies.
#[test]
fn a_body_unknown_until_apply() {
    let Some(fs) = fakeserver() else { return };
    let hcl = format!(
        r#"{}
resource "driver_http_object" "x" {{
  path = "/api/objects"
  body = {{ id = "unknown-ign-1", name = "Updated-${{timestamp()}}", parameters = {{ enabled = true }} }}
}}
"#,
        provider(&fs.url, "")
    );
    let wd = Workdir::new(&hcl);
    let (code, _) = plan(&wd);
    assert_eq!(code, 2);
    apply(&wd);
    let name = get(&fs.url, "/api/objects/unknown-ign-1").1["name"].clone();
    assert!(
        name.as_str().is_some_and(|n| n.starts_with("Updated-")),
        "{name}"
    );
}

/// restapi's `copy_keys`: a value the server holds (here the demo API's
/// `created_at`, standing in for a revision) is sent back with every
/// update, taken from what the server last answered.
#[test]
fn copy_keys_send_back_what_the_server_holds() {
    let api = demo_api::Running::start();
    let object = |name: &str| {
        format!(
            r#"{}
resource "driver_http_object" "x" {{
  path = "/things"
  body = {{ name = "{name}" }}
  update {{
    add_to_body = {{ "/created_at" = "{{response/created_at}}" }}
  }}
}}
"#,
            provider(&api.url(), "")
        )
    };
    let wd = Workdir::new(&object("a"));
    apply_clean(&wd);
    let held = response(&wd, "x")["created_at"].clone();
    assert!(held.is_string(), "{held}");
    wd.set(&object("b"));
    apply_clean(&wd);
    let log = api.counters().log;
    let put = log.iter().find(|s| s.method == "PUT").unwrap();
    let sent: serde_json::Value = serde_json::from_str(&put.body).unwrap();
    assert_eq!(sent, json!({"name": "b", "created_at": held}));
}

/// `terraform validate -json`'s diagnostics' summaries (it must fail).
fn invalid(hcl: &str) -> Vec<String> {
    let r = Workdir::new(hcl).run(&["validate", "-json", "-no-color"]);
    assert_eq!(r.code(), 1, "{hcl}\n{}", r.stdout);
    r.json()["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| format!("{}: {}", d["summary"], d["detail"]))
        .collect()
}

fn has(diags: &[String], summary: &str) {
    assert!(
        diags.iter().any(|d| d.contains(summary)),
        "no {summary:?} in {diags:#?}"
    );
}

/// `TestProvider_valid` and `TestResourceObject_valid`: every documented
/// option plans a create without contacting the API (nothing listens at
/// the endpoint, nor at the token URL).
#[test]
fn valid_configurations_plan_without_contacting_the_api() {
    let wd = Workdir::new(
        r#"
provider "driver" {
  endpoint = "http://127.0.0.1:9"
  auth {
    oauth2_client_credentials {
      token_url     = "http://127.0.0.1:9/oauth/token"
      client_id     = "id"
      client_secret = "secret"
      scopes        = ["scope1", "scope2"]
    }
  }
  retry {
    max_attempts = 6
    min_backoff  = "2s"
    max_backoff  = "60s"
  }
}
resource "driver_http_object" "simple" {
  path = "/api/objects"
  body = { id = "55555", first = "Foo", last = "Bar" }
}
resource "driver_http_object" "complex" {
  path          = "/api/objects"
  create_method = "PUT"
  update_method = "PATCH"
  force_new     = ["/first", "/last"]
  query         = { include = "metadata" }
  body          = { first = "Foo", last = "Bar", nested = { list = [1, 2], deep = { x = true } } }
  create {
    path = "/api/objects"
  }
  read {
    path   = "/api/objects/{id}"
    search = { "/id" = "{id}" }
  }
  update {
    path        = "/api/objects/{id}"
    add_to_body = { "/id" = "{id}" }
  }
  delete {
    path = "/api/objects/{id}"
    body = { soft_delete = true }
  }
  drift {
    ignore = ["/last_modified", "/metadata/timestamp"]
  }
}
resource "driver_http_object" "empty" {
  path = "/api/objects"
  body = {}
}
"#,
    );
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("3 to add"), "{out}");
}

/// `TestProvider_invalid`: bad or contradictory provider settings are
/// refused, each naming its attribute.
#[test]
fn invalid_provider_settings_are_refused() {
    let bad = [
        ("endpoint = \"::::invalid-uri\"", "Invalid URL"),
        (
            "endpoint = \"http://127.0.0.1:9\"\n  tls {\n    insecure_skip_verify = \"not-a-boolean\"\n  }",
            "Incorrect attribute value type",
        ),
        ("request_timeout = \"-5s\"", "Invalid request_timeout"),
        (
            "rate_limit {\n    requests_per_second = 0\n  }",
            "Invalid requests_per_second",
        ),
        (
            "rate_limit {\n    requests_per_second = -1.5\n  }",
            "Invalid requests_per_second",
        ),
        (
            "auth {\n    bearer_token = \"t\"\n    basic {\n      username = \"u\"\n      password = \"p\"\n    }\n  }",
            "Conflicting authentication methods",
        ),
        (
            "retry {\n    max_attempts = -1\n  }",
            "Invalid max_attempts",
        ),
        (
            "retry {\n    min_backoff = \"-5s\"\n  }",
            "Invalid min_backoff",
        ),
        (
            "retry {\n    min_backoff = \"60s\"\n    max_backoff = \"30s\"\n  }",
            "min_backoff is longer than max_backoff",
        ),
    ];
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()])
        .unwrap()
        .cert
        .pem();
    let cert_alone = format!("tls {{\n    client_cert_pem = <<-EOT\n{cert}    EOT\n  }}");
    let bad = bad
        .iter()
        .map(|(s, m)| ((*s).to_owned(), *m))
        .chain([(cert_alone, "Incomplete client certificate")]);
    for (setting, summary) in bad {
        let diags = invalid(&format!(
            "provider \"driver\" {{\n  {setting}\n}}\ndata \"driver_http_object\" \"test\" {{\n  path = \"/api/test\"\n}}\n"
        ));
        has(&diags, summary);
    }
}

/// `TestResourceObject_invalid`, `TestDataSourceObject_valid` and
/// `TestDataSourceObject_invalid`: missing and unknown arguments, a body
/// written as JSON text, wrong types and computed attributes set are
/// refused at validate.
#[test]
fn invalid_resource_and_data_source_arguments_are_refused() {
    let provider = "provider \"driver\" {\n  endpoint = \"http://127.0.0.1:9\"\n}\n";
    let cases = [
        (
            "resource \"driver_http_object\" \"x\" {\n  path = \"/a\"\n}",
            "Missing required argument",
        ),
        (
            "resource \"driver_http_object\" \"x\" {\n  body = {}\n}",
            "Missing required argument",
        ),
        (
            "resource \"driver_http_object\" \"x\" {\n  path = \"/a\"\n  body = \"Not a JSON object\"\n  force_new = \"should-be-a-list\"\n}",
            "Incorrect attribute value type",
        ),
        (
            "resource \"driver_http_object\" \"x\" {\n  path = \"/a\"\n  body = jsonencode({ a = 1 })\n}",
            "body is a JSON string",
        ),
        (
            "resource \"driver_http_object\" \"x\" {\n  path = \"/a\"\n  body = {}\n  unknown_field = 1\n}",
            "Unsupported argument",
        ),
        (
            "data \"driver_http_object\" \"x\" {\n  id = \"1\"\n}",
            "Missing required argument",
        ),
        (
            "data \"driver_http_object\" \"x\" {\n  path = \"/a\"\n  response = {}\n}",
            "Invalid Configuration for Read-Only Attribute",
        ),
        (
            "resource \"driver_http_object\" \"x\" {\n  path = \"/a\"\n  body = {}\n  id = \"7\"\n}",
            "Invalid Configuration for Read-Only Attribute",
        ),
    ];
    for (hcl, summary) in cases {
        has(&invalid(&format!("{provider}{hcl}\n")), summary);
    }
    // Valid data sources fail only at reading (nothing listens).
    let wd = Workdir::new(&format!(
        "{provider}data \"driver_http_object\" \"x\" {{\n  path          = \"/api/objects\"\n  query         = {{ include = \"metadata\" }}\n  items_pointer = \"/data/items\"\n  search        = {{ \"/attributes/identifier/id\" = \"7\" }}\n}}\n"
    ));
    wd.run(&["validate", "-no-color"]).expect_code(0);
    let r = wd.run(&["plan", "-input=false", "-no-color"]);
    assert_eq!(r.code(), 1);
    assert!(r.stderr_flat().contains("Read failed"), "{}", r.stderr);
}

/// restapi's "an answer holding the id is used, otherwise the object is
/// read": a create answered 200 with no body, where the id is the one the
/// body sent (at `id_pointer`), is read back at `{path}/{id}`.
#[test]
fn a_create_answered_with_nothing_takes_the_id_it_sent() {
    let stored =
        std::sync::Mutex::new(std::collections::BTreeMap::<String, serde_json::Value>::new());
    let server = super::stand_in::StandIn::start(move |r| {
        let mut stored = stored.lock().unwrap();
        match (r.method.as_str(), r.path.strip_prefix("/things")) {
            ("POST", Some("")) => {
                let id = r.body["id"].as_str().unwrap_or_default().to_owned();
                stored.insert(format!("/{id}"), r.body.clone());
                (200, None)
            }
            ("GET", Some(rest)) => match stored.get(rest) {
                Some(o) => (200, Some(o.clone())),
                None => (404, None),
            },
            ("DELETE", Some(rest)) => match stored.remove(rest) {
                Some(_) => (200, None),
                None => (404, None),
            },
            _ => (404, None),
        }
    });
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "x" {{
  path = "/things"
  body = {{ id = "abc", name = "chosen by the client" }}
}}
"#,
        provider(&server.url, "")
    ));
    apply_clean(&wd);
    assert_eq!(wd.resources()[0]["values"]["id"], "abc");
    destroy(&wd);
    assert_eq!(get(&server.url, "/things/abc").0, 404);
}
