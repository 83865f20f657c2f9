//! The IR's types and the JSON Schemas kept beside them (which validators and data
//! generators read) are two views of one lowering. This judge checks, on every
//! named type of the bundled specs and the fixtures, that the views agree: the
//! same properties and required set for structs, the same values for enums, the
//! same number of variants for unions, arrays for array aliases. It reads the
//! JSON Schema on its own (following `$ref` and `allOf` itself).

use serde_json::Value;
use specforge::ir::{self, Api, TypeKind, TypeRef};
use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Follow `$ref`s into `$defs`.
fn deref<'a>(api: &'a Api, mut v: &'a Value) -> &'a Value {
    for _ in 0..64 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            Some(name) => v = &api.schema_defs[name],
            None => break,
        }
    }
    v
}

/// Properties and required names of an object schema, through `allOf`.
fn object_view(
    api: &Api,
    v: &Value,
    props: &mut BTreeSet<String>,
    required: &mut BTreeSet<String>,
) {
    let v = deref(api, v);
    if let Some(Value::Object(p)) = v.get("properties") {
        props.extend(p.keys().cloned());
    }
    if let Some(Value::Array(r)) = v.get("required") {
        required.extend(r.iter().filter_map(Value::as_str).map(str::to_string));
    }
    if let Some(Value::Array(all)) = v.get("allOf") {
        for a in all {
            object_view(api, a, props, required);
        }
    }
}

fn check(api: &Api, spec: &str) -> usize {
    let mut checked = 0;
    for def in api.types.values() {
        let schema = deref(api, &def.json_schema);
        let at = format!("{spec} {} ({})", def.name, def.pointer);
        match &def.kind {
            TypeKind::Struct { fields, .. } => {
                let (mut props, mut required) = (BTreeSet::new(), BTreeSet::new());
                object_view(api, schema, &mut props, &mut required);
                let names: BTreeSet<String> = fields.iter().map(|f| f.name.clone()).collect();
                assert!(
                    names.is_subset(&props),
                    "{at}: fields {names:?} vs properties {props:?}"
                );
                for f in fields {
                    assert_eq!(
                        f.required,
                        required.contains(&f.name),
                        "{at}: required flag of {}",
                        f.name
                    );
                }
            }
            TypeKind::Enum { values, .. } => {
                // `null` in a schema's enum is nullability, which the IR keeps on the field
                let listed: Vec<Value> = schema
                    .get("enum")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|v| !v.is_null())
                    .cloned()
                    .collect();
                assert_eq!(&listed, values, "{at}: enum values");
            }
            TypeKind::Union { variants, .. } => {
                let branches = ["oneOf", "anyOf"]
                    .iter()
                    .find_map(|k| schema.get(*k).and_then(Value::as_array))
                    .map(Vec::len);
                if let Some(n) = branches {
                    assert!(
                        variants.len() <= n,
                        "{at}: {} variants, {n} branches",
                        variants.len()
                    );
                }
            }
            TypeKind::Alias { target } => {
                if let TypeRef::Array { .. } = target.non_null() {
                    let is_array = schema.get("type") == Some(&Value::from("array"))
                        || schema
                            .get("type")
                            .and_then(Value::as_array)
                            .is_some_and(|t| t.contains(&Value::from("array")))
                        || schema.get("items").is_some();
                    assert!(is_array, "{at}: an array alias over {schema}");
                }
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn ir_types_and_their_json_schemas_agree() {
    let mut total = 0;
    for spec in [
        "specs/woodpecker.json",
        "specs/circleci.json",
        "specs/quay.json",
        "generator/tests/fixtures/hostile.yaml",
        "generator/tests/fixtures/swagger2.yaml",
        "generator/tests/fixtures/oas31.yaml",
    ] {
        let api = ir::load_api(&root().join(spec)).unwrap_or_else(|e| panic!("{spec}: {e}"));
        let n = check(&api, spec);
        assert_eq!(n, api.types.len());
        total += n;
    }
    // identical inline schemas are one type, so this counts distinct shapes
    assert!(total > 300, "checked {total} types");
    println!("{total} types: IR and JSON Schema agree");
}
