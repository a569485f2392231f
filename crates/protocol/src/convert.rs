//! Conversions between native provider types and their wire forms.

use super::codec::{self, CodecError};
use super::wire::tfplugin6 as pb;
use framework::function::{Function, Parameter};
use framework::{
    Attribute, AttributePath, AttributeType, Block, BlockNesting, Diagnostic, Diagnostics,
    NestedBlock, ObjectNesting, PathStep, Presence, ProviderServer, Schema, Severity, Type, Value,
};

/// A provider function's signature and documentation.
pub(crate) fn function(f: &Function) -> pb::Function {
    let parameter = |p: &Parameter| pb::function::Parameter {
        name: p.name.into(),
        r#type: p.ty.to_json_bytes(),
        allow_null_value: p.allow_null,
        allow_unknown_values: false,
        description: p.description.into(),
        description_kind: pb::StringKind::Markdown as i32,
    };
    pb::Function {
        parameters: f.parameters.iter().map(parameter).collect(),
        variadic_parameter: f.variadic.as_ref().map(parameter),
        r#return: Some(pb::function::Return {
            r#type: f.returns.to_json_bytes(),
        }),
        summary: f.summary.into(),
        description: f.description.into(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

/// Every provider function, by name.
pub(crate) fn functions(all: &[Function]) -> std::collections::HashMap<String, pb::Function> {
    all.iter()
        .map(|f| (f.name.to_owned(), function(f)))
        .collect()
}

pub(crate) fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block(&s.block)),
    }
}

fn block(b: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b.blocks.iter().map(nested_block).collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
    }
}

fn attribute(a: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &a.ty {
        AttributeType::Plain(t) => (t.to_json_bytes(), None),
        AttributeType::Nested(o) => {
            let nesting = match o.nesting {
                ObjectNesting::Single => pb::schema::object::NestingMode::Single,
                ObjectNesting::List => pb::schema::object::NestingMode::List,
                ObjectNesting::Set => pb::schema::object::NestingMode::Set,
                ObjectNesting::Map => pb::schema::object::NestingMode::Map,
            };
            #[allow(deprecated)]
            let obj = pb::schema::Object {
                attributes: o.attributes.iter().map(attribute).collect(),
                nesting: nesting as i32,
                min_items: 0,
                max_items: 0,
            };
            (Vec::new(), Some(obj))
        }
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.description.clone(),
        required: a.presence == Presence::Required,
        optional: matches!(a.presence, Presence::Optional | Presence::OptionalComputed),
        computed: matches!(a.presence, Presence::Computed | Presence::OptionalComputed),
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated,
        write_only: a.write_only,
    }
}

fn nested_block(b: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode as M;
    let nesting = match b.nesting {
        BlockNesting::Single => M::Single,
        BlockNesting::Group => M::Group,
        BlockNesting::List => M::List,
        BlockNesting::Set => M::Set,
        BlockNesting::Map => M::Map,
    };
    pb::schema::NestedBlock {
        type_name: b.type_name.clone(),
        block: Some(block(&b.block)),
        nesting: nesting as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

pub(crate) fn diagnostics(d: Diagnostics) -> Vec<pb::Diagnostic> {
    d.into_iter().map(diagnostic).collect()
}

fn diagnostic(d: Diagnostic) -> pb::Diagnostic {
    let severity = match d.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary,
        detail: d.detail,
        attribute: d.attribute.map(attribute_path),
    }
}

pub(crate) fn attribute_path(p: AttributePath) -> pb::AttributePath {
    use pb::attribute_path::{Step, step::Selector};
    pb::AttributePath {
        steps: p
            .0
            .into_iter()
            .map(|s| Step {
                selector: Some(match s {
                    PathStep::Attribute(a) => Selector::AttributeName(a),
                    PathStep::Key(k) => Selector::ElementKeyString(k),
                    PathStep::Index(i) => Selector::ElementKeyInt(i),
                }),
            })
            .collect(),
    }
}

/// Decodes a DynamicValue from Terraform. A failure is Terraform's or our
/// bug, never the user's, and the diagnostic says so.
pub(crate) fn value_in(
    v: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    let (mp, js) = v
        .map(|v| (v.msgpack.as_slice(), v.json.as_slice()))
        .unwrap_or((&[], &[]));
    codec::decode_dynamic_value(mp, js, ty).map_err(|e| codec_diagnostics(&e, what))
}

/// Encodes a value for Terraform; always msgpack.
pub(crate) fn value_out(v: &Value, ty: &Type) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: codec::encode_msgpack(v, ty),
        json: Vec::new(),
    }
}

fn codec_diagnostics(e: &CodecError, what: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    let summary = format!("Unreadable {what} from Terraform");
    let detail = format!(
        "The provider could not decode the {what} Terraform sent: {e}. This is a bug in the \
         provider or in Terraform, not in your configuration; please report it with the \
         Terraform version you use."
    );
    if e.path.0.is_empty() {
        d.error(summary, detail);
    } else {
        d.attribute_error(e.path.clone(), summary, detail);
    }
    d
}

/// The value type of a resource type, or the diagnostic for an unknown one.
pub(crate) fn resource_type(
    provider: &dyn ProviderServer,
    name: &str,
) -> Result<Type, Diagnostics> {
    type_of(provider.schemas().resources.get(name), "resource", name)
}

/// The value type of a data source type.
pub(crate) fn data_source_type(
    provider: &dyn ProviderServer,
    name: &str,
) -> Result<Type, Diagnostics> {
    type_of(
        provider.schemas().data_sources.get(name),
        "data source",
        name,
    )
}

/// A resource type's identity schema, on the wire.
pub(crate) fn identity_schema(
    s: &framework::resource::IdentitySchema,
) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: s.version,
        identity_attributes: s
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.into(),
                r#type: a.ty.to_json_bytes(),
                required_for_import: a.required_for_import,
                optional_for_import: !a.required_for_import,
                description: a.description.into(),
            })
            .collect(),
    }
}

/// The identity of the object `state` holds, on the wire; `None` for a
/// type without identity or while it is not known.
pub(crate) fn identity_out(
    provider: &dyn ProviderServer,
    type_name: &str,
    state: &Value,
) -> Option<pb::ResourceIdentityData> {
    let ty = provider.schemas().identities.get(type_name)?.value_type();
    let identity = provider.identity_of(type_name, state)?;
    Some(pb::ResourceIdentityData {
        identity_data: Some(value_out(&identity, &ty)),
    })
}

/// An identity from Terraform, decoded; `None` when absent or null.
pub(crate) fn identity_in(
    provider: &dyn ProviderServer,
    type_name: &str,
    data: Option<&pb::ResourceIdentityData>,
) -> Result<Option<Value>, Diagnostics> {
    let Some(ty) = provider
        .schemas()
        .identities
        .get(type_name)
        .map(framework::resource::IdentitySchema::value_type)
    else {
        return Ok(None);
    };
    let Some(raw) = data.and_then(|d| d.identity_data.as_ref()) else {
        return Ok(None);
    };
    let v = value_in(Some(raw), &ty, "resource identity")?;
    Ok((!v.is_null()).then_some(v))
}

/// The value type of an ephemeral resource type.
pub(crate) fn ephemeral_type(
    provider: &dyn ProviderServer,
    name: &str,
) -> Result<Type, Diagnostics> {
    type_of(
        provider.schemas().ephemeral_resources.get(name),
        "ephemeral resource",
        name,
    )
}

/// The value type of a list resource's `config` block.
pub(crate) fn list_resource_type(
    provider: &dyn ProviderServer,
    name: &str,
) -> Result<Type, Diagnostics> {
    type_of(
        provider.schemas().list_resources.get(name),
        "list resource",
        name,
    )
}

/// The value type of an action's configuration.
pub(crate) fn action_type(provider: &dyn ProviderServer, name: &str) -> Result<Type, Diagnostics> {
    type_of(provider.schemas().actions.get(name), "action", name)
}

fn type_of(schema: Option<&Schema>, kind: &str, name: &str) -> Result<Type, Diagnostics> {
    schema.map(|s| s.block.value_type()).ok_or_else(|| {
        let mut d = Diagnostics::new();
        d.error(
            format!("Unknown {kind} type"),
            format!("This provider has no {kind} type {name:?}."),
        );
        d
    })
}
