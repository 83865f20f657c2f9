//! Emitters: Rust source (with `quote`, laid out by rustfmt through `layout`,
//! prettyplease where rustfmt cannot run) and the
//! generated crate's non-Rust files (from `minijinja` templates in `templates/`).

pub(crate) mod client;
pub(crate) mod docs;
pub(crate) mod format;
pub(crate) mod layout;
pub(crate) mod names;
pub mod options;
pub(crate) mod plan;
pub(crate) mod reuse;
pub(crate) mod rust_types;
pub(crate) mod server;
pub mod smoke;

use crate::diagnostics::{Diagnostic, LoadError};
use crate::ir::{self, Api};
use proc_macro2::TokenStream;
use quote::quote;
use serde::Serialize;
use std::path::{Path, PathBuf};

const CARGO_TEMPLATE: &str = include_str!("../../../templates/Cargo.toml.j2");
const README_TEMPLATE: &str = include_str!("../../../templates/README.md.j2");

/// Lints allowed in the generated modules, and why:
/// spec prose is not written for rustdoc's Markdown rules (doc lints), operations may take many
/// required parameters, and union/error enums hold bodies of very different sizes.
const ALLOWED_LINTS: &str = "clippy::doc_lazy_continuation, clippy::doc_overindented_list_items, clippy::too_many_arguments, clippy::large_enum_variant, clippy::result_large_err, clippy::enum_variant_names";

/// Something the generator could not type precisely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Degradation {
    /// `type` or `operation`.
    pub kind: &'static str,
    /// The type or operation name.
    pub name: String,
    /// JSON pointer in the spec.
    pub pointer: String,
    /// What was done instead.
    pub reason: String,
}

impl Degradation {
    /// The degradation as a warning in the one diagnostics channel, in `file`.
    pub fn diagnostic(&self, file: Option<&Path>) -> Diagnostic {
        let mut d = Diagnostic::warning(
            self.pointer.clone(),
            format!("{} {}: {}", self.kind, self.name, self.reason),
        );
        d.file = file.map(Path::to_path_buf);
        d
    }

    /// A degraded type.
    pub fn ty(name: &str, pointer: &str, reason: &str) -> Self {
        Self {
            kind: "type",
            name: name.into(),
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }

    /// A degraded operation.
    pub fn op(name: &str, pointer: &str, reason: &str) -> Self {
        Self {
            kind: "operation",
            name: name.into(),
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The spec could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A template failed to render.
    #[error("template error: {0}")]
    Template(String),
    /// The emitted Rust did not parse (a specforge bug; please report it with the spec).
    #[error("internal error: generated {file} does not parse: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// One generated file.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    /// Path relative to the crate root.
    pub path: PathBuf,
    /// Contents.
    pub contents: String,
}

/// One way a crate on disk differs from what would be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Would be written; not there.
    Missing(PathBuf),
    /// There, with other contents.
    Changed(PathBuf),
    /// Written by an earlier generation; this one would remove it.
    Stale(PathBuf),
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::Missing(p) => write!(f, "missing: {}", p.display()),
            Difference::Changed(p) => write!(f, "differs: {}", p.display()),
            Difference::Stale(p) => write!(f, "stale:   {}", p.display()),
        }
    }
}

/// A generated crate (or module), before it is written.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The files.
    pub files: Vec<GeneratedFile>,
    /// What could not be typed precisely.
    pub degradations: Vec<Degradation>,
    /// Warnings from loading the spec.
    pub warnings: Vec<Diagnostic>,
    /// The layout key of each file rustfmt laid out (see `reuse`), for the manifest.
    layout: Vec<(PathBuf, u64)>,
}

impl Generated {
    /// Write every file below `dir`, safely: see [`Generated::write_to_with`]
    /// (without `force`).
    pub fn write_to(&self, dir: &Path) -> Result<(), GenerateError> {
        self.write_to_with(dir, false)
    }

    /// Write every file below `dir`:
    /// - never `/`, the home folder, or a folder whose path passes through a symlink
    ///   at or below `dir` (nothing is written outside it);
    /// - into an existing non-empty folder only if specforge wrote it before (its
    ///   manifest, `.specforge-manifest`, is there), unless `force`;
    /// - each file written to a temporary name and renamed into place;
    /// - files the previous generation wrote and this one does not are removed.
    pub fn write_to_with(&self, dir: &Path, force: bool) -> Result<(), GenerateError> {
        let refuse = |why: String| GenerateError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, why),
        };
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| GenerateError::Io { path, source }
        };
        let absolute = std::path::absolute(dir).map_err(io(dir))?;
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if absolute.parent().is_none() || home.as_deref().is_some_and(|h| same_dir(h, &absolute)) {
            return Err(refuse(
                "refusing to write a crate into / or the home folder; name a folder of its own"
                    .into(),
            ));
        }
        let manifest_path = dir.join(MANIFEST);
        let previous: Vec<PathBuf> = match std::fs::read_to_string(&manifest_path) {
            Ok(text) => text.lines().map(reuse::manifest_path).collect(),
            Err(_) => {
                let non_empty = std::fs::read_dir(dir)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(false);
                if non_empty && !force {
                    return Err(refuse(format!(
                        "the folder is not empty and specforge did not generate it (no {MANIFEST}); \
                         pass --force to write into it anyway"
                    )));
                }
                Vec::new()
            }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let written: Vec<&Path> = self.files.iter().map(|f| f.path.as_path()).collect();
        for f in &self.files {
            let path = dir.join(&f.path);
            check_no_symlink(dir, &f.path)?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            check_no_symlink(dir, &f.path)?;
            let tmp = path.with_extension("specforge-tmp");
            std::fs::write(&tmp, &f.contents).map_err(io(&tmp))?;
            std::fs::rename(&tmp, &path).map_err(io(&path))?;
        }
        for stale in previous.iter().filter(|p| !written.contains(&p.as_path())) {
            // only plain relative paths inside the folder, never through a symlink
            if stale.is_absolute()
                || stale
                    .components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
                || check_no_symlink(dir, stale).is_err()
            {
                continue;
            }
            let _ = std::fs::remove_file(dir.join(stale));
        }
        let listing: String = self
            .files
            .iter()
            .map(|f| {
                let key = self
                    .layout
                    .iter()
                    .find(|(p, _)| *p == f.path)
                    .map(|(_, k)| *k);
                reuse::manifest_line(f, key)
            })
            .collect();
        check_no_symlink(dir, Path::new(MANIFEST))?;
        std::fs::write(&manifest_path, listing).map_err(io(&manifest_path))?;
        Ok(())
    }

    /// How the crate in `dir` differs from this one, file by file (for `generate
    /// --check`): files missing or with other contents, and files an earlier
    /// generation wrote that this one would remove. Empty: `dir` is up to date.
    pub fn differences(&self, dir: &Path) -> Vec<Difference> {
        let mut out = Vec::new();
        for f in &self.files {
            match std::fs::read(dir.join(&f.path)) {
                Err(_) => out.push(Difference::Missing(f.path.clone())),
                Ok(bytes) if bytes != f.contents.as_bytes() => {
                    out.push(Difference::Changed(f.path.clone()))
                }
                Ok(_) => {}
            }
        }
        let previous: Vec<PathBuf> = std::fs::read_to_string(dir.join(MANIFEST))
            .map(|t| t.lines().map(reuse::manifest_path).collect())
            .unwrap_or_default();
        for p in previous {
            if !self.files.iter().any(|f| f.path == p) && dir.join(&p).exists() {
                out.push(Difference::Stale(p));
            }
        }
        out
    }

    /// The contents of one file by relative path.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path == Path::new(path))
            .map(|f| f.contents.as_str())
    }

    /// The machine-readable report written by `specforge generate --report`.
    pub fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "degraded_operations": self.degradations.iter().filter(|d| d.kind == "operation").collect::<Vec<_>>(),
            "degraded_types": self.degradations.iter().filter(|d| d.kind == "type").collect::<Vec<_>>(),
            "warnings": self.warnings,
        })
    }
}

/// Generates Rust from a spec: a whole crate for `specforge generate`, or a
/// single module file for a `build.rs` to `include!`.
///
/// ```no_run
/// // in build.rs's main:
/// specforge::Generator::from_path("openapi.json")
///     .expect("spec loads")
///     .write_module_to_out_dir("api.rs")
///     .expect("generation succeeds");
/// // then in src/lib.rs: include!(concat!(env!("OUT_DIR"), "/api.rs"));
/// ```
#[derive(Debug, Clone)]
pub struct Generator {
    api: Api,
    spec_path: Option<PathBuf>,
    crate_name: Option<String>,
    options: options::Options,
    client: bool,
    server: bool,
    standalone: bool,
    rustfmt: bool,
    part_limit: usize,
    reuse_from: Option<PathBuf>,
}

impl Generator {
    /// Load the spec at `path`.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let path = path.as_ref();
        // where rustfmt is (rustup is asked: a process) is found while the spec loads
        std::thread::spawn(format::program);
        let api = ir::load_api(path)?;
        let mut g = Self::from_api(api);
        g.spec_path = Some(path.to_path_buf());
        Ok(g)
    }

    /// Generate from an IR built elsewhere.
    pub fn from_api(api: Api) -> Self {
        Self {
            api,
            spec_path: None,
            crate_name: None,
            options: options::Options::default(),
            client: true,
            server: false,
            standalone: true,
            rustfmt: true,
            part_limit: PART_LIMIT,
            reuse_from: None,
        }
    }

    /// The crate name (default: from the spec title).
    pub fn crate_name(mut self, name: impl Into<String>) -> Self {
        self.crate_name = Some(name.into());
        self
    }

    /// Apply `options` (a `specforge.toml`, or built in a `build.rs`): crate name
    /// and version, server stubs, extra derives, type replacements and the
    /// operation filter. Filtered-out operations are dropped from the IR here; a
    /// filter or replacement that names nothing in the spec is a warning.
    pub fn options(mut self, options: options::Options) -> Result<Self, options::OptionsError> {
        options.check()?;
        if let Some(name) = &options.crate_name {
            self.crate_name = Some(name.clone());
        }
        if let Some(server) = options.server {
            self.server = server;
        }
        options.operations.apply(&mut self.api);
        self.options = options;
        Ok(self)
    }

    /// The crate version (default `0.1.0`).
    pub fn crate_version(mut self, version: impl Into<String>) -> Self {
        self.options.crate_version = Some(version.into());
        self
    }

    /// Also emit the axum server stubs (behind the `server` feature in crate mode).
    pub fn server(mut self, on: bool) -> Self {
        self.server = on;
        self
    }

    /// Emit the client (default on).
    pub fn client(mut self, on: bool) -> Self {
        self.client = on;
        self
    }

    /// Whether the generated `Cargo.toml` declares its own `[workspace]` (default on), so
    /// that it builds wherever it is written. Turn off to add it to an existing workspace.
    pub fn standalone(mut self, on: bool) -> Self {
        self.standalone = on;
        self
    }

    /// Whether to run `rustfmt` over the generated Rust (default on). Off, the
    /// files are as `prettyplease` prints them: valid and readable, but not what
    /// `cargo fmt` would write.
    pub fn rustfmt(mut self, on: bool) -> Self {
        self.rustfmt = on;
        self
    }

    /// Past how many bytes of text a module of a generated crate continues in
    /// another file, `include!`d at the end of the first (`src/server.rs`, then
    /// `src/server/part_2.rs`...). The default, 2 MiB, keeps the modules of most
    /// specs in one file each while rustfmt's time and memory stay bounded for
    /// the largest (rustfmt needs about 24 bytes of memory per byte it formats).
    pub fn part_limit(mut self, bytes: usize) -> Self {
        self.part_limit = bytes.max(1);
        self
    }

    /// Take from the crate a previous generation wrote in `dir` every file whose
    /// printed text is the same as now, for the same rustfmt, and that is still
    /// as it was written: rustfmt does not run for it (its manifest records what
    /// rustfmt was given). `specforge generate` does this for its `--out`.
    pub fn reuse_layout_from(mut self, dir: impl Into<PathBuf>) -> Self {
        self.reuse_from = Some(dir.into());
        self
    }

    /// The IR being generated from.
    pub fn api(&self) -> &Api {
        &self.api
    }

    fn name(&self) -> String {
        self.crate_name.clone().unwrap_or_else(|| {
            let base = names::snake(&self.api.title).replace('_', "-");
            format!("{base}-client")
        })
    }

    /// The type mapper, with the options' derives and replacements.
    fn rust_types(&self, warnings: &mut Vec<Diagnostic>) -> rust_types::RustTypes<'_> {
        rust_types::RustTypes::new(&self.api).with_options(&self.options, warnings)
    }

    /// The server module as files of units, and what it approximated. Its type
    /// mapper is its own (tokens cannot cross threads; units can), so that it can be
    /// emitted on a thread beside the other modules; the mapper's warnings are
    /// those of the one the caller keeps.
    fn server_module(&self) -> (Vec<(PathBuf, Vec<layout::Unit>)>, Vec<Degradation>) {
        let types = self.rust_types(&mut Vec::new());
        let (body, degraded) = server::ServerEmitter::new(&types).emit();
        let mut chunks = vec![module_head(" The axum server stubs.")];
        chunks.extend(body);
        (
            module_parts("src/server.rs", chunks, self.part_limit),
            degraded,
        )
    }

    fn modules(&self, warnings: &mut Vec<Diagnostic>) -> Modules {
        let types = self.rust_types(warnings);
        let (types_body, mut degraded) = types.emit_all();
        let client_body = if self.client {
            let (b, d) = client::ClientEmitter::new(&types).emit();
            degraded.extend(d);
            b.into_iter().collect()
        } else {
            TokenStream::new()
        };
        let server_body = if self.server {
            let (b, d) = server::ServerEmitter::new(&types).emit();
            degraded.extend(d);
            b.into_iter().collect()
        } else {
            TokenStream::new()
        };
        Modules {
            types: types_body.into_iter().collect(),
            client: client_body,
            server: server_body,
            degradations: sorted(degraded),
        }
    }

    /// Generate a whole crate.
    pub fn generate_crate(&self) -> Result<Generated, GenerateError> {
        // types, lib.rs and the client one after another, each emitted, printed and
        // dropped before the next, and the server beside them on a thread of its
        // own: at most two modules' tokens are in memory (100x Quay: 15.9 -> 11.4 s,
        // peak RSS 1.39 -> 1.79 GB); rustfmt lays out each module's files on other
        // threads while the next module is emitted
        let mut warnings = self.api.warnings.clone();
        // rustfmt's version keys what it lays out; asked on the side, not waited for
        // unless a previous generation left something to reuse
        let mut version = Version::Asking(
            self.rustfmt
                .then(|| std::thread::spawn(reuse::rustfmt_version)),
        );
        let previous = self
            .reuse_from
            .as_deref()
            .filter(|_| self.rustfmt)
            .map(reuse::Previous::read)
            .unwrap_or_default();
        let mut printed: Vec<(PathBuf, u64)> = Vec::new();
        let mut laying = layout::Layout::new();
        if self.rustfmt && previous.is_empty() {
            // nothing to reuse: rustfmt will run; loaded while the first module is emitted
            laying.warm();
        }
        // `last`: the last module's shapes go with finish(), no processes loaded after it
        let mut module_files = |module: Vec<(PathBuf, Vec<layout::Unit>)>,
                                last: bool,
                                files: &mut Vec<GeneratedFile>|
         -> Result<(), GenerateError> {
            for (path, units) in module {
                if !self.rustfmt {
                    files.push(prettyplease_file(path, &units)?);
                    continue;
                }
                let hash = layout::hash(&units);
                printed.push((path.clone(), hash));
                let reused = if previous.is_empty() {
                    None
                } else {
                    version
                        .get()
                        .and_then(|v| previous.reuse(&path, reuse::layout_key(hash, v)))
                };
                match reused {
                    Some(contents) => files.push(GeneratedFile { path, contents }),
                    None => laying.add(path, units),
                }
            }
            // rustfmt lays out this module's new shapes while the next is emitted
            if !last {
                laying.send();
            }
            Ok(())
        };
        let (mut files, degraded) = std::thread::scope(|scope| -> Result<_, GenerateError> {
            // the server module is emitted on a thread of its own, beside the types
            // and the client: the slowest to emit, it no longer waits for them
            let server = self.server.then(|| scope.spawn(|| self.server_module()));
            let types = self.rust_types(&mut warnings);
            let (types_body, mut degraded) = types.emit_all();
            let mut files = Vec::new();
            // a module's file(s): its doc and allowed lints, then the emitter's chunks
            let mut module = |path: &str,
                              head: TokenStream,
                              body: Vec<TokenStream>,
                              limit: usize,
                              last: bool,
                              files: &mut Vec<_>| {
                let mut chunks = vec![head];
                chunks.extend(body);
                module_files(module_parts(path, chunks, limit), last, files)
            };
            let title_doc = format!(" Models of {} {}.", self.api.title, self.api.version);
            module(
                "src/types.rs",
                module_head(&title_doc),
                types_body,
                self.part_limit,
                false,
                &mut files,
            )?;
            let crate_doc = docs::inner_doc_attrs(&[
                Some(&format!(
                    "Rust bindings for {} {}, generated by specforge.",
                    self.api.title, self.api.version
                )),
                self.api.description.as_deref(),
            ]);
            // every model at the root; the client's own names (below) win over a model's
            let types_glob = if self.api.types.is_empty() {
                TokenStream::new()
            } else {
                quote! { pub use types::*; }
            };
            let mut lib = quote! {
                #crate_doc
                #![deny(missing_docs)]
                pub mod types;
                #types_glob
                pub use chrono;
                pub use serde_json;
                pub use uuid;
            };
            if self.client {
                let exports = client::root_exports(&self.api);
                lib.extend(quote! {
                    #[cfg(feature = "client")]
                    pub mod client;
                    #[cfg(feature = "client")]
                    pub use client::{#(#exports),*};
                    #[cfg(feature = "client")]
                    pub use futures;
                    #[cfg(feature = "client")]
                    pub use reqwest;
                    #[cfg(feature = "middleware")]
                    pub use reqwest_middleware;
                });
            }
            if self.server {
                lib.extend(quote! {
                    #[cfg(feature = "server")]
                    pub mod server;
                    #[cfg(feature = "server")]
                    pub use axum;
                });
            }
            lib.extend(quote! {
                #[allow(dead_code)]
                mod runtime;
            });
            // lib.rs is small: it goes to rustfmt with the next module's shapes
            let lib_last = !self.client && !self.server;
            module(
                "src/lib.rs",
                lib,
                Vec::new(),
                usize::MAX,
                lib_last,
                &mut files,
            )?;
            if self.client {
                let (body, d) = client::ClientEmitter::new(&types)
                    .middleware_feature(true)
                    .emit();
                degraded.extend(d);
                module(
                    "src/client.rs",
                    module_head(" The async client."),
                    body,
                    self.part_limit,
                    !self.server,
                    &mut files,
                )?;
            }
            if let Some(server) = server {
                let (parts, d) = server
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                degraded.extend(d);
                module_files(parts, true, &mut files)?;
            }
            Ok((files, degraded))
        })?;
        let degradations = sorted(degraded);

        let (formatted, w, unformatted, _) = laying.finish();
        files.extend(formatted);
        warnings.extend(w);
        // lib.rs first, then the modules' files in the order they were printed,
        // whether rustfmt laid them out now or they were reused
        let order = |path: &Path| {
            if path == Path::new("src/lib.rs") {
                return 0;
            }
            1 + printed
                .iter()
                .position(|(p, _)| p == path)
                .unwrap_or(printed.len())
        };
        files.sort_by_key(|f| order(&f.path));
        // what rustfmt laid out, keyed for the next generation (not what it could not)
        let layout = match version.get() {
            Some(v) => printed
                .into_iter()
                .filter(|(p, _)| !unformatted.contains(p))
                .map(|(p, h)| (p, reuse::layout_key(h, v)))
                .collect(),
            None => Vec::new(),
        };
        files.extend(runtime_files());
        files.push(GeneratedFile {
            path: "Cargo.toml".into(),
            contents: self.render(CARGO_TEMPLATE)?,
        });
        files.push(GeneratedFile {
            path: "README.md".into(),
            contents: self.render(README_TEMPLATE)?,
        });
        // the runtime files are copied verbatim, already formatted
        Ok(Generated {
            files,
            degradations,
            warnings,
            layout,
        })
    }

    /// Generate one Rust file holding `pub mod types`, `pub mod client` (and `pub mod
    /// server`), for `include!` from a build script. The including crate needs the
    /// dependencies listed in the generated crate's Cargo.toml (serde, serde_json,
    /// chrono, uuid, percent-encoding, base64; reqwest and futures for the client;
    /// axum, serde_path_to_error, serde_urlencoded and tracing for the server). Models
    /// and the client's names are re-exported beside the modules, as in a crate's root.
    pub fn generate_module(&self) -> Result<Generated, GenerateError> {
        let mut warnings = self.api.warnings.clone();
        let modules = self.modules(&mut warnings);
        let types_body = &modules.types;
        let client_body = &modules.client;
        let server_body = &modules.server;
        let degradations = modules.degradations.clone();
        let lints: TokenStream = ALLOWED_LINTS.parse().unwrap_or_default();
        let mut tokens = quote! {
            /// Models.
            #[allow(#lints)]
            pub mod types { #types_body }
        };
        if !self.api.types.is_empty() {
            tokens.extend(quote! { pub use types::*; });
        }
        if self.client {
            let exports = client::root_exports(&self.api);
            tokens.extend(quote! {
                /// The async client.
                #[allow(#lints)]
                pub mod client { #client_body }
                pub use client::{#(#exports),*};
            });
        }
        if self.server {
            tokens.extend(quote! {
                /// The axum server stubs.
                #[allow(#lints)]
                pub mod server { #server_body }
            });
        }
        tokens.extend(runtime_module()?);
        // one file whatever its size: build scripts `include!` it from `OUT_DIR`
        let units = layout::units(vec![tokens]);
        let files = if self.rustfmt {
            let mut laying = layout::Layout::new();
            laying.add("module.rs".into(), units);
            let (files, w, _, _) = laying.finish();
            warnings.extend(w);
            files
        } else {
            vec![prettyplease_file("module.rs".into(), &units)?]
        };
        Ok(Generated {
            files,
            degradations,
            warnings,
            layout: Vec::new(),
        })
    }

    /// For build scripts: write [`Generator::generate_module`] to `$OUT_DIR/file_name`,
    /// tell cargo to rerun when any file the loader read changes, and pass the
    /// spec's warnings on as `cargo:warning=` lines. Returns the path written.
    pub fn write_module_to_out_dir(&self, file_name: &str) -> Result<PathBuf, GenerateError> {
        let out_dir = std::env::var_os("OUT_DIR")
            .map(PathBuf::from)
            .ok_or_else(|| GenerateError::Io {
                path: PathBuf::from("$OUT_DIR"),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "OUT_DIR is not set; call this from a build script",
                ),
            })?;
        let mut read = self.api.source_files.clone();
        if let Some(spec) = &self.spec_path {
            if !read.contains(spec) {
                read.insert(0, spec.clone());
            }
        }
        for file in read {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        let generated = self.generate_module()?;
        let degraded = generated
            .degradations
            .iter()
            .map(|d| d.diagnostic(self.spec_path.as_deref()));
        for w in generated.warnings.iter().cloned().chain(degraded) {
            // one line per warning: cargo shows each `cargo:warning=` line
            println!("cargo:warning={}", w.to_string().replace('\n', " "));
        }
        let path = out_dir.join(file_name);
        std::fs::write(&path, &generated.files[0].contents).map_err(|source| {
            GenerateError::Io {
                path: path.clone(),
                source,
            }
        })?;
        Ok(path)
    }

    fn render(&self, template: &str) -> Result<String, GenerateError> {
        let mut env = minijinja::Environment::new();
        env.set_keep_trailing_newline(true);
        env.add_template("t", template)
            .map_err(|e| GenerateError::Template(e.to_string()))?;
        let api = &self.api;
        let crate_name = self.name();
        let example_op = api
            .operations
            .iter()
            .find(|o| {
                o.method == ir::Method::Get
                    && !o.parameters.iter().any(|p| p.required)
                    && o.request_body.is_none()
            })
            .or_else(|| api.operations.first());
        let example_call = example_op.map(|o| {
            let args: Vec<String> = o
                .parameters
                .iter()
                .filter(|p| p.required)
                .map(|p| names::snake(&p.name))
                .chain(
                    o.parameters
                        .iter()
                        .any(|p| !p.required && p.location != ir::ParamLocation::Path)
                        .then(|| "&Default::default()".to_string()),
                )
                .collect();
            format!(
                "{}({})",
                names::operation_methods(api)[&o.name],
                args.join(", ")
            )
        });
        let plans = plan::plans(api);
        let example_params = plans
            .iter()
            .find_map(|p| p.client.params.clone())
            .unwrap_or_else(|| "ListThingsParams".into());
        let example_stream = plans.iter().find_map(|p| p.client.stream.clone());
        let base = api
            .servers
            .iter()
            .find(|s| s.contains("://"))
            .cloned()
            .unwrap_or_else(|| format!("http://127.0.0.1:4010{}", api.base_path));
        let (setters, descriptions) = auth_docs(api);
        let tmpl = env
            .get_template("t")
            .map_err(|e| GenerateError::Template(e.to_string()))?;
        tmpl.render(minijinja::context! {
            crate_name => crate_name,
            crate_ident => crate_name.replace('-', "_"),
            version => self.options.crate_version.as_deref().unwrap_or("0.1.0"),
            title => api.title,
            api_version => api.version,
            spec_version => api.spec_version.label(),
            operation_count => api.operations.len(),
            type_count => api.types.len(),
            server => self.server,
            standalone => self.standalone,
            example_base_url => base.trim_end_matches('/'),
            example_call => example_call,
            example_params => example_params,
            example_stream => example_stream,
            auth_setters => setters,
            auth_descriptions => descriptions,
        })
        .map_err(|e| GenerateError::Template(e.to_string()))
    }
}

fn auth_docs(api: &Api) -> (Vec<String>, Vec<String>) {
    use crate::ir::Credential;
    let mut setters = Vec::new();
    let mut descriptions = Vec::new();
    let kinds = api.credentials();
    if kinds.contains(&Credential::Bearer) {
        setters.push("with_bearer_token(\"TOKEN\")".to_string());
        descriptions.push("`with_bearer_token` sends `Authorization: Bearer …` (bearer, OAuth 2 and OpenID Connect schemes)".to_string());
    }
    if kinds.contains(&Credential::Basic) {
        descriptions.push("`with_basic_auth` sends HTTP basic credentials".to_string());
    }
    let key_setters = client::api_key_setters(api);
    for (name, s) in &api.security_schemes {
        if let Credential::ApiKey {
            name: key,
            location,
        } = s.credential()
        {
            let setter = &key_setters[name];
            descriptions.push(format!(
                "`{setter}` sends the `{key}` {} (scheme `{name}`)",
                location.as_str()
            ));
            if setters.is_empty() {
                setters.push(format!("{setter}(\"KEY\")"));
            }
        }
    }
    (setters, descriptions)
}

/// The bodies of the generated modules, and what could not be typed precisely.
struct Modules {
    types: TokenStream,
    client: TokenStream,
    server: TokenStream,
    degradations: Vec<Degradation>,
}

/// The list of files a generation wrote, kept in the crate folder.
pub const MANIFEST: &str = ".specforge-manifest";

fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// An error when any existing component of `rel` below `dir` is a symlink:
/// writing there could land outside the folder.
fn check_no_symlink(dir: &Path, rel: &Path) -> Result<(), GenerateError> {
    let mut cur = dir.to_path_buf();
    for part in rel.components() {
        cur.push(part);
        if let Ok(meta) = std::fs::symlink_metadata(&cur) {
            if meta.file_type().is_symlink() {
                return Err(GenerateError::Io {
                    path: cur.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        "a symlink inside the output folder; specforge does not write through it",
                    ),
                });
            }
        }
    }
    Ok(())
}

pub(crate) const GENERATED_HEADER: &str =
    "// Generated by specforge. Do not edit: regenerate from the spec instead.\n\n";

/// The runtime (`specforge-runtime`'s sources, verbatim) as `src/runtime/*.rs`.
fn runtime_files() -> Vec<GeneratedFile> {
    let mut module = String::from(GENERATED_HEADER);
    module.push_str(
        "//! What the generated code needs at run time: specforge-runtime's sources.\n\n",
    );
    for (name, _) in specforge_runtime::SOURCES {
        module.push_str(&format!("pub mod {name};\n"));
    }
    let mut files = vec![GeneratedFile {
        path: "src/runtime/mod.rs".into(),
        contents: module,
    }];
    for (name, source) in specforge_runtime::SOURCES {
        files.push(GeneratedFile {
            path: format!("src/runtime/{name}.rs").into(),
            contents: format!("{GENERATED_HEADER}{source}"),
        });
    }
    files
}

/// The runtime as one inline module, for `include!` (module docs dropped: an
/// `include!`d file cannot carry inner attributes).
fn runtime_module() -> Result<TokenStream, GenerateError> {
    let mut modules = TokenStream::new();
    for (name, source) in specforge_runtime::SOURCES {
        let body: String = source
            .lines()
            .filter(|l| !l.trim_start().starts_with("//!"))
            .map(|l| format!("{l}\n"))
            .collect();
        let body: TokenStream =
            body.parse()
                .map_err(|e: proc_macro2::LexError| GenerateError::Syntax {
                    file: format!("runtime/{name}.rs"),
                    message: e.to_string(),
                })?;
        let id = quote::format_ident!("{}", name);
        modules.extend(quote! { pub mod #id { #body } });
    }
    Ok(quote! {
        /// What the generated code needs at run time.
        #[allow(dead_code)]
        mod runtime { #modules }
    })
}

/// rustfmt's version: being asked (on its own thread), or known (`None`: it
/// cannot run, or rustfmt is off).
enum Version {
    Asking(Option<std::thread::JoinHandle<Option<String>>>),
    Known(Option<String>),
}

impl Version {
    /// The version, waiting for the answer the first time.
    fn get(&mut self) -> Option<&str> {
        if let Version::Asking(handle) = self {
            let answer = handle.take().and_then(|h| h.join().ok().flatten());
            *self = Version::Known(answer);
        }
        match self {
            Version::Known(v) => v.as_deref(),
            Version::Asking(_) => None,
        }
    }
}

/// Degradations in a stable order, each once.
/// A file laid out by prettyplease alone (rustfmt is off).
fn prettyplease_file(
    path: PathBuf,
    units: &[layout::Unit],
) -> Result<GeneratedFile, GenerateError> {
    let contents = layout::prettyplease_file(units).map_err(|message| GenerateError::Syntax {
        file: path.display().to_string(),
        message,
    })?;
    Ok(GeneratedFile { path, contents })
}

fn sorted(mut degraded: Vec<Degradation>) -> Vec<Degradation> {
    degraded.sort_by(|a, b| (a.kind, &a.name, &a.pointer).cmp(&(b.kind, &b.name, &b.pointer)));
    degraded.dedup();
    degraded
}

/// Past this size (bytes of printed text) a generated module continues in another
/// file, `include!`d at the end of the first: rustfmt's time and memory grow with
/// the size of the file it formats (a 100 MB file needs 2.4 GB), and the parts are
/// formatted in parallel. The bundled specs' modules stay in one file each.
const PART_LIMIT: usize = 2 << 20;

/// A module file's inner attributes: its doc and the lints generated code allows.
fn module_head(doc: &str) -> TokenStream {
    let lints: TokenStream = ALLOWED_LINTS.parse().unwrap_or_default();
    quote! { #![doc = #doc] #![allow(#lints)] }
}

/// A module's `chunks` of whole top-level items (inner attributes only in the
/// first) as the units of its files: `path`, and where the module's text is larger
/// than `limit` bytes ([`PART_LIMIT`] unless set), the parts it includes
/// (`src/server.rs` includes `src/server/part_2.rs` and on).
fn module_parts(
    path: &str,
    chunks: Vec<TokenStream>,
    limit: usize,
) -> Vec<(PathBuf, Vec<layout::Unit>)> {
    let stem = path.trim_end_matches(".rs");
    let folder = stem.rsplit('/').next().unwrap_or(stem).to_string();
    let mut parts: Vec<(Vec<layout::Unit>, usize)> = vec![(Vec::new(), 0)];
    for unit in layout::units(chunks) {
        let len = unit.len();
        let (current, size) = parts.last().expect("one part at least");
        if !current.is_empty() && size + len > limit && unit.may_start_file() {
            parts.push((Vec::new(), 0));
        }
        let (current, size) = parts.last_mut().expect("one part at least");
        current.push(unit);
        *size += len;
    }
    let mut rest = parts.split_off(1);
    let (mut main, _) = parts.pop().unwrap_or_default();
    for n in 2..rest.len() + 2 {
        let include = format!("{folder}/part_{n}.rs");
        main.push(layout::text_unit(quote! { include!(#include); }));
    }
    let mut files = Vec::with_capacity(rest.len() + 1);
    files.push((PathBuf::from(path), main));
    for (i, (units, _)) in rest.drain(..).enumerate() {
        files.push((format!("{stem}/part_{}.rs", i + 2).into(), units));
    }
    files
}
