//! Loader and IR behaviour: Swagger 2.0 conversion, 3.1 normalization,
//! multi-file refs, recursion, and broken specs with their locations.

use serde_json::json;
use specforge::ir::{
    self, Api, Method, ParamLocation, ParamStyle, Primitive, SecurityScheme, StatusSpec, TypeKind,
    TypeRef,
};
use specforge::loader::{self, SpecVersion};
use specforge::{Diagnostic, LoadError};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn api(name: &str) -> Api {
    ir::load_api(&fixture(name)).unwrap_or_else(|e| panic!("{name} should load: {e}"))
}

fn fail(name: &str) -> LoadError {
    match ir::load_api(&fixture(name)) {
        Ok(_) => panic!("{name} should fail"),
        Err(e) => e,
    }
}

fn first_error(e: &LoadError) -> &Diagnostic {
    e.errors().next().expect("an error diagnostic")
}

fn field<'a>(api: &'a Api, ty: &str, name: &str) -> &'a ir::Field {
    match &api.types[ty].kind {
        TypeKind::Struct { fields, .. } => fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{ty}.{name}")),
        other => panic!("{ty} is not a struct: {other:?}"),
    }
}

#[test]
fn swagger2_host_base_path_and_schemes_become_servers() {
    let a = api("swagger2.yaml");
    assert_eq!(a.spec_version, SpecVersion::Swagger2);
    assert_eq!(
        a.servers,
        ["https://api.example.com/v1", "http://api.example.com/v1"]
    );
    assert_eq!(a.base_path, "/v1");
}

#[test]
fn swagger2_body_parameter_becomes_json_request_body() {
    let a = api("swagger2.yaml");
    let op = a
        .operations
        .iter()
        .find(|o| o.method == Method::Post && o.path == "/pets")
        .unwrap();
    let body = op.request_body.as_ref().expect("body");
    assert!(body.required);
    assert_eq!(body.name.as_deref(), Some("pet"));
    assert_eq!(body.content.len(), 1);
    assert_eq!(body.content[0].media_type, "application/json");
    assert_eq!(body.content[0].schema, Some(TypeRef::named("Pet")));
    assert!(
        op.parameters.is_empty(),
        "the body parameter is not a parameter any more"
    );
    // a $ref to a shared response is followed
    let nf = op
        .responses
        .iter()
        .find(|r| r.status == StatusSpec::Code(404))
        .unwrap();
    assert_eq!(nf.content[0].schema, Some(TypeRef::named("Error")));
}

#[test]
fn swagger2_form_data_becomes_multipart_or_urlencoded_and_file_becomes_binary() {
    let a = api("swagger2.yaml");
    let photo = a
        .operations
        .iter()
        .find(|o| o.path == "/pets/{id}/photo")
        .unwrap();
    let body = photo.request_body.as_ref().unwrap();
    assert_eq!(body.content[0].media_type, "multipart/form-data");
    let schema = body.content[0].json_schema.as_ref().unwrap();
    assert_eq!(
        schema["properties"]["file"],
        json!({ "type": "string", "format": "binary" })
    );
    assert_eq!(schema["required"], json!(["file"]));
    // produces/consumes become content types
    assert_eq!(photo.responses[0].content[0].media_type, "text/plain");
    // path-level parameters are merged
    assert_eq!(photo.params_in(ParamLocation::Path).count(), 1);

    let login = a.operations.iter().find(|o| o.path == "/login").unwrap();
    assert_eq!(
        login.request_body.as_ref().unwrap().content[0].media_type,
        "application/x-www-form-urlencoded"
    );
    assert_eq!(login.responses[0].status, StatusSpec::Default);
}

#[test]
fn swagger2_collection_format_becomes_style_and_explode() {
    let a = api("swagger2.yaml");
    let op = a
        .operations
        .iter()
        .find(|o| o.method == Method::Get && o.path == "/pets")
        .unwrap();
    let p = |n: &str| op.parameters.iter().find(|p| p.name == n).unwrap();
    assert_eq!(
        (p("tags").style, p("tags").explode),
        (ParamStyle::Form, true)
    );
    assert_eq!(
        (p("ids").style, p("ids").explode),
        (ParamStyle::PipeDelimited, false)
    );
    assert_eq!(
        (p("words").style, p("words").explode),
        (ParamStyle::SpaceDelimited, false)
    );
    assert_eq!(
        (p("X-Trace").style, p("X-Trace").explode),
        (ParamStyle::Simple, false)
    );
    // shared parameter definitions move to components and keep their schema
    assert_eq!(p("limit").schema, TypeRef::primitive(Primitive::Int32));
    assert_eq!(p("limit").default, Some(json!(20)));
    // response headers and examples carry over
    let ok = &op.responses[0];
    assert_eq!(ok.headers[0].name, "X-Total");
    assert_eq!(
        ok.content[0].examples["default"],
        json!([{ "id": 1, "name": "rex" }])
    );
}

#[test]
fn swagger2_security_definitions_and_x_nullable() {
    let a = api("swagger2.yaml");
    assert_eq!(a.security_schemes["basic"], SecurityScheme::Basic);
    assert_eq!(
        a.security_schemes["key"],
        SecurityScheme::ApiKey {
            name: "X-Key".into(),
            location: ParamLocation::Header
        }
    );
    assert_eq!(
        a.security_schemes["oauth"],
        SecurityScheme::OAuth2 {
            scopes: vec!["read:pets".into()]
        }
    );
    let photo = a
        .operations
        .iter()
        .find(|o| o.path == "/pets/{id}/photo")
        .unwrap();
    assert_eq!(
        photo.security[0].schemes,
        vec![("oauth".to_string(), vec!["read:pets".to_string()])]
    );
    let list = a.operations.iter().find(|o| o.path == "/pets").unwrap();
    assert_eq!(
        list.security[0].schemes[0].0, "key",
        "global security applies"
    );
    let nick = field(&a, "Pet", "nickname");
    assert!(nick.nullable);
    assert_eq!(
        a.schema_defs["Pet"]["properties"]["nickname"]["type"],
        json!(["string", "null"])
    );
    // a property called `description` is a property, not prose
    assert_eq!(
        field(&a, "Pet", "description").schema,
        TypeRef::primitive(Primitive::String)
    );
}

#[test]
fn swagger2_without_produces_or_consumes_assumes_json_with_one_warning() {
    let text = r#"{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"parameters":[{"name":"b","in":"body","schema":{"type":"object"}}],"responses":{"200":{"description":"ok","schema":{"type":"string"}}}}},"/b":{"get":{"responses":{"200":{"description":"ok","schema":{"type":"string"}}}}}}}"#;
    let spec = loader::load_str(text, None).unwrap();
    let a = ir::build(&spec).unwrap();
    let warnings: Vec<_> = a
        .warnings
        .iter()
        .filter(|w| w.message.contains("no 'produces' or 'consumes'"))
        .collect();
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        a.operations[0].request_body.as_ref().unwrap().content[0].media_type,
        "application/json"
    );
    assert_eq!(
        a.operations[1].responses[0].content[0].media_type,
        "application/json"
    );
}

#[test]
fn swagger2_shared_responses_stay_references_unless_the_operation_changes_their_media() {
    let text = r##"{"swagger":"2.0","info":{"title":"t","version":"1"},"produces":["application/json"],
      "responses":{"NotFound":{"description":"gone","schema":{"$ref":"#/definitions/Err"}}},
      "definitions":{"Err":{"type":"object","properties":{"m":{"type":"string"}}}},
      "paths":{"/a":{"get":{"responses":{"200":{"description":"ok"},"404":{"$ref":"#/responses/NotFound"}}}},
               "/b":{"get":{"produces":["application/xml"],"responses":{"200":{"description":"ok"},"404":{"$ref":"#/responses/NotFound"}}}}}}"##;
    let spec = loader::load_str(text, None).unwrap();
    // one copy for the JSON operation, the operation's own media type for the XML one
    assert_eq!(
        spec.document["paths"]["/a"]["get"]["responses"]["404"],
        json!({ "$ref": "#/components/responses/NotFound" })
    );
    assert!(
        spec.document["paths"]["/b"]["get"]["responses"]["404"]["content"]
            .get("application/xml")
            .is_some()
    );
    assert_eq!(
        spec.document["components"]["responses"]["NotFound"]["content"]["application/json"]
            ["schema"],
        json!({ "$ref": "#/components/schemas/Err" })
    );
    // lowering reads both the same way
    let a = ir::build(&spec).unwrap();
    for (op, media) in [(0, "application/json"), (1, "application/xml")] {
        let r = a.operations[op]
            .responses
            .iter()
            .find(|r| r.status == StatusSpec::Code(404))
            .unwrap();
        assert_eq!(r.description, "gone");
        assert_eq!(r.content[0].media_type, media);
        assert_eq!(r.content[0].schema, Some(TypeRef::named("Err")));
    }
}

#[test]
fn openapi31_type_arrays_const_examples_and_exclusive_bounds() {
    let a = api("oas31.yaml");
    assert_eq!(a.spec_version, SpecVersion::OpenApi31);
    // server variables are substituted; the base path is kept separately
    assert_eq!(a.servers, ["https://eu.example.com/api/v3"]);
    assert_eq!(a.base_path, "/api/v3");
    let label = field(&a, "Thing", "label");
    assert!(label.nullable);
    assert_eq!(label.schema, TypeRef::primitive(Primitive::String));
    // const -> a one-value enum
    let kind = field(&a, "Thing", "kind");
    let TypeRef::Named { name } = &kind.schema else {
        panic!("const is an enum type")
    };
    assert!(
        matches!(&a.types[name].kind, TypeKind::Enum { values, .. } if values == &vec![json!("thing")])
    );
    // numeric exclusive bounds survive into the JSON Schema as 2020-12 numbers
    let score = &a.schema_defs["Thing"]["properties"]["score"];
    assert_eq!(score["exclusiveMinimum"], json!(0));
    assert_eq!(score["exclusiveMaximum"], json!(10));
    assert!(score.get("minimum").is_none());
    // examples arrays are kept
    assert_eq!(
        a.schema_defs["Thing"]["properties"]["tags"]["examples"],
        json!([["a", "b"]])
    );
    // multi-type arrays become a union
    let either = field(&a, "Thing", "either");
    let TypeRef::Named { name } = &either.schema else {
        panic!("either is a union")
    };
    assert!(matches!(&a.types[name].kind, TypeKind::Union { variants, .. } if variants.len() == 2));
    // no warnings: all of this is legal 3.1
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

#[test]
fn openapi31_ref_siblings_annotate_or_constrain() {
    let a = api("oas31.yaml");
    let base = field(&a, "Thing", "base");
    assert_eq!(base.schema, TypeRef::named("Base"));
    assert_eq!(base.description.as_deref(), Some("the base"));
    // a constraining sibling makes an allOf
    let narrowed = &a.schema_defs["Thing"]["properties"]["narrowed"];
    assert_eq!(narrowed["allOf"][0]["$ref"], json!("#/$defs/Base"));
    assert_eq!(narrowed["required"], json!(["id"]));
}

#[test]
fn multi_file_refs_are_bundled_relative_to_the_referring_file() {
    let a = api("multi/api.yaml");
    let get = a.operation("get_pet").unwrap();
    assert_eq!(get.parameters[0].name, "petId");
    assert_eq!(
        get.responses[0].content[0].schema,
        Some(TypeRef::named("Pet"))
    );
    // pet.yaml refers to ./owner.yaml (beside it) and to itself (#/Pet)
    assert_eq!(field(&a, "Pet", "owner").schema, TypeRef::named("Owner"));
    assert!(
        matches!(&field(&a, "Pet", "friends").schema, TypeRef::Array { items, .. } if **items == TypeRef::named("Pet"))
    );
    // the same file referred to twice is one type
    let owners = a.operation("list_owners").unwrap();
    assert!(
        matches!(&owners.responses[0].content[0].schema, Some(TypeRef::Array { items, .. }) if **items == TypeRef::named("Owner"))
    );
    assert!(a.types["Pet"].recursive);
}

#[test]
fn normalize_writes_a_single_document() {
    let spec = loader::load_keeping_bundled(&fixture("multi/api.yaml")).unwrap();
    let bundled = spec.bundled.as_ref().expect("kept when asked");
    let text = serde_json::to_string(bundled).unwrap();
    assert!(!text.contains(".yaml"), "no file references remain: {text}");
    assert!(bundled["components"]["schemas"]["Pet"].is_object());
    // and not kept otherwise: one document at a time
    assert!(loader::load(&fixture("multi/api.yaml"))
        .unwrap()
        .bundled
        .is_none());
}

#[test]
fn a_ref_leaving_the_root_folder_is_an_error() {
    let e = fail("escape/inner/api.yaml");
    let d = first_error(&e);
    assert!(
        d.message.contains("leaves the folder of the root spec"),
        "{d}"
    );
    assert_eq!(
        d.pointer.as_deref(),
        Some("#/paths/~1x/get/responses/200/content/application~1json/schema")
    );
    assert!(d.file.as_ref().unwrap().ends_with("escape/inner/api.yaml"));
}

#[test]
fn network_refs_are_never_fetched() {
    let e = fail("broken/network.yaml");
    let d = first_error(&e);
    assert!(d.message.contains("never fetches remote references"), "{d}");
    assert_eq!(d.line, Some(7));
}

#[test]
fn recursive_schemas_are_named_types_referring_to_themselves() {
    let a = api("recursive.yaml");
    assert!(a.types["Node"].recursive);
    assert!(!a.types["Leaf"].recursive);
    assert_eq!(field(&a, "Node", "parent").schema, TypeRef::named("Node"));
    assert_eq!(
        a.schema_defs["Node"]["properties"]["parent"],
        json!({ "$ref": "#/$defs/Node" })
    );
}

#[test]
fn bad_yaml_reports_file_line_and_column() {
    let e = fail("broken/bad.yaml");
    let d = first_error(&e);
    assert!(d.message.starts_with("invalid YAML"), "{d}");
    assert!(d.file.as_ref().unwrap().ends_with("broken/bad.yaml"));
    assert_eq!(d.line, Some(8), "{d}");
}

#[test]
fn bad_json_reports_file_line_and_column() {
    let e = fail("broken/bad.json");
    let d = first_error(&e);
    assert!(d.message.starts_with("invalid JSON"), "{d}");
    assert_eq!((d.line, d.column), (Some(4), Some(13)), "{d}");
}

#[test]
fn dangling_ref_names_pointer_and_line() {
    let e = fail("broken/dangling.yaml");
    let d = first_error(&e);
    assert!(
        d.message
            .contains("'#/components/schemas/Missing' does not resolve"),
        "{d}"
    );
    assert_eq!(
        d.pointer.as_deref(),
        Some("#/paths/~1x/get/responses/200/content/application~1json/schema")
    );
    assert_eq!(d.line, Some(11), "{d}");
}

#[test]
fn wrong_types_are_errors_at_their_pointer_and_line() {
    let e = fail("broken/wrong_types.json");
    let errors: Vec<_> = e.errors().collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let params = errors
        .iter()
        .find(|d| d.message.contains("'parameters' must be an array"))
        .unwrap();
    assert_eq!(
        params.pointer.as_deref(),
        Some("#/paths/~1x/get/parameters")
    );
    assert_eq!(params.line, Some(7));
    let op = errors
        .iter()
        .find(|d| d.message.contains("an operation must be an object"))
        .unwrap();
    assert_eq!(op.pointer.as_deref(), Some("#/paths/~1x/post"));
    assert_eq!(op.line, Some(10));

    let e = fail("broken/paths_array.yaml");
    let d = first_error(&e);
    assert_eq!(d.pointer.as_deref(), Some("#/paths"));
    assert!(d
        .message
        .contains("'paths' must be an object, found an array"));
    assert_eq!(d.line, Some(3));
}

#[test]
fn unsupported_versions_are_errors() {
    let e = fail("broken/version.yaml");
    let d = first_error(&e);
    assert_eq!(d.pointer.as_deref(), Some("#/openapi"));
    assert!(d.message.contains("unsupported OpenAPI version"), "{d}");
    assert_eq!(d.line, Some(1));
}

#[test]
fn format_is_decided_by_content_not_extension() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("spec.json");
    std::fs::write(
        &p,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
    )
    .unwrap();
    let a = ir::load_api(&p).unwrap();
    assert_eq!(a.title, "t");
}

#[test]
fn path_templates_are_parsed_into_parts_and_their_problems_named() {
    use specforge::ir::{PathPart, PathTemplate};
    let text = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /search?type=user:
    get: { responses: { "200": { description: ok } } }
  /files/{id}.{ext}/:
    get:
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
        - { name: ext, in: path, required: true, schema: { type: string } }
      responses: { "200": { description: ok } }
  /broken/{id:
    get: { responses: { "200": { description: ok } } }
"#;
    let spec = loader::load_str(text, None).unwrap();
    let a = ir::build(&spec).unwrap();
    let search = &a.operations[0];
    assert_eq!(search.template.route(""), "/search");
    let query_warning = a
        .warnings
        .iter()
        .find(|w| w.message.contains("'?type=user'"))
        .expect("a path key with a query string is named");
    assert_eq!(
        query_warning.pointer.as_deref(),
        Some("#/paths/~1search?type=user")
    );
    let files = &a.operations[1];
    assert!(files.template.trailing_slash);
    assert_eq!(
        files.template.segments[1].parts,
        vec![
            PathPart::Param("id".into()),
            PathPart::Literal(".".into()),
            PathPart::Param("ext".into())
        ]
    );
    assert_eq!(files.template.route("/api"), "/api/files/{s0}/");
    assert_eq!(
        files.template.match_raw("/files/12.tar.gz/"),
        Some(vec![("id", "12"), ("ext", "tar.gz")]),
        "an integer takes digits only"
    );
    assert!(
        !a.warnings
            .iter()
            .any(|w| w.message.contains("does not occur in the path template")),
        "{:?}",
        a.warnings
    );
    assert!(a
        .warnings
        .iter()
        .any(|w| w.message.contains("unbalanced brace")));
    let (_, problems) = PathTemplate::parse("/x/{id}/{id}");
    assert_eq!(problems.len(), 1, "a repeated name is a problem");
    let repeated = "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /x/{id}/{id}:\n    get: { responses: { '200': { description: ok } } }\n";
    let e = ir::build(&loader::load_str(repeated, None).unwrap()).unwrap_err();
    assert!(
        e.to_string().contains("names the parameter 'id' twice"),
        "{e}"
    );
}

#[test]
fn numbers_of_any_size_load_with_a_warning_where_digits_may_be_lost() {
    let yaml = "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /a:\n    get:\n      parameters:\n        - { name: n, in: query, schema: { type: integer, maximum: 18446744073709552000 } }\n      responses: { '200': { description: ok } }\n";
    let json = r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"parameters":[{"name":"n","in":"query","schema":{"type":"integer","minimum":-99999999999999999999}}],"responses":{"200":{"description":"ok"}}}}}}"#;
    for (text, key) in [(yaml, "maximum"), (json, "minimum")] {
        let spec = loader::load_str(text, None).unwrap_or_else(|e| panic!("{e}"));
        let a = ir::build(&spec).unwrap();
        let bound = a.operations[0].parameters[0].json_schema[key]
            .as_f64()
            .unwrap();
        assert!(bound.abs() > 1.8e19, "{bound}");
        let w = a
            .warnings
            .iter()
            .find(|w| w.message.contains("beyond 64 bits"))
            .expect("a warning names the number");
        assert!(
            w.pointer
                .as_deref()
                .unwrap()
                .ends_with(&format!("/schema/{key}")),
            "{w}"
        );
    }
}

#[test]
fn json_schema_constructs_in_swagger2_load_with_a_meaning() {
    let text = r#"{"swagger":"2.0","info":{"title":"t","version":"1"},"produces":["application/json"],"paths":{},
      "definitions":{
        "Pair":{"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false},
        "Tagged":{"type":"object","properties":{"a":{"type":"string"}},"patternProperties":{"^x-":{"type":"integer"}},"dependencies":{"a":["b"]}}}}"#;
    let spec = loader::load_str(text, None).unwrap_or_else(|e| panic!("{e}"));
    let a = ir::build(&spec).unwrap();
    let pair = &a.types["Pair"];
    let TypeKind::Alias {
        target: TypeRef::Array { items, .. },
    } = &pair.kind
    else {
        panic!("an array: {:?}", pair.kind)
    };
    let TypeRef::Named { name } = items.as_ref() else {
        panic!("items are a union: {items:?}")
    };
    assert!(matches!(a.types[name].kind, TypeKind::Union { .. }));
    let TypeKind::Struct { additional, .. } = &a.types["Tagged"].kind else {
        panic!("a struct")
    };
    assert_eq!(
        additional.as_ref(),
        Some(&TypeRef::primitive(Primitive::Int64))
    );
    for what in [
        "tuple of item schemas",
        "patternProperties",
        "'dependencies'",
    ] {
        assert!(
            a.warnings.iter().any(|w| w.message.contains(what)),
            "{what}: {:?}",
            a.warnings
        );
    }
}

#[test]
fn ref_alias_cycles_are_errors_naming_the_cycle() {
    let text = r##"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /a:
    get:
      responses:
        "200": { $ref: "#/components/responses/R1" }
components:
  responses:
    R1: { $ref: "#/components/responses/R2" }
    R2: { $ref: "#/components/responses/R1" }
  schemas:
    A: { $ref: "#/components/schemas/B" }
    B: { $ref: "#/components/schemas/A" }
    C: { $ref: "#/components/schemas/C" }
    Tree: { type: object, properties: { kids: { type: array, items: { $ref: "#/components/schemas/Tree" } } } }
"##;
    let e = ir::build(&loader::load_str(text, None).unwrap()).unwrap_err();
    let messages: Vec<String> = e.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(
        messages[0].contains(
            "#/components/responses/R1 -> #/components/responses/R2 -> #/components/responses/R1"
        ),
        "{messages:#?}"
    );
    assert!(messages[1]
        .contains("#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"));
    assert!(messages[2].contains("#/components/schemas/C -> #/components/schemas/C"));
    // recursion through a real type stays supported
    assert!(api("recursive.yaml").types.values().any(|t| t.recursive));
}

#[test]
fn a_broken_percent_escape_in_a_ref_is_an_error_not_a_panic() {
    let text = "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /a:\n    get:\n      responses:\n        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/%xé' } } } }\ncomponents: { schemas: { A: { type: string } } }\n";
    let e = loader::load_str(text, None)
        .and_then(|s| ir::build(&s))
        .unwrap_err();
    assert!(e.to_string().contains("does not resolve"), "{e}");
}

#[test]
fn careless_input_is_refused_with_a_place() {
    // duplicate JSON keys: an error with line and column, as YAML's
    let dup = "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\n\"paths\":{\"/a\":{},\n\"/a\":{}}}";
    let e = loader::load_str(dup, None).unwrap_err();
    let d = first_error(&e);
    assert!(d.message.contains("duplicate key \"/a\""), "{d}");
    assert_eq!(d.line, Some(3), "{d}");
    // not UTF-8: the byte offset
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(
        &bad,
        b"openapi: 3.0.3\ninfo: {title: \"t\xff\", version: \"1\"}\n",
    )
    .unwrap();
    let e = loader::load(&bad).unwrap_err();
    let d = first_error(&e);
    assert!(d.message.contains("offset 31"), "{d}");
    assert_eq!((d.line, d.column), (Some(2), Some(17)));
    // only regular files: a device or a FIFO would never end
    let e = loader::load(Path::new("/dev/zero")).unwrap_err();
    assert!(first_error(&e).message.contains("not a regular file"));
    let fifo = tmp.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::fs::write(
        tmp.path().join("api.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': { description: ok, content: { application/json: { schema: { $ref: 'fifo#/x' } } } }\n",
    )
    .unwrap();
    let e = loader::load(&tmp.path().join("api.yaml")).unwrap_err();
    assert!(
        first_error(&e).message.contains("not a regular file"),
        "{e}"
    );
}

#[test]
fn a_ref_outside_the_folder_is_refused_alike_whether_or_not_it_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let inner = tmp.path().join("api");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(tmp.path().join("secret.yaml"), "x: 1\n").unwrap();
    let messages: Vec<String> = ["../secret.yaml#/x", "../missing.yaml#/x"]
        .iter()
        .map(|target| {
            let spec = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {{ description: ok, content: {{ application/json: {{ schema: {{ $ref: '{target}' }} }} }} }}\n");
            std::fs::write(inner.join("spec.yaml"), spec).unwrap();
            let e = loader::load(&inner.join("spec.yaml")).unwrap_err();
            first_error(&e).message.replace(target, "TARGET")
        })
        .collect();
    assert!(messages[0].contains("leaves the folder"), "{messages:?}");
    assert_eq!(messages[0], messages[1]);
}

#[test]
fn a_discriminator_over_a_non_object_branch_is_warned() {
    let text = r##"
openapi: 3.0.3
info: { title: t, version: "1" }
paths: {}
components:
  schemas:
    Cat: { type: object, properties: { kind: { type: string } } }
    Name: { type: string }
    Pet:
      oneOf: [ { $ref: "#/components/schemas/Cat" }, { $ref: "#/components/schemas/Name" } ]
      discriminator: { propertyName: kind, mapping: { cat: "#/components/schemas/Cat", name: "#/components/schemas/Name" } }
"##;
    let a = ir::build(&loader::load_str(text, None).unwrap()).unwrap();
    let w: Vec<_> = a
        .warnings
        .iter()
        .filter(|w| w.message.contains("cannot carry the property"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", a.warnings);
    assert_eq!(
        w[0].pointer.as_deref(),
        Some("#/components/schemas/Pet/oneOf/1")
    );
}

#[test]
fn yaml_numbers_beyond_a_float_are_errors_with_their_line_not_strings() {
    let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: number\n      maximum: 1e400\n      example: \"1e400\"\n    B: {type: number, minimum: -1E+999}\n";
    let e = loader::load_str(text, None).unwrap_err();
    let messages: Vec<String> = e.errors().map(|d| d.to_string()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("8:7"), "{}", messages[0]);
    assert!(messages[0].contains("#/components/schemas/A/maximum"));
    assert!(messages[0].contains("1e400"));
    assert!(messages[1].contains("#/components/schemas/B/minimum"));
    // quoted, it is text on purpose
    let quoted = text
        .replace("maximum: 1e400", "maximum: 1")
        .replace("-1E+999", "1");
    loader::load_str(&quoted, None).unwrap();
}

#[test]
fn identical_inline_schemas_are_one_type_named_by_title_where_it_has_one() {
    let pipeline = r#"{type: object, title: Pipeline, required: [id], properties: {id: {type: string, format: uuid}, number: {type: integer}}}"#;
    let errors = r#"{type: object, properties: {message: {type: string}}}"#;
    let mut text = String::from("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n");
    for (i, path) in ["/a", "/b", "/c", "/d", "/e"].iter().enumerate() {
        text.push_str(&format!(
            "  {path}:\n    get:\n      operationId: op{i}\n      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {pipeline}}}}}}}\n        default: {{description: err, content: {{application/json: {{schema: {errors}}}}}}}\n"
        ));
    }
    // the same shape with another description is still the same type
    text.push_str(&format!(
        "  /f:\n    get:\n      operationId: op5\n      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {}}}}}}}\n",
        pipeline.replace("title: Pipeline,", "title: Pipeline, description: one more copy,")
    ));
    // a different shape with the same title gets a derived name, not Pipeline2
    text.push_str("  /g:\n    get:\n      operationId: op6\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object, title: Pipeline, properties: {other: {type: boolean}}}}}}\n");
    let api = ir::build(&loader::load_str(&text, None).unwrap()).unwrap();
    let names: Vec<&str> = api.types.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["Pipeline", "Op0ResponsedefaultBody", "Op6ResponseBody"],
        "{names:?}"
    );
    for op in &api.operations[..6] {
        let body = op.responses[0].content[0].schema.as_ref().unwrap();
        assert_eq!(body, &ir::TypeRef::named("Pipeline"), "{}", op.name);
    }
}
