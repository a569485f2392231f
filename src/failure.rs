//! The one place where an engine error becomes a diagnostic: what the
//! target said or what went wrong, plus what the user can do about it,
//! chosen by the failure's type (never by its text). Every message passes
//! through the redactor.

use crate::Diagnostics;
use crate::runtime::Runtime;
use drivers::{ErrorKind, TlsProblem};
use engine::{EngineError, Stop};

/// Adds an error diagnostic for `e`, which happened while `target` (such
/// as `POST https://api/flags`) was being done.
pub fn report(rt: &Runtime, diags: &mut Diagnostics, summary: &str, target: &str, e: &EngineError) {
    report_with(rt, diags, summary, target, e, "");
}

/// [`report`], with `advice` of the caller's own after the explanation.
pub fn report_with(
    rt: &Runtime,
    diags: &mut Diagnostics,
    summary: &str,
    target: &str,
    e: &EngineError,
    advice: &str,
) {
    let mut detail = explain(rt, target, e);
    if !advice.is_empty() {
        detail.push(' ');
        detail.push_str(advice);
    }
    // The API may echo a credential back; it never reaches a diagnostic.
    diags.error(summary, rt.scrub(&detail));
}

/// What went wrong with `target` and what to do, as one text (secrets not
/// yet masked).
pub fn explain(rt: &Runtime, target: &str, e: &EngineError) -> String {
    if let Some(last) = &e.last {
        match &last.kind {
            // A refusal with the API's own words (a 4xx; 429 is throttling).
            ErrorKind::Answered { code, detail }
                if e.stop == Stop::Failed
                    && (400..500).contains(code)
                    && *code != 429
                    && !detail.is_empty() =>
            {
                return format!("{target} answered {code}. The API says: {detail}");
            }
            ErrorKind::Tls(problem) => return format!("{target}: {e}. {}", tls_hint(rt, *problem)),
            ErrorKind::TlsClosed => {
                return format!(
                    "{target}: {e}. The API closed the TLS connection; if it requires a client \
                     certificate (mutual TLS), set tls.client_cert_pem and tls.client_key_pem in \
                     the provider block."
                );
            }
            ErrorKind::TooLarge => {
                return format!(
                    "{target}: {e}. Raise max_response_bytes in the provider block if answers \
                     this large are expected."
                );
            }
            _ => {}
        }
    }
    match &e.stop {
        Stop::BreakerOpen(_) => format!(
            "{target}: {e}. The API kept failing, so the provider stopped sending requests to it \
             for now; check the API's health and run again (circuit_breaker in the provider block \
             tunes this)."
        ),
        Stop::Deadline { .. } => {
            format!("{target}: {e}. Raise the resource's timeouts if the API needs longer.")
        }
        Stop::RetryAfterTooLong(_) => format!(
            "{target}: {e}. Raise retry.max_retry_after in the provider block to wait that long."
        ),
        Stop::NotIdempotent if e.attempts <= 1 => format!(
            "{target}: {e}. Set retry.retry_non_idempotent in the provider block to retry such \
             requests anyway."
        ),
        Stop::SharedBudgetUnavailable { .. } => format!(
            "{target}: {e}. Start the store again and re-run, or set \
             rate_limit.shared.on_unavailable = \"local\" to go on under the local limits when it \
             is down."
        ),
        _ => format!("{target}: {e}"),
    }
}

fn tls_hint(rt: &Runtime, problem: TlsProblem) -> &'static str {
    let ca_set = rt.tls_ca_configured();
    match problem {
        TlsProblem::UntrustedServer if ca_set => {
            "The server's certificate is not signed by the certificate in tls.ca_cert_pem: check \
             that it holds the CA that issued the server's certificate (or its whole chain)."
        }
        TlsProblem::UntrustedServer => {
            "If the API uses a private CA, set tls.ca_cert_pem in the provider block to its \
             certificate; if it requires a client certificate, set tls.client_cert_pem and \
             tls.client_key_pem."
        }
        TlsProblem::CaAsServerCertificate => {
            "The server presents a CA certificate (basic constraints CA:TRUE) as its own, which \
             TLS verification refuses even when that CA is trusted. Give the server a certificate \
             issued by that CA (CA:FALSE) and keep the CA in tls.ca_cert_pem; for a throwaway \
             test setup only, tls.insecure_skip_verify skips verification."
        }
        TlsProblem::WrongName => {
            "The server's certificate is not for the endpoint's host name: use the name the \
             certificate was issued for in endpoint, or reissue the certificate."
        }
        TlsProblem::ClientCertificateRefused => {
            "The API refused the client certificate, or wanted one: set tls.client_cert_pem and \
             tls.client_key_pem in the provider block to a certificate the API trusts."
        }
        TlsProblem::Other => {
            "Check the provider's tls settings (ca_cert_pem, client_cert_pem, client_key_pem)."
        }
    }
}
