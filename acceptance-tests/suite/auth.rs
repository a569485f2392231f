//! Every auth kind against a demo API that requires it, OAuth token caching
//! and refresh, and no secret in logs, the audit log or state.

use std::time::Duration;

use demo_api::{Auth, Faults, Running};

use crate::harness::{Run, Workdir};

/// An apply of `count` objects with `auth_block` in the provider, run with
/// TF_LOG=trace and an audit log. Returns the run, the workdir and every
/// text that must not hold a secret.
fn apply_with(api: &Running, auth_block: &str, count: usize) -> (Run, Workdir, String) {
    let wd = Workdir::new("");
    let audit = wd.path().join("audit.jsonl");
    wd.append(&format!(
        r#"
provider "driver" {{
  endpoint  = "{}"
  audit_log = "{}"
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
        audit.display()
    ));
    let mut cmd = wd.command(&["apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=10"]);
    cmd.env("TF_LOG", "trace");
    let run = wd.run_command(cmd);
    let mut everything = format!("{}\n{}", run.stdout, run.stderr);
    everything.push_str(&std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap_or_default());
    everything.push_str(&std::fs::read_to_string(&audit).unwrap_or_default());
    (run, wd, everything)
}

fn assert_no_secret(everything: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!everything.contains(s), "the secret {s:?} leaked into logs, state or the audit log");
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
    let (run, _, all) = apply_with(&api, "    basic {\n      username = \"deployer\"\n      password = \"basic-pa55word\"\n    }", 3);
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_no_secret(&all, &["basic-pa55word"]);
}

#[test]
fn api_key_in_a_header_and_in_the_query() {
    let api = Running::start();
    api.set_auth(Auth::HeaderKey("X-API-Key".into(), "header-key-v4lue".into()));
    let (run, _, all) = apply_with(&api, "    api_key {\n      name  = \"X-API-Key\"\n      value = \"header-key-v4lue\"\n    }", 2);
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_no_secret(&all, &["header-key-v4lue"]);

    let api = Running::start();
    api.set_auth(Auth::QueryKey("api_key".into(), "query-key-v4lue".into()));
    let (run, _, all) = apply_with(&api, "    api_key {\n      name  = \"api_key\"\n      value = \"query-key-v4lue\"\n      in    = \"query\"\n    }", 2);
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
    assert!(err.contains("answered 401") && err.contains("missing or invalid credentials"), "{err}");
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
    api.set_auth(Auth::OAuth2 { client_id: "terraform".into(), client_secret: "client-s3cret-xyz".into(), lifetime_secs: 3600 });
    let (run, _, all) = apply_with(&api, &oauth_block(&api, "client-s3cret-xyz"), 100);
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_eq!(api.list("/items").len(), 100);
    let c = api.counters();
    assert_eq!(c.tokens_issued, 1, "one token per run, not per request: {c:?}");
    assert_eq!(c.unauthorized, 0);
    assert_no_secret(&all, &["client-s3cret-xyz", "tok-1-"]);
}

#[test]
fn oauth2_token_is_refreshed_after_a_401() {
    let api = Running::start();
    api.set_auth(Auth::OAuth2 { client_id: "terraform".into(), client_secret: "client-s3cret-xyz".into(), lifetime_secs: 3600 });
    api.set_faults(Faults { latency: Duration::from_millis(100), ..Default::default() });
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
    assert_eq!(c.tokens_issued, 2, "one refresh after the revocation, shared by all requests: {c:?}");
}

#[test]
fn oauth2_bad_client_secret_names_the_token_endpoint() {
    let api = Running::start();
    api.set_auth(Auth::OAuth2 { client_id: "terraform".into(), client_secret: "right".into(), lifetime_secs: 3600 });
    let (run, _, all) = apply_with(&api, &oauth_block(&api, "wrong-client-s3cret"), 1);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(err.contains("OAuth token request to") && err.contains("/oauth/token") && err.contains("401"), "{err}");
    assert_no_secret(&all, &["wrong-client-s3cret"]);
}
