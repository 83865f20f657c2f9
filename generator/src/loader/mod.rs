//! The loader: reads a spec (JSON or YAML, file or stdin), bundles its `$ref`s,
//! normalizes the schema dialect and converts Swagger 2.0 to the OpenAPI 3.0
//! layout. What comes out is one document shape for the IR lowering.

pub(crate) mod dialect;
pub use dialect::LENIENT_NULL;
pub(crate) mod refs;
pub(crate) mod source;
pub(crate) mod swagger2;
pub(crate) mod walk;

use crate::diagnostics::{Diagnostic, LoadError};
use serde::Serialize;
use serde_json::Value;
use source::SourceDoc;
use std::path::Path;

/// Which specification a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SpecVersion {
    /// Swagger 2.0 (OpenAPI 2).
    #[serde(rename = "2.0")]
    Swagger2,
    /// OpenAPI 3.0.x.
    #[serde(rename = "3.0")]
    OpenApi30,
    /// OpenAPI 3.1.x.
    #[serde(rename = "3.1")]
    OpenApi31,
}

impl SpecVersion {
    /// A human label ("Swagger 2.0", "OpenAPI 3.0").
    pub fn label(self) -> &'static str {
        match self {
            SpecVersion::Swagger2 => "Swagger 2.0",
            SpecVersion::OpenApi30 => "OpenAPI 3.0",
            SpecVersion::OpenApi31 => "OpenAPI 3.1",
        }
    }
}

/// A spec after loading: bundled, normalized, in OpenAPI 3.0 layout.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The version the input was written in.
    pub version: SpecVersion,
    /// The root source file.
    pub source: SourceDoc,
    /// The input after `$ref` bundling, in its own version's layout; kept only by
    /// [`load_keeping_bundled`] (it is one more copy of the whole document).
    pub bundled: Option<Value>,
    /// The normalized document in OpenAPI 3.0 layout that the IR is built from.
    pub document: Value,
    /// Warnings found while loading (errors abort the load).
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read: the root, then the files its `$ref`s reached.
    pub files: Vec<std::path::PathBuf>,
}

impl LoadedSpec {
    /// Map a pointer in [`LoadedSpec::document`] back to the input and attach file/line.
    pub fn place(&self, d: Diagnostic) -> Diagnostic {
        let mut d = d;
        if self.version == SpecVersion::Swagger2 {
            d.pointer = d.pointer.map(|p| swagger2::origin_pointer(&p));
        }
        locate(&self.source, d)
    }
}

fn locate(source: &SourceDoc, d: Diagnostic) -> Diagnostic {
    if d.file.is_some() && d.file != source.path {
        return d;
    }
    let mut d = d.in_file(source.path.clone());
    if d.line.is_none() {
        if let Some((l, c)) = d
            .pointer
            .as_deref()
            .filter(|p| p.starts_with('#'))
            .and_then(|p| source.locate(p))
        {
            d = d.at(l, c);
        }
    }
    d
}

/// What makes two parameter objects the same parameter: `name` and `in`
/// (non-string values keyed by their JSON text, so they still compare).
pub(crate) fn parameter_key(parameter: &Value) -> (String, String) {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    (text(parameter.get("name")), text(parameter.get("in")))
}

/// Load a spec from a path (`-` for stdin).
pub fn load(path: &Path) -> Result<LoadedSpec, LoadError> {
    let source = SourceDoc::read(path)?;
    load_source(source, false)
}

/// [`load`], also keeping the bundled input in its own version's layout
/// ([`LoadedSpec::bundled`]), for writing it back out.
pub fn load_keeping_bundled(path: &Path) -> Result<LoadedSpec, LoadError> {
    let source = SourceDoc::read(path)?;
    load_source(source, true)
}

/// Load a spec from text; `name` is used in messages and to resolve relative `$ref`s.
pub fn load_str(text: &str, name: Option<&Path>) -> Result<LoadedSpec, LoadError> {
    let source = SourceDoc::parse(name.map(Path::to_path_buf), text.to_string())?;
    load_source(source, false)
}

/// One document at a time: the parsed input is dropped once bundled (diagnostics
/// are placed from the text), the bundled one is normalized in place unless the
/// caller keeps it, and a Swagger 2.0 one is dropped once converted.
fn load_source(mut source: SourceDoc, keep_bundled: bool) -> Result<LoadedSpec, LoadError> {
    let version = detect_version(&source)?;
    let mut bundler = refs::Bundler::new(version, &source);
    let bundled = bundler.bundle(&mut source);
    let mut files: Vec<std::path::PathBuf> = source.path.iter().cloned().collect();
    files.extend(bundler.files_read());
    let mut diagnostics: Vec<Diagnostic> = bundler
        .diagnostics
        .into_iter()
        .map(|d| locate(&source, d))
        .collect();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(LoadError { diagnostics });
    }
    let mut big = Vec::new();
    source::big_numbers(&bundled, &mut big);
    for ptr in big {
        diagnostics.push(locate(
            &source,
            Diagnostic::warning(
                ptr,
                "an integer beyond 64 bits: read as the nearest floating-point number (digits may be lost)",
            ),
        ));
    }
    let (bundled, mut normalized) = if keep_bundled {
        (Some(bundled.clone()), bundled)
    } else {
        (None, bundled)
    };
    diagnostics.extend(
        dialect::normalize_schemas(version, &mut normalized)
            .into_iter()
            .map(|d| locate(&source, d)),
    );
    let document = if version == SpecVersion::Swagger2 {
        let mut conv = Vec::new();
        let doc = swagger2::convert(normalized, &mut conv);
        diagnostics.extend(conv.into_iter().map(|d| locate(&source, d)));
        doc
    } else {
        normalized
    };
    Ok(LoadedSpec {
        version,
        source,
        bundled,
        document,
        diagnostics,
        files,
    })
}

fn detect_version(source: &SourceDoc) -> Result<SpecVersion, LoadError> {
    let err =
        |ptr: &str, msg: String| LoadError::single(locate(source, Diagnostic::error(ptr, msg)));
    let Some(obj) = source.value.as_object() else {
        return Err(err("#", "a spec must be an object at the top level".into()));
    };
    if let Some(v) = obj.get("swagger") {
        return match v.as_str() {
            Some("2.0") => Ok(SpecVersion::Swagger2),
            _ => Err(err(
                "#/swagger",
                format!("unsupported Swagger version {v}; only \"2.0\" exists"),
            )),
        };
    }
    match obj.get("openapi") {
        Some(Value::String(s)) if s.starts_with("3.0") => Ok(SpecVersion::OpenApi30),
        Some(Value::String(s)) if s.starts_with("3.1") => Ok(SpecVersion::OpenApi31),
        Some(v) => Err(err(
            "#/openapi",
            format!("unsupported OpenAPI version {v}; specforge reads 3.0.x and 3.1.x"),
        )),
        None => Err(err(
            "#",
            "not an OpenAPI or Swagger document: neither 'openapi' nor 'swagger' is set".into(),
        )),
    }
}
