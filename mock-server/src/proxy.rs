//! Proxy mode: forward every request to a real server, check the request and the
//! real response against the spec, return the upstream response unchanged, and
//! report every exchange (one JSON line each) and every violation.

use crate::state::MockState;
use crate::validate;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use specforge_contract::check::Violation;
use specforge_contract::contract::ResponseJudge;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Counts kept while proxying.
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Exchanges forwarded.
    pub exchanges: AtomicUsize,
    /// Exchanges with at least one violation.
    pub violating: AtomicUsize,
    /// Violations in all.
    pub violations: AtomicUsize,
}

impl ProxyStats {
    /// A one-line summary.
    pub fn summary(&self) -> String {
        format!(
            "proxy: {} exchanges, {} broke the spec ({} violations)",
            self.exchanges.load(Ordering::Relaxed),
            self.violating.load(Ordering::Relaxed),
            self.violations.load(Ordering::Relaxed)
        )
    }
}

struct Proxy {
    state: MockState,
    judge: ResponseJudge,
    upstream: String,
    client: reqwest::Client,
    report: Option<Mutex<std::fs::File>>,
    stats: Arc<ProxyStats>,
}

/// A router that proxies to `upstream` (scheme, host, port and optional prefix), and its counters.
pub fn proxy_router(
    state: MockState,
    upstream: &str,
    report: Option<PathBuf>,
) -> std::io::Result<(axum::Router, Arc<ProxyStats>)> {
    let report = match report {
        Some(path) => Some(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?,
        )),
        None => None,
    };
    let stats = Arc::new(ProxyStats::default());
    let judge = ResponseJudge::new(&state.api);
    let proxy = Proxy {
        state,
        judge,
        upstream: upstream.trim_end_matches('/').to_string(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?,
        report,
        stats: stats.clone(),
    };
    Ok((
        axum::Router::new()
            .fallback(handle)
            .with_state(Arc::new(proxy)),
        stats,
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

async fn handle(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, 64 * 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => {
            return crate::problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large",
                &format!("cannot read the body: {e}"),
                &[],
            )
        }
    };
    let state = &proxy.state;
    let path = parts.uri.path().to_string();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let mut violations: Vec<Violation> = Vec::new();
    // which operation, and is the request right?
    let mut op_index = None;
    match state.locate(crate::method_of(&parts.method), &path) {
        crate::state::Located::NotFound => violations.push(Violation {
            location: "request.path".into(),
            message: format!(
                "no operation is documented at {}",
                specforge_runtime::problem::echo(&path)
            ),
        }),
        crate::state::Located::MethodNotAllowed { template, .. } => violations.push(Violation {
            location: "request.method".into(),
            message: format!("{} is not documented for {template}", parts.method),
        }),
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
                body: &body,
            };
            match validate::validate(state, op, &state.ops[i], &rp) {
                Ok(()) => {}
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
                Err(validate::Refusal::Unauthorized(_)) => {}
            }
        }
    }
    // forward
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes())
        .unwrap_or(reqwest::Method::GET);
    let mut forward = proxy
        .client
        .request(method, format!("{}{}", proxy.upstream, path_and_query))
        .body(body.to_vec());
    for (k, v) in &parts.headers {
        if !HOP_BY_HOP.contains(&k.as_str()) {
            forward = forward.header(k.as_str(), v.as_bytes());
        }
    }
    let upstream = match forward.send().await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(target: "specforge_mock", "{} {} -> upstream failed: {e}", parts.method, path_and_query);
            return crate::problem(
                StatusCode::BAD_GATEWAY,
                "Bad Gateway",
                &format!("the upstream server did not answer: {e}"),
                &[],
            );
        }
    };
    let status = upstream.status().as_u16();
    let headers: Vec<(String, String)> = upstream
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let raw_headers = upstream.headers().clone();
    let bytes = match upstream.bytes().await {
        Ok(b) => b,
        Err(e) => {
            return crate::problem(
                StatusCode::BAD_GATEWAY,
                "Bad Gateway",
                &format!("cannot read the upstream response: {e}"),
                &[],
            )
        }
    };
    let operation = op_index.map(|i| state.api.operations[i].name.clone());
    if let Some(i) = op_index {
        violations.extend(
            proxy
                .judge
                .check(&state.api.operations[i], status, &headers, &bytes),
        );
    }
    // account and report
    proxy.stats.exchanges.fetch_add(1, Ordering::Relaxed);
    if !violations.is_empty() {
        proxy.stats.violating.fetch_add(1, Ordering::Relaxed);
        proxy
            .stats
            .violations
            .fetch_add(violations.len(), Ordering::Relaxed);
    }
    for v in &violations {
        tracing::warn!(target: "specforge_mock", "{} {} ({}): {}: {}", parts.method, path_and_query, operation.as_deref().unwrap_or("-"), v.location, v.message);
    }
    tracing::info!(target: "specforge_mock", "{} {} -> {} {} (proxied, {} violations)", parts.method, path_and_query, operation.as_deref().unwrap_or("-"), status, violations.len());
    if let Some(file) = &proxy.report {
        let line = json!({
            "operation": operation,
            "method": parts.method.as_str(),
            "path": path_and_query,
            "status": status,
            "violations": violations,
        });
        if let Ok(mut f) = file.lock() {
            let _ = writeln!(f, "{line}");
        }
    }
    // the upstream response, unchanged
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (k, v) in raw_headers.iter() {
        if !HOP_BY_HOP.contains(&k.as_str()) {
            response.headers_mut().append(k.clone(), v.clone());
        }
    }
    response
}
