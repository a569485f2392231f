//! terraform-provider-driver: a Terraform/OpenTofu provider for every API
//! that has no provider of its own. This crate is the provider itself: its
//! types (resources, data sources, ephemeral resources, list resources,
//! actions, functions), its configuration and the clients they act
//! through. The layers it stands on are crates of their own, each
//! depending only on the ones below:
//!
//! - `protocol`: the go-plugin handshake, tfplugin6 over gRPC, the value
//!   codec; serves any `framework::ProviderServer`.
//! - `framework`: Terraform semantics in native types, the trait of each
//!   kind of type, and the server that dispatches to them.
//! - `engine`: rate limits, retries, circuit breaker, timeouts, audit
//!   records and metrics around every request.
//! - `drivers`: the transports (HTTP, exec); one attempt per call.
//!
//! See `ARCHITECTURE.md` for the map and its invariants.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![forbid(unsafe_code)]

pub mod actions;
pub mod config;
pub mod data_sources;
pub mod docs;
pub mod drift;
pub mod ephemeral;
pub mod exec_client;
pub mod failure;
pub mod functions;
pub mod http_client;
pub mod list_resources;
pub mod listing;
pub mod metrics_push;
mod provider;
pub mod registry;
pub mod resources;
mod run_summary;
pub mod runtime;
pub mod template;
pub mod write_locks;

// The framework's vocabulary, used throughout the provider's types.
pub use framework::{
    Attribute, AttributePath, AttributeType, Block, BlockNesting, Diagnostic, Diagnostics,
    NestedBlock, NestedObject, Number, ObjectNesting, PathStep, Presence, Schema, Severity, Type,
    Value, json, parse_duration, pointer, resource,
};
pub use provider::{DriverProvider, Environment, PROVIDER_ADDRESS};
