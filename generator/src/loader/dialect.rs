//! Schema dialect normalization. Swagger 2.0, OpenAPI 3.0 and OpenAPI 3.1 (plus
//! the JSON-Schema-isms that real documents put where they do not belong) are
//! rewritten into one canonical schema form that the IR lowering reads:
//!
//! - `type: [T, "null"]`, `x-nullable: true` and `anyOf/oneOf` with a `{type: null}`
//!   branch all become `nullable: true`;
//! - `const: v` becomes `enum: [v]`;
//! - a JSON Schema `examples` array also provides `example`;
//! - numeric `exclusiveMinimum`/`exclusiveMaximum` become `minimum` + `exclusiveMinimum: true`;
//! - `$ref` with constraining siblings becomes `allOf: [$ref]` + siblings (3.1),
//!   or loses the siblings with a warning (2.0 / 3.0, where they are ignored);
//! - draft-4 `id` keys are dropped with a warning.

use super::walk::{child_ctx, element_ctx, Ctx};
use super::SpecVersion;
use crate::diagnostics::{push_pointer, push_token, Diagnostic};
use serde_json::{json, Map, Value};

/// Keys that may sit beside `$ref` without changing what it validates.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "summary",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "nullable",
    "$comment",
];

/// Normalize every schema in `doc`, returning warnings.
pub fn normalize_schemas(version: SpecVersion, doc: &mut Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk(version, doc, Ctx::Doc, &mut String::from("#"), &mut out);
    // one warning for all the nullability the document's version does not define
    let (lenient, mut out): (Vec<Diagnostic>, Vec<Diagnostic>) = out
        .into_iter()
        .partition(|d| d.message == LENIENT_NULL_NOTE);
    if let Some(first) = lenient.first() {
        out.push(Diagnostic::warning(
            first.pointer.clone().unwrap_or_default(),
            format!(
                "{} schema(s), this one first, mark null with a construct {} does not define (x-nullable, nullable without a type, a type list); \
                 read tolerantly: generated clients and request validation accept null there; \
                 sent strictly: the mock never answers null there",
                lenient.len(),
                version.label()
            ),
        ));
    }
    out
}

/// The annotation a normalized schema carries when its nullability comes from a
/// construct its document's version does not define: strict output omits `null`.
pub const LENIENT_NULL: &str = "x-specforge-lenient-null";

const LENIENT_NULL_NOTE: &str = "lenient null";

/// `ptr` is the pointer to `node`: one buffer for the whole walk, each child's
/// token appended and truncated away again.
fn walk(
    version: SpecVersion,
    node: &mut Value,
    ctx: Ctx,
    ptr: &mut String,
    out: &mut Vec<Diagnostic>,
) {
    let len = ptr.len();
    match (ctx, node) {
        (Ctx::Data, _) => {}
        (_, Value::Array(items)) => {
            let ectx = element_ctx(ctx);
            for (i, item) in items.iter_mut().enumerate() {
                push_token(ptr, &i.to_string());
                walk(version, item, ectx, ptr, out);
                ptr.truncate(len);
            }
        }
        (ctx, Value::Object(map)) => {
            if ctx == Ctx::Schema {
                normalize_one(version, map, ptr, out);
            }
            for (k, child) in map.iter_mut() {
                let cctx = child_ctx(version, ctx, k);
                push_token(ptr, k);
                walk(version, child, cctx, ptr, out);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

fn is_null_schema(v: &Value) -> bool {
    match v.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "null",
        _ => false,
    }
}

fn mark_lenient(s: &mut Map<String, Value>, ptr: &str, out: &mut Vec<Diagnostic>) {
    s.insert(LENIENT_NULL.into(), Value::Bool(true));
    out.push(Diagnostic::warning(ptr.to_string(), LENIENT_NULL_NOTE));
}

fn normalize_one(
    version: SpecVersion,
    s: &mut Map<String, Value>,
    ptr: &str,
    out: &mut Vec<Diagnostic>,
) {
    let v31 = version == SpecVersion::OpenApi31;
    // x-nullable (Swagger 2.0 extension used by go-swagger and others)
    let mut from_extension = false;
    if let Some(xn) = s.remove("x-nullable") {
        if xn == Value::Bool(true) {
            s.insert("nullable".into(), Value::Bool(true));
            from_extension = true;
            // a Swagger 2.0 extension: 3.x readers do not honour it
            if version != SpecVersion::Swagger2 {
                mark_lenient(s, ptr, out);
            }
        }
    }
    // `nullable` is an OpenAPI 3.0 keyword: 2.0 does not define it, and in 3.0 it
    // means nothing without a `type`
    if s.get("nullable") == Some(&Value::Bool(true))
        && !from_extension
        && !s.contains_key(LENIENT_NULL)
        && (version == SpecVersion::Swagger2
            || version == SpecVersion::OpenApi30 && !s.contains_key("type"))
    {
        mark_lenient(s, ptr, out);
    }
    // tuple arrays: `items: [A, B]` (draft 4–2019) or `prefixItems` (2020-12)
    let tuple = match (s.get("items"), s.get("prefixItems")) {
        (Some(Value::Array(t)), _) => Some(("items", t.clone())),
        (_, Some(Value::Array(t))) => Some(("prefixItems", t.clone())),
        _ => None,
    };
    if let Some((key, branches)) = tuple {
        s.remove("prefixItems");
        s.remove("additionalItems");
        let items = match branches.len() {
            0 => json!({}),
            1 => branches[0].clone(),
            _ => json!({ "anyOf": branches }),
        };
        s.insert("items".into(), items);
        out.push(Diagnostic::warning(
            push_pointer(ptr, key),
            "a tuple of item schemas (JSON Schema), which OpenAPI does not define: read as an array whose items are any of them",
        ));
    }
    // patternProperties: keys matching patterns, read as additional properties
    if let Some(Value::Object(patterns)) = s.remove("patternProperties") {
        if !s.contains_key("additionalProperties") && !patterns.is_empty() {
            let values: Vec<Value> = patterns.values().cloned().collect();
            let ap = if values.len() == 1 {
                values[0].clone()
            } else {
                json!({ "anyOf": values })
            };
            s.insert("additionalProperties".into(), ap);
        }
        out.push(Diagnostic::warning(
            push_pointer(ptr, "patternProperties"),
            "patternProperties (JSON Schema) is not OpenAPI: read as additionalProperties, whatever the key",
        ));
    }
    // keywords that constrain nothing a type can say: dropped, with a word
    // (OpenAPI 3.1 is JSON Schema 2020-12, which keeps all but `dependencies`)
    let dropped: &[&str] = if v31 {
        &["dependencies"]
    } else {
        &[
            "dependencies",
            "dependentRequired",
            "dependentSchemas",
            "if",
            "then",
            "else",
        ]
    };
    for key in dropped {
        {
            if s.remove(*key).is_some() {
                out.push(Diagnostic::warning(
                    push_pointer(ptr, key),
                    format!("'{key}' is not checked or typed; ignored"),
                ));
            }
        }
    }
    // type arrays
    if let Some(Value::Array(types)) = s.get("type").cloned() {
        let has_null = types.iter().any(|t| t == "null");
        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        if has_null && !v31 {
            mark_lenient(s, ptr, out);
        }
        if !v31 {
            out.push(Diagnostic::warning(
                push_pointer(ptr, "type"),
                format!(
                    "a list of types is JSON Schema, not {}; read as {}",
                    version.label(),
                    if has_null {
                        "a nullable type"
                    } else {
                        "a choice of types"
                    }
                ),
            ));
        }
        match rest.len() {
            0 => {
                s.remove("type");
            }
            1 => {
                s.insert("type".into(), rest[0].clone());
            }
            _ => {
                s.remove("type");
                let variants: Vec<Value> = rest.into_iter().map(|t| json!({ "type": t })).collect();
                s.insert("anyOf".into(), Value::Array(variants));
            }
        }
        if has_null {
            s.insert("nullable".into(), Value::Bool(true));
        }
    }
    // oneOf/anyOf with a null branch
    for key in ["anyOf", "oneOf"] {
        if version == SpecVersion::Swagger2 && s.contains_key(key) {
            out.push(Diagnostic::warning(
                push_pointer(ptr, key),
                format!(
                    "'{key}' is not part of Swagger 2.0; accepted with its OpenAPI 3.0 meaning"
                ),
            ));
        }
        let Some(Value::Array(branches)) = s.get(key).cloned() else {
            continue;
        };
        if !branches.iter().any(is_null_schema) {
            continue;
        }
        let rest: Vec<Value> = branches
            .into_iter()
            .filter(|b| !is_null_schema(b))
            .collect();
        s.insert("nullable".into(), Value::Bool(true));
        if rest.len() == 1 {
            s.remove(key);
            let only = rest.into_iter().next().unwrap_or(Value::Null);
            match only {
                Value::Object(o) if o.contains_key("$ref") => {
                    s.insert("allOf".into(), Value::Array(vec![Value::Object(o)]));
                }
                Value::Object(o) => {
                    for (k, v) in o {
                        s.entry(k).or_insert(v);
                    }
                }
                _ => {}
            }
        } else {
            s.insert(key.into(), Value::Array(rest));
        }
    }
    if version == SpecVersion::Swagger2 && s.contains_key("not") {
        out.push(Diagnostic::warning(
            push_pointer(ptr, "not"),
            "'not' is not part of Swagger 2.0; accepted with its OpenAPI 3.0 meaning",
        ));
    }
    // const
    if let Some(c) = s.remove("const") {
        s.insert("enum".into(), Value::Array(vec![c]));
    }
    // examples array
    if let Some(Value::Array(ex)) = s.get("examples") {
        if let Some(first) = ex.first().cloned() {
            s.entry("example").or_insert(first);
        }
    }
    // numeric exclusive bounds
    for (ex, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Number(n)) = s.get(ex).cloned() {
            s.insert(bound.into(), Value::Number(n));
            s.insert(ex.into(), Value::Bool(true));
        }
    }
    // draft-4 id
    if !v31 {
        if let Some(Value::String(_)) = s.get("id") {
            s.remove("id");
            out.push(Diagnostic::warning(
                push_pointer(ptr, "id"),
                format!(
                    "'id' is not a schema keyword in {}; ignored",
                    version.label()
                ),
            ));
        }
    }
    // $ref with siblings
    if s.contains_key("$ref") {
        let constraining: Vec<String> = s
            .keys()
            .filter(|k| *k != "$ref" && !k.starts_with("x-") && !ANNOTATIONS.contains(&k.as_str()))
            .cloned()
            .collect();
        if !constraining.is_empty() {
            if v31 {
                let r = s.remove("$ref").unwrap_or(Value::Null);
                let mut all = match s.remove("allOf") {
                    Some(Value::Array(a)) => a,
                    _ => Vec::new(),
                };
                all.insert(0, json!({ "$ref": r }));
                s.insert("allOf".into(), Value::Array(all));
            } else {
                out.push(Diagnostic::warning(
                    ptr.to_string(),
                    format!(
                        "keywords beside $ref are ignored in {} ({}); dropped",
                        version.label(),
                        constraining.join(", ")
                    ),
                ));
                for k in constraining {
                    s.remove(&k);
                }
            }
        }
    }
}
