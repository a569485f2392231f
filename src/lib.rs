//! terraform-provider-driver: a Terraform/OpenTofu provider for every API
//! that has no provider of its own.
//!
//! Data flows one way through the layers, and the modules show it:
//!
//! - [`protocol`]: the go-plugin handshake, the tfplugin6 gRPC service and
//!   the value codec. The only layer that knows tonic and msgpack.
//! - [`provider`]: Terraform semantics in native types: schemas, values,
//!   diagnostics, configuration; plan, apply and read.
//! - [`engine`]: the actuation engine: rate limits, retries, circuit
//!   breaker, timeouts, audit records and metrics around every request.
//! - [`drivers`]: the transports (HTTP, exec); one attempt per call.
//!
//! See `ARCHITECTURE.md` for the map and its invariants.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![forbid(unsafe_code)]

pub mod docs;
pub mod drivers;
pub mod engine;
pub mod logging;
pub mod protocol;
pub mod provider;
pub mod sync;
