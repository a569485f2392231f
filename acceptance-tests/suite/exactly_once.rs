//! Exactly once, through real terraform: Ctrl-C mid-apply, the API killed
//! and restarted mid-apply, answers that never arrive, objects that already
//! exist, against an API that ignores `Idempotency-Key`; and pacing with no
//! provider settings at all against a rate-limited API.

use std::time::{Duration, Instant};

use demo_api::{Faults, Running, Scripted};

use crate::engine::{apply, assert_exactly_once, items, state_count};
use crate::harness::Workdir;

/// Waits (bounded) until the API has received `n` creates.
fn wait_for_posts(api: &Running, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while api.counters().method("POST") < n {
        assert!(
            Instant::now() < deadline,
            "the creates never reached the API"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `n` objects in /items identified by their `n`.
fn keyed_items(api: &Running, provider_extra: &str, n: usize) -> Workdir {
    Workdir::new(&format!(
        r#"
provider "driver" {{
  endpoint = "{}"
{provider_extra}
}}

resource "driver_http_object" "item" {{
  count       = {n}
  path        = "/items"
  body        = {{ n = count.index }}
  natural_key = ["/n"]
}}
"#,
        api.url()
    ))
}

#[test]
fn ctrl_c_mid_apply_then_a_reapply_leaves_every_object_exactly_once() {
    let api = Running::start();
    api.set_faults(Faults {
        latency: Duration::from_secs(1),
        ignore_idempotency_keys: true,
        ..Default::default()
    });
    let wd = items(&api, "", 60);
    let mut cmd = wd.command(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=10",
    ]);
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_posts(&api, 12);
    crate::harness::interrupt_group(child.id());
    let status = crate::harness::wait_bounded(child, Duration::from_secs(60), "apply after Ctrl-C");
    assert!(!status.success(), "an interrupted apply fails");
    let created = api.list("/items").len();
    assert!(created < 60, "the apply was interrupted: {created} created");
    // Every create that was on the wire finished and reached state.
    assert_eq!(
        state_count(&wd, &api),
        created,
        "state holds every object created"
    );

    api.set_faults(Faults {
        ignore_idempotency_keys: true,
        ..Default::default()
    });
    apply(&wd, 10).expect_code(0);
    assert_exactly_once(&api, 60);
    assert_eq!(state_count(&wd, &api), 60);
    assert_eq!(api.counters().duplicate_creates, 0);
}

#[test]
fn an_api_killed_mid_apply_and_restarted_loses_and_duplicates_nothing() {
    let mut api = Running::start();
    // Creates are processed, then answered 300 ms later: killing the API in
    // that window leaves objects it made but never reported.
    api.set_faults(Faults {
        answer_delay: Duration::from_millis(300),
        ignore_idempotency_keys: true,
        ..Default::default()
    });
    let extra = "  retry {\n    max_attempts = 3\n    min_backoff  = \"50ms\"\n    max_backoff  = \"200ms\"\n  }\n  circuit_breaker {\n    failure_threshold = 5\n    open_for          = \"2s\"\n  }";
    let wd = keyed_items(&api, extra, 100);
    let mut child = wd
        .command(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=10",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_posts(&api, 20);
    api.kill();
    std::thread::sleep(Duration::from_millis(500));
    api.restart();
    api.set_faults(Faults {
        answer_delay: Duration::from_millis(300),
        ignore_idempotency_keys: true,
        ..Default::default()
    });
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let _ = crate::harness::wait_bounded(child, Duration::from_secs(120), "apply during an outage");
    let first = reader.join().unwrap();
    assert!(!first.contains("panic"), "{first}");

    api.set_faults(Faults {
        ignore_idempotency_keys: true,
        ..Default::default()
    });
    apply(&wd, 10).expect_code(0);
    assert_exactly_once(&api, 100);
    assert_eq!(state_count(&wd, &api), 100);
    // And the next plan has nothing to do.
    wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
        .expect_code(0);
}

/// Applies `wd` again: `n` objects on the server, each once, all in
/// state, and a clean plan after.
fn reapplied_exactly_once(wd: &Workdir, api: &Running, n: usize) {
    apply(wd, 10).expect_code(0);
    assert_exactly_once(api, n);
    assert_eq!(state_count(wd, api), n);
    wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
        .expect_code(0);
}

/// Runs `terraform apply` in `wd` and, once the API has received
/// `after_posts` creates, kills it (it acted on the creates in flight
/// without answering them), keeps it down 8 s, and starts it again with
/// its data and `faults`: the apply's error output.
fn apply_through_an_outage(
    api: &mut Running,
    wd: &Workdir,
    faults: Faults,
    after_posts: u64,
) -> String {
    let mut child = wd
        .command(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=10",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_posts(api, after_posts);
    api.kill();
    std::thread::sleep(Duration::from_secs(8));
    api.restart();
    api.set_faults(faults);
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let _ = crate::harness::wait_bounded(child, Duration::from_secs(180), "apply during an outage");
    let first = reader.join().unwrap();
    assert!(!first.contains("panic"), "{first}");
    first
}

/// With no provider settings at all and no `natural_key`, against an API
/// that honours `Idempotency-Key` (and, with `natural_key`, against one
/// that ignores it): the API is killed mid-apply (it wrote
/// objects it never answered for) and restarted with its data and the keys
/// it saw. The objects whose creates had an unknown outcome are tainted;
/// the re-apply's replacement first sends each create again with its
/// original key (kept in the id: Terraform gives a tainted object's
/// private state to neither half of its replacement), so the API names
/// the object it made, which is deleted, then creates it anew: one object
/// per resource, none orphaned.
#[test]
fn an_outage_mid_apply_leaves_one_object_per_resource_with_no_settings() {
    // An API that honours keys (no natural_key), then one that ignores
    // them (with natural_key): no provider settings either way.
    for ignores_keys in [false, true] {
        let mut api = Running::start();
        let faults = Faults {
            answer_delay: Duration::from_millis(300),
            ignore_idempotency_keys: ignores_keys,
            ..Default::default()
        };
        api.set_faults(faults.clone());
        let wd = match ignores_keys {
            false => items(&api, "", 100),
            true => keyed_items(&api, "", 100),
        };
        // Down longer than the default retries last: the creates whose
        // answers were lost end with an unknown outcome.
        let first = apply_through_an_outage(&mut api, &wd, faults, 20);
        assert!(
            first.contains("may have been created"),
            "the outage left creates with an unknown outcome: {first}"
        );
        api.set_faults(Faults {
            ignore_idempotency_keys: ignores_keys,
            ..Default::default()
        });
        reapplied_exactly_once(&wd, &api, 100);
    }
}

/// With `timeouts.create`, a create whose outcome is unknown is sent
/// again with the same `Idempotency-Key` within that time: an API back
/// from an outage and honouring keys names the object the first send
/// made, so no object is left pending (creates the circuit breaker
/// refused during the outage were never sent, and fail); a re-apply
/// creates those, one object per resource.
#[test]
fn within_timeouts_create_a_lost_create_is_resent_with_its_key() {
    let mut api = Running::start();
    let faults = Faults {
        answer_delay: Duration::from_millis(300),
        ..Default::default()
    };
    api.set_faults(faults.clone());
    let wd = Workdir::new(&format!(
        r#"
provider "driver" {{
  endpoint = "{}"
}}

resource "driver_http_object" "item" {{
  count = 40
  path  = "/items"
  body  = {{ n = count.index }}
  timeouts {{
    create = "2m"
  }}
}}
"#,
        api.url()
    ));
    // Down longer than the engine's retries last, shorter than the
    // create's timeout.
    let first = apply_through_an_outage(&mut api, &wd, faults, 10);
    assert!(
        !first.contains("may have been created"),
        "every lost create was resent with its key and answered: {first}"
    );
    let pending = wd
        .resources()
        .iter()
        .filter(|r| {
            r["values"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("pending-create:"))
        })
        .count();
    assert_eq!(pending, 0, "nothing pending");
    reapplied_exactly_once(&wd, &api, 40);
}

#[test]
fn a_create_whose_answer_never_arrives_is_found_and_adopted() {
    let api = Running::start();
    api.set_faults(Faults {
        ignore_idempotency_keys: true,
        scripted: vec![Scripted {
            method: "POST".into(),
            path: "/items".into(),
            act: true,
            drop: true,
            status: 201,
            times: 1,
            ..Default::default()
        }],
        ..Default::default()
    });
    let wd = keyed_items(&api, "", 1);
    let run = apply(&wd, 1).expect_code(0);
    assert!(
        run.stderr_flat().contains("adopted") || run.stdout.contains("adopted"),
        "{}",
        run.stdout
    );
    assert_eq!(api.counters().dropped, 1, "the answer was lost");
    assert_exactly_once(&api, 1);
    assert_eq!(state_count(&wd, &api), 1);
    wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
        .expect_code(0);
}

#[test]
fn without_a_natural_key_a_lost_answer_keeps_the_object_tracked_and_says_so() {
    let api = Running::start();
    // The create is made but its answer lost; the retry (sent with the same
    // idempotency key) then fails, and so does every one after it.
    api.set_faults(Faults {
        scripted: vec![
            Scripted {
                method: "POST".into(),
                path: "/items".into(),
                act: true,
                drop: true,
                status: 201,
                times: 1,
                ..Default::default()
            },
            Scripted {
                method: "POST".into(),
                path: "/items".into(),
                status: 503,
                body: r#"{"message": "down for maintenance"}"#.into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    });
    let wd = items(
        &api,
        "  retry {\n    max_attempts = 2\n    min_backoff  = \"1ms\"\n  }",
        1,
    );
    let run = apply(&wd, 1);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("may have been created") && err.contains("natural_key"),
        "{err}"
    );
    // Kept in state (tainted), not forgotten.
    let resources = wd.resources();
    assert_eq!(resources.len(), 1, "the object is kept in state");
    let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap();
    assert!(state.contains("\"tainted\""), "{state}");
}

#[test]
fn an_existing_object_is_adopted_instead_of_duplicated() {
    let api = Running::start();
    // Someone made it already, with another setting.
    let seed = Workdir::new(&format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\nresource \"driver_http_object\" \"x\" {{\n  path = \"/items\"\n  body = {{ n = 7, size = 1 }}\n}}\n",
        api.url()
    ));
    apply(&seed, 1).expect_code(0);
    let posts = api.counters().method("POST");
    // With a write lock too: the update that brings the adopted object to
    // the configuration runs inside the create, which holds the lock.
    let wd = Workdir::new(&format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\nresource \"driver_http_object\" \"x\" {{\n  path           = \"/items\"\n  body           = {{ n = 7, size = 2 }}\n  natural_key    = [\"/n\"]\n  adopt_existing = true\n  write_lock     = \"{{path}}\"\n}}\n",
        api.url()
    ));
    let run = apply(&wd, 1).expect_code(0);
    assert!(
        run.stderr_flat().contains("adopted") || run.stdout.contains("adopted"),
        "{}",
        run.stdout
    );
    assert_eq!(api.counters().method("POST"), posts, "no create was sent");
    let objects = api.list("/items");
    assert_eq!(objects.len(), 1);
    assert_eq!(
        objects[0]["size"].as_f64(),
        Some(2.0),
        "updated to the configuration"
    );
    wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
        .expect_code(0);
}

#[test]
fn with_no_provider_settings_a_rate_limited_api_is_paced_not_stormed() {
    let api = Running::start();
    api.set_faults(Faults {
        rate_limit: Some((25.0, 5.0)),
        ignore_idempotency_keys: true,
        ..Default::default()
    });
    let wd = items(&api, "", 500);
    apply(&wd, 50).expect_code(0);
    assert_exactly_once(&api, 500);
    assert_eq!(state_count(&wd, &api), 500);
    let throttled = api.counters().throttled;
    eprintln!("429s: {throttled} for 500 objects (the benchmark reports the rate)");
    assert!(
        throttled < 500,
        "the first throttle slows everyone down: {throttled} 429s"
    );
}

/// `hcl` after a provider block for the demo API.
fn on_demo(api: &Running, hcl: &str) -> String {
    format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n{hcl}",
        api.url()
    )
}

/// A `driver_http_object` on the demo API read at `object_path`.
fn wrong_path_config(api: &Running, object_path: &str, extra: &str) -> String {
    on_demo(
        api,
        &format!(
            r#"
resource "driver_http_object" "db" {{
  path        = "/databases"
  object_path = "{object_path}"
  body        = {{ name = "orders" }}
{extra}
}}
"#
        ),
    )
}

/// Runs `args`; the exit code and the whole output.
fn tf(wd: &Workdir, args: &[&str]) -> (i32, String) {
    let r = wd.run(args);
    (r.code(), format!("{}{}", r.stdout, r.stderr_flat()))
}

const APPLY: &[&str] = &["apply", "-auto-approve", "-input=false", "-no-color"];

/// Applies `hcl`, which must succeed and leave a clean plan.
fn applied_clean(wd: &Workdir, hcl: &str) {
    wd.set(hcl);
    let (code, out) = tf(wd, APPLY);
    assert_eq!(code, 0, "{out}");
    let (code, out) = tf(
        wd,
        &["plan", "-detailed-exitcode", "-no-color", "-input=false"],
    );
    assert_eq!(code, 0, "{out}");
}

/// A wrong `object_path`: reads at it answer 404 for the object the
/// provider just created. Refresh keeps the object (a path that never
/// answered proves nothing) and says what to do; repeated applies create
/// nothing more; after the path is fixed, one apply puts it right.
#[test]
fn a_wrong_object_path_leaks_no_object() {
    let api = Running::start();
    let wd = Workdir::new(&wrong_path_config(&api, "/nowhere/{id}", ""));
    for _ in 0..3 {
        let (code, out) = tf(&wd, APPLY);
        assert_eq!(code, 0, "{out}");
    }
    let (_, out) = tf(&wd, &["plan", "-no-color", "-input=false"]);
    assert!(
        out.contains("Object not found at its path") && out.contains("object_path"),
        "{out}"
    );
    assert_eq!(api.list("/databases").len(), 1, "three applies, one object");
    applied_clean(&wd, &wrong_path_config(&api, "{path}/{id}", ""));
    assert_eq!(api.list("/databases").len(), 1);
    assert_eq!(tf(&wd, &["destroy", "-auto-approve", "-no-color"]).0, 0);
    assert!(api.list("/databases").is_empty());
}

/// The same when the create's answer is not the object (a plain-text id),
/// so it is read back at the wrong path: the create is kept (not tainted,
/// which would have the next apply delete at that path and create again)
/// with a warning; repeated applies create nothing more; a destroy does
/// not take the wrong path's 404 as done; after the path is fixed, apply
/// and destroy work.
#[test]
fn a_wrong_object_path_after_a_failed_read_back_leaks_no_object() {
    let api = Running::start();
    api.set_faults(Faults {
        text_ids: true,
        ..Default::default()
    });
    let extra = "  id_pointer         = \"\"\n  consistency_window = \"1s\"";
    let wd = Workdir::new(&wrong_path_config(&api, "/nowhere/{id}", extra));
    let (code, out) = tf(&wd, APPLY);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Created, but not found at its path"), "{out}");
    for _ in 0..2 {
        let (code, out) = tf(&wd, APPLY);
        assert_eq!(code, 0, "{out}");
    }
    assert_eq!(api.list("/databases").len(), 1, "three applies, one object");
    let (code, out) = tf(&wd, &["destroy", "-auto-approve", "-no-color"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("Delete not confirmed"), "{out}");
    assert_eq!(
        api.list("/databases").len(),
        1,
        "not deleted, still tracked"
    );
    assert_eq!(wd.resources().len(), 1);
    applied_clean(&wd, &wrong_path_config(&api, "{path}/{id}", extra));
    assert_eq!(api.list("/databases").len(), 1, "exactly one");
    assert_eq!(tf(&wd, &["destroy", "-auto-approve", "-no-color"]).0, 0);
    assert!(api.list("/databases").is_empty());
}

/// A `driver_http_object` on the demo API's versioned objects, whose
/// updates answer with a new id.
fn versioned(api: &Running, name: &str, update: &str) -> String {
    on_demo(
        api,
        &format!(
            r#"
resource "driver_http_object" "v" {{
  path = "/versions"
  body = {{ name = "{name}" }}
{update}
}}

output "id" {{
  value = driver_http_object.v.id
}}
"#
        ),
    )
}

/// An update the API answers with a new id (the old object gone): without
/// settings, the new id is kept in state with an error saying the API
/// replaced the object, the next plan is clean and destroy leaves nothing;
/// with `update { returns_new_id = true }` the id is planned unknown and
/// dependents see the new one, with no error.
#[test]
fn an_update_answered_with_a_new_id_orphans_nothing() {
    let api = Running::start();
    let wd = Workdir::new(&versioned(&api, "a", ""));
    assert_eq!(tf(&wd, APPLY).0, 0);
    let first = api.list("/versions")[0]["id"].to_string();
    wd.set(&versioned(&api, "b", ""));
    let (code, out) = tf(&wd, APPLY);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("The API replaced the object"), "{out}");
    let now = api.list("/versions");
    assert_eq!(now.len(), 1);
    assert_ne!(now[0]["id"].to_string(), first);
    assert_eq!(
        wd.resources()[0]["values"]["id"],
        now[0]["id"].to_string(),
        "state holds the new id"
    );
    let (code, out) = tf(
        &wd,
        &["plan", "-detailed-exitcode", "-no-color", "-input=false"],
    );
    assert_eq!(code, 2, "only the output catches up: {out}");
    assert!(!out.contains("driver_http_object.v will be"), "{out}");
    assert_eq!(tf(&wd, APPLY).0, 0);
    assert_eq!(tf(&wd, &["destroy", "-auto-approve", "-no-color"]).0, 0);
    assert!(api.list("/versions").is_empty(), "nothing left behind");

    // Declared: the id is planned unknown on update, and no error.
    let rekeys = "  update {\n    returns_new_id = true\n  }";
    let wd = Workdir::new(&versioned(&api, "a", rekeys));
    assert_eq!(tf(&wd, APPLY).0, 0);
    wd.set(&versioned(&api, "b", rekeys));
    let (_, out) = tf(&wd, &["plan", "-no-color", "-input=false"]);
    assert!(out.contains("(known after apply)"), "{out}");
    let (code, out) = tf(&wd, APPLY);
    assert_eq!(code, 0, "{out}");
    let id = api.list("/versions")[0]["id"].to_string();
    let shown = wd.run(&["output", "-raw", "id"]).expect_code(0).stdout;
    assert_eq!(shown.trim(), id, "dependents see the new id");
    let (code, out) = tf(
        &wd,
        &["plan", "-detailed-exitcode", "-no-color", "-input=false"],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(tf(&wd, &["destroy", "-auto-approve", "-no-color"]).0, 0);
    assert!(api.list("/versions").is_empty());
}
