//! Ephemeral resources (Terraform 1.10+, OpenTofu 1.11+): values that live
//! for one run and are never written to plan or state, such as a
//! short-lived token. Terraform opens one when it is needed, may renew it
//! while the run lasts, and closes it at the end of each phase.

use std::time::SystemTime;

use crate::{Diagnostics, Schema, Value};

/// What Open returns.
#[derive(Debug, Default)]
pub struct Opened {
    /// The value, of the schema's type; `None` on error.
    pub result: Option<Value>,
    /// Carried by Terraform to Renew and Close (kept in memory only).
    pub private: Vec<u8>,
    /// When Terraform should call Renew, if ever.
    pub renew_at: Option<SystemTime>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// What Renew returns.
#[derive(Debug, Default)]
pub struct Renewed {
    /// The new private data.
    pub private: Vec<u8>,
    /// When to renew again, if ever.
    pub renew_at: Option<SystemTime>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// An ephemeral resource type, acting through the provider's runtime `R`.
#[async_trait::async_trait]
pub trait EphemeralResource<R>: std::fmt::Debug + Send + Sync {
    /// Its type name, such as `driver_http_request`.
    fn type_name(&self) -> &'static str;
    /// Its schema.
    fn schema(&self) -> Schema;
    /// Checks a configuration (values may be unknown).
    fn validate(&self, config: &Value) -> Diagnostics;
    /// Opens it: the configuration is wholly known.
    async fn open(&self, rt: &R, config: Value) -> Opened;
    /// Renews it, from what Open (or the last Renew) kept.
    async fn renew(&self, rt: &R, private: &[u8]) -> Renewed;
    /// Closes it.
    async fn close(&self, rt: &R, private: &[u8]) -> Diagnostics;
}
