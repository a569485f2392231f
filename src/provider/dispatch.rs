//! The framework around resources and data sources: finds the type, checks
//! the provider is configured, and does the bookkeeping every type shares.

use std::sync::Arc;

use super::resource::{
    ApplyRequest, ApplyResponse, CreateRequest, DataSource, DeleteRequest, ImportRequest,
    ImportResponse, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource, UpdateRequest,
};
use super::runtime::Runtime;
use super::{AttributePath, Diagnostics, Provider, Value};

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {name:?}. This is a bug in Terraform or the provider; please report it."),
    );
    d
}

impl Provider {
    fn resource(&self, name: &str) -> Result<&Arc<dyn Resource>, Diagnostics> {
        self.resources
            .get(name)
            .ok_or_else(|| unknown_type("resource", name))
    }

    fn data_source(&self, name: &str) -> Result<&Arc<dyn DataSource>, Diagnostics> {
        self.data_sources
            .get(name)
            .ok_or_else(|| unknown_type("data source", name))
    }

    /// The resource type and the configured runtime it acts through.
    fn resource_and_runtime(
        &self,
        type_name: &str,
    ) -> Result<(Arc<dyn Resource>, Arc<Runtime>), Diagnostics> {
        Ok((self.resource(type_name)?.clone(), self.runtime()?))
    }

    fn runtime(&self) -> Result<Arc<Runtime>, Diagnostics> {
        crate::sync::read(&self.runtime).clone().ok_or_else(|| {
            let mut d = Diagnostics::new();
            d.error(
                "Provider not configured",
                "Terraform did not configure the provider before using it, or its configuration failed (see the errors above).",
            );
            d
        })
    }

    /// ValidateResourceConfig. `write_only_allowed` is the client's
    /// capability: Terraform before 1.11 would store write-only values.
    pub fn validate_resource_config(
        &self,
        type_name: &str,
        config: &Value,
        write_only_allowed: bool,
    ) -> Diagnostics {
        let r = match self.resource(type_name) {
            Ok(r) => r,
            Err(d) => return d,
        };
        let mut d = r.validate(config);
        if !write_only_allowed {
            for a in self.write_only_attributes(type_name) {
                if config.get(a).is_some_and(|v| !v.is_null()) {
                    d.attribute_error(
                        AttributePath::root(a),
                        "Write-only attribute not supported by this Terraform",
                        format!(
                            "{a} is write-only: its value is never stored in state. That needs Terraform 1.11 or \
                             later (or OpenTofu 1.11); this one would store it. Upgrade, or remove {a}."
                        ),
                    );
                }
            }
        }
        d
    }

    fn write_only_attributes(&self, type_name: &str) -> Vec<&str> {
        self.schemas
            .resources
            .get(type_name)
            .map_or_else(Vec::new, |s| {
                s.block
                    .attributes
                    .iter()
                    .filter(|a| a.write_only)
                    .map(|a| a.name.as_str())
                    .collect()
            })
    }

    /// Write-only attributes are null in every state Terraform keeps.
    fn without_write_only(&self, type_name: &str, v: Option<Value>) -> Option<Value> {
        let mut v = v?;
        if let Value::Object(m) = &mut v {
            for a in self.write_only_attributes(type_name) {
                if let Some(slot) = m.get_mut(a) {
                    *slot = Value::Null(slot.ty());
                }
            }
        }
        Some(v)
    }

    /// PlanResourceChange for creates and updates.
    pub fn plan_resource_change(&self, type_name: &str, req: PlanRequest) -> PlanResponse {
        match self.resource(type_name) {
            // Destroys are planned by Terraform; we never advertised plan_destroy.
            Ok(_) if req.proposed_new_state.is_null() => PlanResponse {
                planned_state: Some(req.proposed_new_state),
                planned_private: req.prior_private,
                ..Default::default()
            },
            Ok(r) => {
                tracing::trace!(type_name, "calling resource plan");
                let mut resp = r.plan(req);
                resp.planned_state = self.without_write_only(type_name, resp.planned_state);
                resp
            }
            Err(diagnostics) => PlanResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    /// ApplyResourceChange: a create, update or delete, with the state
    /// bookkeeping every type shares. A failed update or delete keeps the
    /// prior state; a failed create keeps whatever the resource says may
    /// exist; a successful delete removes the state.
    pub async fn apply_resource_change(&self, type_name: &str, req: ApplyRequest) -> ApplyResponse {
        let prior = (!req.prior_state.is_null()).then(|| req.prior_state.clone());
        let (r, rt) = match self.resource_and_runtime(type_name) {
            Ok(found) => found,
            Err(diagnostics) => {
                return ApplyResponse {
                    new_state: prior,
                    private: req.planned_private,
                    diagnostics,
                };
            }
        };
        let ApplyRequest {
            prior_state,
            planned_state,
            config,
            planned_private,
        } = req;
        let mut resp = match (prior_state.is_null(), planned_state.is_null()) {
            (true, true) => ApplyResponse::default(),
            (true, false) => {
                tracing::debug!(type_name, "calling resource create");
                let c = r
                    .create(
                        &rt,
                        CreateRequest {
                            planned_state,
                            config,
                            planned_private,
                        },
                    )
                    .await;
                ApplyResponse {
                    new_state: c.new_state,
                    private: c.private,
                    diagnostics: c.diagnostics,
                }
            }
            (false, false) => {
                tracing::debug!(type_name, "calling resource update");
                let u = r
                    .update(
                        &rt,
                        UpdateRequest {
                            prior_state,
                            planned_state,
                            config,
                            planned_private: planned_private.clone(),
                        },
                    )
                    .await;
                ApplyResponse {
                    new_state: u.new_state.or(prior),
                    private: u.private.unwrap_or(planned_private),
                    diagnostics: u.diagnostics,
                }
            }
            (false, true) => {
                tracing::debug!(type_name, "calling resource delete");
                let d = r
                    .delete(
                        &rt,
                        DeleteRequest {
                            prior_state,
                            private: planned_private.clone(),
                        },
                    )
                    .await;
                let failed = d.diagnostics.has_error();
                ApplyResponse {
                    new_state: if failed { prior } else { None },
                    private: if failed { planned_private } else { Vec::new() },
                    diagnostics: d.diagnostics,
                }
            }
        };
        resp.new_state = self.without_write_only(type_name, resp.new_state);
        self.summarize(&rt, &mut resp.diagnostics);
        tracing::debug!(
            type_name,
            errors = resp.diagnostics.has_error(),
            "called resource apply"
        );
        resp
    }

    /// The run summary: when requests were retried or throttled, a warning
    /// says so without TF_LOG. Terraform has no "end of apply" call, so the
    /// warning rides on the apply responses that follow a change in the
    /// counters; Terraform folds warnings with one summary into one
    /// ("and N more similar warnings").
    fn summarize(&self, rt: &Runtime, diags: &mut Diagnostics) {
        let s = rt.totals();
        if s.retries == 0 && s.throttled == 0 && s.unshared == 0 {
            return;
        }
        let mut last = crate::sync::lock(&self.summarized);
        if *last == Some(s) {
            return;
        }
        *last = Some(s);
        if s.unshared > 0 {
            diags.warning(
                "The shared rate budget was unavailable",
                format!(
                    "So far in this run: {} requests could not reach the shared rate budget \
                     (rate_limit.shared): its Redis was down or did not answer within 2 s. With \
                     on_unavailable = \"local\" they went on under this process's own limits, \
                     so runs sharing the budget may together exceed it until Redis is back.",
                    s.unshared
                ),
            );
        }
        if s.retries == 0 && s.throttled == 0 {
            return;
        }
        diags.warning(
            "Requests were retried or throttled",
            format!(
                "So far in this run: {} requests, {} throttled by the API, {:.1} s waited for the rate limit, {} retries. \
                 The audit log and metrics file (provider arguments audit_log and metrics_file) have the details; \
                 rate_limit and retry in the provider block tune this.",
                s.attempts,
                s.throttled,
                s.waited.as_secs_f64(),
                s.retries
            ),
        );
    }

    /// End of the process (Terraform's Shutdown): writes the metrics file
    /// and pushes the metrics.
    pub async fn shutdown(&self) {
        if let Ok(rt) = self.runtime() {
            rt.finish().await;
        }
    }

    /// ReadResource. A read that fails keeps the stored state; one that
    /// finds nothing (without errors) removes it, so a create is planned.
    pub async fn read_resource(&self, type_name: &str, req: ReadRequest) -> ReadResponse {
        let (r, rt) = match self.resource_and_runtime(type_name) {
            Ok(found) => found,
            Err(diagnostics) => {
                return ReadResponse {
                    new_state: Some(req.current_state),
                    private: Some(req.private),
                    diagnostics,
                };
            }
        };
        let (current, private) = (req.current_state.clone(), req.private.clone());
        let mut resp = r.read(&rt, req).await;
        if resp.diagnostics.has_error() && resp.new_state.is_none() {
            resp.new_state = Some(current);
        }
        if resp.new_state.is_some() && resp.private.is_none() {
            resp.private = Some(private);
        }
        resp.new_state = self.without_write_only(type_name, resp.new_state);
        resp
    }

    /// ImportResourceState.
    pub fn import_resource_state(&self, type_name: &str, req: ImportRequest) -> ImportResponse {
        let r = match self.resource(type_name) {
            Ok(r) => r,
            Err(diagnostics) => {
                return ImportResponse {
                    diagnostics,
                    ..Default::default()
                };
            }
        };
        match r.importer() {
            Some(importer) => importer.import(req),
            None => {
                let mut diagnostics = Diagnostics::new();
                diagnostics.error(
                    format!("Import is not supported for {type_name}"),
                    format!(
                        "{type_name} cannot be imported: declare the resource and let it create \
                         (or adopt) the object."
                    ),
                );
                ImportResponse {
                    diagnostics,
                    ..Default::default()
                }
            }
        }
    }

    /// UpgradeResourceState: checks the stored version can be read by this
    /// schema. (Decoding state with the current type drops removed
    /// attributes; a breaking change adds an upgrader here.)
    /// UpgradeResourceState: brings stored JSON of schema `version` to the
    /// current version, one step at a time, through the type's upgraders.
    pub fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        mut state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        let (Some(schema), Ok(r)) = (
            self.schemas.resources.get(type_name),
            self.resource(type_name),
        ) else {
            return Err(unknown_type("resource", type_name));
        };
        let mut d = Diagnostics::new();
        if version > schema.version {
            d.error(
                "State written by a newer provider",
                format!(
                    "{type_name} state has schema version {version}, but this provider knows versions up to {}. \
                     Use the provider version that wrote the state, or a newer one.",
                    schema.version
                ),
            );
            return Err(d);
        }
        for from in version.max(0)..schema.version {
            let step = r.upgrader().map(|u| u.upgrade(from, state));
            state = match step {
                Some(Ok(next)) => next,
                Some(Err(e)) => {
                    d.error(
                        "Cannot upgrade the stored state",
                        format!("{type_name} state of schema version {from}: {e}"),
                    );
                    return Err(d);
                }
                None => {
                    d.error(
                        "Cannot upgrade the stored state",
                        format!(
                            "{type_name} has no upgrade from schema version {from}. This is a bug in \
                             the provider; please report it."
                        ),
                    );
                    return Err(d);
                }
            };
        }
        Ok(state)
    }

    /// ValidateDataResourceConfig.
    pub fn validate_data_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.data_source(type_name) {
            Ok(ds) => ds.validate(config),
            Err(d) => d,
        }
    }

    /// ReadDataSource.
    pub async fn read_data_source(
        &self,
        type_name: &str,
        config: Value,
    ) -> (Option<Value>, Diagnostics) {
        let ds = match self.data_source(type_name) {
            Ok(ds) => ds.clone(),
            Err(d) => return (None, d),
        };
        let rt = match self.runtime() {
            Ok(rt) => rt,
            Err(d) => return (None, d),
        };
        ds.read(&rt, config).await
    }

    fn ephemeral(
        &self,
        name: &str,
    ) -> Result<&Arc<dyn crate::provider::ephemeral::EphemeralResource>, Diagnostics> {
        self.ephemeral
            .get(name)
            .ok_or_else(|| unknown_type("ephemeral resource", name))
    }

    /// ValidateEphemeralResourceConfig.
    pub fn validate_ephemeral(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.ephemeral(type_name) {
            Ok(e) => e.validate(config),
            Err(d) => d,
        }
    }

    /// OpenEphemeralResource.
    pub async fn open_ephemeral(
        &self,
        type_name: &str,
        config: Value,
    ) -> crate::provider::ephemeral::Opened {
        use crate::provider::ephemeral::Opened;
        let found = self
            .ephemeral(type_name)
            .cloned()
            .and_then(|e| Ok((e, self.runtime()?)));
        match found {
            Ok((e, rt)) => e.open(&rt, config).await,
            Err(diagnostics) => Opened {
                diagnostics,
                ..Opened::default()
            },
        }
    }

    /// RenewEphemeralResource.
    pub async fn renew_ephemeral(
        &self,
        type_name: &str,
        private: &[u8],
    ) -> crate::provider::ephemeral::Renewed {
        use crate::provider::ephemeral::Renewed;
        let found = self
            .ephemeral(type_name)
            .cloned()
            .and_then(|e| Ok((e, self.runtime()?)));
        match found {
            Ok((e, rt)) => e.renew(&rt, private).await,
            Err(diagnostics) => Renewed {
                diagnostics,
                ..Renewed::default()
            },
        }
    }

    /// CloseEphemeralResource.
    pub async fn close_ephemeral(&self, type_name: &str, private: &[u8]) -> Diagnostics {
        let found = self
            .ephemeral(type_name)
            .cloned()
            .and_then(|e| Ok((e, self.runtime()?)));
        match found {
            Ok((e, rt)) => e.close(&rt, private).await,
            Err(d) => d,
        }
    }

    /// The identity of the object `state` holds, for a type with one.
    pub fn identity_of(&self, type_name: &str, state: &Value) -> Option<Value> {
        if state.is_null() {
            return None;
        }
        self.resource(type_name)
            .ok()?
            .identity()?
            .identity_of(state)
    }

    /// The import id an identity from an `import` block stands for.
    pub fn import_id_from_identity(
        &self,
        type_name: &str,
        identity: &Value,
    ) -> Result<String, Diagnostics> {
        let found = self.resource(type_name)?.identity().ok_or_else(|| {
            let mut d = Diagnostics::new();
            d.error(
                "Import by identity is not supported",
                format!("{type_name} has no resource identity: import it by id."),
            );
            d
        })?;
        found.import_id(identity).map_err(|e| {
            let mut d = Diagnostics::new();
            d.error("Invalid import identity", e);
            d
        })
    }

    fn list_resource(
        &self,
        name: &str,
    ) -> Result<&Arc<dyn crate::provider::list_resources::ListResource>, Diagnostics> {
        self.list_resources
            .get(name)
            .ok_or_else(|| unknown_type("list resource", name))
    }

    fn action(
        &self,
        name: &str,
    ) -> Result<&Arc<dyn crate::provider::actions::Action>, Diagnostics> {
        self.actions
            .get(name)
            .ok_or_else(|| unknown_type("action", name))
    }

    /// ValidateListResourceConfig.
    pub fn validate_list_resource(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.list_resource(type_name) {
            Ok(l) => l.validate(config),
            Err(d) => d,
        }
    }

    /// ListResource: at most `limit` objects found.
    pub async fn list_resource_objects(
        &self,
        type_name: &str,
        config: Value,
        with_objects: bool,
        limit: usize,
    ) -> (Vec<crate::provider::list_resources::Found>, Diagnostics) {
        let found = self
            .list_resource(type_name)
            .cloned()
            .and_then(|l| Ok((l, self.runtime()?)));
        match found {
            Ok((l, rt)) => l.list(&rt, config, with_objects, limit).await,
            Err(d) => (Vec::new(), d),
        }
    }

    /// ValidateActionConfig and PlanAction.
    pub fn validate_action(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.action(type_name) {
            Ok(a) => a.validate(config),
            Err(d) => d,
        }
    }

    /// InvokeAction.
    pub async fn invoke_action(
        &self,
        type_name: &str,
        config: Value,
        progress: tokio::sync::mpsc::UnboundedSender<String>,
    ) -> Diagnostics {
        let found = self
            .action(type_name)
            .cloned()
            .and_then(|a| Ok((a, self.runtime()?)));
        match found {
            Ok((a, rt)) => a.invoke(&rt, config, progress).await,
            Err(d) => d,
        }
    }
}
