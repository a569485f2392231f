//! Long-running operations (202 + polling), readiness, and eventually
//! consistent reads, against the demo API.

use std::time::Duration;

use demo_api::{AsyncStyle, Faults, Running};

use crate::harness::Workdir;

const POLL: &str = r#"
  poll {
    status_pointer = "/status"
    pending        = ["running"]
    success        = ["succeeded"]
    interval       = "100ms"
  }"#;

fn workdir(api: &Running, resource_extra: &str, tail: &str) -> Workdir {
    Workdir::new(&format!(
        r#"
provider "driver" {{
  endpoint = "{}"
}}

resource "driver_http_object" "db" {{
  path = "/databases"
  body = {{ name = "orders" }}
{resource_extra}
}}
{tail}
"#,
        api.url()
    ))
}

fn apply(wd: &Workdir) -> crate::harness::Run {
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
}

#[test]
fn an_accepted_create_is_polled_to_completion_and_dependents_see_the_result() {
    let api = Running::start();
    api.set_faults(Faults {
        async_polls: Some(3),
        ..Default::default()
    });
    let extra =
        format!("{POLL}\n  wait_for {{\n    pointer = \"/state\"\n    values  = [\"ready\"]\n  }}");
    let tail = r#"
data "driver_http_object" "db" {
  path = "/databases"
  id   = driver_http_object.db.id
}

output "state" {
  value = data.driver_http_object.db.response.state
}
"#;
    let wd = workdir(&api, &extra, tail);
    let run = apply(&wd);
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    // 202, then two "running" polls and one "succeeded".
    assert_eq!(api.counters().op_polls, 3);
    assert_eq!(
        wd.run(&["output", "-raw", "state"])
            .expect_code(0)
            .stdout
            .trim(),
        "ready"
    );
    let resources = wd.resources();
    assert_eq!(
        resources[0]["values"]["response"]["state"], "ready",
        "response is the finished object"
    );
    assert_eq!(
        wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
            .code(),
        0
    );

    // Deletes are followed too; the object is gone when destroy returns.
    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(api.list("/databases").is_empty());
}

#[test]
fn a_failed_operation_reports_the_api_message_and_keeps_the_object_tracked() {
    let api = Running::start();
    api.set_faults(Faults {
        async_polls: Some(2),
        async_failure: Some("quota exceeded in region eu-west".into()),
        ..Default::default()
    });
    let wd = workdir(&api, POLL, "");
    let run = apply(&wd);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("Operation failed") && err.contains("quota exceeded in region eu-west"),
        "{err}"
    );
    assert!(
        err.contains("driver_http_object.db"),
        "the diagnostic names the resource: {err}"
    );
    // The object exists on the API, and Terraform tracks it (tainted).
    assert_eq!(api.list("/databases").len(), 1);
    let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    let instance = &state["resources"][0]["instances"][0];
    assert_eq!(instance["status"], "tainted", "{state}");
    assert!(
        instance["attributes"]["id"]
            .as_str()
            .is_some_and(|i| !i.is_empty())
    );
}

#[test]
fn an_operation_that_never_finishes_stops_at_its_timeout() {
    let api = Running::start();
    api.set_faults(Faults {
        async_polls: Some(100_000),
        ..Default::default()
    });
    let extra = format!("{POLL}\n  timeouts {{\n    create = \"2s\"\n  }}");
    let wd = workdir(&api, &extra, "");
    let run = apply(&wd);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("did not finish within the operation's time limit")
            && err.contains("/operations/"),
        "{err}"
    );
    assert_eq!(wd.resources().len(), 1, "the object is still tracked");
}

#[test]
fn ctrl_c_stops_polling_promptly() {
    let api = Running::start();
    api.set_faults(Faults {
        async_polls: Some(100_000),
        ..Default::default()
    });
    let wd = workdir(&api, POLL, "");
    let mut cmd = wd.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while api.counters().op_polls < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "polling never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::harness::interrupt_group(child.id());
    let status = crate::harness::wait_bounded(
        child,
        Duration::from_secs(30),
        "terraform apply after Ctrl-C while polling",
    );
    assert!(!status.success());
}

#[test]
fn reads_that_404_right_after_a_create_converge_and_real_deletes_are_still_seen() {
    let api = Running::start();
    // A window far longer than any test machine needs between the apply and
    // the plan.
    let wd = workdir(&api, "  consistency_window = \"10m\"", "");
    apply(&wd).expect_code(0);
    // The object answers 404 to its next two reads, as a fresh object of an
    // eventually consistent API does (counted, so however slow the machine).
    let id = wd.resources()[0]["values"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.hide(&format!("/databases/{id}"), 2);
    let p = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(
        p.code(),
        0,
        "a fresh object is not 'gone': {}{}",
        p.stdout,
        p.stderr
    );
    assert_eq!(api.counters().invisible_reads, 2, "the reads did meet 404s");

    // With a one-second window, once it has passed, a 404 means deleted.
    let wd2 = workdir(&api, "  consistency_window = \"1s\"", "");
    std::fs::copy(
        wd.path().join("terraform.tfstate"),
        wd2.path().join("terraform.tfstate"),
    )
    .unwrap();
    // Changing the window is stored without a request to the API.
    apply(&wd2).expect_code(0);
    assert_eq!(api.counters().method("PUT"), 0);
    std::thread::sleep(Duration::from_millis(1100));
    assert!(api.delete(&format!("/databases/{id}")));
    let wd = wd2;
    let p = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(p.code(), 2);
    assert!(p.stdout.contains("will be created"), "{}", p.stdout);
}

/// Runs `apply` (or, with `destroy`, `terraform destroy`); the exit code
/// and the whole output.
fn run(wd: &Workdir, destroy: bool) -> (i32, String) {
    let verb = if destroy { "destroy" } else { "apply" };
    let r = wd.run(&[verb, "-auto-approve", "-input=false", "-no-color"]);
    (r.code(), format!("{}{}", r.stdout, r.stderr_flat()))
}

fn plan_clean(wd: &Workdir) {
    let p = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(p.code(), 0, "{}{}", p.stdout, p.stderr);
}

/// Status-code polling (restful's `status_locator = "code"`): each write
/// answers 202 and the `Location` of an operation that answers 202 until
/// it is done (200); create, update and delete are each followed to the
/// end, and a failed one (409) is reported with the API's message.
#[test]
fn status_code_polling_follows_create_update_and_delete() {
    let api = Running::start();
    let faults = Faults {
        async_polls: Some(3),
        async_style: AsyncStyle::StatusCode,
        ..Default::default()
    };
    api.set_faults(faults.clone());
    let wd = Workdir::new(&recipe(&api, "azure", "orders"));
    assert_eq!(run(&wd, false).0, 0);
    assert_eq!(api.counters().op_polls, 3, "202, 202, then 200");
    assert_eq!(api.list("/databases")[0]["state"], "ready");
    plan_clean(&wd);
    wd.set(&recipe(&api, "azure", "orders-v2"));
    assert_eq!(run(&wd, false).0, 0);
    assert_eq!(api.counters().op_polls, 6);
    assert_eq!(api.list("/databases")[0]["name"], "orders-v2");
    plan_clean(&wd);
    assert_eq!(run(&wd, true).0, 0);
    assert_eq!(api.counters().op_polls, 9);
    assert!(
        api.list("/databases").is_empty(),
        "gone when destroy returns"
    );

    api.set_faults(Faults {
        async_failure: Some("disk quota exceeded".into()),
        ..faults
    });
    let failing = Workdir::new(&recipe(&api, "azure", "orders"));
    let (code, out) = run(&failing, false);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("disk quota exceeded"), "{out}");
}

/// The recipe `name` of docs/guides/recipes.md against `api`, the object
/// named `object`.
fn recipe(api: &Running, name: &str, object: &str) -> String {
    format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n{}",
        api.url(),
        crate::harness::recipe(name).replace("\"orders\"", &format!("\"{object}\""))
    )
}

/// `Azure-AsyncOperation` and `Operation-Location`, followed by default
/// (no `status_pointer` needed for Azure's `Succeeded`/`Failed`/
/// `Canceled`): success through create, update and delete; a failure
/// reports the operation's message; a cancel says so.
#[test]
fn azure_and_operation_location_succeed_fail_and_cancel() {
    for style in [AsyncStyle::Azure, AsyncStyle::OperationLocation] {
        let api = Running::start();
        let faults = Faults {
            async_polls: Some(2),
            async_style: style,
            ..Default::default()
        };
        api.set_faults(faults.clone());
        let name = if style == AsyncStyle::Azure {
            "azure"
        } else {
            "operation-location"
        };
        let wd = Workdir::new(&recipe(&api, name, "orders"));
        assert_eq!(run(&wd, false).0, 0, "{style:?}");
        assert_eq!(api.counters().op_polls, 2, "{style:?}");
        assert_eq!(api.list("/databases")[0]["state"], "ready", "{style:?}");
        plan_clean(&wd);
        wd.set(&recipe(&api, name, "orders-v2"));
        assert_eq!(run(&wd, false).0, 0, "{style:?}");
        assert_eq!(api.list("/databases")[0]["name"], "orders-v2");
        assert_eq!(run(&wd, true).0, 0, "{style:?}");
        assert!(api.list("/databases").is_empty(), "{style:?}");

        api.set_faults(Faults {
            async_failure: Some("no capacity in eu-west".into()),
            ..faults.clone()
        });
        let (code, out) = run(&Workdir::new(&recipe(&api, name, "orders")), false);
        assert_ne!(code, 0, "{style:?}: {out}");
        assert!(
            out.contains("Operation failed") && out.contains("no capacity in eu-west"),
            "{style:?}: {out}"
        );

        api.set_faults(Faults {
            async_cancel: true,
            ..faults
        });
        let (code, out) = run(&Workdir::new(&recipe(&api, name, "orders")), false);
        assert_ne!(code, 0, "{style:?}: {out}");
        assert!(
            out.to_lowercase().contains("\"canceled\""),
            "{style:?}: {out}"
        );
    }
}

/// `poll.follow = "object"`: the object itself is polled until it is
/// ready, and after a delete until its 404, though every answer names an
/// operation (`Location`), which is never polled.
#[test]
fn the_object_itself_is_polled_until_ready_and_until_gone() {
    let api = Running::start();
    api.set_faults(Faults {
        async_polls: Some(3),
        async_style: AsyncStyle::StatusCode,
        ..Default::default()
    });
    let wd = Workdir::new(&recipe(&api, "follow-object", "orders"));
    assert_eq!(run(&wd, false).0, 0);
    assert_eq!(api.list("/databases")[0]["state"], "ready");
    assert_eq!(
        wd.resources()[0]["values"]["response"]["state"],
        "ready",
        "the object was followed until ready"
    );
    plan_clean(&wd);
    assert_eq!(run(&wd, true).0, 0);
    assert!(
        api.list("/databases").is_empty(),
        "gone when destroy returns"
    );
    assert_eq!(
        api.counters().op_polls,
        0,
        "the operation URL was never polled"
    );
}

/// A create answered 202 with no id anywhere: the id is in the finished
/// operation (`resourceLocation`, or at `poll.id_pointer`).
#[test]
fn an_id_named_only_by_the_finished_operation() {
    let api = Running::start();
    api.set_faults(Faults {
        async_polls: Some(2),
        async_style: AsyncStyle::IdInResult,
        ..Default::default()
    });
    let printed = recipe(&api, "id-in-result", "orders");
    let without_pointer = printed.replace("    id_pointer     = \"/resourceId\"\n", "");
    assert_ne!(without_pointer, printed);
    let wd = Workdir::new(&without_pointer);
    let (code, out) = run(&wd, false);
    assert_eq!(code, 0, "{out}");
    let listed = api.list("/databases");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        wd.resources()[0]["values"]["id"],
        listed[0]["id"].to_string(),
        "the id the operation named"
    );
    plan_clean(&wd);
    // As printed: the id at a pointer of the operation's answer.
    let other = Workdir::new(&recipe(&api, "id-in-result", "orders-2"));
    let (code, out) = run(&other, false);
    assert_eq!(code, 0, "{out}");
    plan_clean(&other);
    assert_eq!(run(&wd, true).0, 0);
    assert_eq!(run(&other, true).0, 0);
    assert!(api.list("/databases").is_empty());
}
