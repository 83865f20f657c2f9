//! The intermediate representation (IR) and its construction from a loaded spec.

pub(crate) mod json_schema;
pub(crate) mod lower;
pub(crate) mod model;
pub mod naming;
pub mod pagination;
pub(crate) mod recursion;
pub mod resources;
pub(crate) mod types;
pub mod wire;

pub use model::*;

use crate::diagnostics::LoadError;
use crate::loader::{self, LoadedSpec};
use std::path::Path;

/// Follow `$ref`s into `defs` (an [`Api::schema_defs`]-shaped map, refs written
/// `#/$defs/NAME` as in every IR `json_schema`): the schema they end at, or the
/// last one reached when a ref names nothing (at most 32 hops, so cycles end).
pub fn deref<'s>(
    schema: &'s serde_json::Value,
    defs: &'s indexmap::IndexMap<String, serde_json::Value>,
) -> &'s serde_json::Value {
    let mut cur = schema;
    for _ in 0..32 {
        match cur
            .get("$ref")
            .and_then(serde_json::Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|n| defs.get(n))
        {
            Some(next) => cur = next,
            None => return cur,
        }
    }
    cur
}

/// The names a JSON Schema object lists as `required` (none when it lists none).
pub fn required_of(schema: &serde_json::Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect()
}

/// Load a spec from a path (`-` for stdin) and lower it into the IR.
pub fn load_api(path: &Path) -> Result<Api, LoadError> {
    let spec = loader::load(path)?;
    lower::lower(&spec)
}

/// Lower an already loaded spec.
pub fn build(spec: &LoadedSpec) -> Result<Api, LoadError> {
    lower::lower(spec)
}

impl Api {
    /// Find an operation by its IR name.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.name == name)
    }

    /// A standalone JSON Schema document for `schema` (one of this IR's `json_schema` values):
    /// the schema itself plus every definition it may refer to under `$defs`.
    pub fn standalone_schema(&self, schema: &serde_json::Value) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        root.insert(
            "$schema".into(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        root.insert(
            "$defs".into(),
            serde_json::to_value(&self.schema_defs).unwrap_or_default(),
        );
        match schema {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    root.insert(k.clone(), v.clone());
                }
            }
            serde_json::Value::Bool(false) => {
                root.insert("not".into(), serde_json::json!({}));
            }
            _ => {}
        }
        serde_json::Value::Object(root)
    }
}
