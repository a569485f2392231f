//! Terraform values in native form: what the protocol codec decodes into and
//! what every resource works with. A value carries enough type to be encoded
//! back exactly, including inside `dynamic` attributes.

use std::collections::BTreeMap;

use super::{Number, Type};

/// A Terraform value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Null of the given type.
    Null(Type),
    /// Not known until apply.
    Unknown(Type),
    /// `bool`
    Bool(bool),
    /// `number`
    Number(Number),
    /// `string`
    String(String),
    /// `list(elem)`
    List(Type, Vec<Value>),
    /// `set(elem)`; elements are kept in the order received.
    Set(Type, Vec<Value>),
    /// `map(elem)`
    Map(Type, BTreeMap<String, Value>),
    /// `object({...})`
    Object(BTreeMap<String, Value>),
    /// `tuple([...])`
    Tuple(Vec<Value>),
}

impl Value {
    /// The value's type. Every value knows its own type; `dynamic` never
    /// appears here unless a null or unknown was of dynamic type.
    pub fn ty(&self) -> Type {
        match self {
            Value::Null(t) | Value::Unknown(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(e, _) => Type::list(e.clone()),
            Value::Set(e, _) => Type::set(e.clone()),
            Value::Map(e, _) => Type::map(e.clone()),
            Value::Object(attrs) => {
                Type::Object(attrs.iter().map(|(k, v)| (k.clone(), v.ty())).collect())
            }
            Value::Tuple(items) => Type::Tuple(items.iter().map(Value::ty).collect()),
        }
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// An object value from (name, value) pairs.
    pub fn object<I, S>(attrs: I) -> Value
    where
        I: IntoIterator<Item = (S, Value)>,
        S: Into<String>,
    {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null(_))
    }

    /// Whether this is unknown at the top level.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// Whether the value, including everything nested in it, is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(_, m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// An attribute of an object value; `None` for anything else.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(attrs) => attrs.get(name),
            _ => None,
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A copy of this object value with one attribute set (states are
    /// built from plans this way).
    pub fn with_attr(&self, name: &str, v: Value) -> Value {
        let mut s = self.clone();
        if let Value::Object(m) = &mut s {
            m.insert(name.to_owned(), v);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_follow_values() {
        let v = Value::object([
            ("a", Value::string("x")),
            ("b", Value::List(Type::Number, vec![])),
            ("c", Value::Null(Type::Bool)),
            (
                "d",
                Value::Tuple(vec![Value::Bool(true), Value::Unknown(Type::String)]),
            ),
        ]);
        assert_eq!(
            v.ty(),
            Type::object([
                ("a", Type::String),
                ("b", Type::list(Type::Number)),
                ("c", Type::Bool),
                ("d", Type::Tuple(vec![Type::Bool, Type::String])),
            ])
        );
        assert!(!v.is_wholly_known());
        assert!(v.get("a").unwrap().is_wholly_known());
    }
}
