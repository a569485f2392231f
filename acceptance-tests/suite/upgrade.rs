//! State written by earlier versions of the provider (fixtures in
//! `acceptance-tests/fixtures/states/`) is read by this one: upgraded to
//! the current schema version, planned clean, and applied over.

use std::path::PathBuf;

use demo_api::Running;

use crate::harness::Workdir;
use crate::harness::servers::http;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("acceptance-tests/fixtures/states")
        .join(name)
}

#[test]
fn state_of_schema_version_0_upgrades_plans_clean_and_applies() {
    let api = Running::start();
    // The objects the fixture describes, with the ids it has (1, then 2).
    for (path, body) in [
        (
            "/flags",
            r#"{"name": "checkout", "enabled": true, "rollout": 5}"#,
        ),
        (
            "/tags",
            r#"{"name": "t", "values": ["a", "b"], "regions": ["eu", "us"]}"#,
        ),
    ] {
        let (status, out) = http("POST", &format!("{}{path}", api.url()), &[], Some(body));
        assert_eq!(status, 201, "{out}");
    }
    let config = std::fs::read_to_string(fixture("0.1.0.tf")).unwrap();
    let wd = Workdir::new(&format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n{config}",
        api.url()
    ));
    std::fs::copy(
        fixture("0.1.0.tfstate"),
        wd.path().join("terraform.tfstate"),
    )
    .unwrap();
    let writes = || {
        let c = api.counters();
        c.method("POST") + c.method("PUT") + c.method("PATCH") + c.method("DELETE")
    };
    let before = writes();
    let p = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(p.code(), 0, "{}{}", p.stdout, p.stderr);
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert_eq!(writes(), before, "nothing was sent");
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap(),
    )
    .unwrap();
    for r in state["resources"].as_array().unwrap() {
        assert_eq!(r["instances"][0]["schema_version"], 1, "upgraded: {r}");
    }
    // And it still tracks drift and changes as before.
    api.edit("/flags/1", serde_json::json!({"enabled": false}));
    let p = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(p.code(), 2, "{}", p.stdout);
}
