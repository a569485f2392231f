//! Resource identity (Terraform 1.12+): `driver_http_object` records
//! `{path, id}` beside its state, and an `import` block may give that
//! identity instead of an id.

use demo_api::Running;

use crate::harness::{Workdir, terraform};

fn supported() -> bool {
    let t = terraform();
    if t.version >= (1, 12) {
        return true;
    }
    eprintln!("SKIPPED: resource identity needs Terraform or OpenTofu 1.12+");
    false
}

fn config(api: &Running) -> String {
    format!(
        r#"
provider "driver" {{
  endpoint = "{}"
}}

resource "driver_http_object" "flag" {{
  path = "/flags"
  body = {{ name = "beta", enabled = true }}
}}
"#,
        api.url()
    )
}

#[test]
fn objects_carry_their_identity_and_import_by_it() {
    if !supported() {
        return;
    }
    let api = Running::start();
    let made = Workdir::new(&config(&api));
    made.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    let show = made.run(&["show", "-json"]).expect_code(0).json();
    let flag = &show["values"]["root_module"]["resources"][0];
    let id = flag["values"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        flag["identity"],
        serde_json::json!({"path": "/flags", "id": id}),
        "{flag}"
    );
    // A refresh keeps it, and the plan is clean.
    let p = made.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
    assert_eq!(p.code(), 0, "{}{}", p.stdout, p.stderr);

    // Another configuration takes the object over by its identity.
    let adopting = Workdir::new(&format!(
        "{}\nimport {{\n  to       = driver_http_object.flag\n  identity = {{ path = \"/flags\", id = \"{id}\" }}\n}}\n",
        config(&api)
    ));
    let plan = adopting
        .run(&["plan", "-input=false", "-no-color"])
        .expect_code(0);
    // The identity names the object, not which of its fields the
    // configuration manages: the first apply narrows the body to them
    // (as an import by path does; the JSON import id can name them).
    assert!(
        plan.stdout.contains("1 to import, 0 to add,") && plan.stdout.contains("0 to destroy"),
        "{}",
        plan.stdout
    );
    adopting
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    let p = adopting.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
    assert_eq!(p.code(), 0, "{}{}", p.stdout, p.stderr);
    assert_eq!(api.list("/flags").len(), 1, "nothing was created twice");

    // An identity without its id is refused, naming what is missing.
    let wrong = Workdir::new(&format!(
        "{}\nimport {{\n  to       = driver_http_object.flag\n  identity = {{ path = \"/flags\" }}\n}}\n",
        config(&api)
    ));
    let run = wrong.run(&["plan", "-input=false", "-no-color"]);
    assert_eq!(run.code(), 1, "{}", run.stderr);
    assert!(run.stderr_flat().contains("id"), "{}", run.stderr);
}
