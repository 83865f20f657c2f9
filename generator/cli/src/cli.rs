//! The `specforge` command line.

use clap::{Parser, Subcommand};
use indexmap::IndexMap;
use specforge::diagnostics::{counted, Diagnostic, LoadError};
use specforge::ir::{self, Api};
use specforge::loader;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for a spec with errors (or unusable arguments).
pub const EXIT_ERROR: u8 = 2;
/// Exit code of `validate` for a spec with warnings only.
pub const EXIT_WARNINGS: u8 = 1;

/// specforge: OpenAPI documents in, typed Rust clients, axum server stubs and mocks out.
#[derive(Debug, Parser)]
#[command(name = "specforge", version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SPECFORGE_GIT_REVISION"), ")"), about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarize a spec: version, operations, types, tags, warnings.
    Inspect {
        /// The spec (JSON or YAML; `-` for stdin).
        spec: PathBuf,
        /// Print the whole IR as JSON instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Check a spec: prints warnings and errors; exit 0 (clean), 1 (warnings) or 2 (errors).
    Validate {
        /// The spec (JSON or YAML; `-` for stdin).
        spec: PathBuf,
    },
    /// Generate a Rust crate: typed models, an async reqwest client, and (with --server) axum server stubs.
    Generate(GenerateArgs),
    /// Send a valid request to each operation of a live server and check the responses against the spec.
    Verify(VerifyArgs),
    /// Breaking changes between two versions of a spec, for clients and for servers,
    /// and the semver bump of the generated crate (both crates generated and compared).
    /// Exit 1 when --fail-on is met, 2 when a spec does not load.
    Diff(DiffArgs),
    /// Run the mock server (or, with --proxy, the validating proxy) for a spec: the
    /// same as the `specforge-mock` binary.
    Mock(specforge_mock::cli::MockArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write a spec back out with every `$ref` bundled into one document, in its own version.
    Normalize {
        /// The spec (JSON or YAML; `-` for stdin).
        spec: PathBuf,
        /// Remove prose (description, summary, termsOfService, externalDocs, contact).
        #[arg(long)]
        strip_docs: bool,
        /// Write the OpenAPI 3.0 form specforge works from (Swagger 2.0 converted, schemas
        /// normalized), with every missing operationId filled in from the operation names.
        #[arg(long)]
        openapi3: bool,
        /// Output file (YAML when it ends in .yaml/.yml, JSON otherwise); stdout when absent.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

/// `specforge generate`'s arguments.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The spec (JSON or YAML; `-` for stdin).
    pub spec: PathBuf,
    /// The folder to write the crate into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// The crate name (default: from the spec title; overrides the config's).
    #[arg(long)]
    pub crate_name: Option<String>,
    /// Also generate the axum server stubs, behind the crate's `server` feature.
    #[arg(long)]
    pub server: bool,
    /// Generator options from a TOML file: crate name and version, server stubs, extra
    /// derives, type replacements, operation filter (see README, "Generator options").
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write a JSON report of every operation and type that could not be typed precisely.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Write into a non-empty folder that specforge did not generate before.
    #[arg(long)]
    pub force: bool,
    /// Write nothing; exit 1 (listing the files) if the crate in --out differs from
    /// what would be generated, 0 if it is up to date. For CI.
    #[arg(long, conflicts_with = "force")]
    pub check: bool,
}

/// `specforge diff`'s arguments.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old version (JSON or YAML; Swagger 2.0 or OpenAPI 3.x).
    pub old: PathBuf,
    /// The new version.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Exit 1 when a change is at least this bad (for either side).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
}

/// `specforge diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// For a terminal.
    Text,
    /// For a pull-request comment.
    Markdown,
    /// One JSON document.
    Json,
    /// JUnit XML (breaking changes fail).
    Junit,
    /// GitHub Actions annotations.
    Github,
}

/// `specforge diff --fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any breaking change.
    Breaking,
    /// Any breaking change or warning.
    Warning,
}

/// `specforge verify --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    /// A table, failures with a curl command that repeats them.
    Table,
    /// One JSON document.
    Json,
    /// GitHub Actions annotations, then the summary.
    Github,
}

/// `specforge verify`'s arguments.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The spec (JSON or YAML; `-` for stdin).
    pub spec: PathBuf,
    /// The server's URL: scheme, host and port, with or without the spec's base path
    /// (`http://127.0.0.1:8000` and `http://127.0.0.1:8000/api` are the same).
    #[arg(long)]
    pub url: String,
    /// Valid requests per operation: the plain one (examples first), numbers at their
    /// maximum, at their minimum, then generated values (deterministic under --seed).
    #[arg(long, default_value_t = 1)]
    pub cases: usize,
    /// Also send requests that break the spec in one place each (a missing required
    /// parameter, a wrong type, out of enum or bounds, a missing or broken body, no
    /// credentials); each must get a 4xx.
    #[arg(long)]
    pub negative: bool,
    /// Also run create → read → delete → read chains on the resources inferred from the
    /// paths: what was created must be readable, and gone after the delete.
    #[arg(long)]
    pub chains: bool,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// How to print the results on standard output: a table, JSON, or GitHub Actions
    /// annotations (`::error` lines).
    #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
    pub format: VerifyFormat,
    /// Only operations whose name matches this glob (`list_*`, `get_repo?`); repeatable.
    #[arg(long)]
    pub operations: Vec<String>,
    /// Leave out operations whose name matches this glob; repeatable.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// A status that means "not implemented here" (such as 501 from a partial
    /// server): operations answered with it are skipped, not failed; repeatable.
    #[arg(long)]
    pub skip_status: Vec<u16>,
    /// Seed for generated values.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Extra header, `Name: value` (repeatable); replaces a generated one of the same name.
    #[arg(long = "header")]
    pub headers: Vec<String>,
    /// Write a JUnit XML report.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Follow redirects (same origin only). Off by default: an undocumented
    /// 3xx is a failure, as any undocumented status.
    #[arg(long)]
    pub follow_redirects: bool,
    /// The whole run's time budget in seconds; operations not started by then are skipped.
    #[arg(long)]
    pub max_time: Option<u64>,
    /// No progress lines on standard error, only the table.
    #[arg(long)]
    pub quiet: bool,
}

/// Run the CLI with the process arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    run(cli, &mut std::io::stdout(), &mut std::io::stderr())
}

/// Run a parsed command, writing to the given streams.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let result = match cli.command {
        Command::Inspect { spec, json } => inspect(&spec, json, out, err),
        Command::Validate { spec } => validate(&spec, out),
        Command::Verify(args) => verify(args, out, err),
        Command::Diff(args) => diff(args, out),
        Command::Generate(args) => generate(args, out, err),
        Command::Mock(args) => Ok(mock(args, err)),
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            // into memory first: clap_complete panics on a closed pipe (`| head`)
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "specforge", &mut script);
            let _ = out.write_all(&script);
            Ok(0)
        }
        Command::Normalize {
            spec,
            strip_docs,
            openapi3,
            out: dest,
        } => normalize(&spec, strip_docs, openapi3, dest, out, err),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            report_failure(&e, err);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `specforge mock`: the mock's own command line, on a runtime of its own.
fn mock(args: specforge_mock::cli::MockArgs, err: &mut dyn Write) -> u8 {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            // the mock reports its own exit status; map success to 0, anything else to 1 or 2
            let code = runtime.block_on(specforge_mock::cli::run(args));
            if code == ExitCode::SUCCESS {
                0
            } else if code == ExitCode::from(EXIT_ERROR) {
                EXIT_ERROR
            } else {
                1
            }
        }
        Err(e) => {
            let _ = writeln!(err, "error: cannot start the async runtime: {e}");
            EXIT_ERROR
        }
    }
}

/// Print a failed load: errors first, then warnings.
pub fn report_failure(e: &LoadError, err: &mut dyn Write) {
    for d in e.errors() {
        let _ = writeln!(err, "{d}");
    }
    let n = e.errors().count();
    let _ = writeln!(
        err,
        "{n} error{}; nothing was produced",
        if n == 1 { "" } else { "s" }
    );
}

fn inspect(
    spec: &std::path::Path,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, LoadError> {
    let api = ir::load_api(spec)?;
    if json {
        let text = serde_json::to_string_pretty(&api).unwrap_or_default();
        let _ = writeln!(out, "{text}");
        for w in &api.warnings {
            let _ = writeln!(err, "{w}");
        }
        return Ok(0);
    }
    let _ = write!(out, "{}", summary(&api));
    Ok(0)
}

/// The human summary printed by `specforge inspect`.
pub fn summary(api: &Api) -> String {
    let mut s = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "{} {} ({})",
        api.title,
        api.version,
        api.spec_version.label()
    );
    if !api.servers.is_empty() {
        let _ = writeln!(s, "servers:    {}", api.servers.join(", "));
    }
    let _ = writeln!(
        s,
        "base path:  {}",
        if api.base_path.is_empty() {
            "/"
        } else {
            &api.base_path
        }
    );
    let _ = writeln!(s, "operations: {}", api.operations.len());
    let _ = writeln!(s, "types:      {}", api.types.len());
    let schemes: Vec<&str> = api.security_schemes.keys().map(String::as_str).collect();
    let _ = writeln!(
        s,
        "security:   {}",
        if schemes.is_empty() {
            "none".to_string()
        } else {
            schemes.join(", ")
        }
    );
    let mut tags: IndexMap<&str, usize> = IndexMap::new();
    for op in &api.operations {
        if op.tags.is_empty() {
            *tags.entry("(untagged)").or_default() += 1;
        }
        for t in &op.tags {
            *tags.entry(t).or_default() += 1;
        }
    }
    tags.sort_keys();
    let _ = writeln!(s, "by tag:");
    let width = tags.keys().map(|k| k.chars().count()).max().unwrap_or(0);
    for (t, n) in &tags {
        let _ = writeln!(s, "  {t:width$}  {n}");
    }
    let _ = writeln!(s, "warnings:   {}", api.warnings.len());
    for w in &api.warnings {
        let _ = writeln!(s, "  {w}");
    }
    s
}

fn validate(spec: &std::path::Path, out: &mut dyn Write) -> Result<u8, LoadError> {
    match ir::load_api(spec) {
        Ok(api) => {
            for w in &api.warnings {
                let _ = writeln!(out, "{w}");
            }
            let n = api.warnings.len();
            let _ = writeln!(
                out,
                "{}: {}, {}, 0 errors",
                spec.display(),
                counted(api.operations.len(), "operation"),
                counted(n, "warning")
            );
            Ok(if n == 0 { 0 } else { EXIT_WARNINGS })
        }
        Err(e) => {
            let (errs, warns): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
                e.diagnostics.iter().partition(|d| d.is_error());
            for d in errs.iter().chain(warns.iter()) {
                let _ = writeln!(out, "{d}");
            }
            let _ = writeln!(
                out,
                "{}: {} error{}, {} warning{}",
                spec.display(),
                errs.len(),
                if errs.len() == 1 { "" } else { "s" },
                warns.len(),
                if warns.len() == 1 { "" } else { "s" }
            );
            Ok(EXIT_ERROR)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn verify(args: VerifyArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, LoadError> {
    let VerifyArgs {
        spec,
        url,
        cases,
        negative,
        chains,
        concurrency,
        format,
        operations,
        exclude,
        skip_status,
        seed,
        headers,
        junit,
        timeout,
        follow_redirects,
        max_time,
        quiet,
    } = args;
    let spec = spec.as_path();
    let junit = junit.as_deref();
    let api = ir::load_api(spec)?;
    let mut parsed = Vec::new();
    for h in headers {
        match h.split_once(':') {
            Some((k, v)) if !k.trim().is_empty() => {
                parsed.push((k.trim().to_string(), v.trim().to_string()))
            }
            _ => {
                let _ = writeln!(err, "error: --header {h:?} is not `Name: value`");
                return Ok(EXIT_ERROR);
            }
        }
    }
    let options = specforge_contract::verify::VerifyOptions {
        url,
        operations,
        exclude,
        skip_status,
        seed,
        headers: parsed,
        timeout: std::time::Duration::from_secs(timeout),
        follow_redirects,
        deadline: max_time.map(std::time::Duration::from_secs),
        progress: !quiet,
        cases,
        negative,
        chains,
        concurrency,
    };
    let results = specforge_contract::verify::verify(&api, &options);
    if results.is_empty() {
        let _ = writeln!(
            err,
            "error: no operation matches {:?} (excluding {:?})",
            options.operations, options.exclude
        );
        return Ok(EXIT_ERROR);
    }
    let text = match format {
        VerifyFormat::Table => specforge_contract::verify::table(&results),
        VerifyFormat::Json => specforge_contract::verify::json(&results),
        VerifyFormat::Github => specforge_contract::verify::github(spec, &results),
    };
    let _ = write!(out, "{text}");
    if let Some(path) = junit {
        if let Err(e) = std::fs::write(
            path,
            specforge_contract::verify::junit(&format!("{} {}", api.title, api.version), &results),
        ) {
            let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
            return Ok(EXIT_ERROR);
        }
    }
    let failed = results
        .iter()
        .any(|r| matches!(r.outcome, specforge_contract::verify::Outcome::Failed(_)));
    Ok(if failed { 1 } else { 0 })
}

fn diff(args: DiffArgs, out: &mut dyn Write) -> Result<u8, LoadError> {
    use specforge::diff::{Format, Level};
    let old = ir::load_api(&args.old)?;
    let new = ir::load_api(&args.new)?;
    let d = specforge::diff::diff(&old, &new);
    let format = match args.format {
        DiffFormat::Text => Format::Text,
        DiffFormat::Markdown => Format::Markdown,
        DiffFormat::Json => Format::Json,
        DiffFormat::Junit => Format::Junit,
        DiffFormat::Github => Format::Github,
    };
    let _ = write!(
        out,
        "{}",
        specforge::diff::render(&d, format, &args.new.display().to_string())
    );
    let threshold = match args.fail_on {
        None => return Ok(0),
        Some(FailOn::Breaking) => Level::Breaking,
        Some(FailOn::Warning) => Level::Warning,
    };
    Ok(u8::from(d.changes.iter().any(|c| c.level() >= threshold)))
}

fn generate(args: GenerateArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, LoadError> {
    let GenerateArgs {
        spec,
        out: dir,
        crate_name,
        server,
        config,
        report,
        force,
        check,
    } = args;
    let (spec, dir) = (spec.as_path(), dir.as_path());
    let report = report.as_deref();
    let started = std::time::Instant::now();
    let mut generator = specforge::Generator::from_path(spec)?;
    if let Some(config) = &config {
        let options = specforge::Options::from_file(config);
        generator = match options.and_then(|o| generator.options(o)) {
            Ok(g) => g,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return Ok(EXIT_ERROR);
            }
        };
    }
    if server {
        generator = generator.server(true);
    }
    if let Some(name) = crate_name {
        generator = generator.crate_name(name);
    }
    let mut fail = |e: specforge::GenerateError| {
        let _ = writeln!(err, "error: {e}");
        EXIT_ERROR
    };
    // what rustfmt laid out before in --out, unchanged since, is taken from there
    generator = generator.reuse_layout_from(dir);
    let generated = match generator.generate_crate() {
        Ok(g) => g,
        Err(e) => return Ok(fail(e)),
    };
    if check {
        let differences = generated.differences(dir);
        if differences.is_empty() {
            let _ = writeln!(
                out,
                "{} is up to date with {}",
                dir.display(),
                spec.display()
            );
            return Ok(0);
        }
        for d in &differences {
            let _ = writeln!(err, "{d}");
        }
        let _ = writeln!(
            err,
            "{} is out of date with {} ({}); run specforge generate without --check",
            dir.display(),
            spec.display(),
            counted(differences.len(), "file")
        );
        return Ok(1);
    }
    if let Err(e) = generated.write_to_with(dir, force) {
        return Ok(fail(e));
    }
    for w in &generated.warnings {
        let _ = writeln!(err, "{w}");
    }
    for d in &generated.degradations {
        let _ = writeln!(err, "{}", d.diagnostic(Some(spec)));
    }
    if let Some(path) = report {
        let text = serde_json::to_string_pretty(&generated.report()).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
            return Ok(EXIT_ERROR);
        }
    }
    let api = generator.api();
    let _ = writeln!(
        out,
        "generated {} ({}, {}{}) in {} in {:.0?}",
        generated
            .file("Cargo.toml")
            .and_then(|c| c.lines().find(|l| l.starts_with("name = ")))
            .map(|l| l.trim_start_matches("name = ").trim_matches('"'))
            .unwrap_or("crate"),
        counted(api.operations.len(), "operation"),
        counted(api.types.len(), "type"),
        if generated.degradations.is_empty() {
            String::new()
        } else {
            format!(
                ", {}",
                counted(generated.degradations.len(), "approximation")
            )
        },
        dir.display(),
        started.elapsed()
    );
    Ok(0)
}

fn normalize(
    spec: &std::path::Path,
    strip: bool,
    openapi3: bool,
    dest: Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, LoadError> {
    let loaded = loader::load_keeping_bundled(spec)?;
    // Lowering checks the meaning; a document that cannot be lowered is not written.
    let api = ir::build(&loaded)?;
    let (mut doc, version) = if openapi3 {
        let mut doc = loaded.document.clone();
        specforge::normalize::fill_operation_ids(&mut doc, &api);
        (doc, specforge::loader::SpecVersion::OpenApi30)
    } else {
        (loaded.bundled.clone().unwrap_or_default(), loaded.version)
    };
    if strip {
        specforge::normalize::strip_docs(version, &mut doc);
    }
    let yaml = dest
        .as_ref()
        .and_then(|d| d.extension())
        .is_some_and(|e| e == "yaml" || e == "yml");
    let text = specforge::normalize::render(&doc, yaml)
        .map_err(|m| LoadError::single(Diagnostic::file_error(None, m)))?;
    match dest {
        Some(path) => {
            std::fs::write(&path, text).map_err(|e| {
                LoadError::single(Diagnostic::file_error(
                    Some(path.clone()),
                    format!("cannot write: {e}"),
                ))
            })?;
            let _ = writeln!(err, "wrote {} ({})", path.display(), version.label());
        }
        None => {
            let _ = out.write_all(text.as_bytes());
        }
    }
    Ok(0)
}
