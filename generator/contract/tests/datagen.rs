//! Generated values validate against their own schemas (judged by the
//! `jsonschema` crate) for every named schema of the bundled specs.

use specforge::ir;
use specforge_contract::check::{Direction, SchemaSet};
use specforge_contract::datagen::Generator;
use std::path::Path;

#[test]
fn generated_values_validate_for_every_schema_and_seed() {
    let mut total = 0;
    let mut failures = Vec::new();
    for spec in ["woodpecker", "circleci", "quay"] {
        let api = ir::load_api(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../specs/{spec}.json")),
        )
        .unwrap();
        for direction in [Direction::Request, Direction::Response] {
            let set = SchemaSet::new(&api, direction);
            for (name, def) in &api.types {
                let (checker, err) = set.compile(&def.json_schema);
                assert!(err.is_none(), "{spec} {name}: {err:?}");
                for seed in 0..5 {
                    let value = Generator::new(set.defs(), seed, direction).value(&def.json_schema);
                    total += 1;
                    let violations = checker.check(&value, "");
                    if !violations.is_empty() {
                        failures.push(format!("{spec} {name} seed {seed} {direction:?}: {violations:?}\n  value: {value}"));
                    }
                }
            }
        }
    }
    println!("{total} generated values checked");
    assert!(
        failures.is_empty(),
        "{} of {total} invalid:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn same_seed_same_value_different_seed_different_value() {
    let api =
        ir::load_api(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json"))
            .unwrap();
    let set = SchemaSet::new(&api, Direction::Response);
    let schema = &api.types["Repo"].json_schema;
    let a = Generator::new(set.defs(), 7, Direction::Response).value(schema);
    let b = Generator::new(set.defs(), 7, Direction::Response).value(schema);
    let c = Generator::new(set.defs(), 8, Direction::Response).value(schema);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn patterns_with_any_character_give_text_that_matches() {
    use serde_json::json;
    let defs = indexmap::IndexMap::new();
    let schema = json!({ "type": "string", "pattern": "^do:kubernetes:.*" });
    for seed in 0..200 {
        let mut g = Generator::new(&defs, seed, specforge_contract::check::Direction::Response);
        let v = g.value(&schema);
        let s = v.as_str().expect("a string");
        assert!(s.starts_with("do:kubernetes:"), "{s:?}");
        assert!(s.is_ascii(), "{s:?}");
    }
    for pattern in ["[^a]{3}", "a.b", "(x|.)+"] {
        let schema = json!({ "type": "string", "pattern": pattern });
        for seed in 0..50 {
            let mut g = Generator::new(&defs, seed, specforge_contract::check::Direction::Response);
            assert!(g.value(&schema).is_string());
        }
    }
}

#[test]
fn a_validator_document_carries_only_the_definitions_it_reaches() {
    let text = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    A: {type: object, properties: {b: {$ref: "#/components/schemas/B"}}}
    B: {type: object, properties: {c: {type: array, items: {$ref: "#/components/schemas/C"}}}}
    C: {type: string}
    Unrelated: {type: object, properties: {d: {$ref: "#/components/schemas/D"}}}
    D: {type: integer}
    Self: {type: object, properties: {next: {$ref: "#/components/schemas/Self"}}}
"##;
    let api = ir::build(&specforge::loader::load_str(text, None).unwrap()).unwrap();
    let set = SchemaSet::new(&api, Direction::Response);
    let reference = |name: &str| serde_json::json!({ "$ref": format!("#/$defs/{name}") });
    let defs_of = |name: &str| -> Vec<String> {
        let doc = set.document(&reference(name));
        doc.get("$defs")
            .and_then(|d| d.as_object())
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(defs_of("A"), ["A", "B", "C"]);
    assert_eq!(defs_of("C"), ["C"]);
    assert_eq!(defs_of("Self"), ["Self"]);
    let inline = set.document(&serde_json::json!({"type": "string"}));
    assert!(inline.get("$defs").is_none(), "{inline}");
    // and the documents still validate what they should
    let (checker, problem) = set.compile(&reference("A"));
    assert!(problem.is_none(), "{problem:?}");
    assert!(checker.is_valid(&serde_json::json!({"b": {"c": ["x"]}})));
    assert!(!checker.is_valid(&serde_json::json!({"b": {"c": [1]}})));
}
