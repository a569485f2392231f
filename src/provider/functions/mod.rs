//! Provider functions (`provider::driver::<name>(...)` in HCL; Terraform
//! 1.8+, OpenTofu 1.7+): pure and deterministic helpers for the values the
//! resources work with (JSON documents, JSON Pointers, merge patches). One
//! file per function; this one lists them and says how they are called.

mod json_equal;
mod json_pointer;
mod merge_patch;

use std::sync::OnceLock;

use super::{Type, Value};

/// One parameter of a function.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Its name, as Terraform shows it in messages.
    pub name: &'static str,
    /// Its type (`dynamic` takes any value).
    pub ty: Type,
    /// Whether null may be passed.
    pub allow_null: bool,
    /// What it is.
    pub description: &'static str,
}

/// A function: its signature, its documentation and its body.
#[derive(Debug, Clone)]
pub struct Function {
    /// The name after `provider::driver::`.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Markdown.
    pub description: &'static str,
    /// Positional parameters.
    pub parameters: Vec<Parameter>,
    /// Any number of further arguments of this kind.
    pub variadic: Option<Parameter>,
    /// The result's type.
    pub returns: Type,
    /// Example HCL: outputs calling it, for the docs.
    pub example: &'static str,
    /// Those outputs' values, as JSON: the docs show them, and the
    /// acceptance suite checks them with real Terraform.
    pub example_outputs: &'static str,
    call: fn(&[Value]) -> Result<Value, FunctionError>,
}

impl Function {
    /// Calls it with arguments already of the parameters' types.
    pub fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let fixed = self.parameters.len();
        if args.len() < fixed || (self.variadic.is_none() && args.len() > fixed) {
            return Err(FunctionError::general(format!(
                "{} takes {} arguments, not {}",
                self.name,
                fixed,
                args.len()
            )));
        }
        (self.call)(args)
    }

    /// As `terraform providers schema -json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        let param = |p: &Parameter| {
            let mut m = serde_json::Map::new();
            m.insert("name".into(), p.name.into());
            m.insert("description".into(), p.description.into());
            if p.allow_null {
                m.insert("is_nullable".into(), true.into());
            }
            m.insert("type".into(), p.ty.to_json());
            serde_json::Value::Object(m)
        };
        let mut m = serde_json::Map::new();
        m.insert("description".into(), self.description.into());
        m.insert("summary".into(), self.summary.into());
        m.insert("return_type".into(), self.returns.to_json());
        m.insert(
            "parameters".into(),
            self.parameters.iter().map(param).collect(),
        );
        if let Some(v) = &self.variadic {
            m.insert("variadic_parameter".into(), param(v));
        }
        serde_json::Value::Object(m)
    }

    /// The type of argument `i` (positional, then variadic).
    pub fn argument_type(&self, i: usize) -> Option<&Type> {
        self.parameters
            .get(i)
            .or(self.variadic.as_ref())
            .map(|p| &p.ty)
    }
}

/// Why a call failed; Terraform shows `text` on the argument at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    /// The message.
    pub text: String,
    /// The index of the argument at fault, when one is.
    pub argument: Option<usize>,
}

impl FunctionError {
    fn general(text: impl Into<String>) -> Self {
        FunctionError {
            text: text.into(),
            argument: None,
        }
    }

    fn argument(i: usize, text: impl Into<String>) -> Self {
        FunctionError {
            text: text.into(),
            argument: Some(i),
        }
    }
}

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
