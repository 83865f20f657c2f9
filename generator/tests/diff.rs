//! `specforge diff`: one fixture pair per change kind (a base document and the same
//! document with one edit), the client and server verdicts of some, the semver
//! bump measured on the generated crates, and every output format.

use serde_json::{json, Value};
use specforge::diff::{diff, render, Bump, Format, Level};

fn base() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Shop", "version": "1.0.0"},
        "servers": [{"url": "http://api.example.com/v1"}],
        "components": {
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "http://a/t", "scopes": {"read": "", "write": ""}}}}
            },
            "schemas": {
                "Item": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string", "maxLength": 50},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "note": {"type": "string"},
                        "size": {"type": "integer", "minimum": 0, "maximum": 10},
                        "code": {"type": "string", "pattern": "^x"},
                        "when": {"type": "string", "format": "date-time"},
                        "tags": {"type": "array", "items": {"type": "string"}}
                    }
                },
                "Spare": {"type": "object", "properties": {"x": {"type": "string"}}}
            }
        },
        "security": [{"key": []}],
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "tags": ["items"],
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                        {"name": "mode", "in": "query", "schema": {"type": "string", "enum": ["fast", "slow"]}},
                        {"name": "X-Trace", "in": "header", "required": true, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {"X-Total": {"required": true, "schema": {"type": "integer"}}},
                            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}
                        },
                        "404": {"description": "none", "content": {"application/json": {"schema": {"type": "object"}}}}
                    }
                },
                "post": {
                    "operationId": "createItem",
                    "security": [{"oauth": ["write"]}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                    "responses": {"201": {"description": "made", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}
                }
            },
            "/items/{id}": {
                "get": {
                    "operationId": "getItem",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}
                },
                "delete": {
                    "operationId": "deleteItem",
                    "security": [],
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                    "responses": {"204": {"description": "gone"}}
                }
            }
        }
    })
}

/// One edit of the base document.
enum Edit {
    Set(&'static str, Value),
    Remove(&'static str),
}
use Edit::{Remove, Set};

fn parent<'v>(doc: &'v mut Value, ptr: &str) -> (&'v mut Value, String) {
    let (head, last) = ptr.rsplit_once('/').unwrap();
    let last = last.replace("~1", "/").replace("~0", "~");
    (
        doc.pointer_mut(head).unwrap_or_else(|| panic!("no {head}")),
        last,
    )
}

fn apply(mut doc: Value, edits: &[Edit]) -> Value {
    for e in edits {
        match e {
            Set(ptr, v) => {
                let (p, last) = parent(&mut doc, ptr);
                match p {
                    Value::Array(a) => {
                        let i: usize = last.parse().unwrap();
                        if i == a.len() {
                            a.push(v.clone())
                        } else {
                            a[i] = v.clone()
                        }
                    }
                    Value::Object(m) => {
                        m.insert(last, v.clone());
                    }
                    _ => panic!("{ptr}"),
                }
            }
            Remove(ptr) => {
                let (p, last) = parent(&mut doc, ptr);
                match p {
                    Value::Array(a) => {
                        a.remove(last.parse::<usize>().unwrap());
                    }
                    Value::Object(m) => {
                        m.remove(&last)
                            .unwrap_or_else(|| panic!("nothing at {ptr}"));
                    }
                    _ => panic!("{ptr}"),
                }
            }
        }
    }
    doc
}

fn load(doc: &Value) -> specforge::Api {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("spec.json");
    std::fs::write(&p, doc.to_string()).unwrap();
    specforge::load_api(&p).unwrap()
}

const CREATE: &str = "/paths/~1items/post";

/// (expected change id, edits, reverse: the edited document is the OLD one)
fn cases() -> Vec<(&'static str, Vec<Edit>, bool)> {
    let item_response = "/paths/~1items~1{id}/get/responses/200/content/application~1json/schema";
    vec![
        (
            "base-path-changed",
            vec![Set("/servers/0/url", json!("http://api.example.com/v2"))],
            false,
        ),
        (
            "server-url-changed",
            vec![Set("/servers/0/url", json!("http://other.example.com/v1"))],
            false,
        ),
        (
            "api-version-changed",
            vec![Set("/info/version", json!("1.1.0"))],
            false,
        ),
        (
            "security-scheme-removed",
            vec![Set(
                "/components/securitySchemes/extra",
                json!({"type": "http", "scheme": "basic"}),
            )],
            true,
        ),
        (
            "security-scheme-added",
            vec![Set(
                "/components/securitySchemes/extra",
                json!({"type": "http", "scheme": "basic"}),
            )],
            false,
        ),
        (
            "security-scheme-changed",
            vec![Set(
                "/components/securitySchemes/key",
                json!({"type": "http", "scheme": "bearer"}),
            )],
            false,
        ),
        (
            "schema-removed",
            vec![Remove("/components/schemas/Spare")],
            false,
        ),
        (
            "schema-added",
            vec![Remove("/components/schemas/Spare")],
            true,
        ),
        (
            "operation-removed",
            vec![Remove("/paths/~1items~1{id}/delete")],
            false,
        ),
        (
            "operation-added",
            vec![Remove("/paths/~1items~1{id}/delete")],
            true,
        ),
        (
            "operation-deprecated",
            vec![Set("/paths/~1items/get/deprecated", json!(true))],
            false,
        ),
        (
            "operation-id-changed",
            vec![Set("/paths/~1items/get/operationId", json!("findItems"))],
            false,
        ),
        (
            "operation-tags-changed",
            vec![Set("/paths/~1items/get/tags", json!(["shop"]))],
            false,
        ),
        (
            "security-added",
            vec![Remove("/paths/~1items~1{id}/delete/security")],
            false,
        ),
        (
            "security-removed",
            vec![Remove("/paths/~1items~1{id}/delete/security")],
            true,
        ),
        (
            "security-requirement-changed",
            vec![Set("/paths/~1items/post/security", json!([{"key": []}]))],
            false,
        ),
        (
            "security-scope-added",
            vec![Set(
                "/paths/~1items/post/security",
                json!([{"oauth": ["write", "read"]}]),
            )],
            false,
        ),
        (
            "security-scope-removed",
            vec![Set(
                "/paths/~1items/post/security",
                json!([{"oauth": ["write", "read"]}]),
            )],
            true,
        ),
        (
            "parameter-location-changed",
            vec![Set("/paths/~1items/get/parameters/0/in", json!("header"))],
            false,
        ),
        (
            "parameter-removed",
            vec![Remove("/paths/~1items/get/parameters/0")],
            false,
        ),
        (
            "parameter-became-required",
            vec![Set("/paths/~1items/get/parameters/0/required", json!(true))],
            false,
        ),
        (
            "parameter-became-optional",
            vec![Set("/paths/~1items/get/parameters/0/required", json!(true))],
            true,
        ),
        (
            "parameter-serialization-changed",
            vec![
                Set(
                    "/paths/~1items/get/parameters/0/style",
                    json!("spaceDelimited"),
                ),
                Set(
                    "/paths/~1items/get/parameters/0/schema",
                    json!({"type": "array", "items": {"type": "string"}}),
                ),
            ],
            false,
        ),
        (
            "parameter-default-changed",
            vec![Set(
                "/paths/~1items/get/parameters/1/schema/default",
                json!(50),
            )],
            false,
        ),
        (
            "required-parameter-added",
            vec![Set(
                "/paths/~1items/get/parameters/4",
                json!({"name": "shop", "in": "query", "required": true, "schema": {"type": "string"}}),
            )],
            false,
        ),
        (
            "optional-parameter-added",
            vec![Set(
                "/paths/~1items/get/parameters/4",
                json!({"name": "shop", "in": "query", "schema": {"type": "string"}}),
            )],
            false,
        ),
        (
            "parameter-type-changed",
            vec![Set(
                "/paths/~1items/get/parameters/0/schema",
                json!({"type": "integer"}),
            )],
            false,
        ),
        (
            "parameter-type-widened",
            vec![Set(
                "/paths/~1items/get/parameters/1/schema/type",
                json!("number"),
            )],
            false,
        ),
        (
            "parameter-range-narrowed",
            vec![Set(
                "/paths/~1items/get/parameters/1/schema/maximum",
                json!(50),
            )],
            false,
        ),
        (
            "parameter-range-widened",
            vec![Set(
                "/paths/~1items/get/parameters/1/schema/maximum",
                json!(500),
            )],
            false,
        ),
        (
            "parameter-enum-value-removed",
            vec![Set(
                "/paths/~1items/get/parameters/2/schema/enum",
                json!(["fast"]),
            )],
            false,
        ),
        (
            "parameter-enum-value-added",
            vec![Set(
                "/paths/~1items/get/parameters/2/schema/enum",
                json!(["fast", "slow", "eco"]),
            )],
            false,
        ),
        (
            "parameter-enum-removed",
            vec![Remove("/paths/~1items/get/parameters/2/schema/enum")],
            false,
        ),
        (
            "parameter-enum-added",
            vec![Remove("/paths/~1items/get/parameters/2/schema/enum")],
            true,
        ),
        (
            "parameter-pattern-changed",
            vec![Set(
                "/paths/~1items/get/parameters/0/schema/pattern",
                json!("^[a-z]+$"),
            )],
            false,
        ),
        (
            "request-body-added-required",
            vec![
                Remove("/paths/~1items~1{id}/delete/parameters"),
                Set(
                    "/paths/~1items~1{id}/delete/requestBody",
                    json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}}),
                ),
                Set(
                    "/paths/~1items~1{id}/delete/parameters",
                    json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]),
                ),
            ],
            false,
        ),
        (
            "request-body-added-optional",
            vec![Set(
                "/paths/~1items~1{id}/delete/requestBody",
                json!({"content": {"application/json": {"schema": {"type": "object"}}}}),
            )],
            false,
        ),
        (
            "request-body-removed",
            vec![Remove("/paths/~1items/post/requestBody")],
            false,
        ),
        (
            "request-body-became-required",
            vec![Set(
                "/paths/~1items/post/requestBody/required",
                json!(false),
            )],
            true,
        ),
        (
            "request-body-became-optional",
            vec![Set(
                "/paths/~1items/post/requestBody/required",
                json!(false),
            )],
            false,
        ),
        (
            "request-media-type-removed",
            vec![Set(
                "/paths/~1items/post/requestBody/content",
                json!({"application/xml": {"schema": {"type": "object"}}}),
            )],
            false,
        ),
        (
            "request-media-type-added",
            vec![Set(
                "/paths/~1items/post/requestBody/content/text~1plain",
                json!({"schema": {"type": "string"}}),
            )],
            false,
        ),
        (
            "request-property-removed",
            vec![
                Set(
                    CREATE,
                    json!({"operationId": "createItem", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}}, "responses": {"201": {"description": "made"}}}),
                ),
                Set(
                    "/paths/~1items/post/requestBody/content/application~1json/schema/properties/b",
                    json!({"type": "string"}),
                ),
            ],
            true,
        ),
        (
            "request-required-property-added",
            vec![
                Set(
                    "/components/schemas/Item/properties/extra",
                    json!({"type": "string"}),
                ),
                Set(
                    "/components/schemas/Item/required",
                    json!(["id", "name", "extra"]),
                ),
            ],
            false,
        ),
        (
            "request-property-became-required",
            vec![Set(
                "/components/schemas/Item/required",
                json!(["id", "name", "note"]),
            )],
            false,
        ),
        (
            "request-property-became-optional",
            vec![Set("/components/schemas/Item/required", json!(["id"]))],
            false,
        ),
        (
            "response-property-became-optional",
            vec![Set("/components/schemas/Item/required", json!(["id"]))],
            false,
        ),
        (
            "request-optional-property-added",
            vec![Set(
                "/components/schemas/Item/properties/extra",
                json!({"type": "string"}),
            )],
            false,
        ),
        (
            "response-optional-property-added",
            vec![Set(
                "/components/schemas/Item/properties/extra",
                json!({"type": "string"}),
            )],
            false,
        ),
        (
            "response-property-removed",
            vec![Remove("/components/schemas/Item/properties/note")],
            false,
        ),
        (
            "response-type-changed",
            vec![Set(
                "/components/schemas/Item/properties/note/type",
                json!("integer"),
            )],
            false,
        ),
        (
            "response-enum-value-added",
            vec![Set(
                "/components/schemas/Item/properties/kind/enum",
                json!(["a", "b", "c"]),
            )],
            false,
        ),
        (
            "request-enum-value-removed",
            vec![Set(
                "/components/schemas/Item/properties/kind/enum",
                json!(["a"]),
            )],
            false,
        ),
        (
            "response-became-nullable",
            vec![Set(
                "/components/schemas/Item/properties/note/nullable",
                json!(true),
            )],
            false,
        ),
        (
            "request-nullable-removed",
            vec![Set(
                "/components/schemas/Item/properties/note/nullable",
                json!(true),
            )],
            true,
        ),
        (
            "response-format-changed",
            vec![Set(
                "/components/schemas/Item/properties/when/format",
                json!("date"),
            )],
            false,
        ),
        (
            "request-pattern-changed",
            vec![Set(
                "/components/schemas/Item/properties/code/pattern",
                json!("^y"),
            )],
            false,
        ),
        (
            "request-range-narrowed",
            vec![Set(
                "/components/schemas/Item/properties/name/maxLength",
                json!(10),
            )],
            false,
        ),
        (
            "response-range-widened",
            vec![Set(
                "/components/schemas/Item/properties/size/maximum",
                json!(20),
            )],
            false,
        ),
        (
            "request-read-only-changed",
            vec![Set(
                "/components/schemas/Item/properties/note/readOnly",
                json!(true),
            )],
            false,
        ),
        (
            "request-composition-changed",
            vec![Set(
                "/components/schemas/Item/properties/note",
                json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            )],
            false,
        ),
        (
            "request-additional-properties-closed",
            vec![Set(
                "/components/schemas/Item/additionalProperties",
                json!(false),
            )],
            false,
        ),
        (
            "response-additional-properties-opened",
            vec![Set(
                "/components/schemas/Item/additionalProperties",
                json!(false),
            )],
            true,
        ),
        (
            "response-status-removed",
            vec![Remove("/paths/~1items/get/responses/404")],
            false,
        ),
        (
            "error-status-added",
            vec![Remove("/paths/~1items/get/responses/404")],
            true,
        ),
        (
            "success-status-added",
            vec![Set(
                "/paths/~1items/get/responses/206",
                json!({"description": "part"}),
            )],
            false,
        ),
        (
            "response-media-type-removed",
            vec![Set(
                "/paths/~1items/get/responses/404/content",
                json!({"text/plain": {"schema": {"type": "string"}}}),
            )],
            false,
        ),
        (
            "response-media-type-added",
            vec![Set(
                "/paths/~1items/get/responses/404/content/text~1plain",
                json!({"schema": {"type": "string"}}),
            )],
            false,
        ),
        (
            "response-body-removed",
            vec![Remove("/paths/~1items/get/responses/404/content")],
            false,
        ),
        (
            "response-body-added",
            vec![Remove("/paths/~1items/get/responses/404/content")],
            true,
        ),
        (
            "response-header-removed",
            vec![Remove("/paths/~1items/get/responses/200/headers/X-Total")],
            false,
        ),
        (
            "response-header-added",
            vec![Remove("/paths/~1items/get/responses/200/headers/X-Total")],
            true,
        ),
        (
            "response-header-became-optional",
            vec![Set(
                "/paths/~1items/get/responses/200/headers/X-Total/required",
                json!(false),
            )],
            false,
        ),
        (
            "response-header-became-required",
            vec![Set(
                "/paths/~1items/get/responses/200/headers/X-Total/required",
                json!(false),
            )],
            true,
        ),
        (
            "response-items-changed",
            vec![Set(
                item_response,
                json!({"type": "array", "items": {"type": "string"}}),
            )],
            false,
        ),
    ]
}

#[test]
fn every_change_kind_is_found_in_its_fixture_pair() {
    let base_doc = base();
    let base_api = load(&base_doc);
    let mut missed = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    for (id, edits, reverse) in cases() {
        // the stand-in for "items changed": the response of GET /items/{id} is another type
        let id = if id == "response-items-changed" {
            "response-type-changed"
        } else {
            id
        };
        let edited = load(&apply(base_doc.clone(), &edits));
        let d = if reverse {
            diff(&edited, &base_api)
        } else {
            diff(&base_api, &edited)
        };
        if !d.changes.iter().any(|c| c.id == id) {
            missed.push(format!(
                "{id}: got {:?}",
                d.changes.iter().map(|c| c.id.as_str()).collect::<Vec<_>>()
            ));
        }
        kinds.insert(id);
    }
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
    assert!(kinds.len() >= 60, "{} kinds tested", kinds.len());
    // and nothing on an unchanged document
    assert!(diff(&base_api, &load(&base_doc)).changes.is_empty());
}

#[test]
fn client_and_server_verdicts_follow_the_direction_of_the_data() {
    let base_doc = base();
    let old = load(&base_doc);
    let verdict = |edits: Vec<Edit>, id: &str| {
        let new = load(&apply(base_doc.clone(), &edits));
        let d = diff(&old, &new);
        let c = d
            .changes
            .into_iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("{id}"));
        (c.client, c.server)
    };
    // a required request property breaks clients; a widened response enum breaks clients;
    // a widened request enum breaks servers
    assert_eq!(
        verdict(
            vec![Set(
                "/components/schemas/Item/required",
                json!(["id", "name", "note"])
            )],
            "request-property-became-required"
        ),
        (Level::Breaking, Level::Info)
    );
    assert_eq!(
        verdict(
            vec![Set(
                "/components/schemas/Item/properties/kind/enum",
                json!(["a", "b", "c"])
            )],
            "response-enum-value-added"
        ),
        (Level::Breaking, Level::Info)
    );
    assert_eq!(
        verdict(
            vec![Set(
                "/components/schemas/Item/properties/kind/enum",
                json!(["a", "b", "c"])
            )],
            "request-enum-value-added"
        ),
        (Level::Info, Level::Breaking)
    );
    assert_eq!(
        verdict(
            vec![Set(
                "/components/schemas/Item/required",
                json!(["id", "name", "note"])
            )],
            "response-property-became-required"
        ),
        (Level::Info, Level::Breaking)
    );
}

#[test]
fn the_semver_bump_is_measured_on_the_generated_crates() {
    let base_doc = base();
    let old = load(&base_doc);
    let bump = |edits: Vec<Edit>| diff(&old, &load(&apply(base_doc.clone(), &edits))).crate_api;
    let same = bump(vec![Set("/info/version", json!("1.0.1"))]);
    assert_eq!(same.bump, Bump::Patch, "{same:?}");
    // a new operation adds methods and types: minor
    let added = bump(vec![Set(
        "/paths/~1shops",
        json!({"get": {"operationId": "listShops", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}}}}}),
    )]);
    assert_eq!(added.bump, Bump::Minor, "{added:?}");
    assert!(added
        .added
        .iter()
        .any(|a| a == "client::Client::list_shops"));
    // a new property is a new field of an existing struct: struct literals break
    let field = bump(vec![Set(
        "/components/schemas/Item/properties/extra",
        json!({"type": "string"}),
    )]);
    assert_eq!(field.bump, Bump::Major, "{field:?}");
    assert!(field.added.iter().any(|a| a == "types::Item::extra"));
    // a removed operation removes its method
    let removed = bump(vec![Remove("/paths/~1items~1{id}/delete")]);
    assert_eq!(removed.bump, Bump::Major);
    assert!(removed
        .removed
        .iter()
        .any(|r| r == "client::Client::delete_item"));
    // a new required parameter changes a method's signature
    let changed = bump(vec![Set(
        "/paths/~1items/get/parameters/4",
        json!({"name": "shop", "in": "query", "required": true, "schema": {"type": "string"}}),
    )]);
    assert!(
        changed
            .changed
            .iter()
            .any(|(a, b)| a.starts_with("client::Client::list_items:") && b.contains("shop: &str")),
        "{changed:?}"
    );
}

#[test]
fn swagger_2_and_openapi_3_versions_of_one_api_compare() {
    let swagger = json!({
        "swagger": "2.0",
        "info": {"title": "Shop", "version": "1"},
        "basePath": "/v1",
        "paths": {"/items": {"get": {"operationId": "listItems", "produces": ["application/json"], "parameters": [{"name": "q", "in": "query", "type": "string"}], "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"type": "string"}}}}}}}
    });
    let openapi = json!({
        "openapi": "3.0.3",
        "info": {"title": "Shop", "version": "1"},
        "servers": [{"url": "/v1"}],
        "paths": {"/items": {"get": {"operationId": "listItems", "parameters": [{"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}}}}}}
    });
    let d = diff(&load(&swagger), &load(&openapi));
    let ids: Vec<&str> = d.changes.iter().map(|c| c.id.as_str()).collect();
    assert!(ids.contains(&"spec-version-changed"), "{ids:?}");
    assert!(ids.contains(&"parameter-became-required"), "{ids:?}");
    assert!(
        !ids.contains(&"operation-removed"),
        "the same operation: {ids:?}"
    );
}

#[test]
fn every_output_format_carries_the_changes() {
    let base_doc = base();
    let old = load(&base_doc);
    let new = load(&apply(
        base_doc,
        &[
            Remove("/paths/~1items~1{id}/delete"),
            Set("/paths/~1items/get/deprecated", json!(true)),
            Set("/info/version", json!("2")),
        ],
    ));
    let d = diff(&old, &new);
    let breaking = d
        .changes
        .iter()
        .filter(|c| c.level() == Level::Breaking)
        .count();
    let warnings = d
        .changes
        .iter()
        .filter(|c| c.level() == Level::Warning)
        .count();
    assert!(breaking >= 1 && warnings >= 1);
    let text = render(&d, Format::Text, "new.yaml");
    assert!(
        text.contains("operation-removed") && text.contains("major version bump"),
        "{text}"
    );
    let md = render(&d, Format::Markdown, "new.yaml");
    assert!(
        md.starts_with("## API changes") && md.contains("| breaking | `operation-removed` |"),
        "{md}"
    );
    let json: Value = serde_json::from_str(&render(&d, Format::Json, "new.yaml")).unwrap();
    assert_eq!(json["summary"]["breaking"], breaking);
    assert_eq!(json["summary"]["crate_bump"], "major");
    assert_eq!(json["changes"].as_array().unwrap().len(), d.changes.len());
    let junit = render(&d, Format::Junit, "new.yaml");
    assert_eq!(junit.matches("<failure ").count(), breaking);
    let gh = render(&d, Format::Github, "new.yaml");
    assert_eq!(
        gh.lines()
            .filter(|l| l.starts_with("::error file=new.yaml,title=specforge diff%3A "))
            .count(),
        breaking
    );
    assert_eq!(
        gh.lines().filter(|l| l.starts_with("::warning ")).count(),
        warnings
    );
}
