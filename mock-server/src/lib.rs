//! specforge-mock: a strict mock server for any OpenAPI document, driven by the
//! specforge IR. It routes on the spec's paths under its base path, validates
//! every request (parameters, bodies, credentials), and answers with the spec's
//! valid examples or schema-valid generated data, deterministic under a seed.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let api = specforge::load_api(std::path::Path::new("specs/woodpecker.json"))?;
//! let app = specforge_mock::router(&api, specforge_mock::MockOptions::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod admin;
pub mod cli;
pub mod journal;
pub mod options;
mod paging;
pub mod process;
pub mod proxy;
pub mod respond;
pub mod serve;
pub mod state;
pub mod stateful;
pub mod validate;

pub use options::MockOptions;
pub use state::MockState;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method as HttpMethod, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use specforge::ir::{Api, Method, StatusSpec};
use specforge_contract::check::Violation;
use std::sync::{Arc, RwLock};

/// The state a running mock serves from; replaced whole when the spec is reloaded.
#[derive(Clone)]
pub struct Shared {
    inner: Arc<RwLock<Arc<MockState>>>,
}

impl Shared {
    /// Serve `state`.
    pub fn new(state: MockState) -> Self {
        Self {
            inner: Arc::new(RwLock::new(Arc::new(state))),
        }
    }

    /// The current state.
    pub fn current(&self) -> Arc<MockState> {
        match self.inner.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swap in a new state (after the spec changed); the journal and the stored
    /// objects carry over.
    pub fn replace(&self, mut state: MockState) {
        state.runtime = self.current().runtime.clone();
        let new = Arc::new(state);
        match self.inner.write() {
            Ok(mut g) => *g = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }
}

/// Whether reading a request body failed on the size limit.
pub(crate) fn body_too_large(e: &axum::Error) -> bool {
    source_is::<http_body_util::LengthLimitError>(e)
}

/// Whether reading a request body failed on the server's body read deadline.
pub(crate) fn body_timed_out(e: &axum::Error) -> bool {
    source_is::<tower_http::timeout::TimeoutError>(e)
}

fn source_is<T: std::error::Error + 'static>(e: &axum::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cur {
        if c.is::<T>() {
            return true;
        }
        cur = c.source();
    }
    false
}

/// A router mocking `api`.
pub fn router(api: &Api, options: MockOptions) -> axum::Router {
    router_for(Shared::new(MockState::new(api.clone(), options)))
}

/// A router over a shared (reloadable) state.
pub fn router_for(shared: Shared) -> axum::Router {
    guarded(axum::Router::new().fallback(handle).with_state(shared))
}

/// `router` with a panic in any request turned into a 500 problem+json and a log
/// line (the mock wraps itself in this; public so that the guarantee is testable).
pub fn guarded(router: axum::Router) -> axum::Router {
    router.layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

/// A panic while answering one request: a 500 problem+json and a log line,
/// never a dropped connection.
fn panicked(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    tracing::error!(target: "specforge_mock", "a bug in specforge-mock while answering: {what}");
    let v = Violation {
        location: "mock".into(),
        message: format!(
            "specforge-mock failed while answering (a bug; please report it with the spec): {}",
            specforge_runtime::problem::truncate(what, 512)
        ),
    };
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
        &v.message.clone(),
        &[v],
    )
}

pub(crate) fn method_of(m: &HttpMethod) -> Option<Method> {
    Method::ALL
        .iter()
        .find(|(_, k)| k.eq_ignore_ascii_case(m.as_str()))
        .map(|(m, _)| *m)
}

/// An RFC 9457 problem response.
pub fn problem(
    status: StatusCode,
    title: &str,
    detail: &str,
    violations: &[Violation],
) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "violations": violations,
    });
    (
        status,
        [("content-type", "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

fn cors(headers: &mut HeaderMap, request: &HeaderMap) {
    let origin = request
        .get("origin")
        .cloned()
        .unwrap_or(HeaderValue::from_static("*"));
    headers.insert("access-control-allow-origin", origin);
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("*"),
    );
    if request.contains_key("origin") {
        headers.insert("vary", HeaderValue::from_static("origin"));
        headers.insert(
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
    }
}

async fn handle(State(shared): State<Shared>, request: Request) -> Response {
    let state = shared.current();
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let request_headers = request.headers().clone();
    // the admin API and the dashboard (unless a spec path lies below the prefix)
    let prefix = state.options.admin_prefix.trim_end_matches('/');
    let path = uri.path();
    if !prefix.is_empty()
        && (path == prefix || path.starts_with(&format!("{prefix}/")))
        && state.admin_conflict().is_none()
    {
        if path == prefix {
            return axum::response::Redirect::permanent(&format!("{prefix}/")).into_response();
        }
        let query = validate::query_pairs(uri.query());
        let session = stateful::session_of(&request_headers);
        let mut r = admin::handle(&state, &method, &path[prefix.len()..], &query, &session);
        cors(r.headers_mut(), &request_headers);
        return r;
    }
    let mut request_body = axum::body::Bytes::new();
    let mut response = serve(&state, request, &mut request_body).await;
    cors(response.headers_mut(), &request_headers);
    response
        .headers_mut()
        .entry("x-specforge-operation")
        .or_insert(HeaderValue::from_static("-"));
    let op = response
        .headers()
        .get("x-specforge-operation")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let violations = response
        .headers()
        .get("x-specforge-violations")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    tracing::info!(
        target: "specforge_mock",
        "{} {} -> {} {}{}",
        method,
        uri,
        op,
        response.status().as_u16(),
        if violations.is_empty() { String::new() } else { format!(" violations: {violations}") }
    );
    // the journal: the response is in memory already (the mock renders whole bodies)
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let entry = journal::Entry {
        id: 0,
        time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        operation: op,
        status: parts.status.as_u16(),
        session: stateful::session_of(&request_headers),
        violations: if violations.is_empty() {
            Vec::new()
        } else {
            violations.split("; ").map(str::to_string).collect()
        },
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        request: journal::Message::new(&request_headers, &request_body),
        response: journal::Message::new(&parts.headers, &bytes),
    };
    state.runtime.journal().record(entry);
    Response::from_parts(parts, Body::from(bytes))
}

async fn serve(state: &MockState, request: Request, captured: &mut axum::body::Bytes) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    // CORS preflight
    if parts.method == HttpMethod::OPTIONS
        && parts.headers.contains_key("access-control-request-method")
    {
        let methods = match state.locate(None, &path) {
            state::Located::MethodNotAllowed { allow, .. } => allow.join(", "),
            _ => "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS".to_string(),
        };
        let requested_headers = parts
            .headers
            .get("access-control-request-headers")
            .cloned()
            .unwrap_or(HeaderValue::from_static("*"));
        let mut r = StatusCode::NO_CONTENT.into_response();
        if let Ok(v) = HeaderValue::from_str(&methods) {
            r.headers_mut().insert("access-control-allow-methods", v);
        }
        r.headers_mut()
            .insert("access-control-allow-headers", requested_headers);
        r.headers_mut()
            .insert("access-control-max-age", HeaderValue::from_static("86400"));
        return r;
    }
    let (op_index, path_values) = match state.locate(method_of(&parts.method), &path) {
        state::Located::Found { op, path } => (op, path),
        state::Located::NotFound => {
            let v = Violation {
                location: "path".into(),
                message: format!(
                    "no operation is documented at {}",
                    specforge_runtime::problem::echo(&path)
                ),
            };
            return problem(StatusCode::NOT_FOUND, "Not Found", &v.message.clone(), &[v]);
        }
        state::Located::MethodNotAllowed { allow, template } => {
            let allow = allow.join(", ");
            let v = Violation {
                location: "method".into(),
                message: format!(
                    "{} is not documented for {template}; allowed: {allow}",
                    parts.method
                ),
            };
            let mut r = problem(
                StatusCode::METHOD_NOT_ALLOWED,
                "Method Not Allowed",
                &v.message.clone(),
                &[v],
            );
            if let Ok(a) = HeaderValue::from_str(&allow) {
                r.headers_mut().insert("allow", a);
            }
            return r;
        }
    };
    let op = &state.api.operations[op_index];
    let query = validate::query_pairs(parts.uri.query());
    let cookies = validate::cookies(&parts.headers);
    // a declared length over the limit is refused before anything is read
    let declared = parts
        .headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > specforge_runtime::problem::BODY_LIMIT as u64) {
        let v = Violation {
            location: "body".into(),
            message: format!(
                "the body is larger than {} bytes",
                specforge_runtime::problem::BODY_LIMIT
            ),
        };
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload Too Large",
            &v.message.clone(),
            &[v],
        );
    }
    let body = match axum::body::to_bytes(body, specforge_runtime::problem::BODY_LIMIT).await {
        Ok(b) => b,
        Err(e) => {
            // over the limit: 413; too slow: 408; a body that breaks HTTP (bad chunking): 400
            let (status, title, message) = if body_timed_out(&e) {
                (
                    StatusCode::REQUEST_TIMEOUT,
                    "Request Timeout",
                    "the body did not arrive in time".to_string(),
                )
            } else if body_too_large(&e) {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Payload Too Large",
                    format!(
                        "the body is larger than {} bytes",
                        specforge_runtime::problem::BODY_LIMIT
                    ),
                )
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    format!("the body cannot be read: {e}"),
                )
            };
            let v = Violation {
                location: "body".into(),
                message,
            };
            return problem(status, title, &v.message.clone(), &[v]);
        }
    };
    *captured = body.clone();
    let prefs = respond::Preferences::read(
        parts.headers.get("prefer").and_then(|v| v.to_str().ok()),
        &query,
    );
    if !prefs.invalid.is_empty() {
        let vs: Vec<Violation> = prefs
            .invalid
            .iter()
            .map(|(location, message)| Violation {
                location: location.clone(),
                message: message.clone(),
            })
            .collect();
        let detail = vs[0].message.clone();
        return problem(StatusCode::BAD_REQUEST, "Bad Request", &detail, &vs);
    }
    let user_query: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !k.starts_with("__"))
        .cloned()
        .collect();
    let mut response = answer(
        state,
        op_index,
        &parts.headers,
        &path_values,
        &user_query,
        &cookies,
        parts.uri.query().unwrap_or(""),
        &body,
        &prefs,
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or(&path),
    );
    if let Ok(v) = HeaderValue::from_str(&op.name) {
        response.headers_mut().insert("x-specforge-operation", v);
    }
    let delay = prefs.delay_ms.unwrap_or(state.options.delay_ms);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay.min(60_000))).await;
    }
    response
}

#[allow(clippy::too_many_arguments)]
fn answer(
    state: &MockState,
    op_index: usize,
    headers: &HeaderMap,
    path_values: &[(String, String)],
    query: &[(String, String)],
    cookies: &[(String, String)],
    raw_query: &str,
    body: &[u8],
    prefs: &respond::Preferences,
    request_key: &str,
) -> Response {
    let op = &state.api.operations[op_index];
    let compiled = &state.ops[op_index];
    if state.options.check_auth {
        if let Err(validate::Refusal::Unauthorized(challenges)) =
            validate::authorize(state, op, headers, query, cookies)
        {
            let v = Violation {
                location: "header.authorization".into(),
                message:
                    "the operation requires credentials and none of its security schemes is present"
                        .into(),
            };
            let mut r = match spec_response(state, op_index, 401, prefs, request_key) {
                Some(r) => r,
                None => problem(
                    StatusCode::UNAUTHORIZED,
                    "Unauthorized",
                    &v.message.clone(),
                    std::slice::from_ref(&v),
                ),
            };
            if let Ok(c) = HeaderValue::from_str(&challenges.join(", ")) {
                r.headers_mut().insert("www-authenticate", c);
            }
            add_violations(&mut r, &[v]);
            return r;
        }
    }
    if state.options.validate_requests {
        let parts = validate::RequestParts {
            path: path_values.to_vec(),
            raw_query,
            headers,
            cookies: cookies.to_vec(),
            body,
        };
        match validate::validate(state, op, compiled, &parts) {
            Ok(()) => {}
            Err(validate::Refusal::MediaType(v)) => {
                return problem(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported Media Type",
                    &v.message.clone(),
                    &[v],
                );
            }
            Err(validate::Refusal::Invalid(violations)) => {
                let documented = [422u16, 400].into_iter().find(|c| {
                    compiled
                        .responses
                        .iter()
                        .any(|r| r.status == StatusSpec::Code(*c))
                });
                let mut r = match documented
                    .and_then(|c| spec_response(state, op_index, c, prefs, request_key))
                {
                    Some(r) => r,
                    None => problem(
                        StatusCode::BAD_REQUEST,
                        "Bad Request",
                        &format!(
                            "the request breaks the spec in {} place(s)",
                            violations.len()
                        ),
                        &violations,
                    ),
                };
                add_violations(&mut r, &violations);
                return r;
            }
            Err(validate::Refusal::Unauthorized(_)) => {}
        }
    }
    if state.options.stateful {
        let req = stateful::Request {
            op_index,
            headers,
            path_values,
            query,
            body,
            prefs,
            request_key,
        };
        if let Some(r) = stateful::answer(state, &req) {
            return r;
        }
    }
    let (response, status) = match respond::choose(op, compiled, prefs.code) {
        Ok(x) => x,
        Err(e) => return no_response(e),
    };
    let media = match respond::negotiate(
        response,
        headers.get("accept").and_then(|v| v.to_str().ok()),
    ) {
        Ok(m) => m,
        Err(e) => return no_response(e),
    };
    match respond::render(
        state,
        compiled,
        response,
        status,
        media,
        prefs,
        request_key,
        query,
    ) {
        Ok(r) => to_response(r),
        Err(e) => no_response(e),
    }
}

/// The spec's own response for `code`, rendered (used for 400/401/422).
fn spec_response(
    state: &MockState,
    op_index: usize,
    code: u16,
    prefs: &respond::Preferences,
    request_key: &str,
) -> Option<Response> {
    let compiled = &state.ops[op_index];
    let response = compiled
        .responses
        .iter()
        .find(|r| r.status == StatusSpec::Code(code))?;
    render_status(state, op_index, response, code, prefs, request_key)
}

/// The response the spec documents for `code`, by the IR's status precedence
/// (the code, its range, `default`).
fn covering_response(
    state: &MockState,
    op_index: usize,
    code: u16,
    prefs: &respond::Preferences,
    request_key: &str,
) -> Option<Response> {
    let i = state.api.operations[op_index].response_index_for(code)?;
    let response = &state.ops[op_index].responses[i];
    render_status(state, op_index, response, code, prefs, request_key)
}

fn render_status(
    state: &MockState,
    op_index: usize,
    response: &state::CompiledResponse,
    code: u16,
    prefs: &respond::Preferences,
    request_key: &str,
) -> Option<Response> {
    let compiled = &state.ops[op_index];
    let media = response
        .media
        .iter()
        .find(|m| m.kind.is_json())
        .or(response.media.first());
    let prefs = respond::Preferences {
        code: Some(code),
        example: None,
        ..prefs.clone()
    };
    respond::render(
        state,
        compiled,
        response,
        code,
        media,
        &prefs,
        request_key,
        &[],
    )
    .ok()
    .map(to_response)
}

fn add_violations(r: &mut Response, violations: &[Violation]) {
    let text = violations
        .iter()
        .map(|v| format!("{}: {}", v.location, v.message))
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(v) = header_text(&text) {
        r.headers_mut().insert("x-specforge-violations", v);
    }
}

/// `text` as a header value the mock adds: bounded (a header is no place for a
/// whole report), printable ASCII (anything else becomes `?`).
pub(crate) fn header_text(text: &str) -> Option<HeaderValue> {
    let text = specforge_runtime::problem::truncate(text, 1024);
    let ascii: String = text
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect();
    HeaderValue::from_str(&ascii).ok()
}

fn to_response(r: respond::Rendered) -> Response {
    let mut response = Response::new(Body::from(r.body));
    *response.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in r.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(k),
            HeaderValue::from_str(&v),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn no_response(e: respond::NoResponse) -> Response {
    match e {
        respond::NoResponse::Status(m) => problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            &m.clone(),
            &[Violation {
                location: "header.prefer".into(),
                message: m,
            }],
        ),
        respond::NoResponse::Example(m) => problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            &m.clone(),
            &[Violation {
                location: "header.prefer".into(),
                message: m,
            }],
        ),
        respond::NoResponse::NotAcceptable(m) => problem(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable",
            &m.clone(),
            &[Violation {
                location: "header.accept".into(),
                message: m,
            }],
        ),
        respond::NoResponse::Generation(m) => {
            tracing::error!(target: "specforge_mock", "{m}");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                &m,
                &[],
            )
        }
    }
}
