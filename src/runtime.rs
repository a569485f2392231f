//! What ConfigureProvider builds for the types: one client per driver
//! (the engine around it, plus what the driver needs from the provider,
//! such as OAuth for HTTP), the shared observers, and Terraform's stop.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::config::ProviderConfig;
use super::driver_module::{Client, Clients, DriverModule};
use super::exec_client::ExecClient;
use super::http_client::HttpClient;
use super::{AttributePath, Diagnostics};
use engine::audit::AuditLog;
use engine::redact::Redactor;
use engine::{EngineConfig, Observers, Totals};

/// The configured provider's working parts.
#[derive(Debug)]
pub struct Runtime {
    clients: Clients,
    /// Cancelled by StopProvider.
    pub stop: CancellationToken,
    observers: Observers,
    metrics_file: Option<std::path::PathBuf>,
    metrics_push: Option<super::config::MetricsPush>,
    summary: crate::run_summary::RunSummary,
}

impl Runtime {
    /// Builds the runtime from a validated configuration, with the client
    /// of each driver in `modules`.
    pub fn build(
        config: &ProviderConfig,
        stop: CancellationToken,
        modules: &[Arc<dyn DriverModule>],
    ) -> Result<Runtime, Diagnostics> {
        let redactor = Redactor::new(config.secrets());
        let audit = match &config.audit_log {
            None => None,
            Some(path) => match AuditLog::open(path, redactor.clone()) {
                Ok(log) => Some(Arc::new(log)),
                Err(e) => {
                    let mut diags = Diagnostics::new();
                    diags.attribute_error(
                        AttributePath::root(crate::config::ProviderBlock::AUDIT_LOG),
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
        let mut clients = Clients::default();
        for m in modules {
            m.build_client(config, &observers, &mut clients)?;
        }
        Ok(Runtime {
            clients,
            stop,
            observers,
            metrics_file: config.metrics_file.clone(),
            metrics_push: config.metrics_push.clone(),
            summary: Default::default(),
        })
    }

    /// The client of type `C`, or a diagnostic saying how to set it up.
    pub fn client<C: Client>(&self) -> Result<&C, Diagnostics> {
        self.clients.get::<C>().ok_or_else(C::missing)
    }

    /// The HTTP client.
    pub fn http(&self) -> Result<&HttpClient, Diagnostics> {
        self.client()
    }

    /// The exec client.
    pub fn exec(&self) -> Result<&ExecClient, Diagnostics> {
        self.client()
    }

    /// Whether the provider trusts a CA of its own (`tls.ca_cert_pem`).
    pub fn tls_ca_configured(&self) -> bool {
        self.http().is_ok_and(HttpClient::tls_ca_configured)
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

    /// Warnings about the run so far (retries, throttling, an unreachable
    /// shared budget), each reported once.
    pub fn summarize(&self, diags: &mut Diagnostics) {
        self.summary.report(self.totals(), diags);
    }

    /// What all engines did so far in this process.
    pub fn totals(&self) -> Totals {
        self.observers.metrics.totals()
    }

    /// End of the process: writes the metrics file and pushes the metrics,
    /// if anything was done. A process that only validated or planned
    /// without reading must not overwrite the metrics of the one that did
    /// the work.
    pub async fn finish(&self) {
        if self.totals().attempts == 0 {
            return;
        }
        if let Some(path) = &self.metrics_file
            && let Err(e) = self.observers.metrics.write_textfile(path)
        {
            tracing::error!(path = %path.display(), error = %e, "cannot write the metrics file");
        }
        if let Some(push) = &self.metrics_push {
            super::metrics_push::push(push, self.observers.metrics.encode_classic()).await;
        }
    }
}

/// The engine's settings from the provider block.
pub(crate) fn engine_config(c: &ProviderConfig) -> EngineConfig {
    EngineConfig {
        request_timeout: c.request_timeout,
        rate_limit: c.rate_limit.clone(),
        retry: c.retry.clone(),
        breaker: c.circuit_breaker.clone(),
        shared_budget: None,
    }
}
