//! Provider functions (`provider::driver::<name>(...)` in HCL; Terraform
//! 1.8+, OpenTofu 1.7+): pure and deterministic helpers for the values the
//! resources work with (JSON documents, JSON Pointers, merge patches). One
//! file per function; this one lists them and says how they are called.

mod json_equal;
mod json_pointer;
mod merge_patch;

use std::sync::OnceLock;

use crate::Value;
pub use framework::function::{Function, FunctionError, Parameter};

/// Every function, by name.
pub fn all() -> &'static [Function] {
    static ALL: OnceLock<Vec<Function>> = OnceLock::new();
    ALL.get_or_init(|| {
        vec![
            json_equal::function(),
            json_pointer::function(),
            merge_patch::function(),
        ]
    })
}

/// The function called `name`.
pub fn find(name: &str) -> Option<&'static Function> {
    all().iter().find(|f| f.name == name)
}

/// Argument `i`, which the signature guarantees is there.
fn arg(args: &[Value], i: usize) -> Result<&Value, FunctionError> {
    args.get(i)
        .ok_or_else(|| FunctionError::general(format!("argument {} is missing", i + 1)))
}

/// A value as JSON, or the error naming argument `i`.
fn json_of(args: &[Value], i: usize, name: &str) -> Result<serde_json::Value, FunctionError> {
    super::json::to_json(arg(args, i)?)
        .map_err(|e| FunctionError::argument(i, format!("{name} has no JSON form: {e}")))
}
