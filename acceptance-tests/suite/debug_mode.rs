//! `--debug`: the provider serves on its own and Terraform attaches to it
//! through TF_REATTACH_PROVIDERS.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::harness::{PROVIDER, Workdir, provider_binary, wait_bounded};

#[test]
fn terraform_attaches_to_a_debug_server() {
    let mut child = Command::new(provider_binary())
        .arg("--debug")
        .env("TF_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(v) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
                let _ = tx.send(v.trim_end_matches('\'').to_owned());
            }
        }
    });
    let reattach = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("TF_REATTACH_PROVIDERS printed");
    let parsed: serde_json::Value = serde_json::from_str(&reattach).unwrap();
    let entry = &parsed[PROVIDER];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true, "protocol 6 reattach needs Test: true");
    assert_eq!(entry["Pid"], child.id());
    let socket = entry["Addr"]["String"].as_str().unwrap().to_owned();

    // Two Terraform runs attach to the same process, one after the other.
    let wd = Workdir::new("");
    for _ in 0..2 {
        let mut cmd = wd.command(&["providers", "schema", "-json"]);
        cmd.env("TF_REATTACH_PROVIDERS", &reattach);
        let run = wd.run_command(cmd).expect_code(0);
        assert!(
            run.json()["provider_schemas"][PROVIDER]["provider"].is_object(),
            "{}",
            run.stdout
        );
    }

    crate::harness::interrupt(child.id());
    let status = wait_bounded(child, Duration::from_secs(20), "debug server after SIGINT");
    assert!(status.success(), "{status:?}");
    assert!(
        !std::path::Path::new(&socket).exists(),
        "socket left behind"
    );
}
