//! The framework of a Terraform provider in Rust, in the role
//! terraform-plugin-framework plays for Go providers: Terraform's values,
//! types and schemas in native form, diagnostics with attribute paths, the
//! trait of each kind of type (resource, data source, ephemeral resource,
//! list resource, action, function), and the server that dispatches RPCs to
//! them and does the bookkeeping they share.
//!
//! It knows nothing of any one provider (no HTTP, no engine) and nothing of
//! the wire (no gRPC, protobuf or msgpack): the `protocol` crate serves a
//! [`ProviderServer`] over the plugin protocol.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![forbid(unsafe_code)]

// The derives name `::framework::…`, which must resolve here too.
extern crate self as framework;

pub mod action;
pub mod configure;
mod diagnostics;
mod duration;
pub mod ephemeral;
pub mod function;
pub mod json;
pub mod list_resource;
mod number;
pub mod pointer;
pub mod resource;
mod schema;
mod server;
pub mod settings;
mod types;
mod value;

pub use configure::{
    ConfigureProviderRequest, ConfigureProviderResponse, ValidateProviderConfigRequest,
    ValidateProviderConfigResponse,
};
pub use diagnostics::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use duration::parse_duration;
pub use number::{InvalidNumber, Number};
pub use schema::{
    Attribute, AttributeType, Block, BlockNesting, NestedBlock, NestedObject, ObjectNesting,
    Presence, Schema,
};
pub use server::{ProviderDefinition, ProviderSchemas, ProviderServer, Server, Types};
pub use types::{InvalidType, Type};
pub use value::Value;
