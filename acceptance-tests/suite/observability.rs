//! The audit log, the metrics file and the run summary, checked against the
//! demo API's own counters.

use std::collections::BTreeMap;

use demo_api::{Faults, Running};
use serde_json::Value as Json;

use crate::harness::Workdir;

/// `driver_requests_total{...} 3` lines: labels → value, for one metric.
fn metric(text: &str, name: &str) -> Vec<(BTreeMap<String, String>, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (metric_name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            if metric_name != name {
                return None;
            }
            let labels = labels
                .split(',')
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
                .collect();
            Some((labels, value.parse().ok()?))
        })
        .collect()
}

fn sum(
    series: &[(BTreeMap<String, String>, f64)],
    filter: impl Fn(&BTreeMap<String, String>) -> bool,
) -> f64 {
    series
        .iter()
        .filter(|(l, _)| filter(l))
        .map(|(_, v)| v)
        .sum()
}

#[test]
fn audit_log_metrics_and_summary_under_throttling() {
    let api = Running::start();
    api.set_faults(Faults {
        rate_limit: Some((20.0, 5.0)),
        ..Default::default()
    });
    let wd = Workdir::new("");
    let audit = wd.path().join("audit.jsonl");
    let metrics = wd.path().join("metrics.prom");
    wd.append(&format!(
        r#"
provider "driver" {{
  endpoint     = "{}"
  audit_log    = "{}"
  metrics_file = "{}"
  # Not adaptive: this test wants the API to throttle.
  rate_limit {{
    adaptive = false
  }}
  retry {{
    max_attempts = 10
    min_backoff  = "10ms"
    max_backoff  = "100ms"
  }}
}}

resource "driver_http_object" "item" {{
  count = 30
  path  = "/items"
  body  = {{ n = count.index }}
}}
"#,
        api.url(),
        audit.display(),
        metrics.display()
    ));
    let run = wd
        .run(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=10",
        ])
        .expect_code(0);
    let c = api.counters();
    assert!(c.throttled > 0, "the API throttled: {c:?}");

    // One record per create, all attempts of it counted in the record.
    let records: Vec<Json> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every audit line is JSON"))
        .collect();
    let creates: Vec<&Json> = records
        .iter()
        .filter(|r| r["operation"] == "create")
        .collect();
    assert_eq!(creates.len(), 30, "one record per actuation");
    for r in &creates {
        assert_eq!(r["outcome"], "ok");
        assert_eq!(r["driver"], "http");
        assert_eq!(r["resource_type"], "driver_http_object");
        assert_eq!(r["status"], 201);
        assert!(
            r["target"].as_str().unwrap().starts_with("POST /items"),
            "{r}"
        );
        assert!(
            r["idempotency_key"].is_string() && r["time"].is_string() && r["duration_ms"].is_u64(),
            "{r}"
        );
    }
    let attempts: u64 = creates
        .iter()
        .map(|r| r["attempts"].as_u64().unwrap())
        .sum();
    assert_eq!(
        attempts,
        c.method("POST"),
        "attempts in the audit log = POSTs the API received"
    );

    // The metrics file agrees with the API.
    let text =
        std::fs::read_to_string(&metrics).expect("metrics file written at the end of the run");
    let requests = metric(&text, "driver_requests_total");
    assert_eq!(
        sum(&requests, |l| l["method"] == "POST") as u64,
        c.method("POST"),
        "{text}"
    );
    assert_eq!(
        sum(&requests, |l| l["status"] == "429") as u64,
        c.throttled,
        "{text}"
    );
    assert_eq!(sum(&requests, |l| l["status"] == "201") as u64, 30);
    assert_eq!(
        sum(&metric(&text, "driver_throttled_total"), |_| true) as u64,
        c.throttled
    );
    assert!(sum(&metric(&text, "driver_retries_total"), |_| true) >= c.throttled as f64);

    // The run summary, without TF_LOG.
    let out = format!("{}{}", run.stdout, run.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        out.contains("Requests were retried or throttled") && out.contains("throttled by the API"),
        "{out}"
    );
}

#[test]
fn drift_is_recorded_in_the_audit_log() {
    let api = Running::start();
    let wd = Workdir::new("");
    let audit = wd.path().join("audit.jsonl");
    wd.append(&format!(
        "provider \"driver\" {{\n  endpoint  = \"{}\"\n  audit_log = \"{}\"\n}}\nresource \"driver_http_object\" \"x\" {{\n  path = \"/x\"\n  body = {{ a = 1, b = \"keep\" }}\n}}\n",
        api.url(),
        audit.display()
    ));
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(api.edit("/x/1", serde_json::json!({"a": 2})));
    wd.run(&["plan", "-input=false", "-no-color"])
        .expect_code(0);
    let drift: Vec<Json> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .filter(|r| r["event"] == "drift")
        .collect();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(drift[0]["drifted"], serde_json::json!(["/a"]));
    assert_eq!(drift[0]["object_id"], "1");
}
