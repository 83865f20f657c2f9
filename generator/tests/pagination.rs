//! Which operations the IR finds paging, and how: the one decision the client's
//! `…_stream` methods and the mock's finite pages both read.

use serde_json::json;
use specforge::ir::pagination::{PageStyle, TokenEnd};
use specforge::ir::Api;

fn api(paths: serde_json::Value, version: &str) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.json");
    let doc = json!({"openapi": version, "info": {"title": "T", "version": "1"}, "paths": paths});
    std::fs::write(&spec, doc.to_string()).unwrap();
    specforge::load_api(&spec).unwrap()
}

fn list(params: serde_json::Value, body: serde_json::Value) -> serde_json::Value {
    json!({"get": {"parameters": params, "responses": {"200": {"description": "ok",
        "content": {"application/json": {"schema": body}}}}}})
}

fn q(name: &str, ty: &str) -> serde_json::Value {
    json!({"name": name, "in": "query", "schema": {"type": ty}})
}

fn page_of(field: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut props = json!({ field: {"type": "array", "items": {"type": "string"}} });
    for (k, v) in extra.as_object().unwrap() {
        props[k] = v.clone();
    }
    json!({"type": "object", "properties": props})
}

#[test]
fn token_pages_name_the_parameter_the_field_and_how_the_last_page_ends() {
    let a = api(
        json!({
            "/optional": list(json!([q("page_token", "string")]),
                page_of("items", json!({"next_page_token": {"type": "string"}}))),
            "/nullable": list(json!([q("cursor", "string")]), {
                let mut b = page_of("data", json!({"next_cursor": {"type": ["string", "null"]}}));
                b["required"] = json!(["data", "next_cursor"]);
                b
            }),
            "/required": list(json!([q("pageToken", "string")]), {
                let mut b = page_of("results", json!({"nextPageToken": {"type": "string"}}));
                b["required"] = json!(["results", "nextPageToken"]);
                b
            }),
        }),
        "3.1.0",
    );
    let style = |path: &str| {
        let op = a.operations.iter().find(|o| o.path == path).unwrap();
        op.pagination.clone().expect(path)
    };
    let p = style("/optional");
    assert_eq!(p.items.as_deref(), Some("items"));
    assert_eq!(
        p.style,
        PageStyle::Token {
            param: "page_token".into(),
            next: "next_page_token".into(),
            end: TokenEnd::Absent
        }
    );
    assert!(matches!(
        style("/nullable").style,
        PageStyle::Token {
            end: TokenEnd::Null,
            ..
        }
    ));
    let p = style("/required");
    assert!(matches!(
        p.style,
        PageStyle::Token {
            end: TokenEnd::Empty,
            ..
        }
    ));
    assert_eq!(p.items.as_deref(), Some("results"));
}

#[test]
fn page_and_offset_pages_take_their_size_parameter_and_first_page() {
    let mut page = q("page", "integer");
    page["schema"]["default"] = json!(0);
    let a = api(
        json!({
            "/pages": list(json!([page, q("per_page", "integer")]),
                json!({"type": "array", "items": {"type": "integer"}})),
            "/offsets": list(json!([q("offset", "integer"), q("limit", "integer")]),
                page_of("values", json!({"total": {"type": "integer"}}))),
            "/unsized": list(json!([q("pageNumber", "integer")]),
                json!({"type": "array", "items": {"type": "integer"}})),
        }),
        "3.0.3",
    );
    let get = |path: &str| {
        a.operations
            .iter()
            .find(|o| o.path == path)
            .and_then(|o| o.pagination.clone())
            .expect(path)
    };
    let p = get("/pages");
    assert_eq!(p.items, None, "the body is the array");
    assert_eq!(
        p.style,
        PageStyle::Page {
            param: "page".into(),
            first: 0,
            size: Some("per_page".into())
        }
    );
    assert_eq!(
        get("/offsets").style,
        PageStyle::Offset {
            param: "offset".into(),
            limit: Some("limit".into())
        }
    );
    assert_eq!(get("/offsets").items.as_deref(), Some("values"));
    assert!(matches!(
        get("/unsized").style,
        PageStyle::Page {
            first: 1,
            size: None,
            ..
        }
    ));
}

#[test]
fn lists_without_a_pattern_do_not_page() {
    let mut required_page = q("page", "integer");
    required_page["required"] = json!(true);
    let mut two = list(
        json!([q("page", "integer")]),
        json!({"type": "array", "items": {}}),
    );
    two["get"]["responses"]["201"] = two["get"]["responses"]["200"].clone();
    let a = api(
        json!({
            // a token parameter but no next-token field
            "/no-next": list(json!([q("cursor", "string")]), page_of("items", json!({}))),
            // a page parameter but no items
            "/object": list(json!([q("page", "integer")]), json!({"type": "object", "properties": {"n": {"type": "integer"}}})),
            // the page parameter is required: nothing for a stream to move
            "/required": list(json!([required_page]), json!({"type": "array", "items": {}})),
            // the page number is a string
            "/text": list(json!([q("page", "string")]), json!({"type": "array", "items": {}})),
            // two success responses
            "/two": two,
            // no paging parameter at all
            "/plain": list(json!([q("q", "string")]), json!({"type": "array", "items": {}})),
        }),
        "3.1.0",
    );
    for op in &a.operations {
        assert!(
            op.pagination.is_none(),
            "{} should not page: {:?}",
            op.path,
            op.pagination
        );
    }
}

#[test]
fn resources_survive_collections_named_in_any_script() {
    let body = json!({"type": "object", "properties": {"x": {"type": "string"}}});
    let a = api(
        json!({"/ünïcödé日本": {
            "post": {"requestBody": {"content": {"application/json": {"schema": body}}},
                     "responses": {"201": {"description": "ok"}}},
            "get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema":
                {"type": "object", "properties": {"ünïcödé_list": {"type": "array", "items": {"type": "string"}}}}}}}}}
        }}),
        "3.1.0",
    );
    let r = specforge::ir::resources::infer(&a);
    assert_eq!(r.resources.len(), 1);
    assert_eq!(r.resources[0].list_items.as_deref(), Some("ünïcödé_list"));
}
