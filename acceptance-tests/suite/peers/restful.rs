//! magodo/terraform-provider-restful's acceptance tests, as a user
//! following `docs/guides/migrating-from-restful.md` writes them, against
//! the real json-server 0.17.4 from npm (ids assigned from 1, `PUT`
//! replaces, `PATCH` merges shallowly, unknown ids answer 404 `{}`). Each
//! test names the restful test it mirrors.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::stand_in::StandIn;
use super::{apply, apply_clean, destroy, get, import, json_server, plan, provider, response};
use crate::harness::{Workdir, terraform};

/// A json-server with an empty `posts` collection.
fn posts() -> Option<crate::harness::servers::Server> {
    json_server(&json!({"posts": []}))
}

/// `terraform import` with `id`, which must succeed.
/// `TestResource_JSONServer_Basic`, `…_PatchUpdate` and `…_FullPath`:
/// create by POST (json-server assigns the id), read at `{path}/{id}`,
/// update by PUT or by a merge patch, explicit per-operation paths, and
/// import by the object's path with the managed fields named.
#[test]
fn create_update_import_and_delete_on_json_server() {
    let Some(js) = posts() else { return };
    let config = |foo: &str| {
        format!(
            r#"{}
resource "driver_http_object" "put" {{
  path = "posts"
  body = {{ foo = "{foo}" }}
}}
resource "driver_http_object" "patch" {{
  path          = "posts"
  update_method = "PATCH"
  body          = {{ foo = "{foo}" }}
}}
resource "driver_http_object" "full_path" {{
  path = "posts"
  body = {{ foo = "{foo}" }}
  read {{
    path = "{{path}}/{{id}}"
  }}
  update {{
    path = "{{path}}/{{id}}"
  }}
  delete {{
    path = "{{path}}/{{id}}"
  }}
}}
"#,
            provider(&js.url, "")
        )
    };
    let wd = Workdir::new(&config("foo"));
    apply_clean(&wd);
    for name in ["put", "patch", "full_path"] {
        let r = response(&wd, name);
        assert!(r["id"].is_number() && r["foo"] == "foo", "{name}: {r}");
    }
    // Imported elsewhere with restful's import spec (path, id, the managed
    // fields and the other arguments): a clean plan. By the object's path
    // alone: the same object (no replacement).
    let other = Workdir::new(&config("foo"));
    let patch_id = response(&wd, "patch")["id"].to_string();
    import(
        &other,
        "driver_http_object.patch",
        &format!(
            r#"{{"path": "posts", "id": "{patch_id}", "body": ["foo"], "update_method": "PATCH"}}"#
        ),
    );
    let put_id = response(&wd, "put")["id"].to_string();
    import(&other, "driver_http_object.put", &format!("posts/{put_id}"));
    let (_, out) = plan(&other);
    assert!(
        !out.contains("driver_http_object.patch will be updated")
            && !out.contains("driver_http_object.patch must be replaced")
            && !out.contains("driver_http_object.put must be replaced"),
        "{out}"
    );
    wd.set(&config("bar"));
    apply_clean(&wd);
    for name in ["put", "patch", "full_path"] {
        let id = response(&wd, name)["id"].to_string();
        assert_eq!(
            get(&js.url, &format!("/posts/{id}")).1["foo"],
            "bar",
            "{name}"
        );
    }
    let ids: Vec<String> = ["put", "patch", "full_path"]
        .iter()
        .map(|n| response(&wd, n)["id"].to_string())
        .collect();
    destroy(&wd);
    for id in ids {
        assert_eq!(get(&js.url, &format!("/posts/{id}")).0, 404, "deleted");
    }
}

/// `TestResource_JSONServer_OutputAttrs`: only the named fields (nested
/// ones by pointer) are kept of the answer.
#[test]
fn response_fields_narrow_what_is_kept() {
    let Some(js) = posts() else { return };
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "x" {{
  path            = "posts"
  body            = {{ foo = "bar", obj = {{ a = 1, b = 2 }} }}
  response_fields = ["/foo", "/obj/a"]
}}
"#,
        provider(&js.url, "")
    ));
    apply_clean(&wd);
    assert_eq!(response(&wd, "x"), json!({"foo": "bar", "obj": {"a": 1}}));
}

/// `TestResource_JSONServer_ReadSelectorParam` and
/// `…_StatusLocatorParam`: the object is read out of the collection's
/// listing, picked by its own id; a write waits until the listed object
/// shows the written value; an update and a delete wait for a precheck on
/// the listing first, and a precheck that fails stops the write.
#[test]
fn reads_pick_the_object_out_of_the_listing() {
    let Some(js) = posts() else { return };
    let config = |foo: &str, before_update: &str, pending: &str| {
        format!(
            r#"{}
resource "driver_http_object" "x" {{
  path = "posts"
  body = {{ foo = "{foo}" }}
  read {{
    path   = "{{path}}"
    search = {{ "/id" = "{{id}}" }}
  }}
  wait_for {{
    pointer = "/foo"
    values  = ["{foo}"]
  }}
  update {{
    precheck {{
      path           = "{{path}}"
      search         = {{ "/id" = "{{id}}" }}
      status_pointer = "/foo"
      success        = ["{before_update}"]
      pending        = [{pending}]
      interval       = "1s"
    }}
  }}
  delete {{
    precheck {{
      path           = "{{path}}"
      search         = {{ "/id" = "{{id}}" }}
      status_pointer = "/foo"
      success        = ["baz"]
      interval       = "1s"
    }}
  }}
}}
"#,
            provider(&js.url, "")
        )
    };
    let wd = Workdir::new(&config("bar", "bar", "\"qux\""));
    apply_clean(&wd);
    wd.set(&config("baz", "bar", "\"qux\""));
    apply_clean(&wd);
    let id = response(&wd, "x")["id"].to_string();
    assert_eq!(get(&js.url, &format!("/posts/{id}")).1["foo"], "baz");
    // A precheck whose status is neither success nor pending: not sent.
    wd.set(&config("quux", "bar", "\"qux\""));
    let r = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(r.code(), 1);
    assert!(r.stderr_flat().contains("Precheck failed"), "{}", r.stderr);
    assert_eq!(get(&js.url, &format!("/posts/{id}")).1["foo"], "baz");
    destroy(&wd);
    assert_eq!(get(&js.url, &format!("/posts/{id}")).0, 404);
}

/// `TestResource_JSONServer_UpdateBodyPatch`: fields added to and removed
/// from what an update sends (a value, a value from state, a removal),
/// then a whole body of the update's own; the create sends the body
/// alone, and a change of the update block alone sends the update.
#[test]
fn update_patches_on_json_server() {
    let Some(js) = posts() else { return };
    let base = format!(
        r#"{}
resource "driver_http_object" "x" {{
  path = "posts"
  body = {{ foo = "bar" }}
"#,
        provider(&js.url, "")
    );
    let wd = Workdir::new(&format!("{base}}}\n"));
    apply_clean(&wd);
    assert_eq!(response(&wd, "x").as_object().map(|m| m.len()), Some(2));
    wd.set(&format!(
        r#"{base}
  update {{
    add_to_body      = {{ "/addon/a" = "hmm", "/addon/b" = "{{id}}" }}
    remove_from_body = ["/foo"]
  }}
  lifecycle {{
    ignore_changes = [body]
  }}
}}
"#
    ));
    apply(&wd);
    let r = response(&wd, "x");
    assert_eq!(r["addon"]["a"], "hmm", "{r}");
    assert_eq!(r["addon"]["b"], r["id"].to_string(), "{r}");
    assert!(r.get("foo").is_none(), "foo was left out of the PUT: {r}");
    // The whole body replaced (restful's patch at path ""): the update
    // block's own body is sent as written.
    wd.set(&format!(
        r#"{base}
  update {{
    body = {{ foo = "baz" }}
  }}
  lifecycle {{
    ignore_changes = [body]
  }}
}}
"#
    ));
    apply(&wd);
    let r = response(&wd, "x");
    assert_eq!(r, json!({"foo": "baz", "id": r["id"]}), "{r}");
}

/// `TestResource_JSONServer_EphemeralBodyOverlap` and
/// `TestOperation_JSONServer_EphemeralBodyOverlap`: the same field in the
/// body and the write-only body is refused before any request.
#[test]
fn a_field_in_body_and_body_wo_is_refused() {
    if terraform().version < (1, 11) {
        eprintln!("SKIPPED: write-only arguments need Terraform 1.11+");
        return;
    }
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "x" {{
  path    = "posts"
  body    = {{ foo = "foo" }}
  body_wo = {{ foo = "bar" }}
}}
"#,
        provider("http://127.0.0.1:9", "")
    ));
    let r = wd.run(&["validate", "-no-color"]);
    assert_eq!(r.code(), 1);
    assert!(
        r.stderr_flat().contains("A field in both body and body_wo"),
        "{}",
        r.stderr
    );
}

/// `TestResource_JSONServer_EphemeralBody`: write-only fields (from an
/// ephemeral variable) reach the API but never state or `response`; a new
/// `body_wo_version` sends them again.
#[test]
fn write_only_fields_reach_the_api_but_never_state() {
    if terraform().version < (1, 11) {
        eprintln!("SKIPPED: write-only arguments need Terraform 1.11+");
        return;
    }
    let Some(js) = posts() else { return };
    let config = |secret: &str, version: &str| {
        format!(
            r#"{}
variable "v" {{
  type      = string
  ephemeral = true
  default   = "{secret}"
}}
resource "driver_http_object" "x" {{
  path            = "posts"
  body            = {{ foo = "foo" }}
  body_wo         = {{ secret = var.v }}
  body_wo_version = "{version}"
}}
"#,
            provider(&js.url, "")
        )
    };
    let wd = Workdir::new(&config("foo", "1"));
    apply_clean(&wd);
    let id = response(&wd, "x")["id"].to_string();
    assert_eq!(get(&js.url, &format!("/posts/{id}")).1["secret"], "foo");
    assert_eq!(response(&wd, "x").as_object().map(|m| m.len()), Some(2));
    wd.set(&config("bar", "2"));
    apply_clean(&wd);
    assert_eq!(get(&js.url, &format!("/posts/{id}")).1["secret"], "bar");
    let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap();
    assert!(!state.contains("\"bar\""), "{state}");
}

/// `TestDataSource_JSONServer_Basic`, `…_WithSelector`,
/// `…_WithOutputAttrs` and `…_NotExists`: a data source reads an object by
/// its path, picks one out of the collection, keeps named fields with
/// their JSON types, and reads a missing object as null when allowed.
#[test]
fn data_sources_on_json_server() {
    let Some(js) = posts() else { return };
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "x" {{
  path = "/posts"
  body = {{ foo = "bar", obj = {{ a = 1, b = 2 }} }}
}}
data "driver_http_object" "by_path" {{
  path = "/posts"
  id   = driver_http_object.x.id
}}
data "driver_http_object" "selected" {{
  path       = "/posts"
  search     = {{ "/foo" = "bar" }}
  depends_on = [driver_http_object.x]
}}
data "driver_http_object" "narrowed" {{
  path            = "/posts"
  id              = driver_http_object.x.id
  response_fields = ["/foo", "/obj/a"]
}}
data "driver_http_object" "missing" {{
  path            = "/notexist"
  allow_not_exist = true
}}
output "by_path" {{ value = data.driver_http_object.by_path.response }}
output "selected" {{ value = data.driver_http_object.selected.response }}
output "narrowed" {{ value = data.driver_http_object.narrowed.response }}
output "missing" {{ value = data.driver_http_object.missing.response }}
"#,
        provider(&js.url, "")
    ));
    apply(&wd);
    let out = wd.run(&["output", "-json"]).expect_code(0).json();
    assert!(out["by_path"]["value"]["id"].is_number(), "{out}");
    assert_eq!(out["selected"]["value"]["foo"], "bar");
    assert_eq!(
        out["narrowed"]["value"],
        json!({"foo": "bar", "obj": {"a": 1}})
    );
    assert!(out["missing"]["value"].is_null(), "{out}");
}

/// `TestListResource_JSONServer_Basic`: `terraform query` lists the
/// collection's objects as importable identities (Terraform 1.14+).
#[test]
fn a_list_resource_enumerates_the_collection() {
    let t = terraform();
    if t.opentofu || t.version < (1, 14) {
        eprintln!("SKIPPED: list resources need Terraform 1.14+");
        return;
    }
    let Some(js) = posts() else { return };
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "x" {{
  count = 3
  path  = "posts"
  body  = {{ foo = "bar" }}
}}
"#,
        provider(&js.url, "")
    ));
    apply_clean(&wd);
    std::fs::write(
        wd.path().join("posts.tfquery.hcl"),
        "list \"driver_http_object\" \"list\" {\n  provider = driver\n\n  config {\n    path = \"/posts\"\n  }\n}\n",
    )
    .unwrap();
    let q = wd.run(&["query", "-no-color", "-json"]).expect_code(0);
    for id in 1..=3 {
        assert!(
            q.stdout.contains(&format!(r#""id":"{id}""#)),
            "{id} is listed:\n{}",
            q.stdout
        );
    }
}

// ---------------------------------------------------------------------------
// restful's inline Go test servers (resource_code_server_test.go), played
// by stand-ins with the same routes and answers.

/// `TestResource_CodeServer_ObjectArray`: a server that keeps one object
/// per path, created and replaced by `PUT` (answered with no body): an
/// array body, created by PUT at `path` and read there.
#[test]
fn an_array_body_put_at_its_path() {
    let stored = Mutex::new(BTreeMap::<String, serde_json::Value>::new());
    let server = StandIn::start(move |r| {
        let mut stored = stored.lock().unwrap();
        match r.method.as_str() {
            "PUT" => {
                stored.insert(r.path.clone(), r.body.clone());
                (200, None)
            }
            "GET" => match stored.get(&r.path) {
                Some(o) => (200, Some(o.clone())),
                None => (404, None),
            },
            "DELETE" => {
                stored.remove(&r.path);
                (200, None)
            }
            _ => (405, None),
        }
    });
    let config = |foo: &str| {
        format!(
            r#"{}
resource "driver_http_object" "x" {{
  path          = "test"
  create_method = "PUT"
  body          = [{{ foo = "{foo}" }}]
}}
"#,
            provider(&server.url, "")
        )
    };
    let wd = Workdir::new(&config("foo"));
    apply_clean(&wd);
    wd.set(&config("bar"));
    apply_clean(&wd);
    assert_eq!(get(&server.url, "/test").1, json!([{"foo": "bar"}]));
    destroy(&wd);
    assert_eq!(get(&server.url, "/test").0, 404);
}

/// `TestResource_CodeServer_ReadResponseTemplate` (restful issue 130): the
/// server is sent `{ properties = [...] }` and answers a read with the bare
/// list; `read.answer_at` places the answer in the object, so the plan is
/// clean, a change on the server shows, and an import plans clean.
#[test]
fn a_read_answer_placed_in_the_object() {
    let stored = Arc::new(Mutex::new(None::<serde_json::Value>));
    let kept = stored.clone();
    let server = StandIn::start(move |r| {
        let mut stored = kept.lock().unwrap();
        match (r.method.as_str(), r.path.as_str()) {
            ("PUT", "/tests/1") => {
                *stored = Some(r.body["properties"].clone());
                (200, None)
            }
            ("GET", "/tests/1") => match &*stored {
                Some(list) => (200, Some(list.clone())),
                None => (404, None),
            },
            ("DELETE", "/tests/1") => {
                *stored = None;
                (200, None)
            }
            _ => (405, None),
        }
    });
    let resource = r#"
resource "driver_http_object" "x" {
  path          = "/tests/1"
  create_method = "PUT"
  body = {
    properties = [{ property_name = "system", value = "testing-system" }]
  }
  read {
    answer_at = "/properties"
  }
}
"#;
    let config = format!("{}{resource}", provider(&server.url, ""));
    let wd = Workdir::new(&config);
    apply_clean(&wd);
    *stored.lock().unwrap() = Some(json!([{"property_name": "system", "value": "changed"}]));
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "a change on the server shows: {out}");
    assert!(out.contains("changed"), "{out}");
    apply_clean(&wd);
    assert_eq!(
        *stored.lock().unwrap(),
        Some(json!([{"property_name": "system", "value": "testing-system"}]))
    );
    let other = Workdir::new(&config);
    import(
        &other,
        "driver_http_object.x",
        r#"{"path": "/tests/1", "id": "/tests/1", "create_method": "PUT", "read": {"answer_at": "/properties"}, "body": ["properties"]}"#,
    );
    let (code, out) = plan(&other);
    assert_eq!(code, 0, "an import plans clean: {out}");
    destroy(&wd);
    assert!(stored.lock().unwrap().is_none());
}

/// `TestResource_CodeServer_CreateRetString`: the create answers a bare
/// JSON string, which is the id (`id_pointer = ""`), read at `{path}/{id}`.
#[test]
fn a_create_answered_with_a_bare_string_id() {
    let stored = Mutex::new(None::<serde_json::Value>);
    let server = StandIn::start(move |r| {
        let mut stored = stored.lock().unwrap();
        match (r.method.as_str(), r.path.as_str()) {
            ("PUT", "/test") => {
                *stored = Some(r.body.clone());
                (200, Some(json!("foo")))
            }
            ("GET", "/test/foo") => match &*stored {
                Some(o) => (200, Some(o.clone())),
                None => (404, None),
            },
            ("DELETE", "/test/foo") => {
                *stored = None;
                (200, None)
            }
            _ => (404, None),
        }
    });
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "x" {{
  path          = "test"
  create_method = "PUT"
  id_pointer    = ""
  object_path   = "{{path}}/{{id}}"
  body          = {{}}
}}
"#,
        provider(&server.url, "")
    ));
    apply_clean(&wd);
    assert_eq!(wd.resources()[0]["values"]["id"], "foo");
    destroy(&wd);
    assert_eq!(get(&server.url, "/test/foo").0, 404);
}

/// `TestResource_CodeServer_RetFullURL`: the create answers the object's
/// absolute URL (`self`); the object is read and deleted there.
#[test]
fn the_object_at_the_url_the_create_answered() {
    let stored = Mutex::new(BTreeMap::<String, serde_json::Value>::new());
    let base = Arc::new(Mutex::new(String::new()));
    let url_for = base.clone();
    let server = StandIn::start(move |r| {
        let mut stored = stored.lock().unwrap();
        match r.method.as_str() {
            "POST" if r.path == "/tests" => {
                let path = format!("/tests/{}", stored.len());
                let object = json!({"self": format!("{}{path}", url_for.lock().unwrap())});
                stored.insert(path, object.clone());
                (200, Some(object))
            }
            "GET" => match stored.get(&r.path) {
                Some(o) => (200, Some(o.clone())),
                None => (404, None),
            },
            "DELETE" => match stored.remove(&r.path) {
                Some(_) => (200, None),
                None => (404, None),
            },
            _ => (404, None),
        }
    });
    *base.lock().unwrap() = server.url.clone();
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "x" {{
  path        = "/tests"
  id_pointer  = "/self"
  object_path = "{{+id}}"
  body        = {{}}
}}
"#,
        provider(&server.url, "")
    ));
    apply_clean(&wd);
    destroy(&wd);
    assert_eq!(get(&server.url, "/tests/0").0, 404);
    let paths: Vec<_> = server
        .seen()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(paths.contains(&"DELETE /tests/0".to_owned()), "{paths:?}");
}

/// `TestResource_CodeServer_HeaderQuery` and `…_HeaderQueryFromBody`:
/// each operation sends its own headers and query, fixed or filled from
/// the server's last answer; the server refuses any other (400).
#[test]
fn each_operation_sends_its_own_headers_and_query() {
    let stored = Mutex::new(None::<serde_json::Value>);
    let server = StandIn::start(move |r| {
        let want = match r.method.as_str() {
            "POST" => "create",
            "GET" => "read_b",
            "PUT" => "update",
            "DELETE" => "delete_b",
            _ => return (405, None),
        };
        if r.header("type") != Some(want) || r.query("type") != Some(want) {
            return (400, Some(json!({"error": format!("type must be {want}")})));
        }
        let mut stored = stored.lock().unwrap();
        match r.method.as_str() {
            "POST" => {
                *stored = Some(r.body.clone());
                (200, Some(r.body.clone()))
            }
            "GET" => (200, stored.clone()),
            _ => (200, None),
        }
    });
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "x" {{
  path        = "/tests/1"
  object_path = "{{path}}"
  body        = {{ read = "read_b", delete = "delete_b" }}
  create {{
    headers = {{ type = "create" }}
    query   = {{ type = "create" }}
  }}
  read {{
    headers = {{ type = "{{response/read}}" }}
    query   = {{ type = "{{response/read}}" }}
  }}
  delete {{
    headers = {{ type = "{{response/delete}}" }}
    query   = {{ type = "{{response/delete}}" }}
  }}
}}
"#,
        provider(&server.url, "")
    ));
    apply_clean(&wd);
    destroy(&wd);
    let methods: Vec<_> = server.seen().iter().map(|r| r.method.clone()).collect();
    assert!(methods.contains(&"DELETE".to_owned()), "{methods:?}");
}

/// `TestResource_CodeServer_DeleteMethodBody` and `…_DeleteMethodBodyRaw`:
/// "deleting" is a PATCH with a body that empties the object, filled with
/// a value from the server's answer (a number stays a number).
#[test]
fn a_delete_that_patches_the_object_empty() {
    let stored = Mutex::new(None::<serde_json::Value>);
    let server = StandIn::start(move |r| {
        let mut stored = stored.lock().unwrap();
        match r.method.as_str() {
            "PUT" => {
                let mut o = r.body.clone();
                o["id"] = json!(123);
                *stored = Some(o);
                (200, None)
            }
            "GET" => (200, stored.clone()),
            "PATCH" => {
                if let (Some(o), serde_json::Value::Object(patch)) = (stored.as_mut(), &r.body) {
                    for (k, v) in patch {
                        o[k] = v.clone();
                    }
                }
                (200, stored.clone())
            }
            "DELETE" => {
                *stored = None;
                (200, None)
            }
            _ => (405, None),
        }
    });
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "x" {{
  path          = "/tests/1"
  create_method = "PUT"
  body          = {{ properties = [{{ property_name = "system", value = "testing-system" }}] }}
  delete {{
    method = "PATCH"
    body   = {{ id = "{{response/id}}", properties = [] }}
  }}
}}
"#,
        provider(&server.url, "")
    ));
    apply_clean(&wd);
    destroy(&wd);
    assert_eq!(
        get(&server.url, "/tests/1").1,
        json!({"id": 123, "properties": []})
    );
}

// ---------------------------------------------------------------------------
// restful's ephemeral resource against its inline lease server
// (ephemeral_code_server_test.go).

fn ephemeral_supported() -> bool {
    if terraform().version >= (1, 11) {
        return true;
    }
    eprintln!("SKIPPED: ephemeral resources need Terraform or OpenTofu 1.11+");
    false
}

/// `TestEphemeral_CodeServer_basic` and `…_complete`: a lease opened by a
/// POST, its expiry read from a response header, renewed while a slow
/// operation runs, always closed; a provider configured from the lease.
#[test]
fn an_ephemeral_lease_is_renewed_while_used_and_closed() {
    if !ephemeral_supported() {
        return;
    }
    let server = StandIn::start(|r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/lease") => (200, Some(json!({"foo": "bar", "expiry": 1}))),
        ("POST", "/updateLease") => (200, Some(json!({"expiry": 1}))),
        ("POST", "/unlease") => (200, None),
        ("POST", "/sleep") => {
            let secs: u64 = r.header("time").and_then(|t| t.parse().ok()).unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_secs(secs.min(5)));
            (200, Some(json!({"id": "sleep-1", "slept": secs})))
        }
        ("GET", "/sleep/sleep-1") => (200, Some(json!({"id": "sleep-1"}))),
        ("DELETE", "/sleep/sleep-1") => (200, None),
        _ => (404, None),
    });
    let wd = Workdir::new(&format!(
        r#"
ephemeral "driver_http_request" "lease" {{
  method         = "POST"
  path           = "/lease"
  expiry_pointer = "/expiry"
  renew {{
    path = "/updateLease"
  }}
  close {{
    method = "POST"
    path   = "/unlease"
  }}
}}
provider "driver" {{
  endpoint = "{url}"
}}
provider "driver" {{
  alias    = "sleep"
  endpoint = "{url}"
  headers  = {{ dep = ephemeral.driver_http_request.lease.response.foo }}
}}
resource "driver_http_object" "sleep" {{
  provider = driver.sleep
  path     = "/sleep"
  headers  = {{ time = "2" }}
  body     = {{}}
}}
"#,
        url = server.url
    ));
    apply(&wd);
    let seen = server.seen();
    let count = |p: &str| seen.iter().filter(|r| r.path == p).count();
    assert!(count("/lease") >= 1, "{seen:?}");
    assert_eq!(count("/lease"), count("/unlease"), "every lease closed");
    assert!(
        count("/updateLease") >= 1,
        "renewed while the operation ran"
    );
    let sleep = seen.iter().find(|r| r.path == "/sleep").unwrap();
    assert_eq!(
        sleep.header("dep"),
        Some("bar"),
        "configured from the lease"
    );
}

/// `TestEphemeral_CodeServer_HeaderQueryFromBody`: the open and the close
/// send their own headers and query, the close's filled from the opening
/// answer; the server refuses any other (400).
#[test]
fn ephemeral_requests_send_their_own_headers_and_query() {
    if !ephemeral_supported() {
        return;
    }
    let server = StandIn::start(|r| {
        let want = match r.path.as_str() {
            "/open" => "open",
            "/close" => "close_b",
            _ => return (404, None),
        };
        if r.header("type") != Some(want) || r.query("type") != Some(want) {
            return (400, Some(json!({"error": format!("type must be {want}")})));
        }
        (200, Some(r.body.clone()))
    });
    let wd = Workdir::new(&format!(
        r#"{}
ephemeral "driver_http_request" "x" {{
  method  = "POST"
  path    = "/open"
  headers = {{ type = "open" }}
  query   = {{ type = "open" }}
  body    = {{ close = "close_b" }}
  close {{
    method  = "POST"
    path    = "/close"
    headers = {{ type = "{{response/close}}" }}
    query   = {{ type = "{{response/close}}" }}
  }}
}}
"#,
        provider(&server.url, "")
    ));
    apply(&wd);
    let seen = server.seen();
    let ok = |p: &str| seen.iter().any(|r| r.path == p);
    assert!(ok("/open") && ok("/close"), "{seen:?}");
    assert!(
        seen.iter().all(|r| r.header("type") == r.query("type")),
        "{seen:?}"
    );
}

/// `TestResource_Azure_RouteTable_Precheck`'s mutex: an ARM-like parent
/// answers `409 AnotherOperationInProgress` to a write while another write
/// under it runs; `write_lock` orders the children's writes, so none
/// overlaps and the apply and the destroy succeed.
#[test]
fn a_write_lock_orders_writes_under_one_parent() {
    let state = Mutex::new((0u32, BTreeMap::<String, serde_json::Value>::new()));
    let conflicts = Arc::new(Mutex::new(0u32));
    let seen_conflicts = conflicts.clone();
    let server = StandIn::start(move |r| {
        let write = matches!(r.method.as_str(), "PUT" | "DELETE");
        if write {
            let mut s = state.lock().unwrap();
            if s.0 > 0 {
                *seen_conflicts.lock().unwrap() += 1;
                let error = json!({"error": {"code": "AnotherOperationInProgress"}});
                return (409, Some(error));
            }
            s.0 += 1;
        }
        if write {
            // The write takes a while, as ARM's do.
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
        let mut s = state.lock().unwrap();
        let answer = match r.method.as_str() {
            "PUT" => {
                s.1.insert(r.path.clone(), r.body.clone());
                (200, Some(r.body.clone()))
            }
            "DELETE" => {
                s.1.remove(&r.path);
                (200, None)
            }
            _ => match s.1.get(&r.path) {
                Some(o) => (200, Some(o.clone())),
                None => (404, None),
            },
        };
        if write {
            s.0 -= 1;
        }
        answer
    });
    let routes: String = (1..=3)
        .map(|i| {
            format!(
                r#"
resource "driver_http_object" "route{i}" {{
  path          = "/routeTables/t/routes/route{i}"
  create_method = "PUT"
  write_lock    = "/routeTables/t"
  body          = {{ properties = {{ addressPrefix = "10.{i}.0.0/16" }} }}
}}
"#
            )
        })
        .collect();
    let wd = Workdir::new(&format!("{}{routes}", provider(&server.url, "")));
    apply_clean(&wd);
    destroy(&wd);
    assert_eq!(*conflicts.lock().unwrap(), 0, "no write overlapped another");
    let writes = server.seen().iter().filter(|r| r.method != "GET").count();
    assert_eq!(writes, 6, "three creates and three deletes");
}

// ---------------------------------------------------------------------------
// restful_operation (operation_code_server_test.go,
// operation_jsonserver_test.go) as driver_http_operation.

/// `TestOperation_CodeServer_Empty`: a call with no body answered with
/// nothing has a null response; without a delete call, destroy sends
/// nothing.
#[test]
fn an_operation_answered_with_nothing() {
    let server = StandIn::start(|_| (200, None));
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_operation" "x" {{
  path   = "posts"
  method = "POST"
}}
"#,
        provider(&server.url, "")
    ));
    apply_clean(&wd);
    assert!(response(&wd, "x").is_null());
    destroy(&wd);
    assert_eq!(server.seen().len(), 1, "destroy sent nothing");
}

/// `TestOperation_CodeServer_HeaderQuery` and `…_HeaderQueryFromBody`: the
/// call and the delete call send their own headers and query, the delete's
/// filled from the call's answer; the server refuses any other (400).
#[test]
fn an_operation_and_its_delete_send_their_own_headers_and_query() {
    let server = StandIn::start(|r| {
        let want = match r.method.as_str() {
            "POST" => "operation",
            "DELETE" => "delete_b",
            _ => return (405, None),
        };
        if r.path != "/tests/1" || r.header("type") != Some(want) || r.query("type") != Some(want) {
            return (400, Some(json!({"error": format!("type must be {want}")})));
        }
        (200, Some(r.body.clone()))
    });
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_operation" "x" {{
  path    = "/tests/1"
  method  = "POST"
  headers = {{ type = "operation" }}
  query   = {{ type = "operation" }}
  body    = {{ delete = "delete_b" }}
  delete {{
    path    = "/tests/1"
    headers = {{ type = "{{response/delete}}" }}
    query   = {{ type = "{{response/delete}}" }}
  }}
}}
"#,
        provider(&server.url, "")
    ));
    apply_clean(&wd);
    assert_eq!(response(&wd, "x")["delete"], "delete_b");
    destroy(&wd);
    let methods: Vec<_> = server.seen().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["POST", "DELETE"]);
}

/// `TestOperation_JSONServer_Basic` and `…_withDelete`: a one-shot POST
/// keeps its answer; an operation on another resource's object sets a
/// field, and its delete call sets it back, which that resource then sees
/// (its empty body does not drift).
#[test]
fn operations_on_json_server() {
    let Some(js) = posts() else { return };
    let base = format!(
        r#"{}
resource "driver_http_object" "post" {{
  path            = "posts"
  body            = {{}}
  response_fields = ["/enabled"]
}}
resource "driver_http_operation" "create_post" {{
  path   = "posts"
  method = "POST"
  body   = {{ foo = "bar" }}
}}
"#,
        provider(&js.url, "")
    );
    let operation = r#"
resource "driver_http_operation" "enable" {
  path            = "/posts/${driver_http_object.post.id}"
  method          = "PUT"
  body            = { enabled = true }
  response_fields = ["/enabled"]
  delete {
    method = "PUT"
    path   = "/posts/${driver_http_object.post.id}"
    body   = { enabled = false }
  }
}
"#;
    let wd = Workdir::new(&format!("{base}{operation}"));
    apply_clean(&wd);
    assert!(response(&wd, "create_post")["id"].is_number());
    assert_eq!(response(&wd, "enable"), json!({"enabled": true}));
    // The operation leaves the configuration: its delete call runs.
    wd.set(&base);
    apply(&wd);
    apply_clean(&wd);
    assert_eq!(response(&wd, "post"), json!({"enabled": false}));
}

/// `TestOperation_JSONServer_statusLocatorParam`: the operation's status
/// is read in its item of the listing (`poll.search`), and its delete call
/// waits for a precheck that reads the same item; a status outside success
/// stops the poll, and the precheck, naming what was found.
#[test]
fn an_operation_polled_in_a_listing_with_a_delete_precheck() {
    let Some(js) = posts() else { return };
    let config = |poll_success: &str, precheck_success: &str| {
        format!(
            r#"{}
resource "driver_http_operation" "x" {{
  path            = "posts"
  method          = "POST"
  body            = {{ foo = "bar" }}
  response_fields = ["/id"]
  poll {{
    path           = "/posts"
    search         = {{ "/id" = "{{response/id}}" }}
    status_pointer = "/foo"
    success        = ["{poll_success}"]
    interval       = "1s"
  }}
  delete {{
    path = "/posts/{{response/id}}"
    precheck {{
      path           = "/posts"
      search         = {{ "/id" = "{{response/id}}" }}
      status_pointer = "/foo"
      success        = ["{precheck_success}"]
      pending        = ["creating"]
      interval       = "1s"
    }}
  }}
}}
"#,
            provider(&js.url, "")
        )
    };
    let wd = Workdir::new(&config("bar", "bar"));
    apply_clean(&wd);
    let id = response(&wd, "x")["id"].clone();
    assert!(id.is_number(), "{id}");
    assert_eq!(get(&js.url, &format!("/posts/{id}")).0, 200);
    // A precheck whose item says otherwise stops the delete unsent.
    wd.set(&config("bar", "baz"));
    apply(&wd);
    let out = wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert_ne!(out.code(), 0, "{text}");
    assert!(
        text.contains("Precheck failed") && text.contains("\"bar\""),
        "{text}"
    );
    assert_eq!(get(&js.url, &format!("/posts/{id}")).0, 200, "not deleted");
    wd.set(&config("bar", "bar"));
    apply(&wd);
    destroy(&wd);
    assert_eq!(get(&js.url, &format!("/posts/{id}")).0, 404, "deleted");
    // A poll whose item says otherwise fails the operation, naming it.
    let failing = Workdir::new(&config("baz", "bar"));
    let out = failing.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert_ne!(out.code(), 0, "{text}");
    assert!(
        text.contains("Operation failed") && text.contains("\"bar\""),
        "{text}"
    );
    destroy(&failing);
}

/// `TestResource_JSONServer_UseSensitiveOutput`,
/// `TestOperation_JSONServer_UseSensitiveOutput` and
/// `TestDataSource_JSONServer_UseSensitiveOutput`: with
/// `response_is_sensitive`, the answer is kept in `sensitive_response.value`
/// (hidden in plans and output) and `response` is null, through create and
/// update; without it, the answer is back in `response`.
#[test]
fn answers_kept_sensitive() {
    let Some(js) = posts() else { return };
    let config = |foo: &str, sensitive: bool| {
        format!(
            r#"{}
resource "driver_http_object" "x" {{
  path                  = "posts"
  body                  = {{ foo = "{foo}" }}
  response_is_sensitive = {sensitive}
}}
resource "driver_http_operation" "op" {{
  path                  = "posts"
  method                = "POST"
  body                  = {{ foo = "{foo}" }}
  response_is_sensitive = {sensitive}
}}
data "driver_http_object" "ds" {{
  path                  = "/posts"
  id                    = driver_http_object.x.id
  response_is_sensitive = {sensitive}
}}
output "foo" {{
  value     = driver_http_object.x.sensitive_response.value.foo
  sensitive = true
}}
"#,
            provider(&js.url, "")
        )
    };
    // Managed resources and the data source alike.
    let values = |wd: &Workdir, name: &str| {
        let show = wd.run(&["show", "-json"]).expect_code(0).json();
        show["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|all| all.iter().find(|r| r["name"] == name))
            .map(|r| r["values"].clone())
            .unwrap_or_default()
    };
    // Every line that shows the kept answer hides it.
    let hidden = |text: &str| {
        let lines: Vec<_> = text
            .lines()
            .filter(|l| {
                l.trim_start()
                    .trim_start_matches(['+', '~', ' '])
                    .starts_with("value ")
            })
            .collect();
        assert!(!lines.is_empty(), "{text}");
        assert!(
            lines
                .iter()
                .all(|l| l.contains("(sensitive value)") || l.contains("(known after apply)")),
            "{text}"
        );
    };
    let wd = Workdir::new(&config("foo", true));
    for foo in ["foo", "bar"] {
        wd.set(&config(foo, true));
        let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        let text = format!("{}{}", out.stdout, out.stderr);
        assert_eq!(out.code(), 0, "{text}");
        hidden(&text);
        let (code, out) = plan(&wd);
        assert_eq!(code, 0, "{out}");
        for name in ["x", "op", "ds"] {
            let v = values(&wd, name);
            assert!(v["response"].is_null(), "{name}: {v}");
            assert_eq!(v["sensitive_response"]["value"]["foo"], foo, "{name}: {v}");
            assert!(
                v["sensitive_response"]["value"]["id"].is_number(),
                "{name}: {v}"
            );
        }
    }
    hidden(&wd.run(&["show", "-no-color"]).stdout);
    // Without the flag, the answer is in `response` again.
    wd.set(&config("bar", false).replace(".sensitive_response.value.foo", ".response.foo"));
    apply_clean(&wd);
    for name in ["x", "op", "ds"] {
        let v = values(&wd, name);
        assert_eq!(v["response"]["foo"], "bar", "{name}: {v}");
        assert!(v["sensitive_response"].is_null(), "{name}: {v}");
    }
    destroy(&wd);
}

/// `TestOperation_CodeServer_idBuilder`: the operation is polled at a path
/// built from its answer (`/bar/{response/id}`) until its status is OK.
#[test]
fn an_operation_polled_at_a_path_built_from_its_answer() {
    let polls = Arc::new(Mutex::new(0u32));
    let counted = polls.clone();
    let server = StandIn::start(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/foo") => (200, Some(json!({"id": 1}))),
        ("GET", "/bar/1") => {
            let mut n = counted.lock().unwrap();
            *n += 1;
            let status = if *n < 2 { "Running" } else { "OK" };
            (200, Some(json!({"status": status})))
        }
        _ => (404, None),
    });
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_operation" "x" {{
  path   = "foo"
  method = "POST"
  poll {{
    path           = "/bar/{{response/id}}"
    status_pointer = "/status"
    pending        = ["Running"]
    success        = ["OK"]
    interval       = "1s"
  }}
}}
"#,
        provider(&server.url, "")
    ));
    apply_clean(&wd);
    assert_eq!(*polls.lock().unwrap(), 2, "polled until OK");
}

/// An operation is sent again only when the call changes (not when its
/// delete call does), and then replaced, so the old answer's delete call
/// runs first; a call whose polling fails is kept in state (tainted), so
/// its delete call still runs on destroy.
#[test]
fn an_operation_is_sent_again_only_when_the_call_changes() {
    let jobs = Mutex::new(BTreeMap::<u64, bool>::new());
    let server = StandIn::start(move |r| {
        let mut jobs = jobs.lock().unwrap();
        let id = r
            .path
            .strip_prefix("/jobs/")
            .and_then(|i| i.parse::<u64>().ok());
        match (r.method.as_str(), id) {
            ("POST", None) => {
                let n = jobs.len() as u64 + 1;
                jobs.insert(n, r.body["fail"] == json!(true));
                (200, Some(json!({"id": n})))
            }
            ("GET", Some(n)) => match jobs.get(&n) {
                Some(true) => (200, Some(json!({"status": "Failed"}))),
                Some(false) => (200, Some(json!({"status": "Done"}))),
                None => (404, None),
            },
            ("DELETE", Some(_)) => (200, None),
            _ => (404, None),
        }
    });
    let config = |v: u32, tag: &str, fail: bool| {
        format!(
            r#"{}
resource "driver_http_operation" "job" {{
  path = "/jobs"
  body = {{ v = {v}, fail = {fail} }}
  poll {{
    path           = "/jobs/{{response/id}}"
    status_pointer = "/status"
    pending        = ["Running"]
    success        = ["Done"]
    interval       = "1s"
  }}
  delete {{
    path    = "/jobs/{{response/id}}"
    headers = {{ tag = "{tag}" }}
  }}
}}
"#,
            provider(&server.url, "")
        )
    };
    let calls = |method: &str| server.seen().iter().filter(|r| r.method == method).count();
    let wd = Workdir::new(&config(1, "a", false));
    apply_clean(&wd);
    wd.set(&config(1, "b", false));
    apply_clean(&wd);
    assert_eq!(
        calls("POST"),
        1,
        "only the delete call changed: nothing sent"
    );
    wd.set(&config(2, "b", false));
    let (_, out) = plan(&wd);
    assert!(out.contains("must be replaced"), "{out}");
    apply_clean(&wd);
    let order: Vec<_> = server
        .seen()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(order, ["POST /jobs", "DELETE /jobs/1", "POST /jobs"]);
    // A call whose operation fails stays tracked, and is undone.
    wd.set(&config(3, "b", true));
    let r = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(r.code(), 1);
    assert!(r.stderr_flat().contains("Operation failed"), "{}", r.stderr);
    assert_eq!(wd.resources().len(), 1, "still in state");
    destroy(&wd);
    assert!(
        server
            .seen()
            .iter()
            .any(|r| r.method == "DELETE" && r.path == "/jobs/3")
    );
}

/// An operation's delete call can name only what `response_fields` keeps
/// of its answer: otherwise destroy could never fill it, so validate says so.
#[test]
fn an_operation_delete_call_names_only_kept_fields() {
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_operation" "x" {{
  path            = "/posts"
  body            = {{ foo = "bar" }}
  response_fields = ["/foo"]
  delete {{
    path = "/posts/{{response/id}}"
  }}
}}
"#,
        provider("http://127.0.0.1:9", "")
    ));
    let r = wd.run(&["validate", "-no-color"]);
    assert_eq!(r.code(), 1);
    let err = r.stderr_flat();
    assert!(
        err.contains("response_fields does not keep") && err.contains("/id"),
        "{err}"
    );
}

/// `TestOperation_JSONServer_EphemeralBody` and `…_EphemeralBodyOverlap`:
/// an operation's write-only fields (from an ephemeral variable) reach the
/// API but never state or `response`; a new `body_wo_version` sends the
/// call again; a field in both bodies is refused.
#[test]
fn an_operation_with_a_write_only_body() {
    if terraform().version < (1, 11) {
        eprintln!("SKIPPED: write-only arguments need Terraform 1.11+");
        return;
    }
    let Some(js) = posts() else { return };
    let config = |secret: &str, version: &str, overlap: bool| {
        let extra = if overlap { ", foo = \"x\"" } else { "" };
        format!(
            r#"{}
variable "v" {{
  type      = string
  ephemeral = true
  default   = "{secret}"
}}
resource "driver_http_operation" "x" {{
  path            = "posts"
  body            = {{ foo = "foo" }}
  body_wo         = {{ secret = var.v{extra} }}
  body_wo_version = "{version}"
}}
"#,
            provider(&js.url, "")
        )
    };
    let wd = Workdir::new(&config("s3cr3t-one", "1", false));
    apply_clean(&wd);
    let first = response(&wd, "x");
    assert!(
        first.get("secret").is_none() && first["foo"] == "foo",
        "{first}"
    );
    let id = first["id"].to_string();
    assert_eq!(
        get(&js.url, &format!("/posts/{id}")).1["secret"],
        "s3cr3t-one"
    );
    wd.set(&config("s3cr3t-two", "2", false));
    apply_clean(&wd);
    let second = response(&wd, "x")["id"].to_string();
    assert_ne!(second, id, "the call was sent again");
    assert_eq!(
        get(&js.url, &format!("/posts/{second}")).1["secret"],
        "s3cr3t-two"
    );
    let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap();
    assert!(!state.contains("s3cr3t"), "{state}");
    wd.set(&config("s3cr3t-two", "2", true));
    let r = wd.run(&["validate", "-no-color"]);
    assert_eq!(r.code(), 1);
    assert!(
        r.stderr_flat().contains("A field in both body and body_wo"),
        "{}",
        r.stderr
    );
}
