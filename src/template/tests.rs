use proptest::prelude::*;
use serde_json::json;
use url::Url;

use super::*;

fn base() -> Url {
    Url::parse("http://127.0.0.1:8080/api/v1").unwrap()
}

fn values<'a>(id: &'a str, body: &'a Json, response: &'a Json, base: &'a Url) -> Values<'a> {
    Values {
        id: Some(id),
        path: Some("/things"),
        body: Some(body),
        response: Some(response),
        base: Some(base),
    }
}

fn path(template: &str, id: &str) -> Result<String, String> {
    let (b, body, response) = (base(), json!({"name": "n"}), json!({"rev": 3}));
    Template::parse(template)
        .unwrap()
        .render_path(&values(id, &body, &response, &b))
        .map(|r| r.path)
}

#[test]
fn each_value_is_one_encoded_segment() {
    assert_eq!(path("{path}/{id}", "a b/1").unwrap(), "/things/a%20b%2F1");
    assert_eq!(path("{path}/{id}", "c-9.x_~").unwrap(), "/things/c-9.x_~");
    assert_eq!(path("{path}/{id}", "%2e%2e").unwrap(), "/things/%252e%252e");
    assert_eq!(path("/x/{body/name}.json", "1").unwrap(), "/x/n.json");
}

#[test]
fn dot_segments_and_empty_values_are_refused() {
    for id in ["..", ".", ""] {
        let e = path("{path}/{id}", id).unwrap_err();
        assert!(e.contains("{id}"), "{e}");
    }
    // A dot built from text and a value is refused too.
    assert!(path("/x/.{id}", ".").is_err());
    assert!(path("/x/.{id}", "x").is_ok());
    for id in ["a/../..", "../x", "a/./b", "a//b", "%2e%2e/x"] {
        assert!(
            path("{path}/{+id}", id).is_err() || id.starts_with('%'),
            "{id}"
        );
    }
    assert_eq!(
        path("{path}/{+id}", "%2e%2e/x").unwrap(),
        "/things/%252e%252e/x"
    );
}

#[test]
fn path_values_stay_on_the_endpoint() {
    // An Azure-style id: an absolute path, below the base path.
    assert_eq!(
        path("{+id}", "/subscriptions/s/rg/x").unwrap(),
        "/subscriptions/s/rg/x"
    );
    // A self link or Location: taken from the host when it has the base path.
    assert_eq!(path("{+id}", "/api/v1/objects/7").unwrap(), "/objects/7");
    assert_eq!(
        path("{+id}", "http://127.0.0.1:8080/api/v1/objects/7?v=2").unwrap(),
        "/objects/7"
    );
    for hostile in [
        "http://evil.example/api/v1/x",
        "//evil.example/x",
        "https://127.0.0.1:8080/api/v1/x",
        "http://127.0.0.1:8080/other",
        "/api/v1/../../admin",
        "/api/v1/%2E%2e/admin",
        "http://127.0.0.1:8080/api/v1/a/%2e%2e/%2e%2e/x",
    ] {
        assert!(path("{+id}", hostile).is_err(), "{hostile}");
    }
    assert!(
        path("{path}/{+id}", "/abs")
            .unwrap_err()
            .contains("must begin")
    );
}

#[test]
fn links_from_answers_stay_below_the_endpoint() {
    let b = base();
    let link = |v: &str| resolve_link(v, &b).map(|(p, q)| (p, q.len()));
    assert_eq!(
        link("/api/v1/operations/5?x=1").unwrap(),
        ("/operations/5".into(), 1)
    );
    assert_eq!(link("operations/5").unwrap(), ("/operations/5".into(), 0));
    assert_eq!(
        link("http://127.0.0.1:8080/api/v1/ops/5").unwrap(),
        ("/ops/5".into(), 0)
    );
    for hostile in [
        "/operations/5",
        "http://evil.example/api/v1/ops/5",
        "//evil.example/api/v1/x",
        "../x",
        "/api/v1/ops/%2e%2e/%2e%2e/admin",
        "/api/v1/ops/5\r\nX: 1",
    ] {
        assert!(link(hostile).is_err(), "{hostile}");
    }
}

#[test]
fn a_query_after_the_path_is_split_into_pairs() {
    let (b, body, response) = (base(), json!({}), json!({"etag": "w/1"}));
    let t = Template::parse("/todos?id=eq.{id}&select=*&rev={response/etag}").unwrap();
    let r = t
        .render_path(&values("a&b=c", &body, &response, &b))
        .unwrap();
    assert_eq!(r.path, "/todos");
    assert_eq!(
        r.query,
        [
            ("id".into(), "eq.a&b=c".into()),
            ("select".into(), "*".into()),
            ("rev".into(), "w/1".into())
        ]
    );
}

#[test]
fn only_placeholders_are_special() {
    let (b, body, response) = (base(), json!({}), json!({}));
    let v = values("7", &body, &response, &b);
    let t = Template::parse(r#"{"a":{"b":1}} {nope} {{id}} {id} {"#).unwrap();
    assert_eq!(
        t.render_text(&v).unwrap(),
        r#"{"a":{"b":1}} {nope} {id} 7 {"#
    );
    assert_eq!(t.lookalikes(), ["{nope}"]);
    assert!(Template::parse("{body/~2}").is_err());
    assert!(
        Template::parse("{{x}}")
            .unwrap()
            .lookalikes()
            .contains(&"{x}".to_owned())
    );
}

#[test]
fn header_values_refuse_control_characters() {
    let (b, body, response) = (base(), json!({}), json!({}));
    for id in ["a\r\nX-Injected: 1", "a\0b", "a\nb"] {
        let v = values(id, &body, &response, &b);
        assert!(
            Template::parse("Bearer {id}")
                .unwrap()
                .render_header(&v)
                .is_err(),
            "{id:?}"
        );
    }
    let v = values("t0k", &body, &response, &b);
    assert_eq!(
        Template::parse("Bearer {id}")
            .unwrap()
            .render_header(&v)
            .unwrap(),
        "Bearer t0k"
    );
    assert!(check_header_name("X-Api-Version").is_ok());
    assert!(check_header_name("X Bad").is_err());
}

#[test]
fn json_strings_keep_the_type_of_a_lone_placeholder() {
    let (b, body, response) = (base(), json!({"n": 5}), json!({"rev": 3, "etag": "e"}));
    let v = values("7", &body, &response, &b);
    let out = render_body(
        &json!({"rev": "{response/rev}", "note": "rev {response/rev}", "id": "{id}", "keep": [1, "{body/n}"], "lit": "{x}"}),
        &v,
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"rev": 3, "note": "rev 3", "id": "7", "keep": [1, 5], "lit": "{x}"})
    );
    let e = render_body(&json!({"a": ["{response/missing}"]}), &v).unwrap_err();
    assert!(e.contains("/a/0") && e.contains("/missing"), "{e}");
}

#[test]
fn missing_sources_say_why() {
    let v = Values::default();
    let e = Template::parse("{path}/{id}")
        .unwrap()
        .render_path(&v)
        .unwrap_err();
    assert!(e.contains("{path}"), "{e}");
    let v = Values {
        path: Some("/x"),
        ..Values::default()
    };
    let e = Template::parse("{path}/{id}")
        .unwrap()
        .render_path(&v)
        .unwrap_err();
    assert!(e.contains("only once the object exists"), "{e}");
}

#[test]
fn literal_paths_are_checked() {
    assert!(check_literal_path("/flags").is_ok());
    assert!(check_literal_path("/objects?version=v1").is_ok());
    for bad in ["flags", "/a/../b", "/a/%2e%2E/b", "/a#f", "/a b", "/a/."] {
        assert!(check_literal_path(bad).is_err(), "{bad}");
    }
}

/// Hostile characters: dots, slashes, percent signs, schemes.
fn hostile() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("."),
            Just(".."),
            Just("/"),
            Just("%2e"),
            Just("%2E"),
            Just("%"),
            Just("a"),
            Just("api"),
            Just("v1"),
            Just("http://127.0.0.1:8080"),
            Just("//"),
            Just("?"),
            Just("#"),
            Just("\\"),
            Just(":"),
            Just("@"),
            Just("\n"),
            Just("~"),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    /// Whatever the values, a rendered path appended to the endpoint is a
    /// URL on its origin, under its base path, that no parser normalizes.
    #[test]
    fn no_rendered_path_leaves_the_base_path(
        id in hostile(),
        name in hostile(),
        template in prop_oneof![
            Just("{path}/{id}"), Just("{+id}"), Just("{path}/{+id}"), Just("/x/{body/name}"),
            Just("{path}/{id}/{+body/name}"), Just("/x/.{id}"), Just("{+body/name}?q={id}"),
        ],
    ) {
        let (b, body, response) = (base(), json!({"name": name}), json!({}));
        if let Ok(r) = Template::parse(template).unwrap().render_path(&values(&id, &body, &response, &b)) {
            let joined = format!("{}{}", b.as_str().trim_end_matches('/'), r.path);
            let url = Url::parse(&joined).unwrap();
            prop_assert_eq!(url.origin(), b.origin());
            prop_assert!(url.path().starts_with("/api/v1/") || url.path() == "/api/v1", "{}", url);
            prop_assert_eq!(url.path(), joined.strip_prefix("http://127.0.0.1:8080").unwrap().split('?').next().unwrap());
        }
    }

    #[test]
    fn any_text_parses_or_is_explained(s in "\\PC{0,40}") {
        if let Ok(t) = Template::parse(&s) {
            let (b, body, response) = (base(), json!({"a": "b"}), json!({}));
            let _ = t.render_path(&values("1", &body, &response, &b));
            let _ = t.render_header(&values("1", &body, &response, &b));
            let _ = t.lookalikes();
        }
    }
}

#[test]
fn a_template_that_begins_with_a_value_is_a_path_from_the_endpoint() {
    let (b, body, response) = (base(), json!({"self": "things/4"}), json!({}));
    let v = values("7", &body, &response, &b);
    let render = |t: &str| Template::parse(t).unwrap().render_path(&v).map(|r| r.path);
    assert_eq!(render("{id}").unwrap(), "/7");
    assert_eq!(render("{+body/self}").unwrap(), "/things/4");
    // The collection at the endpoint itself.
    let root = Values {
        path: Some("/"),
        ..values("7", &body, &response, &b)
    };
    let t = Template::parse("{path}").unwrap();
    assert_eq!(t.render_path(&root).unwrap().path, "/");
    let t = Template::parse("{path}/{id}").unwrap();
    assert_eq!(t.render_path(&root).unwrap().path, "/7");
}

#[test]
fn references_with_whitespace_at_either_end_are_refused() {
    let b = base();
    for hostile in [" /api/v1/x", "/api/v1/x ", "\t/api/v1/x", "/api/v1/.\t./x"] {
        assert!(resolve_link(hostile, &b).is_err(), "{hostile:?}");
        assert!(resolve_reference(hostile, Some(&b)).is_err(), "{hostile:?}");
    }
}

#[test]
fn path_valued_secrets_are_masked_as_sent() {
    let (b, body, response) = (base(), json!({"p": "a b/c d"}), json!({}));
    let v = values("7", &body, &response, &b);
    let used = Template::parse("/x/{+body/p}").unwrap().used_values(&v);
    for form in ["a b/c d", "a%20b%2Fc%20d", "a%20b/c%20d"] {
        assert!(used.contains(&form.to_owned()), "{form}: {used:?}");
    }
}

#[test]
fn escapes_end_at_the_next_brace() {
    let (b, body, response) = (base(), json!({}), json!({}));
    let v = values("7", &body, &response, &b);
    let text = |t: &str| Template::parse(t).unwrap().render_text(&v).unwrap();
    assert_eq!(text("{{id}}"), "{id}");
    assert_eq!(text("{{{id}}}"), "{{id}}");
    assert_eq!(text("{{id} }}"), "{7 }}");
    assert_eq!(text("{{i{d}}"), "{{i{d}}");
    let many = "{{".repeat(50_000);
    let t = Template::parse(&many).unwrap();
    assert!(matches!(t.parts.as_slice(), [Part::Text(s)] if *s == many));
}
