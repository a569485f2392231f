//! Terraform 1.14's newest protocol features, with the real binary from
//! the test ground: `terraform query` over a list resource (and the
//! configuration it generates planning clean), and `action` blocks.

use demo_api::Running;

use crate::harness::{Workdir, terraform};

fn supported() -> bool {
    let t = terraform();
    if !t.opentofu && t.version >= (1, 14) {
        return true;
    }
    eprintln!("SKIPPED: list resources and actions need Terraform 1.14+");
    false
}

fn provider(api: &Running) -> String {
    format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n",
        api.url()
    )
}

#[test]
fn query_lists_a_collection_and_generates_configuration_that_plans_clean() {
    if !supported() {
        return;
    }
    let api = Running::start();
    for (name, on) in [("alpha", true), ("beta", false), ("gamma", true)] {
        api.insert("/flags", serde_json::json!({"name": name, "enabled": on}));
    }
    let wd = Workdir::new(&provider(&api));
    std::fs::write(
        wd.path().join("flags.tfquery.hcl"),
        "list \"driver_http_object\" \"flags\" {\n  provider = driver\n  include_resource = true\n\n  config {\n    path = \"/flags\"\n  }\n}\n",
    )
    .unwrap();
    let q = wd
        .run(&["query", "-no-color", "-generate-config-out=generated.tf"])
        .expect_code(0);
    for name in ["alpha", "beta", "gamma"] {
        assert!(q.stdout.contains(name), "{name} is listed:\n{}", q.stdout);
    }
    let generated = std::fs::read_to_string(wd.path().join("generated.tf")).unwrap();
    assert_eq!(generated.matches("import {").count(), 3, "{generated}");
    assert!(generated.contains("identity"), "{generated}");

    // The generated resources and import blocks adopt the three objects
    // without a change, and nothing is created.
    let plan = wd
        .run(&["plan", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(
        plan.stdout
            .contains("3 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}\n{generated}",
        plan.stdout
    );
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    let p = wd.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
    assert_eq!(p.code(), 0, "{}{}", p.stdout, p.stderr);
    assert_eq!(api.list("/flags").len(), 3);
}

#[test]
fn an_action_fires_a_request_after_a_change_and_on_demand() {
    if !supported() {
        return;
    }
    let api = Running::start();
    let wd = Workdir::new(&format!(
        r#"{}
action "driver_http_request" "purge" {{
  config {{
    path = "/purges"
    body = {{ reason = "page changed" }}
  }}
}}

resource "driver_http_object" "page" {{
  path = "/pages"
  body = {{ title = "home" }}

  lifecycle {{
    action_trigger {{
      events  = [after_create, after_update]
      actions = [action.driver_http_request.purge]
    }}
  }}
}}
"#,
        provider(&api)
    ));
    let applied = wd
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert_eq!(api.list("/purges").len(), 1, "{}", applied.stdout);
    assert!(
        applied.stdout.contains("POST /purges"),
        "the action's progress is shown:\n{}",
        applied.stdout
    );

    // On demand.
    wd.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-invoke=action.driver_http_request.purge",
    ])
    .expect_code(0);
    assert_eq!(api.list("/purges").len(), 2);

    // A failing request fails the action, naming it.
    let broken = Workdir::new(&format!(
        "{}\naction \"driver_http_request\" \"nowhere\" {{\n  config {{\n    method = \"DELETE\"\n    path   = \"/purges/999\"\n  }}\n}}\n",
        provider(&api)
    ));
    let run = broken.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-invoke=action.driver_http_request.nowhere",
    ]);
    assert_eq!(run.code(), 1, "{}", run.stdout);
    assert!(run.stderr_flat().contains("/purges/999"), "{}", run.stderr);
}
