//! Installed as users install it: the release package from
//! `scripts/package.py`, served from a filesystem mirror, installed by
//! `terraform init` (or `tofu init`), pinned in the lock file; then used
//! with no development overrides. Also: `terraform test` on the example
//! module, and the User-Agent the API sees.

use std::path::PathBuf;
use std::process::Command;

use demo_api::Running;

use crate::harness::{PROVIDER, Workdir, provider_binary, terraform};

/// What `scripts/package.py` made.
struct Package {
    version: String,
    mirror: PathBuf,
    h1: String,
    zip: PathBuf,
    zip_sha256: String,
    sums: PathBuf,
    manifest: PathBuf,
    _dir: tempfile::TempDir,
}

/// Packages the binary cargo built for these tests (the same code as a
/// release build, faster to get).
fn package() -> Package {
    let dir = tempfile::Builder::new()
        .prefix("dist-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/package.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg("--binary")
        .arg(provider_binary())
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "package.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = |k: &str| summary[k].as_str().unwrap().to_owned();
    Package {
        version: text("version"),
        mirror: PathBuf::from(text("mirror")),
        h1: text("h1"),
        zip: PathBuf::from(text("zip")),
        zip_sha256: text("zip_sha256"),
        sums: PathBuf::from(text("sha256sums")),
        manifest: PathBuf::from(text("manifest")),
        _dir: dir,
    }
}

/// A working directory whose CLI configuration installs from `mirror` only:
/// no development overrides, no network.
fn from_mirror(pkg: &Package, hcl: &str) -> Workdir {
    let wd = Workdir::bare(&format!(
        "terraform {{\n  required_providers {{\n    driver = {{\n      source  = \"{PROVIDER}\"\n      version = \"{}\"\n    }}\n  }}\n}}\n\n{hcl}",
        pkg.version
    ));
    std::fs::write(
        wd.path().join("dev.tfrc"),
        format!(
            "disable_checkpoint = true\nprovider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{PROVIDER}\"]\n  }}\n}}\n",
            pkg.mirror.display()
        ),
    )
    .unwrap();
    wd
}

#[test]
fn the_package_installs_from_a_mirror_with_a_matching_lock_file() {
    let pkg = package();
    assert_eq!(pkg.version, env!("CARGO_PKG_VERSION"));

    // The release files agree with each other.
    let out = Command::new("sha256sum").arg(&pkg.zip).output().unwrap();
    let hex = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(hex, pkg.zip_sha256);
    let sums = std::fs::read_to_string(&pkg.sums).unwrap();
    let zip_name = pkg.zip.file_name().unwrap().to_str().unwrap();
    assert!(sums.contains(&format!("{hex}  {zip_name}")), "{sums}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&pkg.manifest).unwrap()).unwrap();
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );

    let api = Running::start();
    let wd = from_mirror(
        &pkg,
        &format!(
            "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n\nresource \"driver_http_object\" \"x\" {{\n  path = \"/installed\"\n  body = {{ name = \"a\" }}\n}}\n",
            api.url()
        ),
    );
    let init = wd
        .run(&["init", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(
        init.stdout.contains(&pkg.version),
        "init names the installed version: {}",
        init.stdout
    );
    let lock = std::fs::read_to_string(wd.path().join(".terraform.lock.hcl")).unwrap();
    assert!(
        lock.contains(&format!("provider \"{PROVIDER}\""))
            && lock.contains(&format!("version     = \"{}\"", pkg.version)),
        "{lock}"
    );
    assert!(
        lock.contains(&pkg.h1),
        "the lock file pins the package's hash {}:\n{lock}",
        pkg.h1
    );

    let apply = wd
        .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    let plan = wd
        .run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
        .expect_code(0);
    for run in [&init, &apply, &plan] {
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !all.contains("development overrides"),
            "installed, not overridden: {all}"
        );
    }
    assert_eq!(api.list("/installed").len(), 1);

    // A second init in a fresh directory, with the lock file, verifies it.
    let again = from_mirror(&pkg, "");
    std::fs::write(again.path().join(".terraform.lock.hcl"), &lock).unwrap();
    again
        .run(&["init", "-input=false", "-no-color"])
        .expect_code(0);

    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(api.list("/installed").is_empty());
}

#[test]
fn requests_name_the_provider_and_the_cli_in_user_agent() {
    let api = Running::start();
    let wd = Workdir::new(&format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n\nresource \"driver_http_object\" \"x\" {{\n  path = \"/ua\"\n  body = {{ name = \"a\" }}\n}}\n",
        api.url()
    ));
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    let (major, minor) = terraform().version;
    // OpenTofu reports the Terraform version it is compatible with (1.13.0
    // from OpenTofu 1.12), not its own.
    let cli = if terraform().opentofu {
        " Terraform/1.".to_owned()
    } else {
        format!(" Terraform/{major}.{minor}.")
    };
    let seen = api.counters().user_agents;
    let ours = format!("terraform-provider-driver/{}", env!("CARGO_PKG_VERSION"));
    assert!(
        seen.iter()
            .any(|ua| ua.starts_with(&ours) && ua.contains(&cli)),
        "{seen:?}"
    );

    // A User-Agent header of the user's own replaces it.
    let custom = Running::start();
    let wd = Workdir::new(&format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n  headers  = {{ \"User-Agent\" = \"platform-team/7\" }}\n}}\n\nresource \"driver_http_object\" \"x\" {{\n  path = \"/ua\"\n  body = {{ name = \"a\" }}\n}}\n",
        custom.url()
    ));
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    let seen = custom.counters().user_agents;
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec!["platform-team/7".to_owned()]
    );
}

#[test]
fn terraform_test_runs_the_example_module_tests() {
    if terraform().version < (1, 6) {
        eprintln!("skipped: `terraform test` needs Terraform 1.6 or OpenTofu 1.6");
        return;
    }
    let api = Running::start();
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/testing");
    let wd = Workdir::new("");
    // The example module as a user has it: its files, and its tests/.
    std::fs::remove_file(wd.path().join("main.tf")).unwrap();
    copy_dir(&example, wd.path());
    let mut cmd = wd.command(&["test", "-no-color"]);
    cmd.env("TF_VAR_endpoint", api.url());
    let run = wd.run_command(cmd).expect_code(0);
    assert!(
        run.stdout.contains("passed, 0 failed"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(api.counters().created >= 1, "the tests applied for real");
    // terraform test destroys what it made.
    assert!(api.list("/flags").is_empty());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
