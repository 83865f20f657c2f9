//! Finite pagination over real HTTP: the lists of the bundled specs and of a small
//! offset/limit spec end, pages do not overlap, and the last page is marked as the
//! spec's strictest reading allows.

use serde_json::Value;
use specforge_mock::MockOptions;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn start(spec: &Path, options: MockOptions) -> String {
    let api = specforge::load_api(spec).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}{}", api.base_path);
    let app = specforge_mock::router(&api, options);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Value {
    let mut req = reqwest::Client::new().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_token_paged_circleci_list_ends_after_every_item_once() {
    let base = start(&root().join("specs/circleci.json"), MockOptions::default()).await;
    let auth = [("Circle-Token", "t")];
    let mut token = String::new();
    let mut sizes = Vec::new();
    let mut ids = HashSet::new();
    for _ in 0..20 {
        let page = get(
            &format!("{base}/context?owner-slug=gh/acme&page-token={token}"),
            &auth,
        )
        .await;
        let items = page["items"].as_array().unwrap();
        sizes.push(items.len());
        for item in items {
            assert!(
                ids.insert(item["id"].as_str().unwrap().to_string()),
                "an item twice"
            );
        }
        // required and (in 3.0) not nullable: the last page says so with ""
        token = page["next_page_token"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(sizes, [10, 10, 5], "25 items in pages of 10");
    // the same page twice is the same page
    let again = get(&format!("{base}/context?owner-slug=gh/acme"), &auth).await;
    let first = get(&format!("{base}/context?owner-slug=gh/acme"), &auth).await;
    assert_eq!(again, first);
}

#[tokio::test]
async fn a_page_numbered_woodpecker_list_ends_with_a_short_then_an_empty_page() {
    let options = MockOptions {
        list_total: 13,
        ..MockOptions::default()
    };
    let base = start(&root().join("specs/woodpecker.json"), options).await;
    let auth = [("Authorization", "Bearer t")];
    let mut sizes = Vec::new();
    let mut numbers = HashSet::new();
    for page in 1..=6 {
        let items = get(
            &format!("{base}/repos/7/pipelines?page={page}&perPage=5"),
            &auth,
        )
        .await;
        let items = items.as_array().unwrap().clone();
        sizes.push(items.len());
        for i in &items {
            numbers.insert(i.to_string());
        }
    }
    assert_eq!(sizes, [5, 5, 3, 0, 0, 0]);
    assert_eq!(numbers.len(), 13, "pages do not overlap");
    // no page size asked for: the parameter's default (50) holds the whole list
    let all = get(&format!("{base}/repos/7/pipelines"), &auth).await;
    assert_eq!(all.as_array().unwrap().len(), 13);
}

const OFFSET_SPEC: &str = r#"
openapi: 3.1.0
info: {title: Offsets, version: "1"}
paths:
  /things:
    get:
      parameters:
        - {name: offset, in: query, schema: {type: integer, minimum: 0}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 4, default: 3}}
      responses:
        "200":
          description: a page
          content:
            application/json:
              schema:
                type: object
                required: [data, cursor]
                properties:
                  data:
                    type: array
                    items:
                      type: object
                      required: [id]
                      properties:
                        id: {type: integer}
                  cursor: {type: [string, "null"]}
  /feed:
    get:
      parameters:
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        "200":
          description: a page
          content:
            application/json:
              schema:
                type: object
                required: [entries, next_cursor]
                properties:
                  entries:
                    type: array
                    items: {type: string}
                  next_cursor: {type: [string, "null"]}
"#;

#[tokio::test]
async fn offset_pages_follow_offset_and_limit_and_null_ends_a_nullable_token() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("offsets.yaml");
    std::fs::write(&spec, OFFSET_SPEC).unwrap();
    let options = MockOptions {
        list_total: 10,
        ..MockOptions::default()
    };
    let base = start(&spec, options).await;
    let len = |v: &Value, f: &str| v[f].as_array().unwrap().len();
    // default limit 3; a limit above the maximum breaks the spec
    assert_eq!(len(&get(&format!("{base}/things"), &[]).await, "data"), 3);
    assert_eq!(
        len(&get(&format!("{base}/things?limit=4"), &[]).await, "data"),
        4
    );
    let over = reqwest::get(format!("{base}/things?limit=9"))
        .await
        .unwrap();
    assert_eq!(over.status(), 400);
    assert_eq!(
        len(
            &get(&format!("{base}/things?offset=8&limit=4"), &[]).await,
            "data"
        ),
        2
    );
    assert_eq!(
        len(&get(&format!("{base}/things?offset=10"), &[]).await, "data"),
        0
    );
    // a 3.1 nullable next token: null on the last page
    let mut cursor: Option<String> = None;
    let mut seen = 0;
    for _ in 0..10 {
        let url = match &cursor {
            Some(c) => format!("{base}/feed?cursor={c}"),
            None => format!("{base}/feed"),
        };
        let page = get(&url, &[]).await;
        seen += len(&page, "entries");
        match &page["next_cursor"] {
            Value::String(c) => cursor = Some(c.clone()),
            Value::Null => break,
            other => panic!("next_cursor is {other}"),
        }
    }
    assert_eq!(seen, 10);
    // a token the mock did not hand out is past the end, not the first page again
    let page = get(&format!("{base}/feed?cursor=forged"), &[]).await;
    assert_eq!(len(&page, "entries"), 0);
    assert_eq!(page["next_cursor"], Value::Null);
}
