//! The admin API and the dashboard, under one prefix (`/__specforge` unless
//! `--admin-prefix` says otherwise; the mock refuses to start when a spec path
//! lies under it):
//!
//! | request | answer |
//! |---|---|
//! | `GET /` | the dashboard (one HTML page, no network needed) |
//! | `GET /requests?operation=&status=&method=&session=&body_contains=&since=&limit=` | the journal, newest first |
//! | `DELETE /requests` | forget the journal and the hit counts |
//! | `GET /requests/count?…` (same filters) | `{"count": n}` |
//! | `GET /operations` | every operation with its tags and hit count |
//! | `GET /state` (session from `X-Specforge-Session` or `?session=`) | stored objects by collection path |
//! | `DELETE /state` | forget the session's objects (seed data comes back) |

use axum::body::Body;
use axum::http::{Method as HttpMethod, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use specforge_contract::check::Violation;

use crate::journal::{Filter, Journal};
use crate::state::MockState;

const DASHBOARD: &str = include_str!("dashboard.html");

fn json_response(status: StatusCode, v: serde_json::Value) -> Response {
    (
        status,
        [
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
        ],
        v.to_string(),
    )
        .into_response()
}

fn refuse(status: StatusCode, title: &str, message: String) -> Response {
    let v = Violation {
        location: "admin".into(),
        message,
    };
    crate::problem(status, title, &v.message.clone(), &[v])
}

/// Answer a request below the admin prefix (`rest` is the path after it).
pub fn handle(
    state: &MockState,
    method: &HttpMethod,
    rest: &str,
    query: &[(String, String)],
    session: &str,
) -> Response {
    let rest = rest.trim_end_matches('/');
    let session = query
        .iter()
        .find(|(k, _)| k == "session")
        .map(|(_, v)| v.as_str())
        .unwrap_or(session);
    let filters = || {
        let pairs: Vec<(String, String)> = query.to_vec();
        Filter::from_query(&pairs)
    };
    match (method.as_str(), rest) {
        ("GET", "") => (
            [
                ("content-type", "text/html; charset=utf-8"),
                ("cache-control", "no-store"),
            ],
            Body::from(DASHBOARD),
        )
            .into_response(),
        ("GET", "/requests") => match filters() {
            Ok((f, limit)) => {
                let journal = state.runtime.journal();
                let entries = journal.list(&f, limit.unwrap_or(200));
                json_response(
                    StatusCode::OK,
                    json!({ "requests": Journal::to_json(&entries) }),
                )
            }
            Err(e) => refuse(StatusCode::BAD_REQUEST, "Bad Request", e),
        },
        ("GET", "/requests/count") => match filters() {
            Ok((f, _)) => {
                let n = state.runtime.journal().count(&f);
                json_response(StatusCode::OK, json!({ "count": n }))
            }
            Err(e) => refuse(StatusCode::BAD_REQUEST, "Bad Request", e),
        },
        ("DELETE", "/requests") => {
            state.runtime.journal().clear();
            StatusCode::NO_CONTENT.into_response()
        }
        ("GET", "/operations") => {
            let journal = state.runtime.journal();
            let hits = journal.hits();
            let ops: Vec<serde_json::Value> = state
                .api
                .operations
                .iter()
                .map(|op| {
                    let role = state
                        .resources
                        .role_of(&op.name)
                        .filter(|_| state.options.stateful)
                        .map(|(r, role)| json!({ "resource": r.path, "role": role }));
                    json!({
                        "operation": op.name,
                        "method": op.method.as_str(),
                        "path": format!("{}{}", state.api.base_path, op.path),
                        "tags": op.tags,
                        "hits": hits.get(&op.name).copied().unwrap_or(0),
                        "resource": role,
                    })
                })
                .collect();
            json_response(
                StatusCode::OK,
                json!({
                    "title": state.api.title,
                    "version": state.api.version,
                    "stateful": state.options.stateful,
                    "unmatched": hits.get("-").copied().unwrap_or(0),
                    "operations": ops,
                }),
            )
        }
        ("GET", "/state") => {
            let mut store = state.runtime.store();
            json_response(
                StatusCode::OK,
                json!({
                    "stateful": state.options.stateful,
                    "session": session,
                    "sessions": store.sessions(),
                    "collections": store.dump(session),
                }),
            )
        }
        ("DELETE", "/state") => {
            state.runtime.store().reset(session);
            StatusCode::NO_CONTENT.into_response()
        }
        (_, "" | "/requests" | "/requests/count" | "/operations" | "/state") => refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            format!("{method} is not an admin request here"),
        ),
        _ => refuse(
            StatusCode::NOT_FOUND,
            "Not Found",
            format!(
                "no admin endpoint {}{rest} (requests, requests/count, operations, state)",
                state.options.admin_prefix
            ),
        ),
    }
}
