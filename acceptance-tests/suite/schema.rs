//! Terraform reads the provider schema through the full handshake
//! (AutoMTLS included) and sees exactly the committed snapshot.

use crate::harness::{PROVIDER, Workdir};

#[test]
fn terraform_sees_the_committed_schema() {
    let wd = Workdir::new("");
    let run = wd.run(&["providers", "schema", "-json"]).expect_code(0);
    let all = run.json();
    let ours = &all["provider_schemas"][PROVIDER];
    assert!(
        ours.is_object(),
        "terraform did not report {PROVIDER}:\n{}",
        run.stdout
    );

    let mut snapshot: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/provider-schema.json")).unwrap();
    let tf = crate::harness::terraform();
    if !crate::harness::terraform_supports_functions() {
        snapshot.as_object_mut().unwrap().remove("functions");
    }
    if tf.opentofu || tf.version < (1, 14) {
        // List resources and actions arrived in Terraform 1.14.
        let m = snapshot.as_object_mut().unwrap();
        m.remove("list_resource_schemas");
        m.remove("action_schemas");
    }
    if tf.version < (1, 12) {
        // Resource identity arrived in Terraform 1.12.
        snapshot
            .as_object_mut()
            .unwrap()
            .remove("resource_identity_schemas");
    }
    if tf.version < (1, 10) {
        // Ephemeral resources arrived in Terraform 1.10.
        snapshot
            .as_object_mut()
            .unwrap()
            .remove("ephemeral_resource_schemas");
    }
    if tf.version < (1, 11) {
        // Terraform before 1.11 does not know write-only attributes and
        // does not report the flag.
        strip_key(&mut snapshot, "write_only");
        // Older Terraform (1.0 at least) reports a data source's version
        // from the resource of the same name: driver_http_object's.
        let resource_version =
            snapshot["resource_schemas"]["driver_http_object"]["version"].clone();
        if ours["data_source_schemas"]["driver_http_object"]["version"] == resource_version {
            snapshot["data_source_schemas"]["driver_http_object"]["version"] = resource_version;
        }
    }
    assert_eq!(
        ours, &snapshot,
        "terraform's view of the schema differs from schemas/provider-schema.json"
    );
}

fn strip_key(j: &mut serde_json::Value, key: &str) {
    match j {
        serde_json::Value::Object(m) => {
            m.remove(key);
            m.values_mut().for_each(|v| strip_key(v, key));
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|v| strip_key(v, key)),
        _ => {}
    }
}

#[test]
fn schema_subcommand_prints_the_snapshot() {
    let out = std::process::Command::new(crate::harness::provider_binary())
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let snapshot: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/provider-schema.json")).unwrap();
    assert_eq!(printed, snapshot);
}

#[test]
fn plaintext_transport_works_too() {
    let wd = Workdir::new("");
    let mut cmd = wd.command(&["providers", "schema", "-json"]);
    cmd.env("TF_DISABLE_PLUGIN_TLS", "1");
    let run = wd.run_command(cmd).expect_code(0);
    assert!(run.json()["provider_schemas"][PROVIDER]["provider"].is_object());
}
