//! The msgpack encoding of Terraform values (go-cty's `cty/msgpack`):
//! objects are maps, unknowns are any extension (we write `d4 00 00`), and a
//! `dynamic` value is `[type JSON as bin, value]` unless null or unknown.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rmpv::Value as Mp;

use super::CodecError;
use framework::{AttributePath, Number, Type, Value};

/// How deep values may nest before we refuse them; far beyond any real
/// configuration, and keeps hostile input from exhausting the stack.
const MAX_DEPTH: usize = 256;

/// Decodes msgpack bytes as a value of `ty`.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let root = AttributePath::default();
    let mut rd = bytes;
    let mp = rmpv::decode::read_value_with_max_depth(&mut rd, MAX_DEPTH)
        .map_err(|e| CodecError::new(&root, format!("invalid msgpack: {e}")))?;
    if !rd.is_empty() {
        return Err(CodecError::new(&root, "trailing bytes after msgpack value"));
    }
    from_mp(mp, ty, &Trail::Root)
}

/// Where decoding is, as a chain of borrowed steps; it becomes an
/// `AttributePath` only when an error names it (building one per value made
/// decoding quadratic in the depth).
enum Trail<'a> {
    Root,
    Attr(&'a Trail<'a>, &'a str),
    Key(&'a Trail<'a>, &'a str),
    Index(&'a Trail<'a>, usize),
}

impl Trail<'_> {
    fn path(&self) -> AttributePath {
        match self {
            Trail::Root => AttributePath::default(),
            Trail::Attr(up, name) => up.path().attr(name),
            Trail::Key(up, key) => up.path().key(key),
            Trail::Index(up, i) => up.path().index(*i),
        }
    }
}

/// Encodes a value as msgpack for a slot of type `ty` (which decides whether
/// the value must carry its own type, as in `dynamic` slots).
pub fn encode_msgpack(v: &Value, ty: &Type) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, &to_mp(v, ty));
    out
}

fn from_mp(mp: Mp, ty: &Type, path: &Trail) -> Result<Value, CodecError> {
    // Any extension is an unknown; refinements (code 12) are tolerated and
    // dropped, which only makes the unknown less precise.
    if let Mp::Ext(..) = mp {
        return Ok(Value::Unknown(ty.clone()));
    }
    if let Mp::Nil = mp {
        return Ok(Value::Null(ty.clone()));
    }
    match ty {
        Type::Dynamic => dynamic_from_mp(mp, ty, path),
        Type::String => match mp {
            Mp::String(s) => s
                .into_str()
                .map(Value::String)
                .ok_or_else(|| mismatch(ty, path, "invalid UTF-8")),
            other => Err(mismatch(ty, path, kind(&other))),
        },
        Type::Bool => match mp {
            Mp::Boolean(b) => Ok(Value::Bool(b)),
            other => Err(mismatch(ty, path, kind(&other))),
        },
        Type::Number => number_from_mp(mp, ty, path),
        Type::List(elem) | Type::Set(elem) => {
            let Mp::Array(items) = mp else {
                return Err(mismatch(ty, path, kind(&mp)));
            };
            let items = items
                .into_iter()
                .enumerate()
                .map(|(i, it)| from_mp(it, elem, &Trail::Index(path, i)))
                .collect::<Result<Vec<_>, _>>()?;
            let elem = (**elem).clone();
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(elem, items)
            } else {
                Value::Set(elem, items)
            })
        }
        Type::Tuple(elems) => tuple_from_mp(mp, ty, elems, path),
        Type::Map(elem) => {
            let Mp::Map(entries) = mp else {
                return Err(mismatch(ty, path, kind(&mp)));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let k = key(k, path)?;
                let v = from_mp(v, elem, &Trail::Key(path, &k))?;
                out.insert(k, v);
            }
            Ok(Value::Map((**elem).clone(), out))
        }
        Type::Object(attrs) => object_from_mp(mp, ty, attrs, path),
    }
}

/// The error for a value that is not of the type expected at `path`.
fn mismatch(ty: &Type, path: &Trail, got: &str) -> CodecError {
    CodecError::new(&path.path(), format!("expected {ty}, got {got}"))
}

/// A dynamic value: `[type as JSON, value]`.
fn dynamic_from_mp(mp: Mp, ty: &Type, path: &Trail) -> Result<Value, CodecError> {
    let Mp::Array(pair) = mp else {
        return Err(mismatch(ty, path, "a bare value"));
    };
    let Ok([type_value, inner]) = <[Mp; 2]>::try_from(pair) else {
        return Err(mismatch(ty, path, "a malformed dynamic value"));
    };
    let type_bytes = match type_value {
        Mp::Binary(b) => b,
        Mp::String(s) => s.into_bytes(),
        _ => return Err(mismatch(ty, path, "a dynamic value without a type")),
    };
    let actual = Type::from_json_bytes(&type_bytes)
        .map_err(|e| CodecError::new(&path.path(), e.to_string()))?;
    from_mp(inner, &actual, path)
}

fn number_from_mp(mp: Mp, ty: &Type, path: &Trail) -> Result<Value, CodecError> {
    let n = match mp {
        Mp::Integer(i) => match (i.as_i64(), i.as_u64()) {
            (Some(i), _) => Some(Number::from(i)),
            (None, Some(u)) => Some(Number::from(u)),
            _ => None,
        },
        Mp::F64(f) => Number::from_f64(f),
        Mp::F32(f) => Number::from_f64(f as f64),
        // Numbers beyond float precision travel as decimal text.
        Mp::String(s) => s.as_str().and_then(|s| s.parse().ok()),
        ref other => return Err(mismatch(ty, path, kind(other))),
    };
    n.map(Value::Number)
        .ok_or_else(|| mismatch(ty, path, "an unreadable number"))
}

fn tuple_from_mp(mp: Mp, ty: &Type, elems: &[Type], path: &Trail) -> Result<Value, CodecError> {
    let Mp::Array(items) = mp else {
        return Err(mismatch(ty, path, kind(&mp)));
    };
    if items.len() != elems.len() {
        return Err(mismatch(ty, path, &format!("{} elements", items.len())));
    }
    let items = items
        .into_iter()
        .zip(elems)
        .enumerate()
        .map(|(i, (it, t))| from_mp(it, t, &Trail::Index(path, i)))
        .collect::<Result<_, _>>()?;
    Ok(Value::Tuple(items))
}

fn object_from_mp(
    mp: Mp,
    ty: &Type,
    attrs: &BTreeMap<String, Type>,
    path: &Trail,
) -> Result<Value, CodecError> {
    let Mp::Map(entries) = mp else {
        return Err(mismatch(ty, path, kind(&mp)));
    };
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let k = key(k, path)?;
        let Some(t) = attrs.get(&k) else {
            return Err(CodecError::new(
                &path.path(),
                format!("unexpected attribute {k:?}"),
            ));
        };
        let v = from_mp(v, t, &Trail::Attr(path, &k))?;
        out.insert(k, v);
    }
    // Absent attributes are null, as an empty DynamicValue is.
    for (k, t) in attrs {
        out.entry(k.clone())
            .or_insert_with(|| Value::Null(t.clone()));
    }
    Ok(Value::Object(out))
}

fn key(k: Mp, path: &Trail) -> Result<String, CodecError> {
    match k {
        Mp::String(s) => s
            .into_str()
            .ok_or_else(|| CodecError::new(&path.path(), "map key is not UTF-8")),
        other => Err(CodecError::new(
            &path.path(),
            format!("map key is {}", kind(&other)),
        )),
    }
}

fn kind(mp: &Mp) -> &'static str {
    match mp {
        Mp::Nil => "null",
        Mp::Boolean(_) => "a bool",
        Mp::Integer(_) | Mp::F32(_) | Mp::F64(_) => "a number",
        Mp::String(_) => "a string",
        Mp::Binary(_) => "binary data",
        Mp::Array(_) => "an array",
        Mp::Map(_) => "a map",
        Mp::Ext(..) => "an unknown",
    }
}

fn to_mp(v: &Value, ty: &Type) -> Mp {
    // A dynamic slot wraps its value with the value's type, even a typed
    // null or unknown; only a null or unknown of unknown type stays bare.
    if *ty == Type::Dynamic {
        let actual = v.ty();
        if actual != Type::Dynamic {
            return Mp::Array(vec![Mp::Binary(actual.to_json_bytes()), to_mp(v, &actual)]);
        }
    }
    match v {
        Value::Null(_) => return Mp::Nil,
        // cty's own spelling of an unrefined unknown: fixext1, code 0.
        Value::Unknown(_) => return Mp::Ext(0, vec![0]),
        _ => {}
    }
    // Slot types below come from the schema; the value's own types are used
    // for its children so nested dynamics are wrapped where they occur.
    match v {
        Value::Null(_) | Value::Unknown(_) => unreachable!("handled above"),
        Value::Bool(b) => Mp::Boolean(*b),
        Value::String(s) => Mp::String(s.as_str().into()),
        Value::Number(n) => number(n),
        Value::List(_, items) | Value::Set(_, items) => {
            let elem = match ty {
                Type::List(e) | Type::Set(e) => Cow::Borrowed(&**e),
                _ => Cow::Owned(element_type(v)),
            };
            Mp::Array(items.iter().map(|it| to_mp(it, &elem)).collect())
        }
        Value::Tuple(items) => match ty {
            Type::Tuple(t) if t.len() == items.len() => {
                Mp::Array(items.iter().zip(t).map(|(it, t)| to_mp(it, t)).collect())
            }
            _ => Mp::Array(items.iter().map(|it| to_mp(it, &it.ty())).collect()),
        },
        Value::Map(_, m) => {
            let elem = match ty {
                Type::Map(e) => Cow::Borrowed(&**e),
                _ => Cow::Owned(element_type(v)),
            };
            Mp::Map(
                m.iter()
                    .map(|(k, it)| (Mp::String(k.as_str().into()), to_mp(it, &elem)))
                    .collect(),
            )
        }
        // The slot's attribute types are borrowed, not cloned: cloning them
        // at every level made encoding quadratic in the depth.
        Value::Object(attrs) => Mp::Map(
            attrs
                .iter()
                .map(|(k, it)| {
                    let t = match ty {
                        Type::Object(ts) => {
                            ts.get(k).map_or_else(|| Cow::Owned(it.ty()), Cow::Borrowed)
                        }
                        _ => Cow::Owned(it.ty()),
                    };
                    (Mp::String(k.as_str().into()), to_mp(it, &t))
                })
                .collect(),
        ),
    }
}

fn number(n: &Number) -> Mp {
    if let Some(i) = n.as_i64() {
        Mp::from(i)
    } else if let Some(u) = n.as_u64() {
        Mp::from(u)
    } else if let Some(f) = n.as_exact_f64() {
        Mp::F64(f)
    } else {
        // Beyond float precision: decimal text, as cty does.
        Mp::String(n.to_string().into())
    }
}

/// The element type a collection value carries (dynamic for others).
fn element_type(v: &Value) -> Type {
    match v {
        Value::List(e, _) | Value::Set(e, _) | Value::Map(e, _) => e.clone(),
        _ => Type::Dynamic,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn unknown_is_cty_fixext() {
        assert_eq!(
            hex(&encode_msgpack(
                &Value::Unknown(Type::String),
                &Type::String
            )),
            "d40000"
        );
    }

    #[test]
    fn any_extension_decodes_as_unknown() {
        // fixext1 code 0; empty ext8 code 0; refined unknown (code 12, map payload).
        for bytes in [
            &[0xd4, 0, 0][..],
            &[0xc7, 0, 0],
            &[0xc7, 3, 12, 0x81, 0x01, 0xc3],
        ] {
            assert_eq!(
                decode_msgpack(bytes, &Type::String),
                Ok(Value::Unknown(Type::String))
            );
        }
    }

    #[test]
    fn dynamic_matches_terraform_bytes() {
        // What Terraform 1.11 sent for `dyn = {x=1, y=["a","b"]}` (protocol.md §3.8).
        let tf = "92c43b5b226f626a656374222c7b2278223a226e756d626572222c2279223a5b227475706c65222c5b22737472696e67222c22737472696e67225d5d7d5d82a17801a17992a161a162";
        let bytes: Vec<u8> = (0..tf.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&tf[i..i + 2], 16).unwrap())
            .collect();
        let v = decode_msgpack(&bytes, &Type::Dynamic).unwrap();
        assert_eq!(
            v,
            Value::object([
                ("x", Value::Number(Number::from(1i64))),
                (
                    "y",
                    Value::Tuple(vec![Value::string("a"), Value::string("b")])
                ),
            ])
        );
        assert_eq!(hex(&encode_msgpack(&v, &Type::Dynamic)), tf);
    }

    #[test]
    fn dynamic_null_and_unknown_are_bare() {
        assert_eq!(
            encode_msgpack(&Value::Null(Type::Dynamic), &Type::Dynamic),
            [0xc0]
        );
        assert_eq!(
            decode_msgpack(&[0xc0], &Type::Dynamic),
            Ok(Value::Null(Type::Dynamic))
        );
        assert_eq!(
            decode_msgpack(&[0xd4, 0, 0], &Type::Dynamic),
            Ok(Value::Unknown(Type::Dynamic))
        );
        // An unknown of known type inside a dynamic slot keeps its type.
        let wrapped = [
            0x92, 0xc4, 0x08, b'"', b's', b't', b'r', b'i', b'n', b'g', b'"', 0xd4, 0, 0,
        ];
        assert_eq!(
            decode_msgpack(&wrapped, &Type::Dynamic),
            Ok(Value::Unknown(Type::String))
        );
    }

    #[test]
    fn big_numbers_travel_as_text() {
        let big: Number = "123456789012345678901234567890.000001".parse().unwrap();
        let bytes = encode_msgpack(&Value::Number(big.clone()), &Type::Number);
        assert_eq!(bytes[0], 0xd9, "str8: decimal text, not a float");
        assert_eq!(
            decode_msgpack(&bytes, &Type::Number),
            Ok(Value::Number(big))
        );
    }

    #[test]
    fn mismatches_name_the_path() {
        let ty = Type::object([("a", Type::list(Type::Number))]);
        // {"a": [1, "x"]}
        let bytes = [0x81, 0xa1, b'a', 0x92, 0x01, 0xa1, b'x'];
        let err = decode_msgpack(&bytes, &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected number, got an unreadable number at a[1]"
        );
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let deep = vec![0x91u8; 100_000];
        assert!(decode_msgpack(&deep, &Type::Dynamic).is_err());
        assert!(
            decode_msgpack(&[0xdd, 0xff, 0xff, 0xff, 0xff], &Type::list(Type::String)).is_err()
        );
        assert!(decode_msgpack(&[0x01, 0x02], &Type::Number).is_err());
    }

    /// A type, at most a few levels deep.
    pub(crate) fn arb_type() -> impl Strategy<Value = Type> {
        let leaf = prop_oneof![
            Just(Type::String),
            Just(Type::Number),
            Just(Type::Bool),
            Just(Type::Dynamic)
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(Type::list),
                inner.clone().prop_map(Type::set),
                inner.clone().prop_map(Type::map),
                prop::collection::btree_map("[a-z_]{1,6}", inner.clone(), 0..4)
                    .prop_map(Type::Object),
                prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
            ]
        })
    }

    fn arb_number() -> impl Strategy<Value = Number> {
        prop_oneof![
            any::<i64>().prop_map(Number::from),
            any::<u64>().prop_map(Number::from),
            any::<f64>().prop_filter_map("finite", Number::from_f64),
            "-?[0-9]{1,40}\\.[0-9]{1,20}".prop_map(|s| s.parse().unwrap()),
        ]
    }

    /// A value conforming to `ty` (with nulls and unknowns sprinkled in).
    pub(crate) fn arb_value(ty: Type) -> BoxedStrategy<Value> {
        let special = prop_oneof![
            Just(Value::Null(ty.clone())),
            Just(Value::Unknown(ty.clone()))
        ];
        let known: BoxedStrategy<Value> = match ty.clone() {
            Type::String => ".{0,12}".prop_map(Value::String).boxed(),
            Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            Type::Number => arb_number().prop_map(Value::Number).boxed(),
            Type::Dynamic => prop_oneof![
                Just(Type::String),
                Just(Type::Number),
                Just(Type::list(Type::Bool))
            ]
            .prop_flat_map(arb_value)
            .boxed(),
            Type::List(e) => {
                let e2 = (*e).clone();
                prop::collection::vec(arb_value(*e), 0..3)
                    .prop_map(move |v| Value::List(e2.clone(), v))
                    .boxed()
            }
            Type::Set(e) => {
                let e2 = (*e).clone();
                prop::collection::vec(arb_value(*e), 0..3)
                    .prop_map(move |v| Value::Set(e2.clone(), v))
                    .boxed()
            }
            Type::Map(e) => {
                let e2 = (*e).clone();
                prop::collection::btree_map(".{0,4}", arb_value(*e), 0..3)
                    .prop_map(move |m| Value::Map(e2.clone(), m))
                    .boxed()
            }
            Type::Object(attrs) => attrs
                .into_iter()
                .map(|(k, t)| arb_value(t).prop_map(move |v| (k.clone(), v)))
                .collect::<Vec<_>>()
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
                .boxed(),
            Type::Tuple(ts) => ts
                .into_iter()
                .map(arb_value)
                .collect::<Vec<_>>()
                .prop_map(Value::Tuple)
                .boxed(),
        };
        prop_oneof![1 => special, 6 => known].boxed()
    }

    proptest! {
        #[test]
        fn msgpack_round_trips((ty, v) in arb_type().prop_flat_map(|t| (Just(t.clone()), arb_value(t)))) {
            let bytes = encode_msgpack(&v, &ty);
            prop_assert_eq!(decode_msgpack(&bytes, &ty), Ok(v));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), ty in arb_type()) {
            let _ = decode_msgpack(&bytes, &ty);
        }
    }
}
