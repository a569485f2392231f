//! The engine under faults, through real terraform and the demo API:
//! rate limits, adaptive slow-down, 5xx bursts, dropped connections,
//! exhausted retries, the circuit breaker and operation timeouts.

use std::collections::BTreeSet;
use std::time::Duration;

use demo_api::{Faults, Running};

use crate::harness::{Run, Workdir};

/// `n` objects in /items, each with a distinct `n`.
pub(crate) fn items(api: &Running, provider_extra: &str, n: usize) -> Workdir {
    Workdir::new(&format!(
        r#"
provider "driver" {{
  endpoint = "{}"
{provider_extra}
}}

resource "driver_http_object" "item" {{
  count = {n}
  path  = "/items"
  body  = {{ n = count.index }}
}}
"#,
        api.url()
    ))
}

pub(crate) fn apply(wd: &Workdir, parallelism: u32) -> Run {
    wd.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        &format!("-parallelism={parallelism}"),
    ])
}

/// Objects in state, each with a distinct id that exists on the server.
pub(crate) fn state_count(wd: &Workdir, api: &Running) -> usize {
    let resources = wd.resources();
    let ids: BTreeSet<String> = resources
        .iter()
        .map(|r| r["values"]["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids.len(), resources.len(), "two state entries share an id");
    for id in &ids {
        assert!(
            api.get(&format!("/items/{id}")).is_some(),
            "state has /items/{id}, the API does not"
        );
    }
    resources.len()
}

/// Every object exists exactly once: n values 0..count, no duplicates.
pub(crate) fn assert_exactly_once(api: &Running, count: usize) {
    let objects = api.list("/items");
    let ns: Vec<u64> = objects
        .iter()
        .map(|o| o["n"].as_f64().expect("n") as u64)
        .collect();
    let distinct: BTreeSet<u64> = ns.iter().copied().collect();
    assert_eq!(ns.len(), count, "objects on the server");
    assert_eq!(distinct.len(), count, "no object was created twice");
}

#[test]
fn a_rate_limit_matching_the_server_gets_no_429s() {
    let api = Running::start();
    api.set_faults(Faults {
        rate_limit: Some((50.0, 50.0)),
        ..Default::default()
    });
    let wd = items(
        &api,
        "  rate_limit {\n    requests_per_second = 50\n  }",
        300,
    );
    apply(&wd, 50).expect_code(0);
    let c = api.counters();
    assert_eq!(c.throttled, 0, "429s received: {c:?}");
    assert_exactly_once(&api, 300);
    assert_eq!(state_count(&wd, &api), 300);
}

#[test]
fn adaptive_converges_with_few_429s_and_no_configured_rate() {
    let api = Running::start();
    api.set_faults(Faults {
        rate_limit: Some((50.0, 50.0)),
        ..Default::default()
    });
    let wd = items(&api, "  rate_limit {\n    adaptive = true\n  }", 300);
    apply(&wd, 50).expect_code(0);
    let c = api.counters();
    assert_exactly_once(&api, 300);
    assert_eq!(state_count(&wd, &api), 300);
    // Without adaptation each of the 250 requests over the burst would be
    // refused at least once; adaptation keeps refusals to a small share.
    assert!(
        c.throttled < 60,
        "too many 429s with adaptive limiting: {c:?}"
    );
    eprintln!("adaptive: {} 429s for 300 creates", c.throttled);
}

#[test]
fn twenty_percent_503s_converge_without_duplicates() {
    let api = Running::start();
    api.set_faults(Faults {
        error_ratio: 0.2,
        error_status: 503,
        seed: 7,
        ..Default::default()
    });
    let retry = "  retry {\n    max_attempts = 10\n    min_backoff  = \"10ms\"\n    max_backoff  = \"200ms\"\n  }";
    let wd = items(&api, retry, 100);
    apply(&wd, 20).expect_code(0);
    let c = api.counters();
    assert!(c.errors > 0, "faults were injected: {c:?}");
    assert_exactly_once(&api, 100);
    assert_eq!(state_count(&wd, &api), 100);
}

#[test]
fn dropped_connections_lose_and_duplicate_nothing() {
    let api = Running::start();
    api.set_faults(Faults {
        latency: Duration::from_millis(20),
        drop_ratio: 0.25,
        seed: 3,
        ..Default::default()
    });
    let retry = "  retry {\n    max_attempts = 10\n    min_backoff  = \"10ms\"\n    max_backoff  = \"100ms\"\n  }";
    let wd = items(&api, retry, 60);
    apply(&wd, 10).expect_code(0);
    let c = api.counters();
    assert!(c.dropped > 0, "connections were dropped: {c:?}");
    // Each dropped create was retried with its idempotency key and answered
    // from the API's idempotency store instead of creating a second object.
    assert!(c.idempotent_replays > 0, "{c:?}");
    assert_eq!(c.duplicate_creates, 0);
    assert_exactly_once(&api, 60);
    assert_eq!(state_count(&wd, &api), 60);
}

#[test]
fn exhausted_retries_name_the_attempts_and_the_last_status() {
    let api = Running::start();
    api.set_faults(Faults {
        error_ratio: 1.0,
        error_status: 503,
        ..Default::default()
    });
    let extra = "  retry {\n    max_attempts = 3\n    min_backoff  = \"1ms\"\n    max_backoff  = \"5ms\"\n  }\n  circuit_breaker {\n    failure_threshold = 100\n  }";
    let wd = items(&api, extra, 1);
    let run = apply(&wd, 1);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("gave up after 3 attempts") && err.contains("503"),
        "{err}"
    );
    assert_eq!(api.counters().method("POST"), 3);
}

#[test]
fn the_circuit_breaker_stops_hammering_a_failing_api() {
    let api = Running::start();
    api.set_faults(Faults {
        error_ratio: 1.0,
        error_status: 502,
        ..Default::default()
    });
    let extra = "  retry {\n    max_attempts = 2\n    min_backoff  = \"1ms\"\n    max_backoff  = \"5ms\"\n  }\n  circuit_breaker {\n    failure_threshold = 3\n    open_for          = \"1m\"\n  }";
    let wd = items(&api, extra, 10);
    let run = apply(&wd, 1);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr_flat().contains("circuit breaker is open"),
        "{}",
        run.stderr
    );
    let posts = api.counters().method("POST");
    assert!(
        posts <= 3,
        "after 3 failures the breaker must stop requests; the API got {posts}"
    );
}

#[test]
fn a_create_past_its_timeout_says_it_may_exist_and_how_to_recover() {
    let api = Running::start();
    api.set_faults(Faults {
        latency: Duration::from_secs(3),
        ..Default::default()
    });
    let wd = Workdir::new(&format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\nresource \"driver_http_object\" \"slow\" {{\n  path = \"/items\"\n  body = {{ n = 1 }}\n  timeouts {{\n    create = \"1s\"\n  }}\n}}\n",
        api.url()
    ));
    let run = apply(&wd, 1);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("did not finish within its time limit"),
        "{err}"
    );
    assert!(
        err.contains("may have been created") && err.contains("terraform import"),
        "{err}"
    );
}

#[test]
fn ctrl_c_stops_in_flight_requests() {
    let api = Running::start();
    // The API would take a minute to answer.
    api.set_faults(Faults {
        latency: Duration::from_secs(60),
        ..Default::default()
    });
    // A create on the wire is let finish after Ctrl-C, within the request
    // timeout: keep that short.
    let wd = items(&api, "  request_timeout = \"3s\"", 1);
    let mut cmd = wd.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    // Its own process group, so the signal below reaches Terraform the way a
    // terminal's Ctrl-C does: every process of the group, providers included.
    // (Terraform 1.0's panicwrap parent ignores a SIGINT sent to it alone.)
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the create is in flight at the API.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while api.counters().method("POST") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the create never reached the API"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Ctrl-C: Terraform asks the provider to stop (StopProvider).
    crate::harness::interrupt_group(child.id());
    // Terraform must finish long before the API would have answered.
    let status = crate::harness::wait_bounded(
        child,
        Duration::from_secs(30),
        "terraform apply after Ctrl-C",
    );
    assert!(!status.success(), "an interrupted apply fails");
}
