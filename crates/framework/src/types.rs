//! Terraform's type system (cty types) in native form, and its JSON spelling
//! as used in schemas and in dynamic values.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value as Json, json};

/// A Terraform type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// `string`
    String,
    /// `number`: arbitrary-precision decimal.
    Number,
    /// `bool`
    Bool,
    /// `dynamic`: the concrete type travels with the value.
    Dynamic,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`
    Map(Box<Type>),
    /// `object({...})`; attributes in name order.
    Object(BTreeMap<String, Type>),
    /// `tuple([...])`
    Tuple(Vec<Type>),
}

/// A type constraint that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid type constraint: {0}")]
pub struct InvalidType(pub String);

impl Type {
    /// `list(elem)`
    pub fn list(elem: Type) -> Self {
        Type::List(Box::new(elem))
    }
    /// `set(elem)`
    pub fn set(elem: Type) -> Self {
        Type::Set(Box::new(elem))
    }
    /// `map(elem)`
    pub fn map(elem: Type) -> Self {
        Type::Map(Box::new(elem))
    }
    /// `object({...})` from (name, type) pairs.
    pub fn object<I, S>(attrs: I) -> Self
    where
        I: IntoIterator<Item = (S, Type)>,
        S: Into<String>,
    {
        Type::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The type as HCL and tfplugindocs write it: `string`,
    /// `list(number)`, `dynamic`.
    pub fn to_hcl(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::Dynamic => "dynamic".into(),
            Type::List(e) => format!("list({})", e.to_hcl()),
            Type::Set(e) => format!("set({})", e.to_hcl()),
            Type::Map(e) => format!("map({})", e.to_hcl()),
            Type::Object(attrs) => format!(
                "object({{{}}})",
                attrs
                    .iter()
                    .map(|(k, t)| format!("{k} = {}", t.to_hcl()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Type::Tuple(items) => format!(
                "tuple([{}])",
                items
                    .iter()
                    .map(Type::to_hcl)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The JSON spelling Terraform uses: `"string"`, `["list","string"]`,
    /// `["object",{"a":"number"}]`, `"dynamic"`.
    pub fn to_json(&self) -> Json {
        match self {
            Type::String => json!("string"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::Dynamic => json!("dynamic"),
            Type::List(e) => json!(["list", e.to_json()]),
            Type::Set(e) => json!(["set", e.to_json()]),
            Type::Map(e) => json!(["map", e.to_json()]),
            Type::Object(attrs) => {
                let m: serde_json::Map<String, Json> = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                json!(["object", m])
            }
            Type::Tuple(elems) => {
                json!(["tuple", elems.iter().map(Type::to_json).collect::<Vec<_>>()])
            }
        }
    }

    /// Compact JSON bytes, as schema attributes and dynamic values carry them.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Reads the JSON spelling. Optional-attribute markers of object types
    /// (the third element) are accepted and ignored: values reaching a
    /// provider always carry every attribute.
    pub fn from_json(j: &Json) -> Result<Type, InvalidType> {
        let bad = || InvalidType(j.to_string());
        match j {
            Json::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                _ => Err(bad()),
            },
            Json::Array(parts) => {
                let kind = parts.first().and_then(Json::as_str).ok_or_else(bad)?;
                let arg = parts.get(1).ok_or_else(bad)?;
                match (kind, parts.len()) {
                    ("list", 2) => Ok(Type::list(Type::from_json(arg)?)),
                    ("set", 2) => Ok(Type::set(Type::from_json(arg)?)),
                    ("map", 2) => Ok(Type::map(Type::from_json(arg)?)),
                    ("object", 2 | 3) => {
                        let m = arg.as_object().ok_or_else(bad)?;
                        let attrs = m
                            .iter()
                            .map(|(k, t)| Ok((k.clone(), Type::from_json(t)?)))
                            .collect::<Result<_, InvalidType>>()?;
                        Ok(Type::Object(attrs))
                    }
                    ("tuple", 2) => {
                        let elems = arg.as_array().ok_or_else(bad)?;
                        Ok(Type::Tuple(
                            elems
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    /// Reads compact JSON bytes.
    pub fn from_json_bytes(b: &[u8]) -> Result<Type, InvalidType> {
        let j: Json = serde_json::from_slice(b)
            .map_err(|_| InvalidType(String::from_utf8_lossy(b).into_owned()))?;
        Type::from_json(&j)
    }
}

impl fmt::Display for Type {
    /// The HCL spelling, for messages: `list(string)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("any"),
            Type::List(e) => write!(f, "list({e})"),
            Type::Set(e) => write!(f, "set({e})"),
            Type::Map(e) => write!(f, "map({e})"),
            Type::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (k, t)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}={t}")?;
                }
                f.write_str("})")
            }
            Type::Tuple(elems) => {
                f.write_str("tuple([")?;
                for (i, t) in elems.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_spelling_round_trips() {
        let t = Type::object([
            ("a", Type::list(Type::String)),
            ("b", Type::Tuple(vec![Type::Number, Type::Bool])),
            ("c", Type::map(Type::set(Type::Dynamic))),
        ]);
        assert_eq!(
            t.to_json().to_string(),
            r#"["object",{"a":["list","string"],"b":["tuple",["number","bool"]],"c":["map",["set","dynamic"]]}]"#
        );
        assert_eq!(Type::from_json_bytes(&t.to_json_bytes()), Ok(t));
    }

    #[test]
    fn optional_attribute_markers_are_accepted() {
        let j: Json = serde_json::from_str(r#"["object",{"a":"string"},["a"]]"#).unwrap();
        assert_eq!(Type::from_json(&j), Ok(Type::object([("a", Type::String)])));
    }

    #[test]
    fn nonsense_is_rejected() {
        for s in [r#""strin""#, r#"["list"]"#, r#"["object",[]]"#, "3", "{"] {
            assert!(Type::from_json_bytes(s.as_bytes()).is_err(), "{s}");
        }
    }
}
