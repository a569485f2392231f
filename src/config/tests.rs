use std::time::Duration;

use super::*;
use crate::{Severity, Type};
use protocol::codec::decode_json;

/// A provider block from JSON; absent attributes and blocks are null.
fn block(json: &str) -> Value {
    let ty = provider_schema().block.value_type();
    decode_json(&serde_json::from_str(json).unwrap(), &ty).unwrap()
}

fn errors(json: &str) -> Vec<(String, String, String)> {
    let (_, diags) = ProviderConfig::parse(&block(json), None);
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            (
                d.attribute.clone().unwrap_or_default().to_string(),
                d.summary.clone(),
                d.detail.clone(),
            )
        })
        .collect()
}

#[test]
fn empty_block_gets_documented_defaults() {
    let (c, diags) = ProviderConfig::parse(&block("{}"), None);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(c.endpoint, None);
    assert_eq!(c.request_timeout, Duration::from_secs(30));
    assert_eq!(c.retry.max_attempts, 5);
    assert_eq!(c.retry_on_status, [408, 429, 500, 502, 503, 504]);
    assert!(
        c.rate_limit.adaptive,
        "paces by the API's signals by default"
    );
    assert_eq!(c.max_response_bytes, 16 << 20);
    assert!(!c.retry.retry_non_idempotent);
    assert_eq!(c.circuit_breaker.failure_threshold, 10);
    assert!(!c.tls.insecure_skip_verify);
    assert_eq!(c.rate_limit.burst, 1, "evenly spaced by default");
}

#[test]
fn full_block_parses() {
    let (c, diags) = ProviderConfig::parse(
        &block(
            r#"{"endpoint":"https://api.example.com/v1","headers":{"X-Team":"sre"},
                "request_timeout":"10s","audit_log":"/tmp/audit.jsonl",
                "auth":{"api_key":{"name":"X-Key","value":"k","in":"query"}},
                "rate_limit":{"requests_per_second":50,"burst":10,"max_in_flight":8,"adaptive":true},
                "retry":{"max_attempts":3,"min_backoff":"100ms","max_backoff":"5s","max_retry_after":"1m",
                         "retry_on_status":[429,503],"retry_non_idempotent":true},
                "circuit_breaker":{"failure_threshold":4,"open_for":"1m"}}"#,
        ),
        None,
    );
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(c.endpoint.unwrap().as_str(), "https://api.example.com/v1");
    assert_eq!(c.headers["X-Team"], "sre");
    assert_eq!(c.request_timeout, Duration::from_secs(10));
    assert_eq!(
        c.auth,
        Some(Auth::ApiKey {
            name: "X-Key".into(),
            value: Secret::new("k"),
            location: ApiKeyLocation::Query
        })
    );
    assert_eq!(c.rate_limit.requests_per_second, Some(50.0));
    assert_eq!(c.rate_limit.burst, 10);
    assert!(c.rate_limit.adaptive);
    assert_eq!(c.retry_on_status, [429, 503]);
    assert_eq!(c.circuit_breaker.open_for, Duration::from_secs(60));
}

#[test]
fn endpoint_falls_back_to_environment() {
    let (c, d) = ProviderConfig::parse(&block("{}"), Some("http://127.0.0.1:8080"));
    assert!(d.is_empty());
    assert_eq!(c.endpoint.unwrap().as_str(), "http://127.0.0.1:8080/");
    let (_, d) = ProviderConfig::parse(&block("{}"), Some("localhost:8080"));
    let d: Vec<_> = d.into_iter().collect();
    assert!(d[0].detail.contains("DRIVER_ENDPOINT"), "{d:?}");
    let (_, d) = ProviderConfig::parse(&block("{}"), Some("http://127.0.0.1/v1?k=1"));
    let d: Vec<_> = d.into_iter().collect();
    assert!(d[0].detail.contains("auth.api_key"), "{d:?}");
}

#[test]
fn every_bad_value_names_its_attribute() {
    let cases = [
        (
            r#"{"endpoint":"api.example.com"}"#,
            "endpoint",
            "Invalid URL",
        ),
        (r#"{"endpoint":"ftp://x"}"#, "endpoint", "Invalid URL"),
        (
            r#"{"endpoint":"https://x/v1?key=1"}"#,
            "endpoint",
            "Invalid URL",
        ),
        (
            r#"{"endpoint":"https://x/v1#top"}"#,
            "endpoint",
            "Invalid URL",
        ),
        (
            r#"{"request_timeout":"soon"}"#,
            "request_timeout",
            "Invalid request_timeout",
        ),
        (
            r#"{"request_timeout":"0s"}"#,
            "request_timeout",
            "Invalid request_timeout",
        ),
        (
            r#"{"headers":{"Bad Header":"x"}}"#,
            r#"headers["Bad Header"]"#,
            "Invalid header name",
        ),
        (
            r#"{"retry":{"max_attempts":0}}"#,
            "retry.max_attempts",
            "Invalid max_attempts",
        ),
        (
            r#"{"retry":{"max_attempts":2.5}}"#,
            "retry.max_attempts",
            "Invalid max_attempts",
        ),
        (
            r#"{"retry":{"retry_on_status":[429,42]}}"#,
            "retry.retry_on_status[1]",
            "Invalid HTTP status",
        ),
        (
            r#"{"retry":{"min_backoff":"1m","max_backoff":"1s"}}"#,
            "retry.min_backoff",
            "min_backoff is longer than max_backoff",
        ),
        (
            r#"{"rate_limit":{"requests_per_second":0}}"#,
            "rate_limit.requests_per_second",
            "Invalid requests_per_second",
        ),
        (
            r#"{"rate_limit":{"burst":5}}"#,
            "rate_limit.burst",
            "burst without requests_per_second",
        ),
        (
            r#"{"circuit_breaker":{"open_for":"forever"}}"#,
            "circuit_breaker.open_for",
            "Invalid open_for",
        ),
        (
            r#"{"auth":{"bearer_token":"t","basic":{"username":"u","password":"p"}}}"#,
            "auth",
            "Conflicting authentication methods",
        ),
        (
            r#"{"auth":{"api_key":{"name":"k","value":"v","in":"cookie"}}}"#,
            "auth.api_key.in",
            "Invalid api_key location",
        ),
        (
            r#"{"auth":{"oauth2_client_credentials":{"token_url":"nope","client_id":"c","client_secret":"s"}}}"#,
            "auth.oauth2_client_credentials.token_url",
            "Invalid URL",
        ),
        (
            r#"{"tls":{"ca_cert_pem":"/etc/ssl/ca.pem"}}"#,
            "tls.ca_cert_pem",
            "Invalid PEM certificate",
        ),
        (
            r#"{"tls":{"client_key_pem":"junk"}}"#,
            "tls.client_key_pem",
            "Invalid PEM private key",
        ),
        (r#"{"audit_log":" "}"#, "audit_log", "Invalid audit_log"),
    ];
    for (json, path, summary) in cases {
        let errs = errors(json);
        assert!(
            errs.iter()
                .any(|(p, s, detail)| p == path && s == summary && !detail.is_empty()),
            "{json}: expected {summary:?} at {path}, got {errs:?}"
        );
    }
}

#[test]
fn client_cert_without_key_points_at_the_missing_half() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()])
        .unwrap()
        .cert
        .pem();
    let json = serde_json::json!({"tls": {"client_cert_pem": cert}}).to_string();
    let errs = errors(&json);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "tls.client_key_pem");
}

#[test]
fn unknown_values_are_not_errors() {
    let ty = provider_schema().block.value_type();
    let Type::Object(attrs) = &ty else { panic!() };
    let mut v = decode_json(&serde_json::json!({}), &ty).unwrap();
    if let Value::Object(m) = &mut v {
        for name in ["endpoint", "request_timeout", "headers"] {
            m.insert(name.into(), Value::Unknown(attrs[name].clone()));
        }
    }
    let (_, d) = ProviderConfig::parse(&v, Some("not a url"));
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn secrets_do_not_print() {
    let s = Secret::new("hunter2");
    assert!(!format!("{s:?}").contains("hunter2"));
    let a = Auth::Basic {
        username: "u".into(),
        password: s,
    };
    assert!(!format!("{a:?}").contains("hunter2"));
}

#[test]
fn credential_headers_count_as_secrets() {
    let (c, _) = ProviderConfig::parse(
        &block(
            r#"{"headers":{"Authorization":"Bearer abc123","X-Team":"sre","X-Api-Key":"k3y-value"}}"#,
        ),
        None,
    );
    let secrets = c.secrets();
    assert!(
        secrets.contains(&"Bearer abc123".to_owned()) && secrets.contains(&"k3y-value".to_owned())
    );
    assert!(!secrets.contains(&"sre".to_owned()));
}

#[test]
fn exposure_is_warned_about_except_on_this_machine() {
    let warnings = |hcl: &str| {
        let (c, d) = ProviderConfig::parse(&block(hcl), None);
        assert!(!d.has_error(), "{d:?}");
        let mut w = Diagnostics::new();
        c.warn_about_exposure(&mut w);
        w.iter().map(|d| d.summary.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        warnings(r#"{"endpoint":"http://api.example.com","auth":{"bearer_token":"t0ken"}}"#),
        ["Credentials sent without TLS"]
    );
    assert!(
        warnings(r#"{"endpoint":"http://127.0.0.1:8080","auth":{"bearer_token":"t0ken"}}"#)
            .is_empty()
    );
    assert!(
        warnings(r#"{"endpoint":"http://localhost:8080","headers":{"X-API-Key":"k3y"}}"#)
            .is_empty()
    );
    assert!(
        warnings(r#"{"endpoint":"https://api.example.com","auth":{"bearer_token":"t0ken"}}"#)
            .is_empty()
    );
    assert!(
        warnings(r#"{"endpoint":"http://api.example.com"}"#).is_empty(),
        "no credentials"
    );
    assert_eq!(
        warnings(r#"{"endpoint":"https://api.example.com","tls":{"insecure_skip_verify":true}}"#),
        ["TLS certificates are not verified"]
    );
}

#[test]
fn shared_budget_and_metrics_push_parse() {
    let (c, diags) = ProviderConfig::parse(
        &block(
            r#"{"rate_limit":{"requests_per_second":40,"burst":10,
                  "shared":{"redis_url":"redis://ci:pw-123@127.0.0.1:6379/2","key":"github-api"}},
                "metrics_push":{"url":"http://127.0.0.1:9091","grouping":{"instance":"ci/42"}}}"#,
        ),
        None,
    );
    assert!(diags.is_empty(), "{diags:?}");
    let shared = c.shared_budget.clone().unwrap();
    assert_eq!(shared.key, "github-api");
    assert_eq!(
        shared.on_unavailable,
        engine::shared_budget::Unavailable::Fail,
        "fails closed by default"
    );
    assert!(
        c.secrets().iter().any(|s| s == "pw-123"),
        "the Redis password is masked"
    );
    let push = c.metrics_push.unwrap();
    assert_eq!(push.job, "terraform");
    assert_eq!(push.grouping, [("instance".into(), "ci/42".into())]);
    assert_eq!(push.timeout, Duration::from_secs(1));
}

#[test]
fn bad_fleet_settings_name_their_attribute_and_hide_the_password() {
    let cases = [
        (
            r#"{"rate_limit":{"shared":{"redis_url":"redis://127.0.0.1","key":"k"}}}"#,
            "rate_limit.requests_per_second",
            "A shared budget needs requests_per_second",
        ),
        (
            r#"{"rate_limit":{"requests_per_second":5,"shared":{"redis_url":"http://u:pw-123@h","key":"k"}}}"#,
            "rate_limit.shared.redis_url",
            "Invalid redis_url",
        ),
        (
            r#"{"rate_limit":{"requests_per_second":5,"shared":{"redis_url":"redis://h","key":""}}}"#,
            "rate_limit.shared.key",
            "Invalid key",
        ),
        (
            r#"{"rate_limit":{"requests_per_second":5,"shared":{"redis_url":"redis://h","key":"k","on_unavailable":"open"}}}"#,
            "rate_limit.shared.on_unavailable",
            "Invalid on_unavailable",
        ),
        (
            r#"{"rate_limit":{"requests_per_second":0.00001,"shared":{"redis_url":"redis://h","key":"k"}}}"#,
            "rate_limit.requests_per_second",
            "Rate out of range for a shared budget",
        ),
        (
            r#"{"metrics_push":{"url":"https://u:pw-123@"}}"#,
            "metrics_push.url",
            "Invalid URL",
        ),
        (
            r#"{"metrics_push":{"url":"pushgateway:9091"}}"#,
            "metrics_push.url",
            "Invalid URL",
        ),
        (
            r#"{"metrics_push":{"url":"http://h:9091","grouping":{"job":"x"}}}"#,
            r#"metrics_push.grouping["job"]"#,
            "Invalid grouping label",
        ),
        (
            r#"{"metrics_push":{"url":"http://h:9091","timeout":"5m"}}"#,
            "metrics_push.timeout",
            "Invalid timeout",
        ),
    ];
    for (json, path, summary) in cases {
        let errs = errors(json);
        assert!(
            errs.iter().any(|(p, s, _)| p == path && s == summary),
            "{json}: expected {summary} at {path}, got {errs:?}"
        );
        assert!(
            errs.iter().all(|(_, _, d)| !d.contains("pw-123")),
            "{errs:?}"
        );
    }
}
