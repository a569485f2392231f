//! Every auth kind against a demo API that requires it, OAuth token caching
//! and refresh, and no secret in logs, the audit log or state.

use std::time::Duration;

use demo_api::{Auth, Faults, Running};

use crate::harness::{Run, Workdir};

/// An apply of `count` objects with `auth_block` in the provider, run with
/// TF_LOG=trace, an audit log and a metrics file. Returns the run, the
/// workdir and every text that must not hold a secret.
fn apply_with(api: &Running, auth_block: &str, count: usize) -> (Run, Workdir, String) {
    let wd = Workdir::new("");
    let audit = wd.path().join("audit.jsonl");
    let metrics = wd.path().join("metrics.prom");
    wd.append(&format!(
        r#"
provider "driver" {{
  endpoint     = "{}"
  audit_log    = "{}"
  metrics_file = "{}"
  auth {{
{auth_block}
  }}
}}

resource "driver_http_object" "item" {{
  count = {count}
  path  = "/items"
  body  = {{ n = count.index }}
}}
"#,
        api.url(),
        audit.display(),
        metrics.display()
    ));
    let mut cmd = wd.command(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=10",
    ]);
    cmd.env("TF_LOG", "trace");
    let run = wd.run_command(cmd);
    let mut everything = format!("{}\n{}", run.stdout, run.stderr);
    everything.push_str(
        &std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap_or_default(),
    );
    everything.push_str(&std::fs::read_to_string(&audit).unwrap_or_default());
    everything.push_str(&std::fs::read_to_string(&metrics).unwrap_or_default());
    (run, wd, everything)
}

fn assert_no_secret(everything: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !everything.contains(s),
            "the secret {s:?} leaked into logs, state or the audit log"
        );
    }
}

#[test]
fn bearer_token() {
    let api = Running::start();
    api.set_auth(Auth::Bearer("bearer-s3cret-value".into()));
    let (run, _, all) = apply_with(&api, r#"    bearer_token = "bearer-s3cret-value""#, 3);
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_eq!(api.list("/items").len(), 3);
    assert_no_secret(&all, &["bearer-s3cret-value"]);
}

#[test]
fn basic_auth() {
    let api = Running::start();
    api.set_auth(Auth::Basic("deployer".into(), "basic-pa55word".into()));
    let (run, _, all) = apply_with(
        &api,
        "    basic {\n      username = \"deployer\"\n      password = \"basic-pa55word\"\n    }",
        3,
    );
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_no_secret(&all, &["basic-pa55word"]);
}

#[test]
fn api_key_in_a_header_and_in_the_query() {
    let api = Running::start();
    api.set_auth(Auth::HeaderKey(
        "X-API-Key".into(),
        "header-key-v4lue".into(),
    ));
    let (run, _, all) = apply_with(
        &api,
        "    api_key {\n      name  = \"X-API-Key\"\n      value = \"header-key-v4lue\"\n    }",
        2,
    );
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_no_secret(&all, &["header-key-v4lue"]);

    let api = Running::start();
    api.set_auth(Auth::QueryKey("api_key".into(), "query-key-v4lue".into()));
    let (run, _, all) = apply_with(
        &api,
        "    api_key {\n      name  = \"api_key\"\n      value = \"query-key-v4lue\"\n      in    = \"query\"\n    }",
        2,
    );
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_no_secret(&all, &["query-key-v4lue"]);
}

#[test]
fn wrong_credentials_are_reported_with_the_api_message() {
    let api = Running::start();
    api.set_auth(Auth::Bearer("right-token".into()));
    let (run, _, all) = apply_with(&api, r#"    bearer_token = "wrong-token-value""#, 1);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("answered 401") && err.contains("missing or invalid credentials"),
        "{err}"
    );
    assert_no_secret(&all, &["wrong-token-value"]);
}

fn oauth_block(api: &Running, secret: &str) -> String {
    format!(
        "    oauth2_client_credentials {{\n      token_url     = \"{}/oauth/token\"\n      client_id     = \"terraform\"\n      client_secret = \"{secret}\"\n      scopes        = [\"items:write\"]\n    }}",
        api.url()
    )
}

#[test]
fn oauth2_fetches_one_token_for_a_hundred_objects() {
    let api = Running::start();
    api.set_auth(Auth::OAuth2 {
        client_id: "terraform".into(),
        client_secret: "client-s3cret-xyz".into(),
        lifetime_secs: 3600,
    });
    let (run, _, all) = apply_with(&api, &oauth_block(&api, "client-s3cret-xyz"), 100);
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_eq!(api.list("/items").len(), 100);
    let c = api.counters();
    assert_eq!(
        c.tokens_issued, 1,
        "one token per run, not per request: {c:?}"
    );
    assert_eq!(c.unauthorized, 0);
    assert_no_secret(&all, &["client-s3cret-xyz", "tok-1-"]);
}

#[test]
fn oauth2_token_is_refreshed_after_a_401() {
    let api = Running::start();
    api.set_auth(Auth::OAuth2 {
        client_id: "terraform".into(),
        client_secret: "client-s3cret-xyz".into(),
        lifetime_secs: 3600,
    });
    api.set_faults(Faults {
        latency: Duration::from_millis(100),
        ..Default::default()
    });
    let block = oauth_block(&api, "client-s3cret-xyz");
    // Revoke once a few creates went through, while the apply runs.
    let handle = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while api.counters().method("POST") < 5 && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            api.revoke_tokens();
        });
        let result = apply_with(&api, &block, 40);
        watcher.join().unwrap();
        result
    });
    let (run, _, _) = handle;
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    let c = api.counters();
    assert_eq!(api.list("/items").len(), 40);
    assert_eq!(
        c.tokens_issued, 2,
        "one refresh after the revocation, shared by all requests: {c:?}"
    );
}

#[test]
fn oauth2_bad_client_secret_names_the_token_endpoint() {
    let api = Running::start();
    api.set_auth(Auth::OAuth2 {
        client_id: "terraform".into(),
        client_secret: "right".into(),
        lifetime_secs: 3600,
    });
    let (run, _, all) = apply_with(&api, &oauth_block(&api, "wrong-client-s3cret"), 1);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("OAuth token request to")
            && err.contains("/oauth/token")
            && err.contains("401"),
        "{err}"
    );
    assert_no_secret(&all, &["wrong-client-s3cret"]);
}

#[test]
fn write_only_body_fields_reach_the_api_but_never_state_or_logs() {
    const SECRET: &str = "wo-db-pa55word";
    let api = Running::start();
    let wd = Workdir::new("");
    let audit = wd.path().join("audit.jsonl");
    let metrics = wd.path().join("metrics.prom");
    let hcl = |version: &str| {
        format!(
            r#"
provider "driver" {{
  endpoint     = "{}"
  audit_log    = "{}"
  metrics_file = "{}"
}}

resource "driver_http_object" "db" {{
  path            = "/databases"
  body            = {{ name = "orders", size = 2 }}
  body_wo         = {{ credentials = {{ password = "{SECRET}" }} }}
  body_wo_version = "{version}"
}}
"#,
            api.url(),
            audit.display(),
            metrics.display()
        )
    };
    wd.append(&hcl("1"));
    if crate::harness::terraform().version < (1, 11) {
        let v = wd.run(&["validate", "-no-color"]);
        assert!(
            v.stderr_flat().contains("needs Terraform 1.11"),
            "{}",
            v.stderr
        );
        return;
    }
    let mut cmd = wd.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    cmd.env("TF_LOG", "trace");
    let run = wd.run_command(cmd);
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    let stored = &api.list("/databases")[0];
    assert_eq!(
        stored["credentials"]["password"], SECRET,
        "the API got the write-only field"
    );
    assert_eq!(stored["name"], "orders");

    // The server's copy of the write-only field is not drift.
    assert_eq!(
        wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
            .code(),
        0
    );

    // A new version resends it.
    let puts = api.counters().method("PUT");
    std::fs::write(wd.path().join("main.tf"), format!("terraform {{\n  required_providers {{\n    driver = {{ source = \"{}\" }}\n  }}\n}}\n{}", crate::harness::PROVIDER, hcl("2"))).unwrap();
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert_eq!(api.counters().method("PUT"), puts + 1);

    let mut everything = format!("{}{}", run.stdout, run.stderr);
    for f in ["terraform.tfstate", "audit.jsonl", "metrics.prom"] {
        everything.push_str(&std::fs::read_to_string(wd.path().join(f)).unwrap_or_default());
    }
    assert!(
        std::fs::metadata(wd.path().join("metrics.prom")).is_ok(),
        "metrics file written"
    );
    assert_no_secret(&everything, &[SECRET]);

    // Write-only is enough to keep the value out of plans and state; marking
    // it sensitive too would only add a path per instance to every state
    // write (see docs/performance.md).
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap(),
    )
    .unwrap();
    let instance = &state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "driver_http_object")
        .unwrap()["instances"][0];
    assert_eq!(
        instance["sensitive_attributes"],
        serde_json::json!([]),
        "{instance}"
    );
    assert!(
        run.stdout.contains("(write-only attribute)"),
        "{}",
        run.stdout
    );
}
