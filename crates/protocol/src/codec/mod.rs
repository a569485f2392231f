//! DynamicValue codec: msgpack (and JSON, for stored state) to and from
//! `provider::Value`, guided by the schema's type. Pure functions; knows
//! nothing of what the values mean.

mod json;
mod msgpack;

pub use json::decode_json;
pub use msgpack::decode_msgpack;
pub use msgpack::encode_msgpack;

use framework::{AttributePath, Type, Value};

/// A value that does not match its type, or bytes that are not a value.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{message}{}", if path.0.is_empty() { String::new() } else { format!(" at {path}") })]
pub struct CodecError {
    /// Where in the value the problem is.
    pub path: AttributePath,
    /// What is wrong.
    pub message: String,
}

impl CodecError {
    fn new(path: &AttributePath, message: impl Into<String>) -> Self {
        CodecError {
            path: path.clone(),
            message: message.into(),
        }
    }
}

/// Decodes a wire DynamicValue: msgpack when present, else JSON, else null.
pub fn decode_dynamic_value(msgpack: &[u8], json: &[u8], ty: &Type) -> Result<Value, CodecError> {
    if !msgpack.is_empty() {
        decode_msgpack(msgpack, ty)
    } else if !json.is_empty() {
        let j: serde_json::Value = serde_json::from_slice(json).map_err(|e| {
            CodecError::new(&AttributePath::default(), format!("invalid JSON: {e}"))
        })?;
        decode_json(&j, ty)
    } else {
        Ok(Value::Null(ty.clone()))
    }
}
