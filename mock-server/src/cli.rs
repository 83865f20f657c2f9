//! The mock's command line, shared by the `specforge-mock` binary and `specforge mock`.

use crate::serve::ServeOptions;
use crate::{MockOptions, MockState, Shared};
use specforge::diagnostics::counted;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

/// The mock's arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct MockArgs {
    /// The spec (Swagger 2.0, OpenAPI 3.0 or 3.1; JSON or YAML).
    pub spec: PathBuf,
    /// No line per request: only warnings and errors (RUST_LOG still wins).
    #[arg(long)]
    pub quiet: bool,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to bind (0 picks a free one).
    #[arg(long, default_value_t = 4010)]
    pub port: u16,
    /// Seed for generated data.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Always generate bodies instead of serving spec examples.
    #[arg(long)]
    pub dynamic: bool,
    /// Do not validate requests.
    #[arg(long)]
    pub no_request_validation: bool,
    /// Do not require the credentials the spec asks for.
    #[arg(long)]
    pub no_auth_check: bool,
    /// Latency added to every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub delay: u64,
    /// How many items each paged list holds: list operations that page (page token,
    /// page number or offset) serve this many items, page by page, then end.
    #[arg(long, default_value_t = 25)]
    pub list_total: usize,
    /// Keep what clients create: resources inferred from the spec (POST creates, GET
    /// reads and lists, PUT/PATCH change, DELETE removes), per `X-Specforge-Session`.
    #[arg(long)]
    pub stateful: bool,
    /// With --stateful: initial objects, a JSON file of collection paths (below the
    /// base path) to arrays of objects: `{"/repos/7/secrets": [{"name": "a"}]}`.
    #[arg(long, requires = "stateful")]
    pub seed_data: Option<PathBuf>,
    /// Where the admin API (journal, counts, state) and the dashboard are served.
    #[arg(long, default_value = "/__specforge")]
    pub admin_prefix: String,
    /// How many exchanges the journal keeps for the admin API and the dashboard.
    #[arg(long, default_value_t = 1000)]
    pub journal_size: usize,
    /// Proxy mode: forward every request to this server (scheme://host:port), check the
    /// request and the real response against the spec, return the response unchanged.
    #[arg(long)]
    pub proxy: Option<String>,
    /// With --proxy: append one JSON line per exchange (operation, status, violations).
    #[arg(long, requires = "proxy")]
    pub report: Option<PathBuf>,
    /// With --proxy: exit non-zero at shutdown when any exchange broke the spec or
    /// failed upstream.
    #[arg(long, requires = "proxy")]
    pub fail_on_violation: bool,
    /// With --proxy: answer an exchange that broke the spec with 502 problem+json
    /// naming the violations, so the client's test fails at the call. Without it the
    /// upstream response passes unchanged, with `x-specforge-violations` added.
    #[arg(long, requires = "proxy")]
    pub errors: bool,
    /// With --proxy: seconds to wait for the upstream's response (and for each next
    /// body chunk) before answering 504.
    #[arg(long, default_value_t = 30.0, requires = "proxy", value_parser = seconds)]
    pub upstream_timeout: f64,
    /// With --proxy: upstream bodies up to this many bytes are validated; larger ones
    /// stream through unvalidated and count as a violation.
    #[arg(long, default_value_t = 16 * 1024 * 1024, requires = "proxy")]
    pub max_validated_body: usize,
    /// Seconds a client may take to send a request's headers (slow clients are cut).
    #[arg(long, default_value_t = 10.0, value_parser = seconds)]
    pub header_timeout: f64,
    /// Seconds a client may pause while sending a request body (then 408).
    #[arg(long, default_value_t = 30.0, value_parser = seconds)]
    pub body_timeout: f64,
    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
    #[arg(long, default_value_t = 5.0, value_parser = seconds)]
    pub grace: f64,
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!(
            "{text:?} is not a number of seconds between 0 and 86400"
        )),
    }
}

fn load(path: &std::path::Path, options: &MockOptions) -> Result<MockState, specforge::LoadError> {
    let api = specforge::load_api(path)?;
    Ok(MockState::new(api, options.clone()))
}

/// Give the memory loading freed back to the system: allocators keep freed blocks
/// for reuse, so without this a long-running mock would hold the loader's peak
/// (several copies of the document) for its whole life. Both allocators a binary
/// of this project may use are asked: mimalloc (the binaries' global allocator)
/// and glibc's malloc (what C code and a library user's program allocate).
fn release_freed_memory() {
    // SAFETY: mi_collect only frees mimalloc's own unused pages; it touches no live
    // allocation, may be called from any thread at any time, and is a no-op where
    // mimalloc holds nothing.
    unsafe { libmimalloc_sys::mi_collect(true) };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the kernel; it touches
    // no live allocation and may be called at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn mtime(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn run_proxy(
    state: MockState,
    listener: tokio::net::TcpListener,
    options: crate::proxy::ProxyOptions,
    serve: &ServeOptions,
    fail_on_violation: bool,
) -> ExitCode {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let base = state.api.base_path.clone();
    let upstream = options.upstream.clone();
    let (app, handle) = match crate::proxy::proxy_router(state, options) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: cannot open the report: {e}");
            return ExitCode::from(2);
        }
    };
    println!("specforge-mock proxying http://{addr}{base} -> {upstream}{base}");
    if crate::serve::serve(listener, app, serve, shutdown_signal()).await
        == crate::serve::Ended::Cut
    {
        let cut = handle.abandon_in_flight();
        eprintln!(
            "specforge-mock: {cut} exchanges were still in flight after {} s and were cut",
            serve.grace.as_secs_f64()
        );
    }
    println!("{}", handle.stats().summary());
    if fail_on_violation && handle.stats().failed() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Run the mock (or the proxy) as the arguments say, until SIGTERM or Ctrl-C.
/// Logs go to stderr (set up here: call it once per process).
pub async fn run(cli: MockArgs) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                if cli.quiet {
                    "specforge_mock=warn".into()
                } else {
                    "specforge_mock=info".into()
                }
            }),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let options = MockOptions {
        seed: cli.seed,
        dynamic: cli.dynamic,
        validate_requests: !cli.no_request_validation,
        check_auth: !cli.no_auth_check,
        delay_ms: cli.delay,
        list_total: cli.list_total,
        stateful: cli.stateful,
        seed_data: None,
        admin_prefix: format!("/{}", cli.admin_prefix.trim_matches('/')),
        journal_size: cli.journal_size,
    };
    let mut options = options;
    if let Some(file) = &cli.seed_data {
        let parsed = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()));
        match parsed {
            Ok(v) => options.seed_data = Some(v),
            Err(e) => {
                eprintln!("error: cannot read the seed data {}: {e}", file.display());
                return ExitCode::from(2);
            }
        }
    }
    let state = match load(&cli.spec, &options) {
        Ok(s) => s,
        Err(e) => {
            for d in e.errors() {
                eprintln!("{d}");
            }
            return ExitCode::from(2);
        }
    };
    for w in &state.api.warnings {
        eprintln!("{w}");
    }
    for w in &state.warnings {
        eprintln!("{w}");
    }
    if let Some(path) = state.admin_conflict() {
        eprintln!(
            "error: the spec documents {path}, under the admin prefix {}; choose another with --admin-prefix",
            options.admin_prefix
        );
        return ExitCode::from(2);
    }
    if let Some(seed) = &options.seed_data {
        if let Err(e) = crate::stateful::resolve_seed(&state, seed) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    release_freed_memory();
    let listener = match tokio::net::TcpListener::bind((cli.host.as_str(), cli.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot bind {}:{}: {e}", cli.host, cli.port);
            return ExitCode::from(2);
        }
    };
    let serve = ServeOptions {
        header_timeout: Duration::from_secs_f64(cli.header_timeout),
        body_timeout: Duration::from_secs_f64(cli.body_timeout),
        grace: Duration::from_secs_f64(cli.grace),
    };
    if let Some(upstream) = cli.proxy.clone() {
        let mut proxy = crate::proxy::ProxyOptions::new(&upstream);
        proxy.report = cli.report.clone();
        proxy.upstream_timeout = Duration::from_secs_f64(cli.upstream_timeout);
        proxy.max_validated_body = cli.max_validated_body;
        proxy.errors = cli.errors;
        return run_proxy(state, listener, proxy, &serve, cli.fail_on_violation).await;
    }
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    println!(
        "{} {} ({}, {} mode, seed {})",
        state.api.title,
        state.api.version,
        counted(state.api.operations.len(), "operation"),
        if options.dynamic { "dynamic" } else { "static" },
        options.seed
    );
    for op in &state.api.operations {
        println!(
            "  {:<7} {}{}  ({})",
            op.method.as_str(),
            state.api.base_path,
            op.path,
            op.name
        );
    }
    if options.stateful {
        print!("{}", crate::stateful::report(&state));
    }
    println!(
        "specforge-mock listening on http://{addr}{}",
        state.api.base_path
    );
    println!(
        "dashboard and admin API: http://{addr}{}/",
        options.admin_prefix
    );
    let shared = Shared::new(state);
    // reload when the spec file changes; a broken edit keeps the last good spec
    {
        let shared = shared.clone();
        let path = cli.spec.clone();
        let options = options.clone();
        tokio::spawn(async move {
            let mut last = mtime(&path);
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let now = mtime(&path);
                if now == last {
                    continue;
                }
                last = now;
                match load(&path, &options) {
                    Ok(s) => {
                        tracing::info!(target: "specforge_mock", "reloaded {} ({})", path.display(), counted(s.api.operations.len(), "operation"));
                        for w in &s.warnings {
                            tracing::warn!(target: "specforge_mock", "{w}");
                        }
                        shared.replace(s);
                        release_freed_memory();
                    }
                    Err(e) => {
                        for d in e.errors() {
                            tracing::error!(target: "specforge_mock", "reload failed, keeping the last good spec: {d}");
                        }
                    }
                }
            }
        });
    }
    let app = crate::router_for(shared);
    crate::serve::serve(listener, app, &serve, shutdown_signal()).await;
    ExitCode::SUCCESS
}
