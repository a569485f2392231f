//! Registry documentation rendered from the provider's own schema: the
//! `docs` subcommand, and the test that keeps `docs/` equal to what it
//! renders. Prose lives in `templates/`, with placeholders for what comes
//! from elsewhere: `{{description}}` (the schema's), `{{example}}` (from
//! `examples/`), `{{import}}` (from an example's `import.sh`) and
//! `{{schema}}` (the Required / Optional / Read-Only sections, as
//! tfplugindocs lays them out).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::{Attribute, AttributeType, Block, BlockNesting, NestedBlock, Presence, Schema, Type};
use framework::ProviderSchemas;

/// One page to render.
struct Page {
    /// Where it goes, below the docs directory.
    out: PathBuf,
    /// Its template, below the templates directory.
    template: PathBuf,
    /// The schema it documents.
    schema: Schema,
    /// Its example folder, below the examples directory.
    examples: Option<PathBuf>,
}

fn pages(s: &ProviderSchemas) -> Vec<Page> {
    let mut pages = vec![Page {
        out: "index.md".into(),
        template: "index.md.tmpl".into(),
        schema: s.provider.clone(),
        examples: Some("provider".into()),
    }];
    for (name, schema) in &s.resources {
        let short = name.trim_start_matches("driver_");
        pages.push(Page {
            out: format!("resources/{short}.md").into(),
            template: format!("resources/{short}.md.tmpl").into(),
            schema: schema.clone(),
            examples: Some(format!("resources/{name}").into()),
        });
    }
    for (name, schema) in &s.data_sources {
        let short = name.trim_start_matches("driver_");
        pages.push(Page {
            out: format!("data-sources/{short}.md").into(),
            template: format!("data-sources/{short}.md.tmpl").into(),
            schema: schema.clone(),
            examples: Some(format!("data-sources/{name}").into()),
        });
    }
    for (name, schema) in &s.list_resources {
        let short = name.trim_start_matches("driver_");
        pages.push(Page {
            out: format!("list-resources/{short}.md").into(),
            template: format!("list-resources/{short}.md.tmpl").into(),
            schema: schema.clone(),
            examples: None,
        });
    }
    for (name, schema) in &s.actions {
        let short = name.trim_start_matches("driver_");
        pages.push(Page {
            out: format!("actions/{short}.md").into(),
            template: format!("actions/{short}.md.tmpl").into(),
            schema: schema.clone(),
            examples: Some(format!("actions/{name}").into()),
        });
    }
    for (name, schema) in &s.ephemeral_resources {
        let short = name.trim_start_matches("driver_");
        pages.push(Page {
            out: format!("ephemeral-resources/{short}.md").into(),
            template: format!("ephemeral-resources/{short}.md.tmpl").into(),
            schema: schema.clone(),
            examples: Some(format!("ephemeral-resources/{name}").into()),
        });
    }
    pages
}

/// Renders every page: (path below the docs directory, contents).
pub fn render(
    schemas: &ProviderSchemas,
    templates: &Path,
    examples: &Path,
) -> Result<Vec<(PathBuf, String)>, String> {
    pages(schemas)
        .into_iter()
        .map(|p| {
            let tmpl_path = templates.join(&p.template);
            let tmpl = std::fs::read_to_string(&tmpl_path)
                .map_err(|e| format!("{}: {e}", tmpl_path.display()))?;
            let example_dir = p.examples.map(|d| examples.join(d));
            let mut text = tmpl.replace("{{description}}", p.schema.block.description.trim());
            if text.contains("{{example}}") {
                text = text.replace(
                    "{{example}}",
                    &fenced(example_dir.as_deref(), "tf", "terraform")?,
                );
            }
            if text.contains("{{import}}") {
                text = text.replace(
                    "{{import}}",
                    &fenced(example_dir.as_deref(), "sh", "shell")?,
                );
            }
            text = text.replace("{{schema}}", &schema_markdown(&p.schema.block));
            Ok((p.out, text))
        })
        .chain(
            crate::functions::all()
                .iter()
                .map(|f| Ok((format!("functions/{}.md", f.name).into(), function_page(f)))),
        )
        .collect()
}

/// A function's page, in tfplugindocs' layout, wholly from its
/// descriptor: the signature and the docs cannot disagree.
fn function_page(f: &crate::functions::Function) -> String {
    let param = |p: &crate::functions::Parameter| format!("{} {}", p.name, p.ty.to_hcl());
    let mut signature: Vec<String> = f.parameters.iter().map(param).collect();
    if let Some(v) = &f.variadic {
        signature.push(format!("{}...", param(v)));
    }
    let mut out = format!(
        "---\npage_title: \"{name} function - driver\"\nsubcategory: \"\"\ndescription: |-\n  {summary}\n---\n\n\
         # function: {name}\n\n{description}\n\nNeeds Terraform 1.8+ or OpenTofu 1.7+.\n\n\
         ## Example Usage\n\n```terraform\n{example}\n```\n\nThe outputs:\n\n```json\n{outputs}\n```\n\n\
         ## Signature\n\n```text\n{name}({signature}) {returns}\n```\n\n## Arguments\n\n",
        name = f.name,
        summary = f.summary,
        description = f.description,
        example = f.example,
        outputs = f.example_outputs,
        signature = signature.join(", "),
        returns = f.returns.to_hcl(),
    );
    let all = f.parameters.iter().chain(f.variadic.iter());
    for (i, p) in all.enumerate() {
        let variadic = if i >= f.parameters.len() {
            ", Variadic"
        } else {
            ""
        };
        let nullable = if p.allow_null { ", Nullable" } else { "" };
        let _ = writeln!(
            out,
            "{}. `{}` ({}{nullable}{variadic}) {}",
            i + 1,
            p.name,
            type_name(&p.ty),
            p.description
        );
    }
    out
}

/// The example files with extension `ext` in `dir`, in one code block.
fn fenced(dir: Option<&Path>, ext: &str, lang: &str) -> Result<String, String> {
    let dir = dir.ok_or("no example folder for this page")?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{} has no .{ext} example", dir.display()));
    }
    let mut out = format!("```{lang}\n");
    for f in files {
        out.push_str(
            std::fs::read_to_string(&f)
                .map_err(|e| format!("{}: {e}", f.display()))?
                .trim_end(),
        );
        out.push('\n');
    }
    out.push_str("```");
    Ok(out)
}

fn type_name(t: &Type) -> String {
    match t {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(e) => format!("List of {}", type_name(e)),
        Type::Set(e) => format!("Set of {}", type_name(e)),
        Type::Map(e) => format!("Map of {}", type_name(e)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

fn attribute_line(a: &Attribute) -> String {
    let mut kind = match &a.ty {
        AttributeType::Plain(t) => type_name(t),
        AttributeType::Nested(_) => "Attributes".into(),
    };
    if a.sensitive {
        kind.push_str(", Sensitive");
    }
    if a.write_only {
        kind.push_str(", Write-only");
    }
    if a.deprecated {
        kind.push_str(", Deprecated");
    }
    format!("- `{}` ({kind}) {}\n", a.name, a.description.trim())
}

fn block_line(b: &NestedBlock, anchor: &str) -> String {
    let kind = match b.nesting {
        BlockNesting::Single | BlockNesting::Group => "Block",
        BlockNesting::List => "Block List",
        BlockNesting::Set => "Block Set",
        BlockNesting::Map => "Block Map",
    };
    format!(
        "- `{}` ({kind}) {} (see [below for nested schema](#{anchor}))\n",
        b.type_name,
        b.block.description.trim()
    )
}

/// The sections of `block`'s nested attributes: each lists its own.
fn write_nested_attributes(block: &Block, prefix: &str, nested: &mut String) {
    for a in &block.attributes {
        let AttributeType::Nested(object) = &a.ty else {
            continue;
        };
        let path = format!("{prefix}{}", a.name);
        let _ = write!(
            nested,
            "\n<a id=\"nestedatt--{path}\"></a>\n### Nested Schema for `{}`\n",
            path.replace("--", ".")
        );
        let inner = Block {
            attributes: object.attributes.clone(),
            ..Block::default()
        };
        let mut deeper = String::new();
        write_block(&inner, &format!("{path}--"), nested, &mut deeper, false);
        nested.push_str(&deeper);
    }
}

/// The Schema sections of one block and, below them, its nested blocks.
fn schema_markdown(block: &Block) -> String {
    let mut out = String::from("## Schema\n");
    let mut nested = String::new();
    write_block(block, "", &mut out, &mut nested, true);
    out.push_str(&nested);
    out.trim_end().to_owned()
}

/// A section of a block's docs: its title and which attributes it lists.
type Group = (&'static str, fn(&Presence) -> bool);

fn write_block(block: &Block, prefix: &str, out: &mut String, nested: &mut String, top: bool) {
    let groups: [Group; 3] = [
        ("Required", |p| *p == Presence::Required),
        ("Optional", |p| {
            matches!(p, Presence::Optional | Presence::OptionalComputed)
        }),
        ("Read-Only", |p| *p == Presence::Computed),
    ];
    for (title, member) in groups {
        let attrs: Vec<&Attribute> = block
            .attributes
            .iter()
            .filter(|a| member(&a.presence))
            .collect();
        // Blocks are always optional in the schema's sense.
        let blocks: Vec<&NestedBlock> = if title == "Optional" {
            block.blocks.iter().filter(|b| b.min_items == 0).collect()
        } else if title == "Required" {
            block.blocks.iter().filter(|b| b.min_items > 0).collect()
        } else {
            Vec::new()
        };
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        if top {
            let _ = write!(out, "\n### {title}\n\n");
        } else {
            let _ = write!(out, "\n{title}:\n\n");
        }
        let mut lines: Vec<(&str, String)> = attrs
            .iter()
            .map(|a| {
                let mut line = attribute_line(a);
                if matches!(a.ty, AttributeType::Nested(_)) {
                    // Its attributes are listed below, as a nested block's are.
                    let anchor = format!("nestedatt--{prefix}{}", a.name);
                    line = format!(
                        "{} (see [below for nested schema](#{anchor}))\n",
                        line.trim_end()
                    );
                }
                (a.name.as_str(), line)
            })
            .collect();
        for b in blocks {
            let anchor = format!("nestedblock--{prefix}{}", b.type_name);
            lines.push((b.type_name.as_str(), block_line(b, &anchor)));
        }
        lines.sort();
        out.extend(lines.into_iter().map(|(_, l)| l));
    }
    write_nested_attributes(block, prefix, nested);
    for b in &block.blocks {
        let path = format!("{prefix}{}", b.type_name);
        let anchor = format!("nestedblock--{path}");
        let mut section = format!(
            "\n<a id=\"{anchor}\"></a>\n### Nested Schema for `{}`\n",
            path.replace("--", ".")
        );
        let mut deeper = String::new();
        write_block(
            &b.block,
            &format!("{path}--"),
            &mut section,
            &mut deeper,
            false,
        );
        nested.push_str(&section);
        nested.push_str(&deeper);
    }
}

/// Writes the rendered pages below `out`.
pub fn write(pages: &[(PathBuf, String)], out: &Path) -> std::io::Result<()> {
    for (path, text) in pages {
        let full = out.join(path);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(full, format!("{}\n", text.trim_end()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DriverProvider, Environment};
    use framework::ProviderServer;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// `docs/` is what the schema, templates and examples render to. Set
    /// `UPDATE_DOCS=1` to rewrite it after an intended change.
    #[test]
    fn committed_docs_are_current() {
        let schemas = DriverProvider::server(Environment::default())
            .schemas()
            .clone();
        let pages = render(
            &schemas,
            &root().join("templates"),
            &root().join("examples"),
        )
        .unwrap();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            write(&pages, &root().join("docs")).unwrap();
        }
        for (path, text) in &pages {
            let committed =
                std::fs::read_to_string(root().join("docs").join(path)).unwrap_or_default();
            assert!(
                committed == format!("{}\n", text.trim_end()),
                "docs/{} is out of date; run `UPDATE_DOCS=1 cargo test committed_docs` (or `terraform-provider-driver docs`) and commit it",
                path.display()
            );
        }
    }

    #[test]
    fn every_schema_attribute_is_documented() {
        let schemas = DriverProvider::server(Environment::default())
            .schemas()
            .clone();
        let pages = render(
            &schemas,
            &root().join("templates"),
            &root().join("examples"),
        )
        .unwrap();
        let all: String = pages.iter().map(|(_, t)| t.as_str()).collect();
        for (kind, map) in [
            ("resource", &schemas.resources),
            ("data source", &schemas.data_sources),
        ] {
            for (name, schema) in map {
                for (path, _) in schema.block.walk_attributes() {
                    let leaf = path.rsplit('.').next().unwrap();
                    assert!(
                        all.contains(&format!("`{leaf}`")),
                        "{kind} {name}: {path} is not in the docs"
                    );
                }
            }
        }
    }

    #[test]
    fn nested_attributes_list_their_own_attributes() {
        let b = Block::new(
            "",
            vec![
                Attribute::computed_nested(
                    "secret",
                    framework::NestedObject {
                        attributes: vec![
                            Attribute::computed("value", Type::Dynamic)
                                .describe("The value.")
                                .sensitive(),
                        ],
                        nesting: framework::ObjectNesting::Single,
                    },
                )
                .describe("Hidden."),
            ],
            vec![],
        );
        let md = schema_markdown(&b);
        assert!(
            md.contains("- `secret` (Attributes) Hidden. (see [below for nested schema](#nestedatt--secret))"),
            "{md}"
        );
        assert!(
            md.contains("<a id=\"nestedatt--secret\"></a>\n### Nested Schema for `secret`\n\nRead-Only:\n\n- `value` (Dynamic, Sensitive) The value."),
            "{md}"
        );
    }

    #[test]
    fn schema_sections_follow_tfplugindocs() {
        let b = Block::new(
            "",
            vec![
                Attribute::required("path", Type::String).describe("The path."),
                Attribute::optional("tags", Type::map(Type::String)).describe("Tags."),
                Attribute::computed("id", Type::String).describe("The id."),
                Attribute::optional("secret", Type::String)
                    .sensitive()
                    .write_only()
                    .describe("Shh."),
            ],
            vec![NestedBlock::single(
                "drift",
                Block::new(
                    "Drift.",
                    vec![Attribute::optional("mode", Type::String).describe("Mode.")],
                    vec![],
                ),
            )],
        );
        let md = schema_markdown(&b);
        assert!(
            md.contains("### Required\n\n- `path` (String) The path."),
            "{md}"
        );
        assert!(
            md.contains("- `secret` (String, Sensitive, Write-only) Shh."),
            "{md}"
        );
        assert!(md.contains("- `tags` (Map of String) Tags."), "{md}");
        assert!(
            md.contains(
                "- `drift` (Block) Drift. (see [below for nested schema](#nestedblock--drift))"
            ),
            "{md}"
        );
        assert!(
            md.contains("### Read-Only\n\n- `id` (String) The id."),
            "{md}"
        );
        assert!(md.contains("<a id=\"nestedblock--drift\"></a>\n### Nested Schema for `drift`\n\nOptional:\n\n- `mode` (String) Mode."), "{md}");
    }

    /// The acceptance tests, as `module::name` (`peers::restapi::…`).
    fn acceptance_tests() -> std::collections::BTreeSet<String> {
        fn walk(dir: &std::path::Path, module: &str, out: &mut std::collections::BTreeSet<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let path = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                let join = |m: &str| match module.is_empty() {
                    true => m.to_owned(),
                    false => format!("{module}::{m}"),
                };
                if path.is_dir() {
                    walk(&path, &join(&name), out);
                    continue;
                }
                let Some(stem) = name.strip_suffix(".rs") else {
                    continue;
                };
                let here = match stem {
                    "mod" | "main" => module.to_owned(),
                    _ => join(stem),
                };
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let mut lines = text.lines();
                while let Some(line) = lines.next() {
                    if line.trim() != "#[test]" {
                        continue;
                    }
                    let next = lines.next().unwrap_or_default().trim();
                    if let Some(f) = next.strip_prefix("fn ") {
                        let f = f.split('(').next().unwrap_or_default();
                        out.insert(format!("{here}::{f}"));
                    }
                }
            }
        }
        let mut out = std::collections::BTreeSet::new();
        walk(&root().join("acceptance-tests/suite"), "", &mut out);
        out
    }

    /// Every row of the migration guides' tables names, in its last
    /// column, acceptance tests that exist: the guides are true because
    /// the suite runs each row.
    #[test]
    fn every_migration_guide_row_is_run_by_a_test_that_exists() {
        let tests = acceptance_tests();
        assert!(tests.contains("peers::restapi::reads_search_the_listing"));
        for guide in ["migrating-from-restapi.md", "migrating-from-restful.md"] {
            let text = std::fs::read_to_string(root().join("docs/guides").join(guide)).unwrap();
            let mut rows = 0;
            for line in text.lines().filter(|l| l.starts_with('|')) {
                let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
                let last = cells.last().map(|c| c.trim()).unwrap_or_default();
                if last == "run by" || last.starts_with("---") {
                    continue;
                }
                let named: Vec<&str> = last.split('`').skip(1).step_by(2).collect();
                assert!(!named.is_empty(), "{guide}: no test named in {line:?}");
                for t in named {
                    assert!(tests.contains(t), "{guide}: {t} is not an acceptance test");
                }
                rows += 1;
            }
            assert!(rows > 20, "{guide}: {rows} rows");
        }
    }

    /// Every recipe marked `<!-- recipe: name -->` in the recipes guide is
    /// run by the acceptance suite (`harness::recipe("name")`), so what the
    /// guide prints is what was tested.
    #[test]
    fn every_marked_recipe_is_run_by_the_suite() {
        let guide = std::fs::read_to_string(root().join("docs/guides/recipes.md")).unwrap();
        let mut suite = String::new();
        for dir in ["acceptance-tests/suite"] {
            let mut stack = vec![root().join(dir)];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "rs") {
                        suite.push_str(&std::fs::read_to_string(&p).unwrap());
                    }
                }
            }
        }
        let names: Vec<&str> = guide
            .split("<!-- recipe: ")
            .skip(1)
            .filter_map(|rest| rest.split_once(" -->").map(|(n, _)| n))
            .collect();
        assert!(names.len() >= 5, "{names:?}");
        for n in names {
            // `recipe("name")`, or the name as a literal the test passes on.
            assert!(
                suite.contains(&format!("\"{n}\"")),
                "recipe {n} is not run by the acceptance suite"
            );
        }
    }
}
