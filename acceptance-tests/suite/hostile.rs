//! Hostile servers and odd values, through real terraform: absurd waits,
//! redirects to other origins, answers that are not objects, huge answers,
//! a CA certificate used as a server certificate, and values at the edges
//! of what JSON and HCL can carry. No panic, a diagnostic naming the cause,
//! nothing sent to another origin, nothing lost track of.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use demo_api::{Faults, Running, Scripted, TlsMode};

use crate::engine::apply;
use crate::harness::{PROVIDER, Run, Workdir, provider_binary, wait_bounded};

fn provider(api: &Running, extra: &str) -> String {
    format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n{extra}\n}}\n",
        api.url()
    )
}

const ONE: &str = r#"
resource "driver_http_object" "x" {
  path = "/x"
  body = { name = "a" }
}
"#;

fn plan(wd: &Workdir) -> Run {
    wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
}

/// What any run must never show: the provider crashing.
fn no_crash(run: &Run) {
    let all = format!("{}{}", run.stdout, run.stderr);
    for sign in [
        "panic",
        "Request cancelled",
        "plugin exited",
        "Plugin did not respond",
    ] {
        assert!(!all.contains(sign), "{sign:?} in: {all}");
    }
}

fn answer(method: &str, path: &str, status: u16, headers: &[(&str, &str)], body: &str) -> Scripted {
    Scripted {
        method: method.into(),
        path: path.into(),
        status,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.into(),
        ..Default::default()
    }
}

#[test]
fn absurd_retry_afters_are_capped_and_named() {
    for retry_after in ["18446744073709551615", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let api = Running::start();
        api.set_faults(Faults {
            scripted: vec![answer(
                "POST",
                "/x",
                429,
                &[("Retry-After", retry_after)],
                "",
            )],
            ..Default::default()
        });
        let wd = Workdir::new(&format!(
            "{}{ONE}",
            provider(&api, "  retry {\n    max_retry_after = \"1s\"\n  }")
        ));
        let run = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert_eq!(run.code(), 1);
        no_crash(&run);
        let err = run.stderr_flat();
        assert!(
            err.contains("asked to wait") && err.contains("max_retry_after"),
            "{retry_after}: {err}"
        );
    }
}

#[test]
fn importing_a_field_pointer_into_a_list_keeps_the_whole_list() {
    let api = Running::start();
    let seed = Workdir::new(&format!(
        "{}resource \"driver_http_object\" \"x\" {{\n  path = \"/x\"\n  body = {{ name = \"a\", tags = [\"p\", \"q\"] }}\n}}\n",
        provider(&api, "")
    ));
    apply(&seed, 1).expect_code(0);
    let id = seed.resources()[0]["values"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let wd = Workdir::new(&format!(
        "{}resource \"driver_http_object\" \"x\" {{\n  path = \"/x\"\n  body = {{ name = \"a\", tags = [\"p\", \"q\"] }}\n}}\n",
        provider(&api, "")
    ));
    let import_id = format!(r#"{{"path": "/x/{id}", "body": ["name", "/tags/0"]}}"#);
    let run = wd.run(&[
        "import",
        "-input=false",
        "-no-color",
        "driver_http_object.x",
        &import_id,
    ]);
    no_crash(&run);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    let run = plan(&wd);
    no_crash(&run);
    assert_eq!(
        run.code(),
        0,
        "imported tags whole, so nothing to change: {}",
        run.stdout
    );
}

#[test]
fn redirects_to_another_origin_carry_nothing_there() {
    let api = Running::start();
    let elsewhere = Running::start();
    let auth = "  auth {\n    api_key {\n      name  = \"X-API-Key\"\n      value = \"s3cr3t-key\"\n    }\n  }";
    // Write-only arguments need Terraform 1.11; older ones send the API key only.
    let write_only = crate::harness::terraform().version >= (1, 11);
    let secret_body = if write_only {
        "  body_wo = { password = \"hunter2-pass\" }\n"
    } else {
        ""
    };
    let wd = Workdir::new(&format!(
        "{}resource \"driver_http_object\" \"x\" {{\n  path    = \"/x\"\n  body    = {{ name = \"a\" }}\n{secret_body}}}\n",
        provider(&api, auth)
    ));
    // A create redirected elsewhere: the body (password included) stays.
    let away = format!("{}/x", elsewhere.url());
    api.set_faults(Faults {
        scripted: vec![answer("POST", "/x", 307, &[("Location", &away)], "")],
        ..Default::default()
    });
    let run = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(run.code(), 1);
    no_crash(&run);
    let err = run.stderr_flat();
    assert!(
        err.contains("another origin") && err.contains("not followed"),
        "{err}"
    );
    assert!(
        !err.contains("hunter2-pass") && !err.contains("s3cr3t-key"),
        "{err}"
    );
    assert!(api.list("/x").is_empty() && elsewhere.list("/x").is_empty());

    // A read redirected elsewhere: the API key stays.
    api.set_faults(Faults::default());
    apply(&wd, 1).expect_code(0);
    let id = wd.resources()[0]["values"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let away = format!("{}/x/{id}", elsewhere.url());
    api.set_faults(Faults {
        scripted: vec![answer(
            "GET",
            &format!("/x/{id}"),
            307,
            &[("Location", &away)],
            "",
        )],
        ..Default::default()
    });
    let run = plan(&wd);
    assert_eq!(run.code(), 1);
    no_crash(&run);
    assert!(run.stderr_flat().contains("not followed"), "{}", run.stderr);
    assert_eq!(
        elsewhere.counters().total(),
        0,
        "nothing reached the other origin"
    );
    assert_eq!(wd.resources().len(), 1, "still tracked");
}

#[test]
fn a_write_redirected_within_the_origin_is_not_turned_into_a_get() {
    let api = Running::start();
    let wd = Workdir::new(&format!("{}{ONE}", provider(&api, "")));
    for status in [301, 302] {
        api.set_faults(Faults {
            scripted: vec![answer("POST", "/x", status, &[("Location", "/y")], "")],
            ..Default::default()
        });
        let run = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert_eq!(run.code(), 1);
        no_crash(&run);
        let err = run.stderr_flat();
        assert!(
            err.contains(&format!("answered {status}")) && err.contains("become a GET"),
            "{err}"
        );
        assert!(!err.contains("probably created"), "{err}");
        assert_eq!(api.counters().method("GET"), 0, "no GET was sent instead");
    }
}

#[test]
fn answers_that_are_not_objects_are_named_and_lose_nothing() {
    let api = Running::start();
    let wd = Workdir::new(&format!("{}{ONE}", provider(&api, "")));
    apply(&wd, 1).expect_code(0);
    let id = wd.resources()[0]["values"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A read answered with an array of several objects (an array of one
    // is that object, as row-filter APIs answer).
    api.set_faults(Faults {
        scripted: vec![answer(
            "GET",
            &format!("/x/{id}"),
            200,
            &[],
            r#"[{"name": "a"}, {"name": "b"}]"#,
        )],
        ..Default::default()
    });
    let run = plan(&wd);
    assert_eq!(run.code(), 1);
    no_crash(&run);
    assert!(
        run.stderr_flat().contains("JSON array of 2"),
        "{}",
        run.stderr
    );
    assert_eq!(api.counters().method("PUT"), 0, "no update was sent");

    // Creates answered with HTML, nothing, or broken JSON, after acting.
    for (body, kind, says) in [
        ("<html><body>Created</body></html>", "text/html", "not JSON"),
        ("", "application/json", "empty body"),
        ("{\"id\": ", "application/json", "not JSON"),
    ] {
        let api = Running::start();
        api.set_faults(Faults {
            scripted: vec![Scripted {
                act: true,
                ..answer("POST", "/x", 201, &[("Content-Type", kind)], body)
            }],
            ..Default::default()
        });
        let wd = Workdir::new(&format!("{}{ONE}", provider(&api, "")));
        let run = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert_eq!(run.code(), 1);
        no_crash(&run);
        let err = run.stderr_flat();
        assert!(
            err.contains(says) && err.contains("may have been created"),
            "{kind}: {err}"
        );
        assert_eq!(
            wd.resources().len(),
            1,
            "the object it made is kept in state"
        );
    }
}

/// Starts the provider in debug mode, for reading its memory afterwards.
fn debug_provider() -> (std::process::Child, String) {
    let mut child = Command::new(provider_binary())
        .arg("--debug")
        .env("TF_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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
        .expect("reattach line");
    (child, reattach)
}

/// Peak resident memory of a process, in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

#[test]
fn huge_answers_are_refused_in_bounded_memory() {
    let api = Running::start();
    let (child, reattach) = debug_provider();
    let wd = Workdir::new(&format!("{}{ONE}", provider(&api, "")));
    let mut cmd = wd.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    cmd.env("TF_REATTACH_PROVIDERS", &reattach);
    wd.run_command(cmd).expect_code(0);
    let id = wd.resources()[0]["values"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/x/{id}");
    for (size, length) in [(50u64 << 20, true), (200 << 20, false)] {
        let mut scripted = Scripted {
            body_bytes: size,
            ..answer(
                "GET",
                &path,
                200,
                &[("Content-Type", "application/json")],
                "",
            )
        };
        if length {
            // Announced up front, or only found out while reading.
            scripted
                .headers
                .push(("Content-Length".into(), (size + 2).to_string()));
        }
        api.set_faults(Faults {
            scripted: vec![scripted],
            ..Default::default()
        });
        let mut cmd = wd.command(&["plan", "-input=false", "-no-color"]);
        cmd.env("TF_REATTACH_PROVIDERS", &reattach);
        let run = wd.run_command(cmd);
        assert_eq!(run.code(), 1);
        no_crash(&run);
        assert!(
            run.stderr_flat().contains("max_response_bytes"),
            "{}",
            run.stderr
        );
    }
    let peak = peak_rss_mib(child.id());
    crate::harness::interrupt(child.id());
    let _ = wait_bounded(child, Duration::from_secs(20), "debug provider");
    assert!(
        peak < 64,
        "provider peak RSS {peak} MiB with a 200 MiB answer"
    );
    assert!(PROVIDER.contains("driver"));
}

#[test]
fn a_ca_certificate_used_as_the_server_certificate_is_explained() {
    let api = Running::start_tls_mode(TlsMode::SelfSignedCa);
    let m = api.tls.clone().unwrap();
    let pem = m.ca_cert_pem.trim_end();
    let wd = Workdir::new(&format!(
        "{}{ONE}",
        provider(
            &api,
            &format!("  tls {{\n    ca_cert_pem = <<-EOT\n{pem}\n    EOT\n  }}")
        )
    ));
    let run = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(run.code(), 1);
    no_crash(&run);
    let err = run.stderr_flat();
    assert!(err.contains("CA:TRUE"), "{err}");
    assert!(
        !err.contains("set tls.ca_cert_pem in the provider block"),
        "it is set: {err}"
    );
}

#[test]
fn odd_values_apply_and_then_plan_clean() {
    let api = Running::start();
    api.set_faults(Faults {
        exact_numbers: true,
        ..Default::default()
    });
    let deep = (0..60).fold("\"bottom\"".to_owned(), |inner, _| {
        format!("{{ d = {inner} }}")
    });
    let wd = Workdir::new(&format!(
        r#"{}
resource "driver_http_object" "odd" {{
  path = "/odd"
  body = {{
    big      = 18446744073709551617
    neg_zero = -0
    tiny     = 1e-7
    e23      = 1e23
    e30      = 1e30
    e300     = 1e300
    em300    = 1e-300
    control  = "nul:\u0000 bell:\u0007 tab:\t nl:\n"
    keys     = {{ "a/b" = 1, "m~n" = 2, "x.y" = 3, "with space" = 4, "" = 5 }}
    deep     = {deep}
    many     = flatten([for i in range(10) : [for j in range(1000) : i * 1000 + j]])
    long     = join("", [for i in range(1024) : join("", [for j in range(16) : "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"])])
  }}
}}
"#,
        provider(&api, "")
    ));
    let run = apply(&wd, 1);
    no_crash(&run);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    let run = plan(&wd);
    no_crash(&run);
    assert_eq!(run.code(), 0, "no perpetual diff: {}", run.stdout);
}
