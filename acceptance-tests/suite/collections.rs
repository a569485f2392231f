//! Collections at scale: bulk refresh from one paginated listing, and the
//! `driver_http_objects` data source. Deletions, out-of-band edits and new
//! objects are seen through the listing as through per-object reads; a
//! failing listing falls back; pagination loops are stopped.

use demo_api::{Faults, Running, Scripted};
use serde_json::json;

use crate::harness::Workdir;

fn apply(wd: &Workdir) {
    wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
}

fn plan(wd: &Workdir) -> (i32, String) {
    let p = wd.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    (p.code(), format!("{}{}", p.stdout, p.stderr))
}

/// `n` items whose refresh comes from the listing, `size` to a page.
fn items(api: &Running, n: usize, refresh: &str, size: usize) -> Workdir {
    Workdir::new(&format!(
        r#"
provider "driver" {{
  endpoint = "{}"
}}

resource "driver_http_object" "item" {{
  count = {n}
  path  = "/items"
  body  = {{ name = "item-${{count.index}}", size = 5 }}
  list {{
    refresh_from_listing = "{refresh}"
    pagination {{
      size_param = "limit"
      size       = {size}
    }}
  }}
}}
"#,
        api.url()
    ))
}

fn gets(api: &Running) -> u64 {
    api.counters().method("GET")
}

fn id_of(wd: &Workdir, index: usize) -> String {
    wd.resources()
        .iter()
        .find(|r| r["index"] == index)
        .and_then(|r| r["values"]["id"].as_str())
        .unwrap()
        .to_owned()
}

#[test]
fn full_bulk_refresh_reads_each_page_once_and_sees_what_per_object_reads_see() {
    let api = Running::start();
    let wd = items(&api, 25, "full", 10);
    apply(&wd);

    // One plan: the 3 pages of the listing, no read per object.
    let before = (gets(&api), api.counters().pages_served);
    assert_eq!(plan(&wd).0, 0, "clean after apply");
    assert_eq!(gets(&api) - before.0, 3, "ceil(25 / 10) requests");
    assert_eq!(api.counters().pages_served - before.1, 3);

    // An out-of-band edit shows as an update of that object only.
    let edited = id_of(&wd, 3);
    assert!(api.edit(&format!("/items/{edited}"), json!({"size": 7})));
    // An out-of-band delete shows as a create.
    let deleted = id_of(&wd, 11);
    assert!(api.delete(&format!("/items/{deleted}")));
    // A new object made outside Terraform changes nothing in the plan.
    api.insert("/items", json!({"name": "stranger", "size": 1}))
        .unwrap();
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("driver_http_object.item[3] will be updated in-place")
            && out.contains("7 -> 5")
            && out.contains("driver_http_object.item[11] will be created")
            && out.contains("1 to add, 1 to change, 0 to destroy"),
        "{out}"
    );

    // The same objects refreshed one at a time see the same. Refresh reads
    // its settings from state, so the copy of the state says "none" too.
    let one_by_one = Workdir::new("");
    let mut state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap(),
    )
    .unwrap();
    for r in state["resources"].as_array_mut().unwrap() {
        for i in r["instances"].as_array_mut().unwrap() {
            i["attributes"]["list"]["refresh_from_listing"] = json!("none");
        }
    }
    std::fs::write(
        one_by_one.path().join("terraform.tfstate"),
        state.to_string(),
    )
    .unwrap();
    let main = std::fs::read_to_string(wd.path().join("main.tf"))
        .unwrap()
        .replace("\"full\"", "\"none\"");
    std::fs::write(one_by_one.path().join("main.tf"), main).unwrap();
    let before = gets(&api);
    let (code, slow) = plan(&one_by_one);
    assert_eq!(code, 2);
    assert!(
        slow.contains("driver_http_object.item[11] will be created")
            && slow.contains("7 -> 5")
            && slow.contains("1 to add, 1 to change, 0 to destroy"),
        "{slow}"
    );
    // At least one read per object (a 404 soon after a create is read
    // again, in case the API is only eventually consistent).
    assert!(gets(&api) - before >= 25, "one read per object");

    apply(&wd);
    assert_eq!(plan(&wd).0, 0);
    wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .expect_code(0);
    assert_eq!(api.list("/items").len(), 1, "only the stranger is left");
}

#[test]
fn deletions_mode_uses_the_listing_for_deletions_only() {
    let api = Running::start();
    let wd = items(&api, 12, "deletions", 10);
    apply(&wd);
    let deleted = id_of(&wd, 0);
    assert!(api.delete(&format!("/items/{deleted}")));
    let edited = id_of(&wd, 5);
    assert!(api.edit(&format!("/items/{edited}"), json!({"name": "renamed"})));
    let before = gets(&api);
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("1 to add, 1 to change, 0 to destroy"), "{out}");
    // 2 pages, then a read of each of the 11 still listed.
    assert_eq!(gets(&api) - before, 2 + 11);
}

#[test]
fn a_failing_or_looping_listing_falls_back_to_reading_each_object() {
    let api = Running::start();
    let wd = items(&api, 4, "full", 2);
    apply(&wd);
    let edited = id_of(&wd, 1);
    assert!(api.edit(&format!("/items/{edited}"), json!({"size": 9})));

    // The listing fails (a 400 is not retried): each object is read.
    api.set_faults(Faults {
        scripted: vec![Scripted {
            method: "GET".into(),
            path: "/items".into(),
            status: 400,
            body: r#"{"message": "listing disabled"}"#.into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    let before = gets(&api);
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    assert!(
        gets(&api) - before >= 4,
        "objects read one by one after the listing failed"
    );

    // Pagination that loops back to its first page: stopped, then the same.
    api.set_faults(Faults {
        page_loop: true,
        ..Default::default()
    });
    let (code, out) = plan(&wd);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    assert!(!out.contains("panic"), "{out}");
}

#[test]
fn the_list_data_source_reads_every_page_in_each_style() {
    let api = Running::start();
    for i in 0..23 {
        api.insert(
            "/flags",
            json!({"name": format!("flag-{i}"), "on": i % 2 == 0}),
        )
        .unwrap();
    }
    let styles = [
        // Link headers.
        "pagination {\n    size_param = \"limit\"\n    size       = 5\n  }",
        // A cursor in the body.
        "query = { style = \"body\" }\n  items_pointer = \"/data\"\n  pagination {\n    next_pointer = \"/cursor\"\n    cursor_param = \"after\"\n    size_param   = \"limit\"\n    size         = 5\n  }",
        // The next URL in the body.
        "query = { style = \"body\" }\n  items_pointer = \"/data\"\n  pagination {\n    next_pointer = \"/next\"\n    size_param   = \"limit\"\n    size         = 5\n  }",
        // Page numbers.
        "pagination {\n    page_param = \"page\"\n    size_param = \"per_page\"\n    size       = 5\n  }",
        // Offsets.
        "pagination {\n    offset_param = \"offset\"\n    size_param   = \"count\"\n    size       = 5\n  }",
    ];
    for style in styles {
        let wd = Workdir::new(&format!(
            r#"
provider "driver" {{
  endpoint = "{}"
}}

data "driver_http_objects" "flags" {{
  path = "/flags"
  {style}
}}

output "count" {{
  value = length(data.driver_http_objects.flags.items)
}}

output "names" {{
  value = {{ for id, f in data.driver_http_objects.flags.by_id : id => f.name }}
}}

output "ids" {{
  value = data.driver_http_objects.flags.ids
}}
"#,
            api.url()
        ));
        apply(&wd);
        let out = wd.run(&["output", "-json"]).expect_code(0).json();
        assert_eq!(out["count"]["value"], 23, "{style}");
        assert_eq!(out["names"]["value"]["1"], "flag-0", "{style}");
        assert_eq!(out["names"]["value"]["23"], "flag-22", "{style}");
        assert_eq!(
            out["ids"]["value"].as_array().map(Vec::len),
            Some(23),
            "{style}"
        );
    }
}

#[test]
fn the_list_data_source_refuses_an_incomplete_listing() {
    let api = Running::start();
    for i in 0..12 {
        api.insert("/flags", json!({"name": format!("f{i}")}))
            .unwrap();
    }
    let hcl = |extra: &str| {
        format!(
            r#"
provider "driver" {{
  endpoint = "{}"
}}

data "driver_http_objects" "flags" {{
  path = "/flags"
  pagination {{
    size_param = "limit"
    size       = 5
{extra}
  }}
}}
"#,
            api.url()
        )
    };
    // More pages than allowed.
    let wd = Workdir::new(&hcl("    max_pages  = 2"));
    let run = wd.run(&["plan", "-input=false", "-no-color"]);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("Incomplete listing") && err.contains("more than 2 pages"),
        "{err}"
    );
    // A loop.
    api.set_faults(Faults {
        page_loop: true,
        ..Default::default()
    });
    let wd = Workdir::new(&hcl(""));
    let run = wd.run(&["plan", "-input=false", "-no-color"]);
    assert_eq!(run.code(), 1);
    let err = run.stderr_flat();
    assert!(
        err.contains("Incomplete listing") && err.contains("loop"),
        "{err}"
    );
    // A mistake in the block names its attribute.
    let wd = Workdir::new(&hcl(
        "    page_param = \"page\"\n    next_pointer = \"/next\"",
    ));
    let run = wd.run(&["validate", "-no-color"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr_flat().contains("Conflicting pagination styles"),
        "{}",
        run.stderr
    );
}
