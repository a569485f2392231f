//! Every example is formatted and valid, as users will copy them.

use std::path::{Path, PathBuf};

use crate::harness::Workdir;

fn example_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs = vec![
        root.join("provider"),
        root.join("quickstart"),
        root.join("testing"),
    ];
    for kind in [
        "resources",
        "data-sources",
        "ephemeral-resources",
        "actions",
    ] {
        for entry in std::fs::read_dir(root.join(kind)).unwrap() {
            dirs.push(entry.unwrap().path());
        }
    }
    dirs
}

#[test]
fn examples_are_formatted() {
    let wd = Workdir::new("");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let run = wd.run(&[
        "fmt",
        "-check",
        "-recursive",
        "-diff",
        examples.to_str().unwrap(),
    ]);
    assert_eq!(run.code(), 0, "terraform fmt would change:\n{}", run.stdout);
}

#[test]
fn examples_validate() {
    for dir in example_dirs() {
        // Each example is copied beside a terraform block that requires the
        // provider (examples that lack one get it from the workdir).
        let mut hcl = String::new();
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == "tf") {
                hcl.push_str(&std::fs::read_to_string(&p).unwrap());
                hcl.push('\n');
            }
        }
        if hcl.contains("ephemeral \"") && crate::harness::terraform().version < (1, 11) {
            eprintln!(
                "SKIPPED: {} needs ephemeral resources and write-only arguments (1.11+)",
                dir.display()
            );
            continue;
        }
        if hcl.contains("action \"")
            && (crate::harness::terraform().opentofu
                || crate::harness::terraform().version < (1, 14))
        {
            eprintln!("SKIPPED: {} needs actions (Terraform 1.14+)", dir.display());
            continue;
        }
        let has_terraform_block = hcl.contains("required_providers");
        let wd = if has_terraform_block {
            Workdir::bare(&hcl)
        } else {
            Workdir::new(&hcl)
        };
        let run = wd.run(&["validate", "-no-color"]);
        if hcl.contains("sensitive_env") && crate::harness::terraform().version < (1, 11) {
            // Write-only arguments need Terraform 1.11; older ones are told so.
            assert!(
                run.stderr_flat().contains("needs Terraform 1.11"),
                "{}: {}",
                dir.display(),
                run.stderr
            );
            continue;
        }
        assert_eq!(
            run.code(),
            0,
            "{} does not validate:\n{}{}",
            dir.display(),
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn the_quickstart_applies_against_the_demo_api_and_replans_clean() {
    let api = demo_api::Running::start();
    let hcl = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/main.tf"),
    )
    .unwrap();
    let wd = Workdir::bare(&hcl);
    let with_endpoint = |args: &[&str]| {
        let mut cmd = wd.command(args);
        cmd.env("DRIVER_ENDPOINT", api.url());
        wd.run_command(cmd)
    };
    with_endpoint(&["apply", "-auto-approve", "-input=false", "-no-color"]).expect_code(0);
    assert_eq!(api.list("/flags").len(), 1);
    assert_eq!(
        with_endpoint(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]).code(),
        0
    );
}
