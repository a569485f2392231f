//! The peers' own acceptance tests, ported as behaviours: each scenario
//! names the restapi or restful test it mirrors and runs the configuration
//! a user migrating from that provider writes (following the migration
//! guides) against the server that test uses: restapi's fakeserver built
//! from restapi's Go module, the real json-server from npm, and stand-ins
//! for the peers' inline Go test servers and for Azure Resource Manager.

mod arm;
mod restapi;
mod restful;
mod stand_in;

use std::process::Command;

use crate::harness::optional_tool;
use crate::harness::servers::{Server, free_port};

/// restapi's fakeserver (objects at `/api/objects/{id}`; the client picks
/// the id), on loopback, seeded with `objects`; `None` (test skipped, the
/// reason printed) where it cannot be built.
pub fn fakeserver() -> Option<Server> {
    let bin = optional_tool("fakeserver")?;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.arg("-port").arg(port.to_string());
    Some(Server::start(cmd, port, "/api/objects", dir))
}

/// json-server 0.17.4 (the version restful's tests use) serving `db`, a
/// JSON object of collections, on loopback.
pub fn json_server(db: &serde_json::Value) -> Option<Server> {
    let bin = optional_tool("json-server")?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db.json");
    std::fs::write(&file, db.to_string()).unwrap();
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.args([
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--quiet",
    ])
    .arg(&file);
    Some(Server::start(cmd, port, "/", dir))
}

/// A provider block for `server` (any extra lines inside it).
pub fn provider(url: &str, extra: &str) -> String {
    format!("provider \"driver\" {{\n  endpoint = \"{url}\"\n{extra}}}\n")
}

/// A JSON answer of `server` at `path` (status, body as JSON or null).
pub fn get(url: &str, path: &str) -> (u16, serde_json::Value) {
    let (status, body) = crate::harness::servers::http("GET", &format!("{url}{path}"), &[], None);
    (status, serde_json::from_str(&body).unwrap_or_default())
}

/// Sends `body` to `path` with `method`; the status.
pub fn send(url: &str, method: &str, path: &str, body: &serde_json::Value) -> u16 {
    let text = body.to_string();
    crate::harness::servers::http(method, &format!("{url}{path}"), &[], Some(&text)).0
}

/// `terraform import` of `id` into `address`, which must succeed.
pub fn import(wd: &crate::harness::Workdir, address: &str, id: &str) {
    wd.run(&["import", "-input=false", "-no-color", address, id])
        .expect_code(0);
}

/// `terraform apply`, which must succeed.
pub fn apply(wd: &crate::harness::Workdir) {
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
}

/// `terraform plan -detailed-exitcode`: its exit code (0 clean, 2 changes)
/// and its output.
pub fn plan(wd: &crate::harness::Workdir) -> (i32, String) {
    let r = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    (r.code(), format!("{}{}", r.stdout, r.stderr))
}

/// Apply, then a plan that must be clean (the peers' test framework checks
/// this after every step).
pub fn apply_clean(wd: &crate::harness::Workdir) {
    apply(wd);
    let (code, out) = plan(wd);
    assert_eq!(code, 0, "a plan right after apply is clean: {out}");
}

/// `terraform destroy`, which must succeed.
pub fn destroy(wd: &crate::harness::Workdir) {
    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
}

/// The `response` of the one managed resource `address` in state.
pub fn response(wd: &crate::harness::Workdir, name: &str) -> serde_json::Value {
    wd.resources()
        .into_iter()
        .find(|r| r["name"] == name)
        .map(|r| r["values"]["response"].clone())
        .unwrap_or_default()
}
