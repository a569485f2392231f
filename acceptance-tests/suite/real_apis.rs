//! Real third-party REST servers nobody here wrote, installed from Debian's
//! packages and run on loopback: Prometheus Alertmanager (silences: an id
//! under another name, reads at another path than creates, updates by POST
//! to the collection with the id in the body, timestamps re-spelled, soft
//! deletes that leave the object "expired") and PowerDNS (zones: an API key,
//! names canonicalised on create, a field accepted but never returned,
//! updates answered 204) and etcd (keys: every operation a POST with a
//! body, the id a value the configuration chose, a missing key answered
//! without the result rather than 404). Each goes through the life of an
//! object: apply,
//! a clean plan, an out-of-band edit shown and reverted, an out-of-band
//! delete re-created, import, destroy.

use std::process::Command;

use crate::harness::Workdir;
use crate::harness::servers::{Server, debian_binary, free_port, http};

fn plan_code(wd: &Workdir) -> (i32, String) {
    let p = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    (p.code(), format!("{}{}", p.stdout, p.stderr))
}

fn apply(wd: &Workdir) {
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
}

fn id_of(wd: &Workdir) -> String {
    wd.resources()[0]["values"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

// ---------------------------------------------------------------------------
// Alertmanager

fn alertmanager() -> Option<Server> {
    let bin = debian_binary("prometheus-alertmanager", &["prometheus-alertmanager"])?;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: none\nreceivers:\n  - name: none\n",
    )
    .unwrap();
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=");
    Some(Server::start(cmd, port, "/-/ready", dir))
}

const SILENCE: &str = r#"
resource "driver_http_object" "silence" {
  path        = "/api/v2/silences"
  id_pointer  = "/silenceID"
  object_path = "/api/v2/silence/{id}"
  body = {
    matchers  = [{ name = "alertname", value = "DiskFull", isRegex = false, isEqual = true }]
    startsAt  = "2030-01-01T00:00:00Z"
    endsAt    = "2030-01-02T00:00:00Z"
    createdBy = "terraform"
    comment   = "maintenance window"
  }
  update {
    method      = "POST"
    path        = "{path}"
    add_to_body = { "/id" = "{id}" }
  }
  gone_when {
    pointer = "/status/state"
    values  = ["expired"]
  }
}
"#;

/// Silences the server holds that are not expired.
fn live_silences(url: &str) -> Vec<serde_json::Value> {
    let (status, body) = http("GET", &format!("{url}/api/v2/silences"), &[], None);
    assert_eq!(status, 200, "{body}");
    let all: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    all.into_iter()
        .filter(|s| s["status"]["state"] != "expired")
        .collect()
}

#[test]
fn alertmanager_silences_through_their_whole_life() {
    let Some(am) = alertmanager() else { return };
    let provider = format!("provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n", am.url);
    let wd = Workdir::new(&format!("{provider}{SILENCE}"));
    apply(&wd);
    let id = id_of(&wd);
    let live = live_silences(&am.url);
    assert_eq!(live.len(), 1);
    // The server re-spells the timestamps ("...00.000Z"): not drift.
    assert_eq!(live[0]["startsAt"], "2030-01-01T00:00:00.000Z");
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 0, "a clean plan after apply: {out}");

    // Someone edits the comment: the plan shows it, apply puts it back.
    let mut edited = live[0].clone();
    edited["comment"] = "changed by hand".into();
    let edited = serde_json::json!({
        "id": id, "matchers": edited["matchers"], "startsAt": edited["startsAt"],
        "endsAt": edited["endsAt"], "createdBy": edited["createdBy"], "comment": edited["comment"],
    });
    let (status, body) = http(
        "POST",
        &format!("{}/api/v2/silences", am.url),
        &[],
        Some(&edited.to_string()),
    );
    assert_eq!(status, 200, "{body}");
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("changed by hand") && out.contains("maintenance window"),
        "{out}"
    );
    apply(&wd);
    assert_eq!(live_silences(&am.url)[0]["comment"], "maintenance window");
    assert_eq!(plan_code(&wd).0, 0);

    // Someone expires it: it counts as gone, and apply creates it again.
    let (status, _) = http(
        "DELETE",
        &format!("{}/api/v2/silence/{id}", am.url),
        &[],
        None,
    );
    assert_eq!(status, 200);
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("will be created"), "{out}");
    apply(&wd);
    assert_eq!(live_silences(&am.url).len(), 1);
    let id = id_of(&wd);

    // Import it into another configuration: found at its own path, no
    // replacement, and clean once applied.
    // The import id carries the arguments the configuration sets, so the
    // object is read at its own path and nothing else shows as a change.
    let import_id = serde_json::json!({
        "path": "/api/v2/silences",
        "id": id,
        "id_pointer": "/silenceID",
        "object_path": "/api/v2/silence/{id}",
        "update": {"method": "POST", "path": "{path}", "add_to_body": {"/id": "{id}"}},
        "gone_when": {"pointer": "/status/state", "values": ["expired"]},
        "body": ["matchers", "startsAt", "endsAt", "createdBy", "comment"],
    })
    .to_string();
    let other = Workdir::new(&format!("{provider}{SILENCE}"));
    other
        .run(&[
            "import",
            "-input=false",
            "-no-color",
            "driver_http_object.silence",
            &import_id,
        ])
        .expect_code(0);
    let (_, out) = plan_code(&other);
    assert!(!out.contains("must be replaced"), "{out}");
    apply(&other);
    assert_eq!(plan_code(&other).0, 0);
    assert_eq!(live_silences(&am.url).len(), 1, "still one silence");

    // Destroy leaves nothing live.
    other
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(live_silences(&am.url).is_empty());
}

/// An update Alertmanager answers with a new id: changing the matchers of
/// an active silence (its `startsAt` in the past) expires it and creates
/// another under a new `silenceID`. State follows the new id (with an
/// error saying the API replaced the object), the next plan is clean, and
/// destroy leaves no silence active.
#[test]
fn alertmanager_replacing_a_silence_on_update_orphans_nothing() {
    let Some(am) = alertmanager() else { return };
    let provider = format!("provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n", am.url);
    let active = SILENCE
        .replace("2030-01-01T00:00:00Z", "2020-01-01T00:00:00Z")
        .replace("2030-01-02T00:00:00Z", "2099-01-01T00:00:00Z");
    let wd = Workdir::new(&format!("{provider}{active}"));
    apply(&wd);
    let first = id_of(&wd);
    assert_eq!(plan_code(&wd).0, 0, "a clean plan after apply");
    wd.set(&format!(
        "{provider}{}",
        active.replace("\"DiskFull\"", "\"DiskAlmostFull\"")
    ));
    let r = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let out = format!("{}{}", r.stdout, r.stderr_flat());
    assert_ne!(r.code(), 0, "{out}");
    assert!(out.contains("The API replaced the object"), "{out}");
    let live = live_silences(&am.url);
    assert_eq!(live.len(), 1, "the old silence expired: {live:?}");
    let second = id_of(&wd);
    assert_ne!(second, first);
    assert_eq!(live[0]["id"], second, "state holds the new id");
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 0, "clean afterwards: {out}");
    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert!(live_silences(&am.url).is_empty(), "nothing left active");
}

// ---------------------------------------------------------------------------
// PowerDNS

const API_KEY: &str = "pdns-test-key-0123";

fn powerdns() -> Option<Server> {
    let bin = debian_binary(
        "pdns_server",
        &["pdns-server", "pdns-backend-sqlite3", "sqlite3"],
    )?;
    let sqlite = debian_binary("sqlite3", &["sqlite3"])?;
    let schema = std::path::Path::new("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql");
    if !schema.is_file() {
        eprintln!(
            "SKIPPED: PowerDNS's sqlite schema is not at {}",
            schema.display()
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pdns.sqlite3");
    let made = Command::new(sqlite)
        .arg(&db)
        .stdin(std::fs::File::open(schema).unwrap())
        .status()
        .unwrap();
    assert!(made.success());
    let port = free_port();
    let dns_port = free_port();
    std::fs::write(
        dir.path().join("pdns.conf"),
        format!(
            "launch=gsqlite3\ngsqlite3-database={}\napi=yes\napi-key={API_KEY}\nwebserver=yes\n\
             webserver-address=127.0.0.1\nwebserver-port={port}\nwebserver-allow-from=127.0.0.0/8\n\
             local-address=127.0.0.1\nlocal-port={dns_port}\ndaemon=no\nguardian=no\n\
             socket-dir={}\nsetuid=\nsetgid=\n",
            db.display(),
            dir.path().display()
        ),
    )
    .unwrap();
    let mut cmd = Command::new(bin);
    cmd.arg(format!("--config-dir={}", dir.path().display()));
    Some(Server::start(cmd, port, "/", dir))
}

fn zone_config(url: &str, name: &str, kind: &str, account: &str) -> String {
    format!(
        r#"
provider "driver" {{
  endpoint = "{url}"
  auth {{
    api_key {{
      name  = "X-API-Key"
      value = "{API_KEY}"
    }}
  }}
}}

resource "driver_http_object" "zone" {{
  path = "/api/v1/servers/localhost/zones"
  body = {{
    name        = "{name}"
    kind        = "{kind}"
    nameservers = ["ns1.example.org."]
    account     = "{account}"
  }}
  response_fields = ["/id", "/serial"]
}}
"#
    )
}

#[test]
fn powerdns_zones_through_their_whole_life() {
    let Some(pdns) = powerdns() else { return };
    let key = [("X-API-Key", API_KEY)];
    let zone = |url: &str| format!("{url}/api/v1/servers/localhost/zones/example.org.");
    // Written as a person might; PowerDNS canonicalises the name and kind,
    // and never returns nameservers: none of that is drift.
    let wd = Workdir::new(&zone_config(&pdns.url, "Example.ORG.", "native", "team-a"));
    apply(&wd);
    assert_eq!(id_of(&wd), "example.org.");
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 0, "a clean plan after apply: {out}");

    // Someone changes the account: shown, and put back.
    let (status, body) = http(
        "PUT",
        &zone(&pdns.url),
        &key,
        Some(r#"{"kind": "Native", "account": "someone-else"}"#),
    );
    assert_eq!(status, 204, "{body}");
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("someone-else") && out.contains("team-a"),
        "{out}"
    );
    apply(&wd);
    let (_, body) = http("GET", &zone(&pdns.url), &key, None);
    assert!(body.contains("\"account\": \"team-a\""), "{body}");
    assert_eq!(plan_code(&wd).0, 0);

    // Someone deletes it: re-created.
    let (status, _) = http("DELETE", &zone(&pdns.url), &key, None);
    assert_eq!(status, 204);
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("will be created"), "{out}");
    apply(&wd);

    // Import into a configuration written the way the server spells it:
    // clean at once.
    let other = Workdir::new(&zone_config(&pdns.url, "example.org.", "Native", "team-a"));
    let import_id = r#"{"path": "/api/v1/servers/localhost/zones/example.org.", "body": ["name", "kind", "account"], "response_fields": ["/id", "/serial"]}"#;
    other
        .run(&[
            "import",
            "-input=false",
            "-no-color",
            "driver_http_object.zone",
            import_id,
        ])
        .expect_code(0);
    let (code, out) = plan_code(&other);
    // nameservers is not returned by the API, so import cannot know it: the
    // first plan sends it once.
    assert!(
        code == 0 || (code == 2 && out.contains("nameservers") && !out.contains("replaced")),
        "{out}"
    );
    apply(&other);
    assert_eq!(plan_code(&other).0, 0);

    // Destroy leaves nothing.
    other
        .run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    let (status, _) = http("GET", &zone(&pdns.url), &key, None);
    assert_eq!(status, 404);
}

// ---------------------------------------------------------------------------
// etcd

fn etcd() -> Option<Server> {
    let bin = debian_binary("etcd", &["etcd-server"])?;
    let dir = tempfile::tempdir().unwrap();
    let (port, peer) = (free_port(), free_port());
    let mut cmd = Command::new(bin);
    cmd.arg(format!("--data-dir={}", dir.path().join("data").display()))
        .arg(format!("--listen-client-urls=http://127.0.0.1:{port}"))
        .arg(format!("--advertise-client-urls=http://127.0.0.1:{port}"))
        .arg(format!("--listen-peer-urls=http://127.0.0.1:{peer}"))
        .arg(format!(
            "--initial-advertise-peer-urls=http://127.0.0.1:{peer}"
        ))
        .arg(format!("--initial-cluster=default=http://127.0.0.1:{peer}"));
    Some(Server::start(cmd, port, "/version", dir))
}

/// What etcd holds at `key` (plain text), if anything.
fn etcd_get(url: &str, key: &str) -> Option<String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let body = serde_json::json!({"key": b64.encode(key)}).to_string();
    let (status, answer) = http("POST", &format!("{url}/v3/kv/range"), &[], Some(&body));
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let value = answer["kvs"][0]["value"].as_str()?;
    Some(String::from_utf8(b64.decode(value).unwrap()).unwrap())
}

fn etcd_send(url: &str, op: &str, body: serde_json::Value) {
    let (status, answer) = http(
        "POST",
        &format!("{url}/v3/kv/{op}"),
        &[],
        Some(&body.to_string()),
    );
    assert_eq!(status, 200, "{answer}");
}

/// The RPC-style shape (issue: reads with bodies): etcd's v3 JSON API,
/// driven by the recipe exactly as docs/guides/recipes.md prints it.
#[test]
fn etcd_keys_through_their_whole_life() {
    let Some(etcd) = etcd() else { return };
    let provider = format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n}}\n",
        etcd.url
    );
    let recipe = crate::harness::recipe("etcd");
    let wd = Workdir::new(&format!("{provider}{recipe}"));
    apply(&wd);
    assert_eq!(etcd_get(&etcd.url, "app/config").as_deref(), Some("v1"));
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 0, "a clean plan after apply: {out}");

    // Someone changes the value: the plan shows it, apply puts it back.
    etcd_send(
        &etcd.url,
        "put",
        serde_json::json!({"key": "YXBwL2NvbmZpZw==", "value": "djI="}),
    );
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("djI=") && out.contains("djE="), "{out}");
    apply(&wd);
    assert_eq!(etcd_get(&etcd.url, "app/config").as_deref(), Some("v1"));
    assert_eq!(plan_code(&wd).0, 0);

    // Someone deletes it: etcd answers the read without "kvs", which is
    // gone, and apply creates it again.
    etcd_send(
        &etcd.url,
        "deleterange",
        serde_json::json!({"key": "YXBwL2NvbmZpZw=="}),
    );
    let (code, out) = plan_code(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("will be created"), "{out}");
    apply(&wd);
    assert_eq!(etcd_get(&etcd.url, "app/config").as_deref(), Some("v1"));

    // A new value is an update.
    wd.set(&format!("{provider}{}", recipe.replace("\"v1\"", "\"v3\"")));
    apply(&wd);
    assert_eq!(etcd_get(&etcd.url, "app/config").as_deref(), Some("v3"));
    wd.set(&format!("{provider}{recipe}"));
    apply(&wd);

    // Import with the id the recipe documents: clean at once.
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guides/recipes.md"),
    )
    .unwrap();
    let import_id = docs
        .split("terraform import driver_http_object.setting \'")
        .nth(1)
        .and_then(|rest| rest.split_once("\'\n"))
        .map(|(id, _)| id.to_owned())
        .expect("the recipe's import command");
    let other = Workdir::new(&format!("{provider}{recipe}"));
    other
        .run(&[
            "import",
            "-input=false",
            "-no-color",
            "driver_http_object.setting",
            &import_id,
        ])
        .expect_code(0);
    let (code, out) = plan_code(&other);
    assert_eq!(code, 0, "an import plans clean: {out}");

    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert_eq!(etcd_get(&etcd.url, "app/config"), None);
}
