//! What ConfigureProvider builds for the resources: the engine around each
//! driver, ready to run requests.

use tokio_util::sync::CancellationToken;

use super::config::{ApiKeyLocation, Auth, ProviderConfig};
use super::{AttributePath, Diagnostics};
use crate::drivers::exec::ExecDriver;
use crate::drivers::http::{HttpAuth, HttpConfig, HttpDriver, HttpTls, Sensitive};

/// Longest one command may run when its resource sets no timeout.
const EXEC_ATTEMPT_LIMIT: std::time::Duration = std::time::Duration::from_secs(3600);
use std::sync::Arc;

use super::http_client::{HttpClient, OAuth2};
use crate::engine::audit::AuditLog;
use crate::engine::redact::Redactor;
use crate::engine::{Engine, EngineConfig, Observers, StatsSnapshot};

/// The configured provider's working parts.
#[derive(Debug)]
pub struct Runtime {
    http: Option<HttpClient>,
    exec: Engine<ExecDriver>,
    /// Cancelled by StopProvider.
    pub stop: CancellationToken,
    observers: Observers,
    metrics_file: Option<std::path::PathBuf>,
}

impl Runtime {
    /// Builds the runtime from a validated configuration.
    pub fn build(config: &ProviderConfig, stop: CancellationToken) -> Result<Runtime, Diagnostics> {
        let mut diags = Diagnostics::new();
        let redactor = Redactor::new(config.secrets());
        let audit = match &config.audit_log {
            None => None,
            Some(path) => match AuditLog::open(path, redactor.clone()) {
                Ok(log) => Some(Arc::new(log)),
                Err(e) => {
                    diags.attribute_error(
                        AttributePath::root("audit_log"),
                        "Cannot open the audit log",
                        format!(
                            "{}: {e}. Check that the directory exists and is writable.",
                            path.display()
                        ),
                    );
                    return Err(diags);
                }
            },
        };
        let observers = Observers {
            audit,
            metrics: Arc::default(),
            redactor,
        };
        let http = match &config.endpoint {
            None => None,
            Some(base_url) => {
                let auth = match &config.auth {
                    None => HttpAuth::None,
                    Some(Auth::Bearer(t)) => HttpAuth::Bearer(Sensitive(t.expose().to_owned())),
                    Some(Auth::Basic { username, password }) => HttpAuth::Basic {
                        username: username.clone(),
                        password: Sensitive(password.expose().to_owned()),
                    },
                    Some(Auth::ApiKey {
                        name,
                        value,
                        location,
                    }) => {
                        let value = Sensitive(value.expose().to_owned());
                        match location {
                            ApiKeyLocation::Header => HttpAuth::HeaderKey {
                                name: name.clone(),
                                value,
                            },
                            ApiKeyLocation::Query => HttpAuth::QueryKey {
                                name: name.clone(),
                                value,
                            },
                        }
                    }
                    // Tokens are added per request by the HttpClient.
                    Some(Auth::OAuth2ClientCredentials { .. }) => HttpAuth::None,
                };
                let oauth = match &config.auth {
                    Some(Auth::OAuth2ClientCredentials {
                        token_url,
                        client_id,
                        client_secret,
                        scopes,
                    }) => Some(OAuth2::new(
                        token_url.clone(),
                        client_id.clone(),
                        Sensitive(client_secret.expose().to_owned()),
                        scopes.clone(),
                    )),
                    _ => None,
                };
                let tls = HttpTls {
                    ca_cert_pem: config.tls.ca_cert_pem.clone(),
                    client_identity_pem: match (
                        &config.tls.client_cert_pem,
                        &config.tls.client_key_pem,
                    ) {
                        (Some(c), Some(k)) => Some(Sensitive(format!("{c}\n{}", k.expose()))),
                        _ => None,
                    },
                    insecure_skip_verify: config.tls.insecure_skip_verify,
                };
                let http = HttpConfig {
                    base_url: base_url.clone(),
                    headers: config.headers.clone().into_iter().collect(),
                    auth,
                    tls,
                };
                match HttpDriver::new(http) {
                    Ok(d) => Some(HttpClient::new(
                        Engine::new(d, engine_config(config), observers.clone()),
                        oauth,
                    )),
                    Err(e) => {
                        diags.attribute_error(
                            AttributePath::root("tls"),
                            "Unusable TLS settings",
                            e.to_string(),
                        );
                        return Err(diags);
                    }
                }
            }
        };
        // Commands share the limits; each attempt may run long (the
        // resource's timeouts bound the operation).
        let exec = Engine::new(
            ExecDriver,
            EngineConfig {
                request_timeout: EXEC_ATTEMPT_LIMIT,
                ..engine_config(config)
            },
            observers.clone(),
        );
        Ok(Runtime {
            http,
            exec,
            stop,
            observers,
            metrics_file: config.metrics_file.clone(),
        })
    }

    /// Where engines report (audit, metrics, redaction).
    pub fn observers(&self) -> &Observers {
        &self.observers
    }

    /// Masks every known secret in text bound for a diagnostic.
    pub fn scrub(&self, text: &str) -> String {
        self.observers.redactor.scrub(text)
    }

    /// Records drift found on refresh in the audit log.
    pub fn audit_drift(
        &self,
        resource_type: &str,
        object_id: &str,
        mode: &str,
        pointers: &[String],
    ) {
        if let (Some(audit), false) = (&self.observers.audit, pointers.is_empty()) {
            let mut r = serde_json::Map::new();
            r.insert("event".into(), "drift".into());
            r.insert("resource_type".into(), resource_type.into());
            r.insert("object_id".into(), object_id.into());
            r.insert("mode".into(), mode.into());
            r.insert("drifted".into(), pointers.into());
            audit.write(r);
        }
    }

    /// What all engines did so far in this process.
    pub fn stats(&self) -> StatsSnapshot {
        let mut s = self.exec.stats();
        if let Some(h) = &self.http {
            let h = h.engine().stats();
            s.attempts += h.attempts;
            s.retries += h.retries;
            s.throttled += h.throttled;
            s.waited += h.waited;
        }
        s
    }

    /// End of the process: writes the metrics file if anything was done.
    pub fn finish(&self) {
        let Some(path) = &self.metrics_file else {
            return;
        };
        if self.stats().attempts == 0 {
            // A process that only validated or planned without reading must
            // not overwrite the metrics of the one that did the work.
            return;
        }
        if let Err(e) = self.observers.metrics.write_textfile(path) {
            tracing::error!(path = %path.display(), error = %e, "cannot write the metrics file");
        }
    }

    /// The exec engine.
    pub fn exec(&self) -> &Engine<ExecDriver> {
        &self.exec
    }

    /// The HTTP client, or a diagnostic saying how to configure one.
    pub fn http(&self) -> Result<&HttpClient, Diagnostics> {
        self.http.as_ref().ok_or_else(|| {
            let mut d = Diagnostics::new();
            d.error(
                "No API endpoint configured",
                "driver_http_object needs the API's base URL: set endpoint in the provider \"driver\" \
                 block, or the DRIVER_ENDPOINT environment variable.",
            );
            d
        })
    }
}

/// The engine's settings from the provider block.
fn engine_config(c: &ProviderConfig) -> EngineConfig {
    EngineConfig {
        request_timeout: c.request_timeout,
        rate_limit: c.rate_limit.clone(),
        retry: c.retry.clone(),
        breaker: c.circuit_breaker.clone(),
    }
}
