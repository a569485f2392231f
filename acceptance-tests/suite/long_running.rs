//! Long-running operations (202 + polling), readiness, and eventually
//! consistent reads, against the demo API.

use std::time::Duration;

use demo_api::{Faults, Running};

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
