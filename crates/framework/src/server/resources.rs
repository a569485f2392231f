//! Managed resources: validate, plan, apply, read, import and upgrade, with
//! the state bookkeeping every type shares.

use std::sync::Arc;

use super::{ProviderDefinition, Server, find, unknown_type};
use crate::resource::{
    ApplyRequest, ApplyResponse, CreateRequest, DeleteRequest, ImportRequest, ImportResponse,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource, UpdateRequest,
};
use crate::{AttributePath, Diagnostics, Value};

/// A resource type and the configured runtime it acts through.
type Bound<R> = (Arc<dyn Resource<R>>, Arc<R>);

impl<P: ProviderDefinition> Server<P> {
    /// The resource type and the configured runtime it acts through.
    fn resource_and_runtime(&self, type_name: &str) -> Result<Bound<P::Runtime>, Diagnostics> {
        Ok((
            find(&self.resources, "resource", type_name)?.clone(),
            self.runtime()?,
        ))
    }

    /// ValidateResourceConfig. `write_only_allowed` is the client's
    /// capability: Terraform before 1.11 would store write-only values.
    pub(super) fn validate_resource(
        &self,
        type_name: &str,
        config: &Value,
        write_only_allowed: bool,
    ) -> Diagnostics {
        let r = match find(&self.resources, "resource", type_name) {
            Ok(r) => r,
            Err(d) => return d,
        };
        let mut d = r.validate(config);
        if let Some(s) = self.schemas.resources.get(type_name) {
            read_only_set(&s.block, config, &mut d);
        }
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

    pub(super) fn validate_data(&self, type_name: &str, config: &Value) -> Diagnostics {
        let mut d = match find(&self.data_sources, "data source", type_name) {
            Ok(ds) => ds.validate(config),
            Err(d) => return d,
        };
        if let Some(s) = self.schemas.data_sources.get(type_name) {
            read_only_set(&s.block, config, &mut d);
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
    pub(super) fn plan(&self, type_name: &str, req: PlanRequest) -> PlanResponse {
        match find(&self.resources, "resource", type_name) {
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
    pub(super) async fn apply(&self, type_name: &str, req: ApplyRequest) -> ApplyResponse {
        let (r, rt) = match self.resource_and_runtime(type_name) {
            Ok(found) => found,
            Err(diagnostics) => {
                return ApplyResponse {
                    new_state: (!req.prior_state.is_null()).then_some(req.prior_state),
                    private: req.planned_private,
                    diagnostics,
                };
            }
        };
        let mut resp = match (req.prior_state.is_null(), req.planned_state.is_null()) {
            (true, true) => ApplyResponse::default(),
            (true, false) => create(r.as_ref(), &rt, req, type_name).await,
            (false, false) => update(r.as_ref(), &rt, req, type_name).await,
            (false, true) => delete(r.as_ref(), &rt, req, type_name).await,
        };
        resp.new_state = self.without_write_only(type_name, resp.new_state);
        self.definition.after_apply(&rt, &mut resp.diagnostics);
        tracing::debug!(
            type_name,
            errors = resp.diagnostics.has_error(),
            "called resource apply"
        );
        resp
    }

    /// ReadResource. A read that fails keeps the stored state; one that
    /// finds nothing (without errors) removes it, so a create is planned.
    pub(super) async fn read(&self, type_name: &str, req: ReadRequest) -> ReadResponse {
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
    pub(super) fn import(&self, type_name: &str, req: ImportRequest) -> ImportResponse {
        let r = match find(&self.resources, "resource", type_name) {
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
    pub(super) fn upgrade(
        &self,
        type_name: &str,
        version: i64,
        mut state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        let (Some(schema), Ok(r)) = (
            self.schemas.resources.get(type_name),
            find(&self.resources, "resource", type_name),
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

    /// The import id an identity from an `import` block stands for.
    pub(super) fn import_id(
        &self,
        type_name: &str,
        identity: &Value,
    ) -> Result<String, Diagnostics> {
        let found = find(&self.resources, "resource", type_name)?
            .identity()
            .ok_or_else(|| {
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
}

/// A create: whatever the resource says may exist is kept.
async fn create<R>(
    r: &dyn Resource<R>,
    rt: &R,
    req: ApplyRequest,
    type_name: &str,
) -> ApplyResponse {
    tracing::debug!(type_name, "calling resource create");
    let c = r
        .create(
            rt,
            CreateRequest {
                planned_state: req.planned_state,
                config: req.config,
                planned_private: req.planned_private,
            },
        )
        .await;
    ApplyResponse {
        new_state: c.new_state,
        private: c.private,
        diagnostics: c.diagnostics,
    }
}

/// An update: a failed one keeps the prior state.
async fn update<R>(
    r: &dyn Resource<R>,
    rt: &R,
    req: ApplyRequest,
    type_name: &str,
) -> ApplyResponse {
    tracing::debug!(type_name, "calling resource update");
    let prior = req.prior_state.clone();
    let planned_private = req.planned_private.clone();
    let u = r
        .update(
            rt,
            UpdateRequest {
                prior_state: req.prior_state,
                planned_state: req.planned_state,
                config: req.config,
                planned_private: req.planned_private,
            },
        )
        .await;
    ApplyResponse {
        new_state: u.new_state.or(Some(prior)),
        private: u.private.unwrap_or(planned_private),
        diagnostics: u.diagnostics,
    }
}

/// A delete: a successful one removes the state, a failed one keeps it.
async fn delete<R>(
    r: &dyn Resource<R>,
    rt: &R,
    req: ApplyRequest,
    type_name: &str,
) -> ApplyResponse {
    tracing::debug!(type_name, "calling resource delete");
    let prior = req.prior_state.clone();
    let d = r
        .delete(
            rt,
            DeleteRequest {
                prior_state: req.prior_state,
                private: req.planned_private.clone(),
            },
        )
        .await;
    let failed = d.diagnostics.has_error();
    ApplyResponse {
        new_state: failed.then_some(prior),
        private: if failed {
            req.planned_private
        } else {
            Vec::new()
        },
        diagnostics: d.diagnostics,
    }
}

/// An attribute only the provider sets (computed, not optional) that the
/// configuration sets is refused: Terraform would silently replace it.
fn read_only_set(block: &crate::Block, config: &Value, d: &mut Diagnostics) {
    for a in &block.attributes {
        let set = config.get(&a.name).is_some_and(|v| !v.is_null());
        if a.presence == crate::Presence::Computed && set {
            d.attribute_error(
                AttributePath::root(&a.name),
                "Invalid Configuration for Read-Only Attribute",
                format!(
                    "{} is set by the provider only. Remove it from the configuration.",
                    a.name
                ),
            );
        }
    }
}
