//! `driver_http_request` as an ephemeral resource, through real Terraform
//! (1.11+: ephemeral values into write-only arguments): a lease opened, its
//! token used by another resource, the lease closed at the end of each
//! phase, and the token nowhere in the plan file or the state.

use demo_api::Running;
use serde_json::Value as Json;

use crate::harness::{Workdir, terraform};

fn supported() -> bool {
    // Ephemeral resources from Terraform 1.10 and OpenTofu 1.11; the test
    // also needs write-only arguments (1.11 in both).
    if terraform().version >= (1, 11) {
        return true;
    }
    eprintln!(
        "SKIPPED: ephemeral values into write-only arguments need Terraform or OpenTofu 1.11+"
    );
    false
}

fn counters(api: &Running) -> Json {
    let (_, body) =
        crate::harness::servers::http("GET", &format!("{}/_admin/counters", api.url()), &[], None);
    serde_json::from_str(&body).unwrap_or_default()
}

/// Every file of the plan file (a zip), decompressed, as text.
fn plan_contents(wd: &Workdir, plan: &str) -> String {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n\
             sys.stdout.write(''.join(z.read(n).decode('utf-8', 'replace') for n in z.namelist()))",
        )
        .arg(wd.path().join(plan))
        .output()
        .expect("python3 reads the plan file");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_leased_token_reaches_a_write_only_argument_and_is_closed_and_never_stored() {
    if !supported() {
        return;
    }
    let api = Running::start();
    let wd = Workdir::new(&format!(
        r#"
provider "driver" {{
  endpoint  = "{}"
  audit_log = "audit.jsonl"
}}

ephemeral "driver_http_request" "lease" {{
  method         = "POST"
  path           = "/leases"
  expiry_pointer = "/expires_in"

  close {{
    path = "/leases/{{response/lease_id}}"
  }}
}}

resource "driver_http_object" "app" {{
  path            = "/apps"
  body            = {{ name = "web" }}
  body_wo         = {{ api_token = ephemeral.driver_http_request.lease.response.token }}
  body_wo_version = "1"
}}
"#,
        api.url()
    ));
    wd.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .expect_code(0);
    let plan_file = plan_contents(&wd, "tfplan");
    let shown = wd.run(&["show", "-json", "tfplan"]).expect_code(0).stdout;
    wd.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .expect_code(0);

    let c = counters(&api);
    let opened = c["leases_opened"].as_u64().unwrap();
    assert!(opened >= 1, "a lease was opened: {c}");
    assert_eq!(
        c["leases_closed"].as_u64().unwrap(),
        opened,
        "every lease was closed: {c}"
    );

    // The token the apply leased reached the API through body_wo.
    let apps = api.list("/apps");
    assert_eq!(apps.len(), 1);
    let used = apps[0]["api_token"].as_str().unwrap().to_owned();
    assert!(used.starts_with("tok-"), "{apps:?}");

    // No token of any lease is in the plan file, the plan, the state or the
    // audit log.
    let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap();
    let audit = std::fs::read_to_string(wd.path().join("audit.jsonl")).unwrap_or_default();
    assert!(!plan_file.is_empty());
    for token in tokens(&api) {
        for (what, text) in [
            ("plan file", &plan_file),
            ("plan", &shown),
            ("state", &state),
            ("audit log", &audit),
        ] {
            assert!(!text.contains(&token), "the token {token} is in the {what}");
        }
    }

    // A clean plan afterwards: the ephemeral value changes every run, but
    // nothing that depends on it is stored.
    let p = wd.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
    assert_eq!(p.code(), 0, "{}{}", p.stdout, p.stderr);
    let c = counters(&api);
    assert_eq!(c["leases_closed"], c["leases_opened"], "{c}");
}

/// Every token the API has issued.
fn tokens(api: &Running) -> Vec<String> {
    api.counters().lease_tokens
}

#[test]
fn a_failed_request_is_an_error_naming_it() {
    if terraform().version < (1, 10) {
        eprintln!("SKIPPED: ephemeral resources need Terraform 1.10+ or OpenTofu 1.11+");
        return;
    }
    let api = Running::start();
    let config = |block: &str| {
        Workdir::new(&format!(
            "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n\nephemeral \"driver_http_request\" \"x\" {{\n{block}\n}}\n",
            api.url()
        ))
    };
    let bad = config("  method = \"NOT A METHOD\"\n  path   = \"/leases/../admin\"");
    let run = bad.run(&["plan", "-input=false", "-no-color"]);
    let err = run.stderr_flat();
    assert_eq!(run.code(), 1, "{err}");
    assert!(err.contains("Invalid method"), "{err}");
    assert!(err.contains("Invalid path"), "{err}");

    let missing = config("  path = \"/leases/none\"");
    let run = missing.run(&["plan", "-input=false", "-no-color"]);
    let err = run.stderr_flat();
    assert_eq!(run.code(), 1, "{err}");
    assert!(
        err.contains("The opening request failed") && err.contains("/leases/none"),
        "{err}"
    );
}
