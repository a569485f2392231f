//! What ConfigureProvider builds for the types: one client per driver
//! ([`DriverModule`] says which, [`Client`] builds one)
//! (the engine around it, plus what the driver needs from the provider,
//! such as OAuth for HTTP), the shared observers, and Terraform's stop.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use std::any::Any;
use std::fmt;

use framework::Types;

use super::config::ProviderConfig;
use super::{AttributePath, Diagnostics};
use engine::audit::AuditLog;
use engine::redact::Redactor;
use engine::{Observers, Totals};

/// A driver's client, built from the provider configuration.
pub trait Client: Any + Send + Sync + fmt::Debug + Sized {
    /// Builds the client; `Ok(None)` when the configuration does not set
    /// this driver up (an HTTP client without an endpoint).
    fn build(config: &ProviderConfig, observers: &Observers) -> Result<Option<Self>, Diagnostics>;

    /// What a resource that needs this client says when it is missing.
    fn missing() -> Diagnostics;
}

/// One driver, for the provider: its client and its types.
pub trait DriverModule: fmt::Debug + Send + Sync + 'static {
    /// Builds the driver's client (if the configuration sets it up) into
    /// `clients`; [`Clients::build`] does it for a [`Client`].
    fn build_client(
        &self,
        config: &ProviderConfig,
        observers: &Observers,
        clients: &mut Clients,
    ) -> Result<(), Diagnostics>;

    /// The resources, data sources, ephemeral resources, list resources and
    /// actions that act through the client.
    fn types(&self) -> Types<Runtime>;
}

/// The clients that were built, found by type.
#[derive(Default)]
pub struct Clients(Vec<Box<dyn Any + Send + Sync>>);

impl Clients {
    /// Builds client `C` from the configuration and keeps it, if the
    /// configuration sets it up.
    pub fn build<C: Client>(
        &mut self,
        config: &ProviderConfig,
        observers: &Observers,
    ) -> Result<(), Diagnostics> {
        if let Some(c) = C::build(config, observers)? {
            self.0.push(Box::new(c));
        }
        Ok(())
    }

    /// The client of type `C`, if it was built.
    pub fn get<C: Client>(&self) -> Option<&C> {
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
    tls_ca_configured: bool,
    /// Writes that must not overlap (`write_lock`).
    pub write_locks: crate::write_locks::WriteLocks,
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
            tls_ca_configured: config.tls.ca_cert_pem.is_some(),
            write_locks: Default::default(),
        })
    }

    /// The client of type `C`, or a diagnostic saying how to set it up.
    pub fn client<C: Client>(&self) -> Result<&C, Diagnostics> {
        self.clients.get::<C>().ok_or_else(C::missing)
    }

    /// Whether the provider trusts a CA of its own (`tls.ca_cert_pem`).
    pub fn tls_ca_configured(&self) -> bool {
        self.tls_ca_configured
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
