//! A server for `openapi.yaml` with ten planted contract bugs, one kind each:
//!
//! | # | bug | where |
//! |---|---|---|
//! | 1 | a response field of the wrong type | `GET /items`: ids are strings |
//! | 2 | a required response field missing | `GET /users/me`: no `email` |
//! | 3 | an undocumented status | `GET /status`: 202 |
//! | 4 | the wrong content type | `GET /report`: `text/html` |
//! | 5 | a 500 on a boundary value | `GET /search?limit=100` |
//! | 6 | an invalid body accepted with 2xx | `POST /items` without `name`: 201 |
//! | 7 | a required query parameter ignored | `GET /search` without `q`: 200 |
//! | 8 | a wrong response header | `GET /quota`: `X-Rate-Limit: lots` |
//! | 9 | broken after a create/delete chain | `DELETE /items/{id}` answers 204 and deletes nothing |
//! | 10 | null where the schema does not allow it | `GET /profile`: `nickname: null` |
//!
//! Everything else follows the spec, so each bug is the only thing wrong where it is.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The spec the server (mostly) implements.
pub const SPEC: &str = include_str!("../openapi.yaml");

#[derive(Default)]
struct Items {
    next: i64,
    by_id: BTreeMap<i64, Value>,
}

type Shared = Arc<Mutex<Items>>;

/// The router.
pub fn app() -> Router {
    let items: Shared = Arc::default();
    Router::new()
        .route("/items", get(list_items).post(create_item))
        .route("/items/{id}", get(get_item).delete(delete_item))
        .route("/search", get(search))
        .route(
            "/users/me",
            get(|| async { Json(json!({"login": "octo"})) }),
        )
        .route(
            "/status",
            get(|| async { (StatusCode::ACCEPTED, Json(json!({"ok": true}))) }),
        )
        .route(
            "/report",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<p>total: 3</p>") }),
        )
        .route(
            "/quota",
            get(|| async { ([("x-rate-limit", "lots")], Json(json!({"left": 10}))) }),
        )
        .route(
            "/profile",
            get(|| async { Json(json!({"nickname": null})) }),
        )
        .with_state(items)
}

fn lock(items: &Shared) -> std::sync::MutexGuard<'_, Items> {
    items.lock().unwrap_or_else(|p| p.into_inner())
}

async fn list_items(State(items): State<Shared>) -> Json<Value> {
    // bug 1: ids as strings
    let all: Vec<Value> = lock(&items)
        .by_id
        .values()
        .map(|i| {
            let mut i = i.clone();
            i["id"] = json!(i["id"].to_string());
            i
        })
        .collect();
    Json(Value::Array(all))
}

async fn create_item(State(items): State<Shared>, body: axum::body::Bytes) -> Response {
    let Ok(Value::Object(sent)) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    // bug 6: `name` is required, but its absence is not checked
    let mut items = lock(&items);
    items.next += 1;
    let id = items.next;
    let item = json!({
        "id": id,
        "name": sent.get("name").cloned().unwrap_or(json!("unnamed")),
        "tags": sent.get("tags").cloned().unwrap_or(json!([])),
    });
    items.by_id.insert(id, item.clone());
    (StatusCode::CREATED, Json(item)).into_response()
}

async fn get_item(State(items): State<Shared>, Path(id): Path<i64>) -> Response {
    match lock(&items).by_id.get(&id) {
        Some(i) => Json(i.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn delete_item(State(items): State<Shared>, Path(id): Path<i64>) -> StatusCode {
    // bug 9: answers as if it deleted, keeps the item
    if lock(&items).by_id.contains_key(&id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn search(State(items): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    // bug 7: `q` is required, but a missing one is not refused
    let limit = match q.get("limit").map(|l| l.parse::<i64>()) {
        None => 20,
        Some(Ok(l)) if (1..=100).contains(&l) => l,
        Some(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    // bug 5: the largest page size the spec allows crashes
    if limit == 100 {
        return (StatusCode::INTERNAL_SERVER_ERROR, "index out of range").into_response();
    }
    let needle = q.get("q").cloned().unwrap_or_default();
    let results: Vec<Value> = lock(&items)
        .by_id
        .values()
        .filter(|i| i["name"].as_str().is_some_and(|n| n.contains(&needle)))
        .take(limit as usize)
        .cloned()
        .collect();
    Json(json!({ "results": results })).into_response()
}
