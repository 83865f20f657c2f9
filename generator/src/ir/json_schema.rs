//! Conversion of normalized OpenAPI schemas into standalone JSON Schema
//! (draft 2020-12) for validators and data generators. Component schemas become
//! `#/$defs/NAME`; other local references are inlined (cycles cut to `{}`).

use crate::loader::dialect::LENIENT_NULL;
use crate::loader::refs::resolve_pointer;
use crate::loader::walk::{child_ctx, element_ctx, Ctx};
use crate::loader::SpecVersion;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Converts schemas of one document.
pub struct JsonSchemaConverter<'a> {
    doc: &'a Value,
    /// `#/components/schemas/X` pointer -> def name.
    def_names: &'a HashMap<String, String>,
}

impl<'a> JsonSchemaConverter<'a> {
    /// A converter for `doc` whose component schemas are named by `def_names`.
    pub fn new(doc: &'a Value, def_names: &'a HashMap<String, String>) -> Self {
        Self { doc, def_names }
    }

    /// Convert one schema.
    pub fn convert(&self, schema: &Value) -> Value {
        self.conv(schema, Ctx::Schema, &mut Vec::new())
    }

    fn conv(&self, v: &Value, ctx: Ctx, stack: &mut Vec<String>) -> Value {
        match (ctx, v) {
            (Ctx::Data, _) => v.clone(),
            (_, Value::Array(items)) => {
                let e = element_ctx(ctx);
                Value::Array(items.iter().map(|i| self.conv(i, e, stack)).collect())
            }
            (Ctx::Schema, Value::Object(m)) => self.schema(m, stack),
            (_, Value::Object(m)) => {
                let mut out = Map::with_capacity(m.len());
                for (k, c) in m {
                    out.insert(
                        k.clone(),
                        self.conv(c, child_ctx(SpecVersion::OpenApi30, ctx, k), stack),
                    );
                }
                Value::Object(out)
            }
            _ => v.clone(),
        }
    }

    fn schema(&self, m: &Map<String, Value>, stack: &mut Vec<String>) -> Value {
        // sized for what it copies: the IR keeps these schemas for a mock's life, and
        // a map grown by inserts holds room for four entries
        let mut out = Map::with_capacity(m.len());
        if let Some(Value::String(r)) = m.get("$ref") {
            if let Some(name) = self.def_names.get(r.as_str()) {
                out.insert("$ref".into(), json!(format!("#/$defs/{name}")));
            } else if stack.contains(r) {
                // a cycle through non-component references: accept anything there
            } else if let Some(target) = resolve_pointer(self.doc, r) {
                stack.push(r.clone());
                let inner = self.conv(target, Ctx::Schema, stack);
                stack.pop();
                if let Value::Object(o) = inner {
                    out = o;
                }
            }
        }
        let nullable = m.get("nullable") == Some(&Value::Bool(true));
        for (k, c) in m {
            if k.starts_with("x-") {
                continue;
            }
            match k.as_str() {
                "$ref" | "nullable" | "xml" | "externalDocs" => {}
                "example" => {
                    if !m.contains_key("examples") {
                        out.insert("examples".into(), json!([c]));
                    }
                }
                "exclusiveMinimum" | "exclusiveMaximum" => {
                    let bound = if k == "exclusiveMinimum" {
                        "minimum"
                    } else {
                        "maximum"
                    };
                    match c {
                        Value::Bool(true) => {
                            if let Some(b) = m.get(bound) {
                                out.insert(k.clone(), b.clone());
                            }
                        }
                        Value::Number(_) => {
                            out.insert(k.clone(), c.clone());
                        }
                        _ => {}
                    }
                }
                "minimum" | "maximum" => {
                    let ex = if k == "minimum" {
                        "exclusiveMinimum"
                    } else {
                        "exclusiveMaximum"
                    };
                    if m.get(ex) != Some(&Value::Bool(true)) {
                        out.insert(k.clone(), c.clone());
                    }
                }
                "discriminator" => {
                    let mut d = c.clone();
                    if let Some(Value::Object(mapping)) = d.get_mut("mapping") {
                        for (_, t) in mapping.iter_mut() {
                            if let Some(name) = t.as_str().and_then(|r| self.def_names.get(r)) {
                                *t = json!(format!("#/$defs/{name}"));
                            }
                        }
                    }
                    out.insert(k.clone(), d);
                }
                _ => {
                    out.insert(
                        k.clone(),
                        self.conv(c, child_ctx(SpecVersion::OpenApi30, Ctx::Schema, k), stack),
                    );
                }
            }
        }
        if nullable {
            let mut v = make_nullable(out);
            if m.get(LENIENT_NULL) == Some(&Value::Bool(true)) {
                if let Value::Object(o) = &mut v {
                    o.insert(LENIENT_NULL.into(), Value::Bool(true));
                }
            }
            return v;
        }
        Value::Object(out)
    }
}

/// Allow `null` in addition to what `schema` allows.
pub fn make_nullable(mut out: Map<String, Value>) -> Value {
    let simple = !out.contains_key("$ref")
        && !out.contains_key("allOf")
        && !out.contains_key("anyOf")
        && !out.contains_key("oneOf");
    match out.get("type").cloned() {
        Some(Value::String(t)) if simple => {
            out.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(e)) = out.get_mut("enum") {
                if !e.contains(&Value::Null) {
                    e.push(Value::Null);
                }
            }
            Value::Object(out)
        }
        _ if out.is_empty() => Value::Object(out),
        _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
    }
}
