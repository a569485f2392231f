//! How the HTTP driver classifies failures for the engine: statuses by
//! their meaning in RFC 9110/6585 and the configured retry list, transport
//! failures by their type (connect, TLS, reset), never by their text.

use std::time::Duration;

use super::super::{Class, DriverError, ErrorKind, Health, TlsProblem};

/// Statuses retried by default: 408, 429, and the server errors that are
/// usually passing. 500 is retried too, but (like every 5xx) only for
/// requests that are safe to repeat, since the server may have acted.
pub const DEFAULT_RETRY_ON_STATUS: [u16; 6] = [408, 429, 500, 502, 503, 504];

/// The class of a failure status.
pub fn status_class(
    status: u16,
    retry_on: &[u16],
    retry_after: Option<Duration>,
    pace: Option<Duration>,
) -> Class {
    let server_error = status >= 500;
    // 501 (the method is not implemented) and 505 (nor the HTTP version)
    // say what the server cannot do, so it did nothing.
    let cannot = matches!(status, 501 | 505);
    Class {
        transient: retry_on.contains(&status),
        // A 4xx is a refusal: the request was not processed (RFC 6585
        // says so of 429 explicitly). A 5xx may come after the server
        // acted.
        maybe_applied: server_error && !cannot,
        // A 429, or a 503 that says when to come back: the server is
        // shedding load, and every request should slow down.
        throttled: status == 429 || (status == 503 && retry_after.is_some()),
        retry_after,
        pace,
        health: if server_error && !cannot {
            Health::Unhealthy
        } else {
            Health::Healthy
        },
    }
}

/// What kind of transport failure `e` is, from the types in its chain.
pub fn transport_error(e: reqwest::Error, https: bool) -> DriverError {
    // A failed connect never reached the server; anything later may have.
    let connect = e.is_connect();
    let timeout = e.is_timeout();
    if e.is_builder() {
        // The request could not even be built (a URL no client accepts):
        // nothing was sent, and sending again cannot help.
        return DriverError::invalid(format!(
            "the request cannot be sent: {}",
            chain_text(&e.without_url())
        ));
    }
    // Without the URL: its query may hold an API key.
    let e = e.without_url();
    let message = chain_text(&e);
    let mut tls = None;
    let mut closed = false;
    let mut invalid_data = false;
    walk(&e, &mut |err| {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            tls = Some(tls_problem(t));
        }
        if let Some(h) = err.downcast_ref::<hyper::Error>()
            && (h.is_incomplete_message() || h.is_closed() || h.is_canceled())
        {
            closed = true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::BrokenPipe | K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof => {
                    closed = true
                }
                K::InvalidData => invalid_data = true,
                _ => {}
            }
        }
    });
    if tls.is_none() && https && invalid_data {
        // The TLS layer reports some failures (a fatal alert from the
        // server) only as invalid data. After a completed handshake, with
        // TLS 1.3, that is the server refusing our client certificate.
        tls = Some(if connect {
            TlsProblem::Other
        } else {
            TlsProblem::ClientCertificateRefused
        });
    }
    if let Some(problem) = tls {
        // A certificate the client does not trust, or a refused client
        // certificate: retrying cannot fix it.
        return DriverError::new(
            ErrorKind::Tls(problem),
            format!("TLS handshake failed: {message}"),
        );
    }
    if connect {
        return DriverError::new(ErrorKind::Unreachable, message);
    }
    if https && closed && !timeout {
        // With TLS 1.3 a server that refuses the client certificate accepts
        // the handshake and then closes the connection.
        return DriverError::new(ErrorKind::TlsClosed, message);
    }
    DriverError::new(ErrorKind::Interrupted, message)
}

/// What a rustls error says went wrong.
fn tls_problem(e: &rustls::Error) -> TlsProblem {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    match e {
        E::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => TlsProblem::UntrustedServer,
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            TlsProblem::WrongName
        }
        E::InvalidCertificate(C::Other(other))
            if matches!(
                other.0.downcast_ref::<webpki::Error>(),
                Some(webpki::Error::CaUsedAsEndEntity)
            ) =>
        {
            TlsProblem::CaAsServerCertificate
        }
        E::AlertReceived(
            A::CertificateRequired | A::BadCertificate | A::UnknownCA | A::AccessDenied,
        ) => TlsProblem::ClientCertificateRefused,
        _ => TlsProblem::Other,
    }
}

/// Calls `f` on every error in the chain, including errors wrapped inside
/// `io::Error`s (whose `source` skips them).
fn walk(
    e: &(dyn std::error::Error + 'static),
    f: &mut dyn FnMut(&(dyn std::error::Error + 'static)),
) {
    let mut next = Some(e);
    let mut depth = 0;
    // Chains are short; a cyclic one must not loop.
    while let Some(err) = next
        && depth < 16
    {
        f(err);
        depth += 1;
        next = match err.downcast_ref::<std::io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                None => err.source(),
            },
            None => err.source(),
        };
    }
}

/// reqwest's own text is terse ("error sending request"); the chain says why.
fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    let mut depth = 0;
    while let Some(s) = source {
        let text = s.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
        depth += 1;
        if depth >= 16 {
            break;
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_mean_what_the_rfcs_say() {
        let l = DEFAULT_RETRY_ON_STATUS;
        for definite in [405, 501, 505] {
            let c = status_class(definite, &l, None, None);
            assert!(!c.maybe_applied && !c.transient, "{definite}");
            assert_eq!(c.health, Health::Healthy, "{definite}");
        }
        let c = status_class(429, &l, Some(Duration::from_secs(2)), None);
        assert!(c.transient && c.throttled && !c.maybe_applied);
        assert_eq!(c.health, Health::Healthy);
        let c = status_class(503, &l, None, None);
        assert!(c.transient && !c.throttled && c.maybe_applied);
        assert_eq!(c.health, Health::Unhealthy);
        assert!(status_class(503, &l, Some(Duration::ZERO), None).throttled);
        let c = status_class(500, &l, None, None);
        assert!(
            c.transient && c.maybe_applied,
            "500 is retried, for safe requests"
        );
        let c = status_class(400, &l, None, None);
        assert!(!c.transient && !c.maybe_applied);
        assert!(!status_class(500, &[429], None, None).transient);
    }
}
