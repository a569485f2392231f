//! driver_exec_object with small scripts: lifecycle and drift, timeouts that
//! kill, retries on exit codes, secrets that never leak, typed output.

use std::path::{Path, PathBuf};

use crate::harness::{Run, Workdir, terraform};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("acceptance-tests/fixtures/exec/file_object.py")
}

/// A workdir whose object lives in `<workdir>/store/<name>.json`.
fn file_object(extra: &str) -> (Workdir, PathBuf) {
    let wd = Workdir::new("");
    let store = wd.path().join("store");
    std::fs::create_dir_all(&store).unwrap();
    let cmd = format!("[\"python3\", \"{}\"]", fixture().display());
    let hcl = format!(
        r#"
resource "driver_exec_object" "doc" {{
  create = {cmd}
  read   = {cmd}
  update = {cmd}
  delete = {cmd}
  env    = {{ STORE_DIR = "{store}" }}
  input = {{
    name  = "readme"
    title = "Hello"
    tags  = ["a", "b"]
  }}
{extra}
}}

output "fields_plus_one" {{
  value = driver_exec_object.doc.output.stats.fields + 1
}}
"#,
        store = store.display(),
    );
    wd.append(&hcl);
    (wd, store)
}

fn apply(wd: &Workdir) -> Run {
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
}

fn plan(wd: &Workdir) -> Run {
    wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
}

fn read_object(store: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(store.join("readme.json")).expect("object file"))
        .unwrap()
}

#[test]
fn file_object_lifecycle_with_drift_and_re_creation() {
    let (wd, store) = file_object("");
    apply(&wd).expect_code(0);
    assert_eq!(read_object(&store)["title"], "Hello");
    assert_eq!(plan(&wd).code(), 0, "fields the script adds are not drift");

    // Edited outside Terraform.
    let mut obj = read_object(&store);
    obj["title"] = "Edited".into();
    std::fs::write(store.join("readme.json"), obj.to_string()).unwrap();
    let p = plan(&wd);
    assert_eq!(p.code(), 2, "{}", p.stdout);
    assert!(p.stdout.contains("\"Edited\" -> \"Hello\""), "{}", p.stdout);
    apply(&wd).expect_code(0);
    assert_eq!(read_object(&store)["title"], "Hello");
    assert_eq!(plan(&wd).code(), 0);

    // Deleted outside Terraform: read prints nothing, a create is planned.
    std::fs::remove_file(store.join("readme.json")).unwrap();
    let p = plan(&wd);
    assert_eq!(p.code(), 2);
    assert!(p.stdout.contains("will be created"), "{}", p.stdout);
    apply(&wd).expect_code(0);
    assert_eq!(plan(&wd).code(), 0);

    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(!store.join("readme.json").exists());
}

#[test]
fn output_is_typed() {
    let (wd, _) = file_object("");
    apply(&wd).expect_code(0);
    // stats.fields is a number in HCL: 3 fields + 1.
    let out = wd
        .run(&["output", "-json", "fields_plus_one"])
        .expect_code(0);
    assert_eq!(out.json(), serde_json::json!(4));
}

#[test]
fn a_hung_command_is_killed_at_its_timeout() {
    let wd = Workdir::new(
        r#"
resource "driver_exec_object" "hung" {
  create = ["sh", "-c", "sleep 60; echo '{}'"]
  input  = {}
  timeouts {
    create = "1s"
  }
}
"#,
    );
    let run = apply(&wd);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("Create command failed")
            && err.contains("did not finish within its time limit")
            && err.contains("killed"),
        "{err}"
    );
}

#[test]
fn a_flaky_command_converges_with_retries_on_its_exit_code() {
    let (wd, store) = file_object("  retry_on_exit_codes = [75]");
    std::fs::write(store.join("fail-times"), "2").unwrap();
    std::fs::write(
        wd.path().join("retry.tf"),
        "provider \"driver\" {\n  retry {\n    min_backoff = \"10ms\"\n    max_backoff = \"50ms\"\n  }\n}\n",
    )
    .unwrap();
    apply(&wd).expect_code(0);
    assert_eq!(
        std::fs::read_to_string(store.join("fail-times")).unwrap(),
        "0",
        "failed twice, then succeeded"
    );
    assert_eq!(read_object(&store)["title"], "Hello");
}

#[test]
fn sensitive_env_values_never_reach_state_or_logs() {
    const SECRET: &str = "hunter2-very-secret";
    let hcl = format!(
        r#"
resource "driver_exec_object" "secret" {{
  create        = ["sh", "-c", "test $${{#API_TOKEN}} -eq {len} && printf '{{\"ok\": true, \"echo\": \"%s\"}}' \"$API_TOKEN\""]
  input         = {{ x = 1 }}
  sensitive_env = {{ API_TOKEN = "{SECRET}" }}
}}

resource "driver_exec_object" "leaky" {{
  create        = ["sh", "-c", "echo \"auth failed for token $API_TOKEN\" >&2; exit 3"]
  input         = {{ x = 2 }}
  sensitive_env = {{ API_TOKEN = "{SECRET}" }}
}}
"#,
        len = SECRET.len()
    );
    let wd = Workdir::new(&hcl);
    let tf = terraform();
    if tf.version < (1, 11) {
        // Older Terraform would store write-only values: refused, clearly.
        let v = wd.run(&["validate", "-no-color"]);
        assert_eq!(v.code(), 1);
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
    assert_eq!(run.code(), 1, "the leaky command fails");
    assert!(
        run.stderr_flat().contains("auth failed for token ***"),
        "the secret is masked in the error: {}",
        run.stderr
    );
    let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap();
    assert!(
        state.contains("\"ok\": true"),
        "the secret reached the command: {state}"
    );
    assert!(
        state.contains("\"echo\": \"***\""),
        "a command echoing the secret has it masked in output: {state}"
    );
    for (what, text) in [
        ("stdout", &run.stdout),
        ("stderr (TF_LOG=trace)", &run.stderr),
        ("state", &state),
    ] {
        assert!(!text.contains(SECRET), "the secret appears in {what}");
    }
}

#[test]
fn command_mistakes_are_diagnosed() {
    let wd = Workdir::new(
        r#"
resource "driver_exec_object" "missing" {
  create = ["no-such-program-anywhere"]
  input  = {}
}
resource "driver_exec_object" "chatty" {
  create = ["sh", "-c", "echo starting up"]
  input  = {}
}
"#,
    );
    let run = apply(&wd);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("command not found: \"no-such-program-anywhere\""),
        "{err}"
    );
    assert!(
        err.contains("must print one JSON object on stdout") && err.contains("starting up"),
        "{err}"
    );
    let bad = Workdir::new(
        "resource \"driver_exec_object\" \"x\" {\n  create = []\n  input = {}\n  retry_on_exit_codes = [0]\n}\n",
    );
    let v = bad.run(&["validate", "-no-color"]);
    assert_eq!(v.code(), 1);
    let err = v.stderr_flat();
    assert!(
        err.contains("Empty command") && err.contains("Invalid exit code"),
        "{err}"
    );
}
