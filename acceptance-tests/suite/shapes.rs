//! REST shapes other than "POST to a collection, the object at
//! `{path}/{id}`", on the demo API: objects created by PUT at a name, read
//! at another path than their collection, row-filter APIs that answer
//! arrays, envelopes, vendor media types, form bodies, ids as plain text,
//! deletes sent as POST. Each applies, plans clean, and (where it matters)
//! imports to a plan with no replacement and nothing sent.

use demo_api::{Faults, Running};

use crate::harness::Workdir;

fn provider(api: &Running) -> String {
    format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n",
        api.url()
    )
}

fn apply(wd: &Workdir) {
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
}

fn plan(wd: &Workdir) -> (i32, String) {
    let p = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    (p.code(), format!("{}{}", p.stdout, p.stderr))
}

fn id_of(wd: &Workdir) -> String {
    wd.resources()[0]["values"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const POLICY: &str = r#"
resource "driver_http_object" "policy" {
  path          = "/named/policies/tfbar"
  create_method = "PUT"
  object_path   = "{path}"
  body          = { rules = ["read", "write"] }
}
"#;

#[test]
fn put_at_a_name_then_import_is_no_replacement_and_sends_nothing() {
    let api = Running::start();
    let wd = Workdir::new(&format!("{}{POLICY}", provider(&api)));
    apply(&wd);
    assert!(api.named("/named/policies/tfbar").is_some());
    assert_eq!(api.counters().method("PUT"), 1);
    assert_eq!(plan(&wd).0, 0, "clean after apply");

    // Import by the object's path: the same object, so no replacement; the
    // arguments only the configuration holds are stored, nothing is sent.
    let other = Workdir::new(&format!("{}{POLICY}", provider(&api)));
    other
        .run(&[
            "import",
            "-input=false",
            "-no-color",
            "driver_http_object.policy",
            "/named/policies/tfbar",
        ])
        .expect_code(0);
    let (_, out) = plan(&other);
    assert!(
        !out.contains("must be replaced") && !out.contains("forces replacement"),
        "{out}"
    );
    let writes = api.counters().method("PUT");
    apply(&other);
    assert_eq!(api.counters().method("PUT"), writes, "nothing was sent");
    assert_eq!(plan(&other).0, 0);

    // With the arguments in the import id, the first plan is clean at once.
    let third = Workdir::new(&format!("{}{POLICY}", provider(&api)));
    let import_id = r#"{"path": "/named/policies/tfbar", "id": "/named/policies/tfbar", "create_method": "PUT", "object_path": "{path}", "body": ["rules"]}"#;
    third
        .run(&[
            "import",
            "-input=false",
            "-no-color",
            "driver_http_object.policy",
            import_id,
        ])
        .expect_code(0);
    let (code, out) = plan(&third);
    assert_eq!(code, 0, "{out}");

    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(api.named("/named/policies/tfbar").is_none());
}

const ONE_PATH: &str = r#"
resource "driver_http_object" "item" {
  path        = "/items"
  object_path = "/one/items/{id}"
  body        = { name = "a", size = 2 }
}
"#;

#[test]
fn objects_read_at_another_path_than_their_collection() {
    let api = Running::start();
    let wd = Workdir::new(&format!("{}{ONE_PATH}", provider(&api)));
    apply(&wd);
    let id = id_of(&wd);
    assert_eq!(plan(&wd).0, 0);
    api.edit(&format!("/items/{id}"), serde_json::json!({"size": 9}));
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    apply(&wd);
    assert_eq!(
        api.get(&format!("/items/{id}")).unwrap()["size"].as_f64(),
        Some(2.0)
    );

    let other = Workdir::new(&format!("{}{ONE_PATH}", provider(&api)));
    let import_id = format!(
        r#"{{"path": "/items", "id": "{id}", "object_path": "/one/items/{{id}}", "body": ["name", "size"]}}"#
    );
    other
        .run(&[
            "import",
            "-input=false",
            "-no-color",
            "driver_http_object.item",
            &import_id,
        ])
        .expect_code(0);
    let writes = api.counters().method("PUT");
    let (code, out) = plan(&other);
    assert_eq!(code, 0, "clean at once: {out}");
    assert_eq!(api.counters().method("PUT"), writes);
}

#[test]
fn a_row_filter_api_reads_arrays_and_takes_the_id_in_the_query() {
    let api = Running::start();
    let hcl = format!(
        r#"{}
resource "driver_http_object" "todo" {{
  path = "/todos"
  body = {{ task = "write tests", done = false }}
  read {{
    path = "{{path}}?id=eq.{{id}}"
  }}
  update {{
    method = "PATCH"
    path   = "{{path}}"
    query  = {{ id = "eq.{{id}}" }}
  }}
  delete {{
    path  = "{{path}}"
    query = {{ id = "eq.{{id}}" }}
  }}
}}
"#,
        provider(&api)
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    let id = id_of(&wd);
    assert_eq!(plan(&wd).0, 0, "an array of one is the object");
    api.edit(&format!("/todos/{id}"), serde_json::json!({"done": true}));
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    apply(&wd);
    assert_eq!(api.get(&format!("/todos/{id}")).unwrap()["done"], false);
    assert!(api.counters().method("PATCH") >= 1);
    // Deleted outside Terraform: the filter matches nothing, so it is gone.
    assert!(api.delete(&format!("/todos/{id}")));
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("will be created"), "{out}");
    apply(&wd);
    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(api.list("/todos").is_empty());
}

#[test]
fn envelopes_media_types_text_ids_form_bodies_and_deletes_by_post() {
    let api = Running::start();
    api.set_faults(Faults {
        media_type: Some("application/vnd.demo.v2+json".into()),
        envelope_reads: true,
        text_ids: true,
        ..Default::default()
    });
    let hcl = format!(
        r#"{}
resource "driver_http_object" "thing" {{
  path         = "/things"
  id_pointer   = ""
  content_type = "application/x-www-form-urlencoded"
  headers      = {{ Accept = "application/vnd.demo.v2+json" }}
  body         = {{ name = "lamp", colour = "green" }}
  read {{
    pointer = "/data"
  }}
  delete {{
    method = "POST"
    path   = "{{path}}/{{id}}/delete"
  }}
}}
"#,
        provider(&api)
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    let id = id_of(&wd);
    assert!(
        id.parse::<u64>().is_ok(),
        "the plain-text answer is the id: {id}"
    );
    let stored = api.get(&format!("/things/{id}")).unwrap();
    assert_eq!(stored["colour"], "green", "sent as a form");
    let (code, out) = plan(&wd);
    assert_eq!(code, 0, "read through the envelope: {out}");
    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(api.list("/things").is_empty(), "deleted by POST");
    assert_eq!(api.counters().method("DELETE"), 0);
}

/// restful's `TestResource_Basic` style and Azure's PUT at a resource id:
/// created by `PUT` at the object's own path, with no `object_path` (the
/// documented default is `path` itself), whatever the create answers:
/// nothing (201), or the object with a full-path id. An array body is the
/// object itself, so it plans clean.
#[test]
fn put_at_a_name_is_read_there_by_default_whatever_it_answers() {
    let api = Running::start();
    let azure = "/named/subscriptions/s1/resourceGroups/rg1";
    api.set_faults(Faults {
        scripted: vec![demo_api::Scripted {
            method: "PUT".into(),
            path: azure.into(),
            act: true,
            status: 200,
            body: r#"{"id": "/subscriptions/s1/resourceGroups/rg1", "location": "westeurope"}"#
                .into(),
            times: 1,
            ..Default::default()
        }],
        ..Default::default()
    });
    let hcl = format!(
        r#"{}
resource "driver_http_object" "empty_answer" {{
  path          = "/named/tests/1"
  create_method = "PUT"
  body          = {{ foo = "bar" }}
}}
resource "driver_http_object" "array" {{
  path          = "/named/tests/2"
  create_method = "PUT"
  body          = [{{ foo = "foo" }}]
}}
resource "driver_http_object" "azure" {{
  path          = "{azure}"
  create_method = "PUT"
  body          = {{ location = "westeurope" }}
}}
"#,
        provider(&api)
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    assert_eq!(
        api.named("/named/tests/2"),
        Some(serde_json::json!([{"foo": "foo"}]))
    );
    let (code, out) = plan(&wd);
    assert_eq!(code, 0, "clean after apply: {out}");
    let names = ["/named/tests/1", "/named/tests/2", azure];
    for seen in api.counters().log {
        assert!(
            names.contains(&seen.path.as_str()),
            "{} {} is not one of the objects",
            seen.method,
            seen.path
        );
    }
    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    for name in names {
        assert_eq!(api.named(name), None, "{name} deleted");
    }
}

/// JSON:API and other `application/…+json` types: `content_type` alone
/// makes the requests carry the type (`Content-Type` and `Accept`).
#[test]
fn a_vendor_json_content_type_is_sent_both_ways() {
    let api = Running::start();
    api.set_faults(Faults {
        media_type: Some("application/vnd.api+json".into()),
        ..Default::default()
    });
    let hcl = format!(
        r#"{}
resource "driver_http_object" "article" {{
  path         = "/articles"
  content_type = "application/vnd.api+json"
  body         = {{ title = "JSON:API paints my bikeshed!" }}
}}
"#,
        provider(&api)
    );
    let wd = Workdir::new(&hcl);
    apply(&wd);
    assert_eq!(plan(&wd).0, 0);
    let log = api.counters().log;
    let post = log.iter().find(|s| s.method == "POST").unwrap();
    assert!(
        post.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/vnd.api+json"),
        "{:?}",
        post.headers
    );
    assert_eq!(api.list("/articles").len(), 1);
}

/// Form APIs (Stripe-style) read nested fields in bracket notation: a
/// nested body is sent as `metadata[tier]=gold`, `tags[0]=a`, and the
/// nested answer is compared with it, so drift in a nested field shows.
#[test]
fn nested_form_fields_are_sent_in_bracket_notation_with_drift() {
    let api = Running::start();
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "customer" {{
  path         = "/customers"
  content_type = "application/x-www-form-urlencoded"
  body = {{
    name     = "ada"
    metadata = {{ tier = "gold", region = "eu" }}
    tags     = ["a", "b"]
  }}
}}
"#,
        provider(&api)
    ));
    apply(&wd);
    let id = id_of(&wd);
    let log = api.counters().log;
    let post = log.iter().find(|s| s.method == "POST").unwrap();
    assert!(
        post.body.contains("metadata%5Btier%5D=gold") && post.body.contains("tags%5B1%5D=b"),
        "{}",
        post.body
    );
    let stored = api.get(&format!("/customers/{id}")).unwrap();
    assert_eq!(stored["metadata"]["tier"], "gold");
    assert_eq!(stored["tags"], serde_json::json!(["a", "b"]));
    assert_eq!(plan(&wd).0, 0, "clean after apply");
    assert!(api.edit(
        &format!("/customers/{id}"),
        serde_json::json!({"metadata": {"tier": "silver", "region": "eu"}})
    ));
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("silver"), "{out}");
}

/// Lists the server adds to: a backend-as-a-service adds a system field to
/// every schema's `fields`. With `drift.unordered` keyed by name (the
/// recipe, as docs/guides/recipes.md prints it), that element is not
/// drift, while one added out of band is, and one dropped from the
/// configuration is removed.
#[test]
fn elements_a_server_adds_to_a_keyed_list_are_not_drift() {
    let api = Running::start();
    let recipe = crate::harness::recipe("server-added-elements");
    let wd = Workdir::new(&format!("{}{recipe}", provider(&api)));
    apply(&wd);
    let stored = || api.list("/schemas")[0]["fields"].clone();
    assert_eq!(stored()[0]["name"], "id", "the server added its field");
    let (code, out) = plan(&wd);
    assert_eq!(code, 0, "the server's element is not drift: {out}");

    // An element added out of band shows, and apply removes it.
    let id = id_of(&wd);
    let mut fields = stored();
    fields
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "extra", "type": "text"}));
    let (status, body) = crate::harness::servers::http(
        "PATCH",
        &format!("{}/schemas/{id}", api.url()),
        &[],
        Some(&serde_json::json!({"fields": fields}).to_string()),
    );
    assert_eq!(status, 200, "{body}");
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("extra"), "{out}");
    apply(&wd);
    let names = |f: serde_json::Value| -> Vec<String> {
        f.as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(stored()), ["id", "title", "body"]);
    assert_eq!(plan(&wd).0, 0);

    // A field dropped from the configuration is removed from the server.
    wd.set(&format!(
        "{}{}",
        provider(&api),
        recipe.replace("      { name = \"body\", type = \"text\" },\n", "")
    ));
    apply(&wd);
    assert_eq!(names(stored()), ["id", "title"]);
    assert_eq!(plan(&wd).0, 0);
    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
}

/// Secrets in answers: each application's answers carry its token; with
/// `response_is_sensitive` (the recipe as printed), no plan or apply
/// prints it, and it is still there for an output that needs it.
#[test]
fn a_token_in_the_answer_is_never_printed() {
    let api = Running::start();
    let recipe = crate::harness::recipe("secret-answer");
    let wd = Workdir::new(&format!("{}{recipe}", provider(&api)));
    let run = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    let token = api.list("/applications")[0]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(token.starts_with("tok-"));
    let shown = format!(
        "{}{}{}",
        run.stdout,
        run.stderr,
        wd.run(&["plan", "-no-color"]).stdout
    );
    assert!(!shown.contains(&token), "{shown}");
    let out = wd.run(&["output", "-raw", "app_token"]).expect_code(0);
    assert_eq!(out.stdout.trim(), token);
}

/// An RPC-style read with a body (`POST /rpc/get`), where a missing object
/// is an answer without it, never a 404: both an absent field and an empty
/// list mean gone. Apply, clean plan, deleted out of band and re-created,
/// import with the read in the import id.
#[test]
fn a_read_with_a_body_and_gone_by_absence() {
    for as_list in [false, true] {
        let api = Running::start();
        let hcl = format!(
            r#"{}
resource "driver_http_object" "db" {{
  path = "/databases"
  body = {{ name = "orders" }}
  read {{
    method  = "POST"
    path    = "/rpc/get"
    body    = {{ collection = "{{path}}", id = "{{id}}", as_list = {as_list} }}
    pointer = "/found"
  }}
}}
"#,
            provider(&api)
        );
        let wd = Workdir::new(&hcl);
        apply(&wd);
        assert_eq!(plan(&wd).0, 0);
        let id = id_of(&wd);
        let (status, _) = crate::harness::servers::http(
            "DELETE",
            &format!("{}/databases/{id}", api.url()),
            &[],
            None,
        );
        assert_eq!(status, 204);
        let (code, out) = plan(&wd);
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("will be created"), "as_list {as_list}: {out}");
        apply(&wd);
        assert_eq!(api.list("/databases").len(), 1);
        let id = id_of(&wd);
        let other = Workdir::new(&hcl);
        let import_id = serde_json::json!({
            "path": "/databases",
            "id": id,
            "read": {
                "method": "POST",
                "path": "/rpc/get",
                "body": {"collection": "{path}", "id": "{id}", "as_list": as_list},
                "pointer": "/found",
            },
            "body": ["name"],
        })
        .to_string();
        other
            .run(&[
                "import",
                "-input=false",
                "-no-color",
                "driver_http_object.db",
                &import_id,
            ])
            .expect_code(0);
        let (code, out) = plan(&other);
        assert_eq!(code, 0, "an import plans clean: {out}");
    }
}
