//! `specforge normalize`: write a spec back out after `$ref` bundling, in its own
//! version, optionally without prose.

use crate::loader::walk::{child_ctx, element_ctx, Ctx};
use crate::loader::SpecVersion;
use serde_json::Value;

/// Keys removed by `--strip-docs` where they are spec keywords.
pub const PROSE_KEYS: &[&str] = &[
    "description",
    "summary",
    "termsOfService",
    "externalDocs",
    "contact",
];

/// Remove prose (`description`, `summary`, `termsOfService`, `externalDocs`,
/// `contact`) wherever those keys are spec keywords. A schema *property* with
/// such a name survives. Required `description`s (responses) become empty, and
/// OAuth scope descriptions become empty strings, so the document stays valid.
pub fn strip_docs(version: SpecVersion, doc: &mut Value) {
    strip(version, doc, Ctx::Doc, None);
}

fn strip(version: SpecVersion, node: &mut Value, ctx: Ctx, parent_key: Option<&str>) {
    match node {
        Value::Array(items) => {
            let e = element_ctx(ctx);
            for item in items {
                strip(version, item, e, parent_key);
            }
        }
        Value::Object(map) => {
            match ctx {
                Ctx::Doc | Ctx::Schema => {
                    let is_response = ctx == Ctx::Doc && parent_key == Some("responses");
                    for k in PROSE_KEYS {
                        if map.contains_key(*k) {
                            if *k == "description" && is_response {
                                map.insert("description".into(), Value::String(String::new()));
                            } else {
                                map.shift_remove(*k);
                            }
                        }
                    }
                }
                Ctx::DocMap if parent_key == Some("scopes") => {
                    for (_, v) in map.iter_mut() {
                        if v.is_string() {
                            *v = Value::String(String::new());
                        }
                    }
                    return;
                }
                _ => {}
            }
            if ctx == Ctx::Data {
                return;
            }
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                let c = child_ctx(version, ctx, &k);
                // children of a DocMap keep the DocMap's key, so that response
                // objects know they are responses
                let pk = if ctx == Ctx::DocMap {
                    parent_key.map(str::to_string)
                } else {
                    Some(k.clone())
                };
                if let Some(child) = map.get_mut(&k) {
                    strip(version, child, c, pk.as_deref());
                }
            }
        }
        _ => {}
    }
}

/// Serialize a document: YAML when `yaml` is set, pretty JSON otherwise.
pub fn render(doc: &Value, yaml: bool) -> Result<String, String> {
    if yaml {
        serde_yaml::to_string(doc).map_err(|e| e.to_string())
    } else {
        serde_json::to_string_pretty(doc)
            .map(|s| s + "\n")
            .map_err(|e| e.to_string())
    }
}

/// Set `operationId` to the IR's operation name wherever the document has none.
pub fn fill_operation_ids(doc: &mut Value, api: &crate::ir::Api) {
    for op in &api.operations {
        let key = crate::ir::Method::ALL
            .iter()
            .find(|(m, _)| *m == op.method)
            .map(|(_, k)| *k)
            .unwrap_or("get");
        if let Some(Value::Object(o)) = doc
            .get_mut("paths")
            .and_then(|p| p.get_mut(&op.path))
            .and_then(|i| i.get_mut(key))
        {
            o.entry("operationId")
                .or_insert_with(|| Value::String(op.name.clone()));
        }
    }
}
