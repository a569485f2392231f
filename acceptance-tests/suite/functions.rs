//! Provider functions called from HCL by real Terraform (1.8+) or OpenTofu
//! (1.7+): results, and diagnostics that name the argument at fault.

use crate::harness::{Workdir, terraform_supports_functions};

fn skip() -> bool {
    if terraform_supports_functions() {
        return false;
    }
    eprintln!("SKIPPED: provider functions need Terraform 1.8+ or OpenTofu 1.7+");
    true
}

/// `terraform apply` of outputs only (no provider configuration needed),
/// then the outputs as JSON.
fn outputs(hcl: &str) -> serde_json::Value {
    let wd = Workdir::new(hcl);
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    wd.run(&["output", "-json"]).expect_code(0).json()
}

#[test]
fn functions_answer_from_hcl() {
    if skip() {
        return;
    }
    let out = outputs(
        r#"
locals {
  doc = jsondecode("{\"data\": [{\"id\": \"a1\", \"tags\": [\"x\"]}], \"a/b\": {\"~c\": 2}}")
}

output "id" {
  value = provider::driver::json_pointer(local.doc, "/data/0/id")
}

output "escaped" {
  value = provider::driver::json_pointer(local.doc, "/a~1b/~0c")
}

output "whole_list" {
  value = provider::driver::json_pointer(local.doc, "/data/0/tags")
}

output "missing_with_default" {
  value = provider::driver::json_pointer(local.doc, "/owner/email", "nobody")
}

output "patched" {
  value = provider::driver::merge_patch(
    { name = "web", labels = { tier = "front", team = "a" } },
    { labels = { team = null, env = "prod" } }
  )
}

output "equal" {
  value = provider::driver::json_equal(jsondecode("{\"n\": 1.0, \"t\": [\"a\"]}"), { t = ["a"], n = 1 })
}

output "not_equal" {
  value = provider::driver::json_equal(["a", "b"], ["b", "a"])
}
"#,
    );
    assert_eq!(out["id"]["value"], "a1");
    assert_eq!(out["escaped"]["value"], 2);
    assert_eq!(out["whole_list"]["value"], serde_json::json!(["x"]));
    assert_eq!(out["missing_with_default"]["value"], "nobody");
    assert_eq!(
        out["patched"]["value"],
        serde_json::json!({"name": "web", "labels": {"tier": "front", "env": "prod"}})
    );
    assert_eq!(out["equal"]["value"], true);
    assert_eq!(out["not_equal"]["value"], false);
}

#[test]
fn bad_arguments_are_named_in_the_diagnostic() {
    if skip() {
        return;
    }
    let cases = [
        (
            r#"provider::driver::json_pointer({ a = 1 }, "a")"#,
            "pointer",
            "must start with",
        ),
        (
            r#"provider::driver::json_pointer({ a = 1 }, "/b")"#,
            "pointer",
            "pass a default",
        ),
        (
            r#"provider::driver::json_pointer({ a = 1 }, "/a", 1, 2)"#,
            "default",
            "at most one default",
        ),
    ];
    for (call, argument, text) in cases {
        let wd = Workdir::new(&format!("output \"x\" {{\n  value = {call}\n}}\n"));
        let run = wd.run(&["plan", "-input=false", "-no-color"]);
        let err = run.stderr_flat();
        assert_eq!(run.code(), 1, "{call}: {err}");
        assert!(
            err.contains(&format!("\"{argument}\"")) && err.contains(text),
            "{call}: the diagnostic names {argument:?} and says {text:?}: {err}"
        );
    }
}

/// The fenced block of `lang` after `marker` in a page.
fn block_after<'p>(page: &'p str, marker: &str, lang: &str) -> &'p str {
    let rest = &page[page.find(marker).expect(marker)..];
    let start = rest.find(&format!("```{lang}\n")).expect(lang) + lang.len() + 4;
    let len = rest[start..].find("```").expect("closing fence");
    &rest[start..start + len]
}

/// Every function page's example gives the outputs the page says.
#[test]
fn every_documented_example_is_true() {
    if skip() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/functions");
    let mut pages = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let page = std::fs::read_to_string(&path).unwrap();
        let hcl = block_after(&page, "## Example Usage", "terraform");
        let want: serde_json::Value =
            serde_json::from_str(block_after(&page, "The outputs:", "json")).unwrap();
        let got = outputs(hcl);
        for (name, value) in want.as_object().unwrap() {
            assert_eq!(
                &got[name]["value"],
                value,
                "{}: output {name}",
                path.display()
            );
        }
        pages += 1;
    }
    assert!(pages >= 3, "function pages in {}", dir.display());
}
