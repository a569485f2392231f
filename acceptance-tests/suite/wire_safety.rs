//! Hostile values through every attribute that reaches the wire: a server
//! that answers a create with ids such as `..`, `%2e%2e`, `a/../..`, CR/LF
//! or another origin's URL, and configurations that hold them. Each value
//! is either sent inside the object's path on the endpoint's origin, or
//! refused with a diagnostic; the API's log of what it received is the
//! proof. The endpoint has a base path (`/v1`) that nothing may leave.

use demo_api::{Faults, Running, Scripted, Seen};

use crate::harness::{Run, Workdir, terraform};

/// The values a hostile (or careless) server or user may hand over.
fn hostile(elsewhere: &Running) -> Vec<String> {
    vec![
        "..".into(),
        ".".into(),
        "%2e%2e".into(),
        "a/../..".into(),
        "a/b".into(),
        "x\r\nX-Injected: 1".into(),
        "x\0y".into(),
        "a".repeat(64 << 10),
        format!("{}/x", elsewhere.url()),
        "ok-1".into(),
    ]
}

fn script(method: &str, status: u16, headers: &[(&str, &str)], body: String) -> Scripted {
    Scripted {
        method: method.into(),
        status,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body,
        ..Default::default()
    }
}

/// An API whose every create answers `id` (and a `rev` of the same value),
/// whose reads answer the object, and whose writes and deletes succeed.
fn api_answering(id: &str) -> Running {
    let api = Running::start();
    answer_with(&api, id);
    api
}

fn answer_with(api: &Running, id: &str) {
    let object = serde_json::json!({"id": id, "rev": id, "name": "n"}).to_string();
    api.set_faults(Faults {
        scripted: vec![
            script("POST", 201, &[], object.clone()),
            script("GET", 200, &[], object.clone()),
            script("PUT", 200, &[], object),
            script("DELETE", 204, &[], String::new()),
        ],
        ..Default::default()
    });
}

fn provider(api: &Running) -> String {
    format!(
        "provider \"driver\" {{\n  endpoint = \"{}/v1\"\n}}\n",
        api.url()
    )
}

fn run(wd: &Workdir, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["-input=false", "-no-color"]);
    let run = wd.run(&all);
    let out = format!("{}{}", run.stdout, run.stderr);
    for sign in ["panic", "plugin exited", "Plugin did not respond"] {
        assert!(!out.contains(sign), "{sign:?} in: {out}");
    }
    run
}

/// Every request the API received stays below `/v1{collection}`, with no
/// `.` or `..` segment and no control character in a header; with a
/// collection, object requests (anything but the create) name one object
/// below it.
fn check_log(log: &[Seen], collection: &str, what: &str) {
    for seen in log {
        assert!(
            seen.path.starts_with(&format!("/v1{collection}")),
            "{what}: {} {} left the collection",
            seen.method,
            seen.path
        );
        assert!(
            !seen.path.split('/').any(|s| {
                let d = percent_encoding::percent_decode_str(s).decode_utf8_lossy();
                d == "." || d == ".."
            }),
            "{what}: {} {} has a dot segment",
            seen.method,
            seen.path
        );
        if seen.method != "POST" && !collection.is_empty() {
            let rest = &seen.path[format!("/v1{collection}").len()..];
            assert!(
                rest.starts_with('/') && rest.len() > 1 && !rest[1..].contains('/'),
                "{what}: {} {} is not one object of {collection}",
                seen.method,
                seen.path
            );
        }
        for (k, v) in &seen.headers {
            assert!(k != "x-injected", "{what}: a header was injected");
            assert!(!v.contains(['\r', '\n', '\0']), "{what}: {k}: {v:?}");
        }
    }
}

/// A failed run said why, and that nothing was sent.
fn explained(run: &Run, what: &str) {
    let err = run.stderr_flat();
    assert!(
        err.contains("never sent")
            || err.contains("Nothing was sent")
            || err.contains("control character")
            || err.contains("at most"),
        "{what}: {err}"
    );
}

#[test]
fn ids_a_server_answers_are_one_segment_or_refused_in_every_template() {
    let elsewhere = Running::start();
    for id in hostile(&elsewhere) {
        let what = format!("id {:?}", id.chars().take(40).collect::<String>());
        let api = api_answering(&id);
        let config = |name: &str| {
            format!(
                r#"{}
resource "driver_http_object" "x" {{
  path               = "/things"
  body               = {{ name = "{name}" }}
  consistency_window = "0s"
  read {{
    query   = {{ id = "{{id}}" }}
    headers = {{ "X-Id" = "{{id}}" }}
  }}
  update {{
    headers     = {{ "X-Rev" = "{{response/rev}}" }}
    add_to_body = {{ "/rev" = "{{response/rev}}" }}
  }}
  delete {{
    headers = {{ "X-Rev" = "{{response/rev}}" }}
    body    = {{ id = "{{id}}", rev = "{{response/rev}}" }}
  }}
}}
"#,
                provider(&api)
            )
        };
        let wd = Workdir::new(&config("n"));
        let created = run(&wd, &["apply", "-auto-approve"]);
        if created.code() == 0 {
            wd.set(&config("m"));
            let updated = run(&wd, &["apply", "-auto-approve"]);
            if updated.code() != 0 {
                explained(&updated, &what);
            }
            let destroyed = run(&wd, &["destroy", "-auto-approve"]);
            if destroyed.code() != 0 {
                explained(&destroyed, &what);
            }
        } else {
            explained(&created, &what);
            // The object was created, so it stays tracked; destroying it
            // cannot name it either, and says so.
            let destroyed = run(&wd, &["destroy", "-auto-approve"]);
            assert_ne!(destroyed.code(), 0, "{what}: {}", destroyed.stdout);
            explained(&destroyed, &what);
        }
        let log = api.counters().log;
        assert!(log.iter().any(|s| s.method == "POST"), "{what}: created");
        check_log(&log, "/things", &what);
        if id == "ok-1" || id == "a/b" || id == "%2e%2e" {
            assert!(
                log.iter().any(|s| s.method == "DELETE"),
                "{what}: a usable id is deleted"
            );
        }
    }
    assert_eq!(
        elsewhere.counters().total(),
        0,
        "nothing reached another origin"
    );
}

#[test]
fn path_valued_ids_stay_on_the_endpoint() {
    let elsewhere = Running::start();
    // (value, from this API's own URL and another origin's, and whether
    // it names an object below /v1/things)
    type Case = (fn(&str, &str) -> String, bool);
    let cases: [Case; 8] = [
        (|_, _| "/v1/../admin".into(), false),
        (|_, _| "/v1/things/%2e%2e/%2e%2e/admin".into(), false),
        (|_, _| "//evil.example/x".into(), false),
        (|_, other| format!("{other}/v1/things/1"), false),
        (|_, _| "/elsewhere/1".into(), true),
        (|_, _| "/v1/things/7".into(), true),
        (|own, _| format!("{own}/v1/things/8"), true),
        (|_, _| "/things/9".into(), true),
    ];
    for (value, usable) in cases {
        let api = Running::start();
        let id = value(&api.url(), &elsewhere.url());
        answer_with(&api, &id);
        let what = format!("{{+id}} = {id:?}");
        let wd = Workdir::new(&format!(
            r#"{}
resource "driver_http_object" "x" {{
  path               = "/things"
  body               = {{ name = "n" }}
  object_path        = "{{+id}}"
  consistency_window = "0s"
}}
"#,
            provider(&api)
        ));
        let created = run(&wd, &["apply", "-auto-approve"]);
        let destroyed = run(&wd, &["destroy", "-auto-approve"]);
        let log = api.counters().log;
        if usable {
            assert_eq!(created.code(), 0, "{what}: {}", created.stderr);
            assert_eq!(destroyed.code(), 0, "{what}: {}", destroyed.stderr);
            assert!(log.iter().any(|s| s.method == "DELETE"), "{what}");
        } else {
            assert_ne!(created.code(), 0, "{what}");
            let err = created.stderr_flat();
            assert!(
                err.contains("never sent")
                    || err.contains("another origin")
                    || err.contains("outside the endpoint's base path"),
                "{what}: {err}"
            );
        }
        check_log(&log, "", &what);
    }
    assert_eq!(elsewhere.counters().total(), 0);
}

#[test]
fn configured_values_reach_the_wire_only_where_they_fit() {
    let api = Running::start();
    let object = r#"{"name": "n"}"#.to_owned();
    api.set_faults(Faults {
        scripted: vec![
            script("PUT", 200, &[], object.clone()),
            script("GET", 200, &[], object),
            script("DELETE", 204, &[], String::new()),
        ],
        ..Default::default()
    });
    let elsewhere = Running::start();
    for value in hostile(&elsewhere) {
        let what = format!("body/name {:?}", value.chars().take(40).collect::<String>());
        let name = serde_json::to_string(&value).unwrap();
        let wd = Workdir::new(&format!(
            r#"{}
resource "driver_http_object" "x" {{
  path        = "/things"
  body        = {{ name = {name} }}
  object_path = "{{path}}/{{body/name}}"
  create {{
    method  = "PUT"
    path    = "{{path}}/{{body/name}}"
    headers = {{ "X-Name" = "{{body/name}}" }}
  }}
}}
"#,
            provider(&api)
        ));
        let created = run(&wd, &["apply", "-auto-approve"]);
        if created.code() == 0 {
            run(&wd, &["destroy", "-auto-approve"]).expect_code(0);
        } else {
            explained(&created, &what);
        }
    }
    let log = api.counters().log;
    for seen in &log {
        // PUT at a name: every request, the create included, is one object.
        assert!(seen.method != "POST");
    }
    check_log(&log, "/things", "configured values");
    assert_eq!(elsewhere.counters().total(), 0);
}

#[test]
fn paths_written_with_dot_segments_are_refused_at_validate() {
    let api = Running::start();
    for (attribute, hcl) in [
        ("path", r#"path = "/things/../admin""#),
        ("path", r#"path = "/things/%2e%2e/admin""#),
        (
            "object_path",
            r#"path = "/things"
  object_path = "/things/../{id}""#,
        ),
        (
            "read",
            r#"path = "/things"
  read { path = "/a/./{id}" }"#,
        ),
        (
            "list",
            r#"path = "/things"
  list { path = "/a/../b" }"#,
        ),
        (
            "headers",
            r#"path = "/things"
  headers = { "X-A" = "a\nb" }"#,
        ),
    ] {
        let wd = Workdir::new(&format!(
            "{}resource \"driver_http_object\" \"x\" {{\n  {hcl}\n  body = {{ name = \"n\" }}\n}}\n",
            provider(&api)
        ));
        let r = wd.run(&["validate", "-no-color"]);
        assert_eq!(r.code(), 1, "{attribute}: {}", r.stdout);
        assert!(
            r.stderr_flat().contains(attribute),
            "{attribute}: {}",
            r.stderr
        );
    }
    assert_eq!(
        api.counters().total(),
        0,
        "nothing is sent for a bad configuration"
    );
}

#[test]
fn status_links_outside_the_endpoint_are_not_polled() {
    let elsewhere = Running::start();
    for link in [
        format!("{}/v1/operations/1", elsewhere.url()),
        "/v1/../operations/1".to_owned(),
        "/operations/1".to_owned(),
    ] {
        let api = Running::start();
        api.set_faults(Faults {
            scripted: vec![script(
                "POST",
                202,
                &[("Location", &link)],
                r#"{"id": "1", "status": "running"}"#.into(),
            )],
            ..Default::default()
        });
        let wd = Workdir::new(&format!(
            r#"{}
resource "driver_http_object" "x" {{
  path = "/things"
  body = {{ name = "n" }}
  poll {{
    status_pointer = "/status"
    pending        = ["running"]
    success        = ["done"]
    interval       = "1s"
  }}
}}
"#,
            provider(&api)
        ));
        let r = run(&wd, &["apply", "-auto-approve"]);
        assert_eq!(r.code(), 1, "{link}");
        assert!(
            r.stderr_flat().contains("Status URL refused"),
            "{link}: {}",
            r.stderr
        );
        let log = api.counters().log;
        assert_eq!(log.len(), 1, "{link}: only the create was sent: {log:?}");
    }
    assert_eq!(elsewhere.counters().total(), 0);
}

#[test]
fn data_sources_read_one_segment_or_refuse() {
    let elsewhere = Running::start();
    let api = Running::start();
    api.set_faults(Faults {
        scripted: vec![script("GET", 200, &[], r#"{"name": "n"}"#.into())],
        ..Default::default()
    });
    for id in hostile(&elsewhere) {
        let what = format!("data id {:?}", id.chars().take(40).collect::<String>());
        let wd = Workdir::new(&format!(
            "{}data \"driver_http_object\" \"x\" {{\n  path = \"/things\"\n  id   = {}\n}}\n",
            provider(&api),
            serde_json::to_string(&id).unwrap()
        ));
        let r = run(&wd, &["plan"]);
        if r.code() != 0 {
            explained(&r, &what);
        }
    }
    let wd = Workdir::new(&format!(
        "{}data \"driver_http_objects\" \"x\" {{\n  path = \"/things/../admin\"\n}}\n",
        provider(&api)
    ));
    assert_eq!(run(&wd, &["plan"]).code(), 1);
    check_log(&api.counters().log, "/things", "data sources");
    assert_eq!(elsewhere.counters().total(), 0);
}

#[test]
fn ephemeral_follow_ups_never_leave_the_endpoint() {
    let t = terraform();
    if t.version < (1, 10) || (t.opentofu && t.version < (1, 11)) {
        eprintln!("SKIPPED: ephemeral resources need Terraform 1.10 or OpenTofu 1.11");
        return;
    }
    let elsewhere = Running::start();
    for id in hostile(&elsewhere) {
        let what = format!("lease id {:?}", id.chars().take(40).collect::<String>());
        let api = Running::start();
        api.set_faults(Faults {
            scripted: vec![
                script("POST", 200, &[], serde_json::json!({"id": id}).to_string()),
                script("DELETE", 204, &[], String::new()),
            ],
            ..Default::default()
        });
        let wd = Workdir::new(&format!(
            r#"{}
ephemeral "driver_http_request" "lease" {{
  method = "POST"
  path   = "/things"
  close {{
    path    = "/things/{{response/id}}"
    headers = {{ "X-Lease" = "{{response/id}}" }}
  }}
}}
"#,
            provider(&api)
        ));
        let r = run(&wd, &["plan"]);
        assert_eq!(r.code(), 0, "{what}: {}", r.stderr);
        let log = api.counters().log;
        let closed = log.iter().any(|s| s.method == "DELETE");
        if !closed {
            let out = format!("{} {}", r.stdout, r.stderr);
            assert!(
                out.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains("will not be sent"),
                "{what}: a close that cannot be sent is a warning: {out}"
            );
        }
        check_log(&log, "/things", &what);
    }
    assert_eq!(elsewhere.counters().total(), 0);
}

#[test]
fn listings_follow_next_pages_only_below_the_endpoint() {
    let elsewhere = Running::start();
    for link in [
        format!("<{}/v1/things?page=2>; rel=\"next\"", elsewhere.url()),
        "</v1/../admin?page=2>; rel=\"next\"".to_owned(),
        "</admin?page=2>; rel=\"next\"".to_owned(),
    ] {
        let api = Running::start();
        api.set_faults(Faults {
            scripted: vec![script(
                "GET",
                200,
                &[("Link", &link)],
                r#"[{"id": "1"}]"#.into(),
            )],
            ..Default::default()
        });
        let wd = Workdir::new(&format!(
            "{}data \"driver_http_objects\" \"x\" {{\n  path = \"/things\"\n}}\n",
            provider(&api)
        ));
        let r = run(&wd, &["plan"]);
        assert_eq!(r.code(), 1, "{link}: {}", r.stdout);
        assert!(
            r.stderr_flat().contains("Incomplete listing"),
            "{link}: {}",
            r.stderr
        );
        let log = api.counters().log;
        assert_eq!(log.len(), 1, "{link}: only the first page: {log:?}");
        check_log(&log, "", &link);
    }
    assert_eq!(elsewhere.counters().total(), 0);
}

#[test]
fn redirects_are_followed_only_below_the_endpoint() {
    let api = Running::start();
    let wd = Workdir::new(&format!(
        "{}resource \"driver_http_object\" \"x\" {{\n  path = \"/things\"\n  body = {{ name = \"n\" }}\n}}\n",
        provider(&api)
    ));
    assert_eq!(run(&wd, &["apply", "-auto-approve"]).code(), 0);
    let id = wd.resources()[0]["values"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let object = format!("/v1/things/{id}");
    // Above the base path, the object would read as gone (and be dropped
    // from state): the redirect is refused and nothing else is asked.
    for location in [
        format!("/things/{id}"),
        "/v1/things/../../admin".to_owned(),
        "/v1/%2e%2e/admin".to_owned(),
    ] {
        api.set_faults(Faults {
            scripted: vec![Scripted {
                path: object.clone(),
                ..script("GET", 307, &[("Location", &location)], String::new())
            }],
            ..Default::default()
        });
        let before = api.counters().log.len();
        let r = run(&wd, &["plan"]);
        assert_eq!(r.code(), 1, "{location}: {}", r.stdout);
        assert!(
            r.stderr_flat().contains("outside the endpoint's path"),
            "{location}: {}",
            r.stderr
        );
        let log = api.counters().log;
        let sent: Vec<_> = log.iter().skip(before).map(|s| s.path.clone()).collect();
        assert_eq!(
            sent,
            [object.as_str()],
            "{location}: only the read was sent"
        );
        assert_eq!(wd.resources().len(), 1, "{location}: still tracked");
    }
    // Below it, the redirect is followed.
    api.set_faults(Faults {
        scripted: vec![Scripted {
            path: object.clone(),
            times: 1,
            ..script(
                "GET",
                307,
                &[("Location", &format!("{object}?moved=1"))],
                String::new(),
            )
        }],
        ..Default::default()
    });
    assert_eq!(run(&wd, &["plan", "-detailed-exitcode"]).code(), 0);
    check_log(&api.counters().log, "/things", "redirects");
}
