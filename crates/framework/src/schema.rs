//! Schemas in native form: what each configuration block accepts. The
//! protocol layer converts these to the wire; `to_json` renders the same
//! shape `terraform providers schema -json` prints.

use serde_json::{Map, Value as Json, json};

use super::Type;

/// A versioned schema for the provider, a resource or a data source.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// Bumped whenever the stored shape changes (drives state upgrades).
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

/// A configuration block: attributes and nested blocks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    /// Attributes, in the order documentation lists them.
    pub attributes: Vec<Attribute>,
    /// Nested block types.
    pub blocks: Vec<NestedBlock>,
    /// Markdown description.
    pub description: String,
    /// Whether the whole block is deprecated.
    pub deprecated: bool,
}

/// Whether an attribute must, may, or cannot be set in configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Must be set.
    Required,
    /// May be set; null otherwise.
    Optional,
    /// Set by the provider only.
    Computed,
    /// May be set; the provider decides when it is not.
    OptionalComputed,
}

/// What an attribute holds.
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeType {
    /// A value of a type.
    Plain(Type),
    /// A nested attribute object (protocol 6).
    Nested(NestedObject),
}

/// One attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// snake_case name.
    pub name: String,
    /// Its type.
    pub ty: AttributeType,
    /// Required, optional, computed.
    pub presence: Presence,
    /// Hidden in plan output.
    pub sensitive: bool,
    /// Sent in configuration only; never stored in plan or state.
    pub write_only: bool,
    /// Markdown description.
    pub description: String,
    /// Whether it is deprecated.
    pub deprecated: bool,
}

/// The nesting of a nested attribute object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectNesting {
    /// One object.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects.
    Map,
}

/// The shape of a nested attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct NestedObject {
    /// The attributes of each object.
    pub attributes: Vec<Attribute>,
    /// How objects are nested.
    pub nesting: ObjectNesting,
}

/// The nesting of a nested block type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockNesting {
    /// At most one block; null when absent.
    Single,
    /// Exactly one block; all attributes null when absent.
    Group,
    /// Zero or more blocks, ordered.
    List,
    /// Zero or more blocks, unordered.
    Set,
    /// Blocks with one label each.
    Map,
}

/// A nested block type.
#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    /// The block's name in configuration.
    pub type_name: String,
    /// What the block holds.
    pub block: Block,
    /// How many, and how they are keyed.
    pub nesting: BlockNesting,
    /// Lower bound on the count (0 = none).
    pub min_items: i64,
    /// Upper bound on the count (0 = none).
    pub max_items: i64,
}

impl Attribute {
    fn new(name: &str, ty: AttributeType, presence: Presence) -> Self {
        Attribute {
            name: name.to_owned(),
            ty,
            presence,
            sensitive: false,
            write_only: false,
            description: String::new(),
            deprecated: false,
        }
    }
    /// A required attribute.
    pub fn required(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeType::Plain(ty), Presence::Required)
    }
    /// An optional attribute.
    pub fn optional(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeType::Plain(ty), Presence::Optional)
    }
    /// A computed-only attribute.
    pub fn computed(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeType::Plain(ty), Presence::Computed)
    }
    /// An optional attribute the provider fills when unset.
    pub fn optional_computed(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeType::Plain(ty), Presence::OptionalComputed)
    }
    /// An optional nested attribute.
    pub fn optional_nested(name: &str, object: NestedObject) -> Self {
        Self::new(name, AttributeType::Nested(object), Presence::Optional)
    }
    /// A computed-only nested attribute.
    pub fn computed_nested(name: &str, object: NestedObject) -> Self {
        Self::new(name, AttributeType::Nested(object), Presence::Computed)
    }
    /// Sets the description.
    pub fn describe(mut self, d: &str) -> Self {
        self.description = d.to_owned();
        self
    }
    /// Marks it sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Marks it write-only.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// The attribute's value type.
    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttributeType::Plain(t) => t.clone(),
            AttributeType::Nested(o) => o.value_type(),
        }
    }
}

impl NestedObject {
    /// The type of the whole nested value.
    pub fn value_type(&self) -> Type {
        let obj = Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.value_type()))
                .collect(),
        );
        match self.nesting {
            ObjectNesting::Single => obj,
            ObjectNesting::List => Type::list(obj),
            ObjectNesting::Set => Type::set(obj),
            ObjectNesting::Map => Type::map(obj),
        }
    }
}

impl NestedBlock {
    /// A block that may appear at most once.
    pub fn single(type_name: &str, block: Block) -> Self {
        NestedBlock {
            type_name: type_name.to_owned(),
            block,
            nesting: BlockNesting::Single,
            min_items: 0,
            max_items: 0,
        }
    }

    /// A block that may appear any number of times, in order.
    pub fn list(type_name: &str, block: Block) -> Self {
        NestedBlock {
            nesting: BlockNesting::List,
            ..NestedBlock::single(type_name, block)
        }
    }

    /// The type of the block's value within its parent object.
    pub fn value_type(&self) -> Type {
        let obj = self.block.value_type();
        match self.nesting {
            BlockNesting::Single | BlockNesting::Group => obj,
            BlockNesting::List => Type::list(obj),
            BlockNesting::Set => Type::set(obj),
            BlockNesting::Map => Type::map(obj),
        }
    }
}

impl Block {
    /// A block with attributes and nested blocks.
    pub fn new(description: &str, attributes: Vec<Attribute>, blocks: Vec<NestedBlock>) -> Self {
        Block {
            attributes,
            blocks,
            description: description.to_owned(),
            deprecated: false,
        }
    }

    /// The object type of the block's value.
    pub fn value_type(&self) -> Type {
        let attrs = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()));
        let blocks = self
            .blocks
            .iter()
            .map(|b| (b.type_name.clone(), b.value_type()));
        Type::Object(attrs.chain(blocks).collect())
    }

    /// Looks up an attribute by name.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Looks up a nested block type by name.
    pub fn block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.type_name == name)
    }

    /// Every attribute in this block and below, with its dotted path.
    pub fn walk_attributes(&self) -> Vec<(String, &Attribute)> {
        fn attrs<'a>(prefix: &str, list: &'a [Attribute], out: &mut Vec<(String, &'a Attribute)>) {
            for a in list {
                let path = format!("{prefix}{}", a.name);
                out.push((path.clone(), a));
                if let AttributeType::Nested(o) = &a.ty {
                    attrs(&format!("{path}."), &o.attributes, out);
                }
            }
        }
        fn block<'a>(prefix: &str, b: &'a Block, out: &mut Vec<(String, &'a Attribute)>) {
            attrs(prefix, &b.attributes, out);
            for nb in &b.blocks {
                block(&format!("{prefix}{}.", nb.type_name), &nb.block, out);
            }
        }
        let mut out = Vec::new();
        block("", self, &mut out);
        out
    }

    /// The block as `terraform providers schema -json` prints it.
    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        if !self.attributes.is_empty() {
            m.insert("attributes".into(), attributes_json(&self.attributes));
        }
        if !self.blocks.is_empty() {
            let blocks: Map<String, Json> = self
                .blocks
                .iter()
                .map(|b| (b.type_name.clone(), b.to_json()))
                .collect();
            m.insert("block_types".into(), Json::Object(blocks));
        }
        if !self.description.is_empty() {
            m.insert("description".into(), json!(self.description));
        }
        m.insert(
            "description_kind".into(),
            json!(description_kind(&self.description)),
        );
        if self.deprecated {
            m.insert("deprecated".into(), json!(true));
        }
        Json::Object(m)
    }
}

impl NestedBlock {
    fn to_json(&self) -> Json {
        let mode = match self.nesting {
            BlockNesting::Single => "single",
            BlockNesting::Group => "group",
            BlockNesting::List => "list",
            BlockNesting::Set => "set",
            BlockNesting::Map => "map",
        };
        let mut m = Map::new();
        m.insert("nesting_mode".into(), json!(mode));
        m.insert("block".into(), self.block.to_json());
        if self.min_items > 0 {
            m.insert("min_items".into(), json!(self.min_items));
        }
        if self.max_items > 0 {
            m.insert("max_items".into(), json!(self.max_items));
        }
        Json::Object(m)
    }
}

impl Schema {
    /// The schema as `terraform providers schema -json` prints it.
    pub fn to_json(&self) -> Json {
        json!({"version": self.version, "block": self.block.to_json()})
    }
}

// Terraform reports "plain" for empty descriptions whatever kind was sent.
fn description_kind(description: &str) -> &'static str {
    if description.is_empty() {
        "plain"
    } else {
        "markdown"
    }
}

fn attributes_json(list: &[Attribute]) -> Json {
    let mut out = Map::new();
    for a in list {
        let mut m = Map::new();
        match &a.ty {
            AttributeType::Plain(t) => {
                m.insert("type".into(), t.to_json());
            }
            AttributeType::Nested(o) => {
                let mode = match o.nesting {
                    ObjectNesting::Single => "single",
                    ObjectNesting::List => "list",
                    ObjectNesting::Set => "set",
                    ObjectNesting::Map => "map",
                };
                m.insert(
                    "nested_type".into(),
                    json!({"attributes": attributes_json(&o.attributes), "nesting_mode": mode}),
                );
            }
        }
        if !a.description.is_empty() {
            m.insert("description".into(), json!(a.description));
        }
        m.insert(
            "description_kind".into(),
            json!(description_kind(&a.description)),
        );
        if a.deprecated {
            m.insert("deprecated".into(), json!(true));
        }
        match a.presence {
            Presence::Required => {
                m.insert("required".into(), json!(true));
            }
            Presence::Optional => {
                m.insert("optional".into(), json!(true));
            }
            Presence::Computed => {
                m.insert("computed".into(), json!(true));
            }
            Presence::OptionalComputed => {
                m.insert("optional".into(), json!(true));
                m.insert("computed".into(), json!(true));
            }
        }
        if a.sensitive {
            m.insert("sensitive".into(), json!(true));
        }
        if a.write_only {
            m.insert("write_only".into(), json!(true));
        }
        out.insert(a.name.clone(), Json::Object(m));
    }
    Json::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_value_type_includes_nested_blocks() {
        let b = Block::new(
            "",
            vec![Attribute::optional("a", Type::String)],
            vec![NestedBlock::single(
                "inner",
                Block::new("", vec![Attribute::required("x", Type::Number)], vec![]),
            )],
        );
        assert_eq!(
            b.value_type(),
            Type::object([
                ("a", Type::String),
                ("inner", Type::object([("x", Type::Number)]))
            ])
        );
        let paths: Vec<_> = b.walk_attributes().into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["a", "inner.x"]);
    }
}
