//! Black-box suites: the real terraform binary (or the provider binary on
//! its own, speaking the plugin protocol) against the built provider, on
//! loopback and unix sockets only. Run under Terraform 1.0.3 with
//! `DRIVER_ACC_TERRAFORM=1.0.3`.

// Test code: a failed unwrap or index is a failed test, which is what it
// should be.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod harness;

mod auth;
mod collections;
mod debug_mode;
mod engine;
mod ephemeral;
mod exactly_once;
mod examples;
mod exec_object;
mod fleet;
mod functions;
mod handshake;
mod hostile;
mod http_object;
mod identity;
mod install;
mod long_running;
mod modern;
mod observability;
mod peers;
mod real_apis;
mod schema;
mod shapes;
mod tls;
mod upgrade;
mod wire_safety;
