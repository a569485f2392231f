//! Provider functions (`provider::<name>::<function>(...)` in HCL;
//! Terraform 1.8+, OpenTofu 1.7+): a signature, documentation and a pure
//! body. The protocol layer decodes the arguments with the declared types
//! and encodes the result.

use crate::{Type, Value};

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
    /// The body: called with arguments already of the parameters' types.
    pub call: fn(&[Value]) -> Result<Value, FunctionError>,
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
    /// An error about the call as a whole.
    pub fn general(text: impl Into<String>) -> Self {
        FunctionError {
            text: text.into(),
            argument: None,
        }
    }

    /// An error about argument `i`.
    pub fn argument(i: usize, text: impl Into<String>) -> Self {
        FunctionError {
            text: text.into(),
            argument: Some(i),
        }
    }
}
