//! What ConfigureProvider builds for the resources: one client per driver
//! (the engine around it, plus what the driver needs from the provider,
//! such as OAuth for HTTP), the shared observers, and Terraform's stop.
//!
//! Adding a driver is its client type (implementing [`Client`]) and one
//! line in [`Runtime::build`].

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::config::ProviderConfig;
use super::exec_client::ExecClient;
use super::http_client::HttpClient;
use super::{AttributePath, Diagnostics};
use engine::audit::AuditLog;
use engine::redact::Redactor;
use engine::{EngineConfig, Observers, Totals};

/// A driver's client, built from the provider configuration.
pub trait Client: Any + Send + Sync + fmt::Debug + Sized {
    /// Builds the client; `Ok(None)` when the configuration does not set
    /// this driver up (an HTTP client without an endpoint).
    fn build(config: &ProviderConfig, observers: &Observers) -> Result<Option<Self>, Diagnostics>;

    /// What a resource that needs this client says when it is missing.
    fn missing() -> Diagnostics;
}

/// The clients that were built, by type.
#[derive(Default)]
struct Clients(Vec<Box<dyn Any + Send + Sync>>);

impl Clients {
    fn add<C: Client>(&mut self, client: Option<C>) {
        if let Some(c) = client {
            self.0.push(Box::new(c));
        }
    }

    fn get<C: Client>(&self) -> Option<&C> {
        self.0.iter().find_map(|c| c.downcast_ref::<C>())
    }
}

impl fmt::Debug for Clients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clients({})", self.0.len())
    }
}

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
    /// Builds the runtime from a validated configuration.
    pub fn build(config: &ProviderConfig, stop: CancellationToken) -> Result<Runtime, Diagnostics> {
        let redactor = Redactor::new(config.secrets());
        let audit = match &config.audit_log {
            None => None,
            Some(path) => match AuditLog::open(path, redactor.clone()) {
                Ok(log) => Some(Arc::new(log)),
                Err(e) => {
                    let mut diags = Diagnostics::new();
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
        let mut clients = Clients::default();
        // One line per driver.
        clients.add(HttpClient::build(config, &observers)?);
        clients.add(ExecClient::build(config, &observers)?);
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
