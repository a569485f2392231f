//! HTTPS to the demo API: a private CA, mutual TLS, and the diagnostics
//! when either is missing.

use demo_api::Running;

use crate::harness::Workdir;

/// One object through a provider block with `tls_block`.
fn apply(api: &Running, tls_block: &str) -> crate::harness::Run {
    let wd = Workdir::new(&format!(
        "provider \"driver\" {{\n  endpoint = \"{}\"\n{tls_block}\n}}\nresource \"driver_http_object\" \"x\" {{\n  path = \"/x\"\n  body = {{ a = 1 }}\n}}\n",
        api.url()
    ));
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
}

fn heredoc(name: &str, pem: &str) -> String {
    format!("    {name} = <<-EOT\n{pem}    EOT\n")
}

#[test]
fn a_private_ca_is_trusted_when_configured() {
    let api = Running::start_tls(false);
    let m = api.tls.clone().unwrap();
    let run = apply(
        &api,
        &format!("  tls {{\n{}  }}", heredoc("ca_cert_pem", &m.ca_cert_pem)),
    );
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_eq!(api.list("/x").len(), 1);
}

#[test]
fn an_untrusted_certificate_fails_once_with_a_clear_diagnostic() {
    let api = Running::start_tls(false);
    let run = apply(&api, "");
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("TLS handshake failed") && err.contains("tls.ca_cert_pem"),
        "{err}"
    );
    assert!(
        !err.contains("attempts"),
        "a certificate problem is not retried: {err}"
    );
    assert_eq!(api.counters().total(), 0);
}

#[test]
fn insecure_skip_verify_accepts_any_certificate() {
    let api = Running::start_tls(false);
    let run = apply(&api, "  tls {\n    insecure_skip_verify = true\n  }");
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
}

#[test]
fn mutual_tls_with_a_client_certificate() {
    let api = Running::start_tls(true);
    let m = api.tls.clone().unwrap();
    let with_cert = format!(
        "  tls {{\n{}{}{}  }}",
        heredoc("ca_cert_pem", &m.ca_cert_pem),
        heredoc("client_cert_pem", &m.client_cert_pem),
        heredoc("client_key_pem", &m.client_key_pem)
    );
    let run = apply(&api, &with_cert);
    assert_eq!(run.code(), 0, "{}", run.stderr_flat());
    assert_eq!(api.list("/x").len(), 1);

    // Without the client certificate the server refuses the handshake.
    let run = apply(
        &api,
        &format!("  tls {{\n{}  }}", heredoc("ca_cert_pem", &m.ca_cert_pem)),
    );
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(err.contains("tls.client_cert_pem"), "{err}");
    assert!(
        !err.contains(m.client_key_pem.lines().nth(1).unwrap()),
        "the key never appears in output"
    );
}
