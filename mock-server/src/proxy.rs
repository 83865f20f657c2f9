//! Proxy mode: forward every request to a real server, check the request and the
//! real response against the spec, return the upstream response unchanged, and
//! report every exchange (one JSON line each, written as the exchange ends) and
//! every violation.
//!
//! No exchange goes unreported: an upstream that refuses, resets, hangs or answers
//! something that is not HTTP is a line with `upstream_error` (and a 502 or 504 to
//! the client); a request the proxy itself refuses (body too large or too slow) is a
//! line; requests still in flight when the proxy stops are lines with
//! `upstream_error.kind = "shutdown"`.

use crate::state::MockState;
use crate::validate;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::json;
use specforge_contract::check::Violation;
use specforge_contract::contract::ResponseJudge;
use specforge_contract::transport::Failure;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the proxy behaves.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// Scheme, host, port and optional prefix of the real server.
    pub upstream: String,
    /// Append one JSON line per exchange here.
    pub report: Option<PathBuf>,
    /// Longest wait for the upstream's response head, and for each next body chunk;
    /// past it the client gets 504.
    pub upstream_timeout: Duration,
    /// Upstream bodies up to this size are held and validated; a larger body streams
    /// through to the client unvalidated, and that is a violation.
    pub max_validated_body: usize,
    /// Answer an exchange that broke the spec with 502 problem+json naming the
    /// violations (instead of the upstream response), so a test fails at the call.
    pub errors: bool,
}

impl ProxyOptions {
    /// Defaults: 30 s upstream timeout, bodies validated up to 16 MiB.
    pub fn new(upstream: &str) -> Self {
        Self {
            upstream: upstream.to_string(),
            report: None,
            upstream_timeout: Duration::from_secs(30),
            max_validated_body: 16 * 1024 * 1024,
            errors: false,
        }
    }
}

/// Counts kept while proxying.
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Exchanges seen (each is one report line).
    pub exchanges: AtomicUsize,
    /// Exchanges with at least one violation or an upstream failure.
    pub violating: AtomicUsize,
    /// Violations in all.
    pub violations: AtomicUsize,
    /// Exchanges where the upstream gave no usable response (refused, reset,
    /// timeout, not HTTP) or that were cut at shutdown.
    pub upstream_errors: AtomicUsize,
}

impl ProxyStats {
    /// A one-line summary.
    pub fn summary(&self) -> String {
        format!(
            "proxy: {} exchanges, {} broke the spec ({} violations), {} upstream failures",
            self.exchanges.load(Ordering::Relaxed),
            self.violating.load(Ordering::Relaxed),
            self.violations.load(Ordering::Relaxed),
            self.upstream_errors.load(Ordering::Relaxed),
        )
    }

    /// Whether any exchange broke the spec or failed upstream.
    pub fn failed(&self) -> bool {
        self.violating.load(Ordering::Relaxed) > 0
    }
}

/// One exchange while it is in flight.
#[derive(Debug, Clone)]
struct Pending {
    method: String,
    path: String,
    operation: Option<String>,
    violations: Vec<Violation>,
}

struct Proxy {
    state: MockState,
    judge: ResponseJudge,
    upstream: String,
    options: ProxyOptions,
    client: reqwest::Client,
    report: Option<Mutex<std::fs::File>>,
    stats: Arc<ProxyStats>,
    next_id: AtomicU64,
    in_flight: Mutex<HashMap<u64, Pending>>,
}

/// The running proxy's counters, and what ends it cleanly.
#[derive(Clone)]
pub struct ProxyHandle {
    proxy: Arc<Proxy>,
}

impl ProxyHandle {
    /// The counters.
    pub fn stats(&self) -> &ProxyStats {
        &self.proxy.stats
    }

    /// Report every exchange still in flight as cut at shutdown (call after the
    /// server loop ended); returns how many there were.
    pub fn abandon_in_flight(&self) -> usize {
        let pending: Vec<Pending> = match self.proxy.in_flight.lock() {
            Ok(mut g) => g.drain().map(|(_, p)| p).collect(),
            Err(p) => p.into_inner().drain().map(|(_, p)| p).collect(),
        };
        for p in &pending {
            self.proxy.finish(
                p,
                None,
                Some((
                    Failure::Send,
                    "shutdown",
                    "the proxy stopped before the exchange ended".into(),
                )),
            );
        }
        pending.len()
    }
}

/// A router that proxies as `options` say, and its handle.
pub fn proxy_router(
    state: MockState,
    options: ProxyOptions,
) -> std::io::Result<(axum::Router, ProxyHandle)> {
    let report = match &options.report {
        Some(path) => Some(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?,
        )),
        None => None,
    };
    let judge = ResponseJudge::new(&state.api);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(options.upstream_timeout)
        .build()
        .map_err(std::io::Error::other)?;
    let proxy = Arc::new(Proxy {
        state,
        judge,
        upstream: options.upstream.trim_end_matches('/').to_string(),
        options,
        client,
        report,
        stats: Arc::new(ProxyStats::default()),
        next_id: AtomicU64::new(0),
        in_flight: Mutex::new(HashMap::new()),
    });
    let handle = ProxyHandle {
        proxy: proxy.clone(),
    };
    Ok((
        crate::guarded(
            axum::Router::new()
                .fallback(handle_request)
                .with_state(proxy),
        ),
        handle,
    ))
}

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

impl Proxy {
    fn register(&self, pending: &Pending) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut g) = self.in_flight.lock() {
            g.insert(id, pending.clone());
        }
        id
    }

    /// Take an exchange out of the in-flight set; `false` when shutdown already reported it.
    fn take(&self, id: u64) -> bool {
        match self.in_flight.lock() {
            Ok(mut g) => g.remove(&id).is_some(),
            Err(p) => p.into_inner().remove(&id).is_some(),
        }
    }

    /// Count, log and write the report line of one finished exchange.
    fn finish(
        &self,
        p: &Pending,
        status: Option<u16>,
        upstream_error: Option<(Failure, &str, String)>,
    ) {
        let stats = &self.stats;
        stats.exchanges.fetch_add(1, Ordering::Relaxed);
        if !p.violations.is_empty() || upstream_error.is_some() {
            stats.violating.fetch_add(1, Ordering::Relaxed);
        }
        stats
            .violations
            .fetch_add(p.violations.len(), Ordering::Relaxed);
        let operation = p.operation.as_deref().unwrap_or("-");
        for v in &p.violations {
            tracing::warn!(target: "specforge_mock", "{} {} ({operation}): {}: {}", p.method, p.path, v.location, v.message);
        }
        let error_json = match &upstream_error {
            Some((_, kind, message)) => {
                stats.upstream_errors.fetch_add(1, Ordering::Relaxed);
                tracing::error!(target: "specforge_mock", "{} {} ({operation}): upstream {kind}: {message}", p.method, p.path);
                json!({"kind": kind, "message": message})
            }
            None => serde_json::Value::Null,
        };
        tracing::info!(target: "specforge_mock", "{} {} -> {operation} {} (proxied, {} violations)", p.method, p.path, status.map(|s| s.to_string()).unwrap_or_else(|| "-".into()), p.violations.len());
        if let Some(file) = &self.report {
            let mut line = json!({
                "operation": p.operation,
                "method": p.method,
                "path": p.path,
                "status": status,
                "violations": p.violations,
            });
            if !error_json.is_null() {
                line["upstream_error"] = error_json;
            }
            let mut text = line.to_string();
            text.push('\n');
            let mut f = match file.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            // one write per line, so a line is whole on disk as soon as it is written
            if let Err(e) = f.write_all(text.as_bytes()) {
                tracing::error!(target: "specforge_mock", "cannot write the report: {e}");
            }
        }
    }

    /// End an exchange with a problem+json answer of our own (and its report line).
    fn refuse(
        &self,
        id: u64,
        p: &Pending,
        status: StatusCode,
        failure: Option<(Failure, String)>,
        detail: &str,
    ) -> Response {
        if self.take(id) {
            self.finish(
                p,
                Some(status.as_u16()),
                failure.map(|(f, m)| (f, f.kind(), m)),
            );
        }
        crate::problem(
            status,
            status.canonical_reason().unwrap_or("Error"),
            detail,
            &p.violations,
        )
    }

    /// The request's violations and its operation.
    fn check_request(
        &self,
        parts: &axum::http::request::Parts,
        body: &[u8],
    ) -> (Option<usize>, Vec<Violation>) {
        let state = &self.state;
        let path = parts.uri.path();
        let mut violations = Vec::new();
        let mut op_index = None;
        match state.locate(crate::method_of(&parts.method), path) {
            crate::state::Located::NotFound => violations.push(Violation {
                location: "request.path".into(),
                message: format!(
                    "no operation is documented at {}",
                    specforge_runtime::problem::echo(path)
                ),
            }),
            crate::state::Located::MethodNotAllowed { template, .. } => {
                violations.push(Violation {
                    location: "request.method".into(),
                    message: format!("{} is not documented for {template}", parts.method),
                })
            }
            crate::state::Located::Found {
                op: i,
                path: path_values,
            } => {
                op_index = Some(i);
                let op = &state.api.operations[i];
                let query = validate::query_pairs(parts.uri.query());
                let cookies = validate::cookies(&parts.headers);
                if let Err(validate::Refusal::Unauthorized(_)) =
                    validate::authorize(state, op, &parts.headers, &query, &cookies)
                {
                    violations.push(Violation {
                        location: "request.header.authorization".into(),
                        message: "none of the operation's security schemes is present".into(),
                    });
                }
                let rp = validate::RequestParts {
                    path: path_values,
                    raw_query: parts.uri.query().unwrap_or(""),
                    headers: &parts.headers,
                    cookies,
                    body,
                };
                match validate::validate(state, op, &state.ops[i], &rp) {
                    Ok(()) | Err(validate::Refusal::Unauthorized(_)) => {}
                    Err(validate::Refusal::Invalid(v)) => {
                        violations.extend(v.into_iter().map(|v| Violation {
                            location: format!("request.{}", v.location),
                            message: v.message,
                        }))
                    }
                    Err(validate::Refusal::MediaType(v)) => violations.push(Violation {
                        location: format!("request.{}", v.location),
                        message: v.message,
                    }),
                }
            }
        }
        (op_index, violations)
    }
}

async fn handle_request(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    // the running summary, under the admin prefix (unless a spec path lies there)
    let prefix = proxy.state.options.admin_prefix.trim_end_matches('/');
    if !prefix.is_empty()
        && request.uri().path() == format!("{prefix}/summary")
        && proxy.state.admin_conflict().is_none()
    {
        let s = &proxy.stats;
        let body = serde_json::json!({
            "exchanges": s.exchanges.load(Ordering::Relaxed),
            "violating": s.violating.load(Ordering::Relaxed),
            "violations": s.violations.load(Ordering::Relaxed),
            "upstream_errors": s.upstream_errors.load(Ordering::Relaxed),
            "summary": s.summary(),
        });
        return axum::response::IntoResponse::into_response((
            [
                ("content-type", "application/json"),
                ("cache-control", "no-store"),
            ],
            body.to_string(),
        ));
    }
    let (parts, body) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| parts.uri.path().to_string());
    let mut pending = Pending {
        method: parts.method.to_string(),
        path: specforge_runtime::problem::truncate(&path_and_query, 2048),
        operation: None,
        violations: Vec::new(),
    };
    let id = proxy.register(&pending);
    // the request body: ours to refuse when too large or too slow
    let body = match axum::body::to_bytes(body, specforge_runtime::problem::BODY_LIMIT).await {
        Ok(b) => b,
        Err(e) => {
            let (status, message) = if crate::body_timed_out(&e) {
                (
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body did not arrive in time".to_string(),
                )
            } else if crate::body_too_large(&e) {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the request body is larger than {} bytes",
                        specforge_runtime::problem::BODY_LIMIT
                    ),
                )
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    format!("the request body cannot be read: {e}"),
                )
            };
            pending.violations.push(Violation {
                location: "request.body".into(),
                message: message.clone(),
            });
            return proxy.refuse(id, &pending, status, None, &message);
        }
    };
    let (op_index, violations) = proxy.check_request(&parts, &body);
    pending.violations = violations;
    pending.operation = op_index.map(|i| proxy.state.api.operations[i].name.clone());
    if let Ok(mut g) = proxy.in_flight.lock() {
        if let Some(slot) = g.get_mut(&id) {
            *slot = pending.clone();
        }
    }
    // forward
    let Ok(method) = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()) else {
        return proxy.refuse(
            id,
            &pending,
            StatusCode::BAD_REQUEST,
            None,
            "the method cannot be forwarded",
        );
    };
    let mut forward = proxy
        .client
        .request(method, format!("{}{}", proxy.upstream, path_and_query))
        .body(body);
    for (k, v) in &parts.headers {
        if !HOP_BY_HOP.contains(&k.as_str()) {
            forward = forward.header(k.as_str(), v.as_bytes());
        }
    }
    let timeout = proxy.options.upstream_timeout;
    let upstream = match tokio::time::timeout(timeout, forward.send()).await {
        Err(_) => {
            let failure = Failure::Timeout;
            let message = failure.describe(timeout);
            return proxy.refuse(
                id,
                &pending,
                StatusCode::GATEWAY_TIMEOUT,
                Some((failure, message.clone())),
                &format!("the upstream server did not answer: {message}"),
            );
        }
        Ok(Err(e)) => {
            let (failure, message) = specforge_contract::transport::explain(&e, timeout);
            return proxy.refuse(
                id,
                &pending,
                gateway_status(failure),
                Some((failure, message.clone())),
                &format!("the upstream server did not answer: {message}"),
            );
        }
        Ok(Ok(r)) => r,
    };
    let status = upstream.status().as_u16();
    let raw_headers = upstream.headers().clone();
    let headers: Vec<(String, String)> = raw_headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (k, v) in raw_headers.iter() {
        if !HOP_BY_HOP.contains(&k.as_str()) {
            response.headers_mut().append(k.clone(), v.clone());
        }
    }
    // the body: held and validated up to the cap, streamed past it
    let cap = proxy.options.max_validated_body;
    let mut stream: UpstreamStream = upstream.bytes_stream().boxed();
    let mut held: Vec<Bytes> = Vec::new();
    let mut size = 0usize;
    loop {
        match next_chunk(&mut stream, timeout).await {
            Err((failure, message)) => {
                return proxy.refuse(
                    id,
                    &pending,
                    gateway_status(failure),
                    Some((failure, message.clone())),
                    &message,
                );
            }
            Ok(None) => break,
            Ok(Some(chunk)) => {
                size += chunk.len();
                held.push(chunk);
                if size > cap {
                    break;
                }
            }
        }
    }
    let Some(i) = op_index else {
        // not a documented operation: nothing to judge the response by
        return proxy.deliver(id, pending, status, response, held, None);
    };
    let op = &proxy.state.api.operations[i];
    if size > cap {
        pending
            .violations
            .extend(proxy.judge.check_head(op, status, &headers));
        pending.violations.push(Violation {
            location: "response.body".into(),
            message: format!(
                "the body is larger than {cap} bytes and was passed on without validation"
            ),
        });
        return proxy.deliver(id, pending, status, response, held, Some(stream));
    }
    let bytes: Vec<u8> = held.concat();
    pending
        .violations
        .extend(proxy.judge.check(op, status, &headers, &bytes));
    proxy.deliver(
        id,
        pending,
        status,
        response,
        vec![Bytes::from(bytes)],
        None,
    )
}

type UpstreamStream = futures_util::stream::BoxStream<'static, reqwest::Result<Bytes>>;

/// What the client gets when the upstream failed: 504 for a timeout, else 502.
fn gateway_status(failure: Failure) -> StatusCode {
    if failure == Failure::Timeout {
        StatusCode::GATEWAY_TIMEOUT
    } else {
        StatusCode::BAD_GATEWAY
    }
}

/// The next chunk of an upstream body within `timeout`; `Ok(None)` at its end;
/// a stall or a break named as the failure it is.
async fn next_chunk(
    stream: &mut UpstreamStream,
    timeout: Duration,
) -> Result<Option<Bytes>, (Failure, String)> {
    match tokio::time::timeout(timeout, stream.next()).await {
        Err(_) => Err((
            Failure::Timeout,
            format!(
                "the upstream response body stalled: {}",
                Failure::Timeout.describe(timeout)
            ),
        )),
        Ok(None) => Ok(None),
        Ok(Some(Err(e))) => {
            let (failure, message) = specforge_contract::transport::explain(&e, timeout);
            Err((
                failure,
                format!("the upstream response body broke off: {message}"),
            ))
        }
        Ok(Some(Ok(chunk))) => Ok(Some(chunk)),
    }
}

impl Proxy {
    /// Send the upstream response on: whole (report now), or the held part and then
    /// the rest of the stream (report when the stream ends).
    fn deliver(
        self: &Arc<Self>,
        id: u64,
        pending: Pending,
        status: u16,
        mut response: Response,
        held: Vec<Bytes>,
        rest: Option<UpstreamStream>,
    ) -> Response {
        if !pending.violations.is_empty() {
            if self.options.errors {
                // the test fails at the call: 502 naming what broke, the rest dropped
                if self.take(id) {
                    self.finish(&pending, Some(status), None);
                }
                let mut r = crate::problem(
                    StatusCode::BAD_GATEWAY,
                    "Bad Gateway",
                    &format!(
                        "the exchange broke the spec in {} place(s); the upstream answered {status}",
                        pending.violations.len()
                    ),
                    &pending.violations,
                );
                crate::add_violations(&mut r, &pending.violations);
                return r;
            }
            crate::add_violations(&mut response, &pending.violations);
        }
        let Some(rest) = rest else {
            if self.take(id) {
                self.finish(&pending, Some(status), None);
            }
            *response.body_mut() = Body::from(held.concat());
            return response;
        };
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
        let proxy = self.clone();
        let timeout = self.options.upstream_timeout;
        tokio::spawn(async move {
            let mut failure = None;
            let mut client_gone = false;
            for chunk in held {
                if tx.send(Ok(chunk)).await.is_err() {
                    client_gone = true;
                    break;
                }
            }
            let mut rest = rest;
            while !client_gone {
                match next_chunk(&mut rest, timeout).await {
                    Err(f) => {
                        failure = Some(f);
                        break;
                    }
                    Ok(None) => break,
                    Ok(Some(chunk)) => {
                        if tx.send(Ok(chunk)).await.is_err() {
                            client_gone = true;
                        }
                    }
                }
            }
            if let Some((_, m)) = &failure {
                // the client sees the body end abnormally
                let _ = tx.send(Err(std::io::Error::other(m.clone()))).await;
            }
            if proxy.take(id) {
                proxy.finish(
                    &pending,
                    Some(status),
                    failure.map(|(f, m)| (f, f.kind(), m)),
                );
            }
        });
        let body = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        *response.body_mut() = Body::from_stream(body);
        response
    }
}
