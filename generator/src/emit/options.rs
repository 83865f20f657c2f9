//! Generator options: what a `specforge.toml` (`generate --config`) and the
//! [`Generator`](super::Generator) builder methods set. One struct for both, so the
//! file and `build.rs` can never mean different things.
//!
//! ```toml
//! crate-name = "acme-api"
//! crate-version = "1.4.0"
//! server = true
//! derives = ["Eq", "Hash"]          # added to every model's #[derive(..)]
//!
//! [replace.formats]                 # a schema `format` → your type
//! date-time = "::time::OffsetDateTime"
//!
//! [replace.schemas]                 # a component schema → your type
//! Money = "crate::money::Money"
//!
//! [operations]                      # which operations to generate
//! tags = ["pipelines"]              # only these tags (any of them)
//! exclude-tags = ["admin"]
//! ids = ["listPipelines"]           # only these operationIds (or specforge names)
//! exclude-ids = ["deleteEverything"]
//! ```

use crate::diagnostics::Diagnostic;
use crate::ir::{Api, Operation};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::Path;

/// Options of one generation run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The crate name (default: from the spec's title).
    pub crate_name: Option<String>,
    /// The crate version (default `0.1.0`).
    pub crate_version: Option<String>,
    /// Also emit the server stubs.
    pub server: Option<bool>,
    /// Extra derives on every model (`Eq`, `Hash`, `schemars::JsonSchema`…); the
    /// types they need must implement them.
    #[serde(default)]
    pub derives: Vec<String>,
    /// Types to use instead of generated ones.
    #[serde(default)]
    pub replace: Replacements,
    /// Which operations to generate.
    #[serde(default)]
    pub operations: OperationFilter,
}

/// User types that replace generated ones. A replacement must serialize and
/// deserialize as the schema does, and implement `Debug`, `Clone` and `PartialEq`
/// (and any extra derive), as the models containing it derive them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replacements {
    /// By schema `format` (`date-time`, `date`, `uuid`, `int32`, `int64`, `float`,
    /// `double`, `byte`, `binary`): the Rust path to use for every such value.
    #[serde(default)]
    pub formats: IndexMap<String, String>,
    /// By component schema name: the Rust path used wherever the schema is; the
    /// model is not generated.
    #[serde(default)]
    pub schemas: IndexMap<String, String>,
}

/// Which operations to generate. Empty lists keep everything.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OperationFilter {
    /// Keep only operations with one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Drop operations with any of these tags.
    #[serde(default)]
    pub exclude_tags: Vec<String>,
    /// Keep only these operations (operationId, or specforge's name for operations without one).
    #[serde(default)]
    pub ids: Vec<String>,
    /// Drop these operations.
    #[serde(default)]
    pub exclude_ids: Vec<String>,
}

/// Why options cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these options.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What the parser said (with line and column).
        message: String,
    },
    /// A value is not usable (a derive or type that is not a Rust path, an unknown format…).
    #[error("{0}")]
    Invalid(String),
}

/// The formats a replacement may name: the ones with their own Rust type.
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "uuid",
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "binary",
];

impl Options {
    /// Read a `specforge.toml`.
    pub fn from_file(path: &Path) -> Result<Self, OptionsError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| OptionsError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::from_toml(&text).map_err(|e| match e {
            OptionsError::Parse { message, .. } => OptionsError::Parse {
                path: shown,
                message,
            },
            other => other,
        })
    }

    /// Parse options from TOML text, and check them.
    pub fn from_toml(text: &str) -> Result<Self, OptionsError> {
        let options: Options = toml::from_str(text).map_err(|e| OptionsError::Parse {
            path: "specforge.toml".into(),
            message: e.to_string().trim_end().to_string(),
        })?;
        options.check()?;
        Ok(options)
    }

    /// Every derive and replacement is a Rust path; every replaced format is one
    /// with its own Rust type.
    pub fn check(&self) -> Result<(), OptionsError> {
        for d in &self.derives {
            syn::parse_str::<syn::Path>(d).map_err(|e| {
                OptionsError::Invalid(format!("derive {d:?} is not a Rust path: {e}"))
            })?;
        }
        for (what, map) in [
            ("format", &self.replace.formats),
            ("schema", &self.replace.schemas),
        ] {
            for (k, v) in map {
                syn::parse_str::<syn::Type>(v).map_err(|e| {
                    OptionsError::Invalid(format!(
                        "the replacement of {what} {k:?}, {v:?}, is not a Rust type: {e}"
                    ))
                })?;
            }
        }
        for k in self.replace.formats.keys() {
            if !FORMATS.contains(&k.as_str()) {
                return Err(OptionsError::Invalid(format!(
                    "format {k:?} cannot be replaced: only formats with their own Rust type can ({})",
                    FORMATS.join(", ")
                )));
            }
        }
        if let Some(v) = &self.crate_version {
            if !v.split('.').take(3).all(|p| {
                p.split(['-', '+'])
                    .next()
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            }) || v.split('.').count() < 3
            {
                return Err(OptionsError::Invalid(format!(
                    "crate-version {v:?} is not a semantic version (like 1.2.3)"
                )));
            }
        }
        Ok(())
    }
}

impl OperationFilter {
    /// Is the filter empty (everything kept)?
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.exclude_tags.is_empty()
            && self.ids.is_empty()
            && self.exclude_ids.is_empty()
    }

    fn named(op: &Operation, ids: &[String]) -> bool {
        ids.iter()
            .any(|id| op.operation_id.as_deref() == Some(id.as_str()) || op.name == *id)
    }

    fn keeps(&self, op: &Operation) -> bool {
        let tagged = |tags: &[String]| op.tags.iter().any(|t| tags.contains(t));
        (self.tags.is_empty() || tagged(&self.tags))
            && !tagged(&self.exclude_tags)
            && (self.ids.is_empty() || Self::named(op, &self.ids))
            && !Self::named(op, &self.exclude_ids)
    }

    /// Drop the operations the filter does not keep. A tag or id the spec does not
    /// have is a warning (a typo would otherwise silently keep or drop nothing).
    pub(crate) fn apply(&self, api: &mut Api) {
        if self.is_empty() {
            return;
        }
        for tag in self.tags.iter().chain(&self.exclude_tags) {
            if !api.operations.iter().any(|o| o.tags.contains(tag)) {
                api.warnings.push(Diagnostic::warning(
                    "#/paths",
                    format!("operation filter: no operation has the tag {tag:?}"),
                ));
            }
        }
        for id in self.ids.iter().chain(&self.exclude_ids) {
            if !api
                .operations
                .iter()
                .any(|o| Self::named(o, std::slice::from_ref(id)))
            {
                api.warnings.push(Diagnostic::warning(
                    "#/paths",
                    format!("operation filter: no operation is named {id:?}"),
                ));
            }
        }
        let before = api.operations.len();
        api.operations.retain(|op| self.keeps(op));
        if api.operations.is_empty() && before > 0 {
            api.warnings.push(Diagnostic::warning(
                "#/paths",
                "operation filter: no operation is left to generate",
            ));
        }
    }
}
