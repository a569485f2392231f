//! The acceptance harness: each test gets a temporary directory with a CLI
//! config whose dev_overrides point Terraform at the provider binary cargo
//! just built, writes HCL there, and runs the real terraform against it.

pub mod servers;
mod terraform;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use terraform::{
    optional_tool, terraform, terraform_supports_functions, terraform_supports_import_blocks,
};

/// The provider's registry address, as every configuration spells it.
pub const PROVIDER: &str = "registry.terraform.io/tfdriver/driver";

/// No terraform command in these tests should come near this.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

/// The built provider binary.
pub fn provider_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-driver"))
}

/// A directory holding only the provider binary (as a symlink), for
/// dev_overrides: target/debug also holds `terraform-provider-driver.d`.
fn provider_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("provider-bin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create provider dir");
        let link = dir.join("terraform-provider-driver");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(provider_binary(), &link).expect("link provider binary");
        dir
    })
}

/// The outcome of one terraform command.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }

    /// Panics with the whole output unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// stderr with Terraform's line wrapping undone, for message checks.
    pub fn stderr_flat(&self) -> String {
        self.stderr.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// A working directory for one test.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// A directory whose `main.tf` requires the provider and holds `hcl`.
    pub fn new(hcl: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("acc-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("temp dir");
        let rc = format!(
            "disable_checkpoint = true\nprovider_installation {{\n  dev_overrides {{\n    \"{PROVIDER}\" = \"{}\"\n  }}\n}}\n",
            provider_dir().display()
        );
        std::fs::write(dir.path().join("dev.tfrc"), rc).expect("write CLI config");
        let wd = Workdir { dir };
        wd.set(hcl);
        wd
    }

    /// Replaces the configuration after the terraform block with `hcl`.
    pub fn set(&self, hcl: &str) {
        let main = format!(
            "terraform {{\n  required_providers {{\n    driver = {{ source = \"{PROVIDER}\" }}\n  }}\n}}\n\n{hcl}"
        );
        std::fs::write(self.path().join("main.tf"), main).expect("write main.tf");
    }

    /// A directory whose `main.tf` is exactly `hcl` (which brings its own
    /// terraform block).
    pub fn bare(hcl: &str) -> Self {
        let wd = Workdir::new("");
        std::fs::write(wd.path().join("main.tf"), hcl).expect("write main.tf");
        wd
    }

    /// Adds HCL to `main.tf`.
    pub fn append(&self, hcl: &str) {
        let main = self.path().join("main.tf");
        let mut text = std::fs::read_to_string(&main).expect("read main.tf");
        text.push_str(hcl);
        std::fs::write(main, text).expect("write main.tf");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The terraform command, with an environment that is offline, quiet and
    /// independent of the machine's own settings.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&terraform().path);
        cmd.args(args)
            .current_dir(self.path())
            .env("TF_CLI_CONFIG_FILE", self.path().join("dev.tfrc"))
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            .env_remove("TF_REATTACH_PROVIDERS")
            .env_remove("TF_DATA_DIR")
            .env_remove("DRIVER_ENDPOINT");
        cmd
    }

    /// Runs terraform with `args` to completion (bounded in time).
    pub fn run(&self, args: &[&str]) -> Run {
        run_bounded(self.command(args), self.path())
    }

    /// The managed resources in state, from `terraform show -json`.
    pub fn resources(&self) -> Vec<serde_json::Value> {
        let show = self.run(&["show", "-json"]).expect_code(0).json();
        show["values"]["root_module"]["resources"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|r| r["mode"] == "managed")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs a prepared command to completion (bounded in time).
    pub fn run_command(&self, cmd: Command) -> Run {
        run_bounded(cmd, self.path())
    }
}

/// Runs a command with output to files (no pipe can fill up) and kills it
/// if it outlives `COMMAND_TIMEOUT`, with its own process group so that the
/// provider processes terraform started go too.
fn run_bounded(mut cmd: Command, dir: &Path) -> Run {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    let n = next_id();
    let (out_path, err_path) = (dir.join(format!(".out-{n}")), dir.join(format!(".err-{n}")));
    let out = std::fs::File::create(&out_path).expect("stdout file");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn terraform");
    let status = wait_bounded(child, COMMAND_TIMEOUT, &format!("{cmd:?}"));
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    Run {
        status,
        stdout,
        stderr,
    }
}

/// Waits for a child, killing it (and failing the test) after `limit`.
pub fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("poll child") {
            return status;
        }
        if Instant::now() > deadline {
            // Its process group too, where it leads one: terraform's
            // provider processes would otherwise outlive the test.
            if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends SIGINT to one process.
pub fn interrupt(pid: u32) {
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("a child has a positive pid");
    rustix::process::kill_process(pid, rustix::process::Signal::INT).expect("signal the process");
}

/// Sends SIGINT to a process group, as a terminal's Ctrl-C does.
pub fn interrupt_group(leader: u32) {
    let pid = rustix::process::Pid::from_raw(leader as i32).expect("a child has a positive pid");
    rustix::process::kill_process_group(pid, rustix::process::Signal::INT)
        .expect("signal the process group");
}

fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The HCL of the recipe marked `<!-- recipe: {name} -->` in
/// docs/guides/recipes.md (the fenced block that follows the marker): the
/// suite runs the recipes as the guide prints them.
pub fn recipe(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guides/recipes.md");
    let text = std::fs::read_to_string(&path).expect("docs/guides/recipes.md");
    let marker = format!("<!-- recipe: {name} -->");
    let after = text
        .split_once(&marker)
        .unwrap_or_else(|| panic!("no {marker} in recipes.md"))
        .1;
    let block = after
        .split_once("```terraform\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .unwrap_or_else(|| panic!("no terraform block after {marker}"))
        .0;
    format!("{block}\n")
}
