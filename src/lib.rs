//! terraform-provider-driver: a Terraform/OpenTofu provider for every API
//! that has no provider of its own.
//!
//! Data flows one way through the layers, and the modules show it:
//!
//! - [`protocol`]: the go-plugin handshake, the tfplugin6 gRPC service and
//!   the value codec. The only layer that knows tonic and msgpack.
//! - [`provider`]: Terraform semantics in native types: schemas, values,
//!   diagnostics, configuration; plan, apply and read.
//! - `engine` and `drivers` (arriving with the HTTP and engine work): the
//!   actuation engine and the transports it drives.
//!
//! See `ARCHITECTURE.md` for the map and its invariants.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![forbid(unsafe_code)]

pub mod docs;
pub mod logging;
pub mod protocol;
pub mod drivers;
pub mod engine;
pub mod provider;
