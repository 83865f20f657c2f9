//! Contract testing: the validating proxy and `specforge verify`.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{json, Value};
use specforge_contract::verify::{verify, Outcome, VerifyOptions};
use specforge_mock::{MockOptions, MockState};
use std::path::Path;
use std::time::Duration;

fn strict_api() -> specforge::Api {
    specforge::load_api(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures_strict.yaml"))
        .unwrap()
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A server that breaks the strict spec in planted ways.
fn broken_server() -> axum::Router {
    axum::Router::new()
        // the list's first item has a string id: response.body/0/id
        .route(
            "/v1/pets",
            get(|| async { axum::Json(json!([{ "id": "one", "name": "Rex" }])) }).post(|| async {
                // documented as JSON: a text body is an undocumented media type
                (
                    StatusCode::CREATED,
                    [("content-type", "text/plain")],
                    "created",
                )
                    .into_response()
            }),
        )
        .route(
            "/v1/pets/{id}",
            get(
                |axum::extract::Path(id): axum::extract::Path<u32>| async move {
                    match id {
                        // an undocumented status
                        1 => (StatusCode::IM_A_TEAPOT, "teapot").into_response(),
                        // a header out of its bounds
                        _ => (
                            StatusCode::OK,
                            [("x-rate-limit", "500")],
                            axum::Json(json!({ "id": id, "name": "Rex" })),
                        )
                            .into_response(),
                    }
                },
            ),
        )
}

async fn proxy_to(upstream: &str, report: &Path) -> (String, specforge_mock::proxy::ProxyHandle) {
    let state = MockState::new(strict_api(), MockOptions::default());
    let mut options = specforge_mock::proxy::ProxyOptions::new(upstream);
    options.report = Some(report.to_path_buf());
    let (app, handle) = specforge_mock::proxy::proxy_router(state, options).unwrap();
    (format!("{}/v1", serve(app).await), handle)
}

fn report_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn locations(line: &Value) -> Vec<String> {
    line["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["location"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn proxy_reports_nothing_for_a_conforming_server() {
    let upstream = serve(specforge_mock::router(
        &strict_api(),
        MockOptions::default(),
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.jsonl");
    let (proxy, stats) = proxy_to(&upstream, &report).await;
    let http = reqwest::Client::new();
    let list = http
        .get(format!("{proxy}/pets?limit=3"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let pet = http
        .get(format!("{proxy}/pets/7"))
        .header("x-key", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(pet.status(), 200);
    let body: Value = pet.json().await.unwrap();
    assert_eq!(
        body["name"], "Rex",
        "the upstream's response is passed through unchanged"
    );
    let created = http
        .post(format!("{proxy}/pets"))
        .header("content-type", "application/json")
        .body(r#"{"name":"Tom"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 3);
    for l in &lines {
        assert!(locations(l).is_empty(), "{l}");
    }
    assert_eq!(lines[1]["operation"], "get_pet");
    assert_eq!(
        stats
            .stats()
            .violating
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[tokio::test]
async fn proxy_names_each_planted_violation_and_nothing_else() {
    let upstream = serve(broken_server()).await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.jsonl");
    let (proxy, stats) = proxy_to(&upstream, &report).await;
    let http = reqwest::Client::new();
    // the upstream's answers come back unchanged, whatever they are
    let teapot = http
        .get(format!("{proxy}/pets/1"))
        .header("x-key", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(teapot.status(), 418);
    assert_eq!(
        teapot.headers()["x-specforge-violations"],
        "response.status: status 418 is not documented (documented: 200, 404)",
        "the response says how it broke the spec"
    );
    assert_eq!(teapot.text().await.unwrap(), "teapot");
    http.get(format!("{proxy}/pets/2"))
        .header("x-key", "k")
        .send()
        .await
        .unwrap();
    http.get(format!("{proxy}/pets?limit=3"))
        .send()
        .await
        .unwrap();
    // a request that breaks the spec is forwarded, and reported
    http.get(format!("{proxy}/pets?limit=99"))
        .send()
        .await
        .unwrap();
    let created = http
        .post(format!("{proxy}/pets"))
        .header("content-type", "application/json")
        .body(r#"{"name":"Tom"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(created.headers()["content-type"], "text/plain");

    let lines = report_lines(&report);
    let got: Vec<(String, Vec<String>)> = lines
        .iter()
        .map(|l| (l["operation"].as_str().unwrap().to_string(), locations(l)))
        .collect();
    assert_eq!(
        got,
        vec![
            ("get_pet".to_string(), vec!["response.status".to_string()]),
            (
                "get_pet".to_string(),
                vec!["response.header.X-Rate-Limit".to_string()]
            ),
            (
                "list_pets".to_string(),
                vec!["response.body/0/id".to_string()]
            ),
            (
                "list_pets".to_string(),
                vec![
                    "request.query.limit".to_string(),
                    "response.body/0/id".to_string()
                ]
            ),
            (
                "create_pet".to_string(),
                vec!["response.header.content-type".to_string()]
            ),
        ]
    );
    assert_eq!(lines[0]["status"], 418);
    assert_eq!(
        stats
            .stats()
            .violating
            .load(std::sync::atomic::Ordering::Relaxed),
        5
    );
    assert_eq!(
        stats.stats().summary(),
        "proxy: 5 exchanges, 5 broke the spec (6 violations), 0 upstream failures"
    );
}

#[tokio::test]
async fn proxy_errors_turn_a_violating_exchange_into_502_and_the_summary_is_served() {
    let upstream = serve(broken_server()).await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.jsonl");
    let state = MockState::new(strict_api(), MockOptions::default());
    let mut options = specforge_mock::proxy::ProxyOptions::new(&upstream);
    options.report = Some(report.clone());
    options.errors = true;
    let (app, _handle) = specforge_mock::proxy::proxy_router(state, options).unwrap();
    let origin = serve(app).await;
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{origin}/v1/pets/1"))
        .header("x-key", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502, "the test fails at the call");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["violations"][0]["location"], "response.status");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("the upstream answered 418"));
    // the report still has the upstream's status
    assert_eq!(report_lines(&report)[0]["status"], 418);
    let summary: Value = http
        .get(format!("{origin}/__specforge/summary"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["exchanges"], 1);
    assert_eq!(summary["violating"], 1);
}

fn options(url: String) -> VerifyOptions {
    VerifyOptions {
        seed: 3,
        timeout: Duration::from_secs(10),
        ..VerifyOptions::new(&url)
    }
}

async fn run_verify(
    api: specforge::Api,
    url: String,
) -> Vec<specforge_contract::verify::CaseResult> {
    run_verify_with(api, options(url)).await
}

async fn run_verify_with(
    api: specforge::Api,
    options: VerifyOptions,
) -> Vec<specforge_contract::verify::CaseResult> {
    tokio::task::spawn_blocking(move || verify(&api, &options))
        .await
        .unwrap()
}

#[tokio::test]
async fn verify_does_not_follow_redirects_and_names_transport_failures() {
    // a server that redirects everything elsewhere: an undocumented 302, not a pass
    let redirecting = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::FOUND,
            [("location", "http://127.0.0.1:9/elsewhere")],
        )
    });
    let url = serve(redirecting).await;
    let results = run_verify(strict_api(), url).await;
    assert!(results.iter().all(|r| r.status == Some(302)), "{results:?}");
    assert!(
        results.iter().all(
            |r| matches!(&r.outcome, Outcome::Failed(why) if why.iter().any(|w| w.contains("302")))
        ),
        "{results:?}"
    );
    // nothing listening: the cause is named
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let results = run_verify(strict_api(), closed).await;
    let Outcome::Failed(why) = &results[0].outcome else {
        panic!("{results:?}")
    };
    assert!(why[0].starts_with("connection refused"), "{why:?}");
    // a hanging server: a timeout, and the run's budget skips the rest
    let hanging = axum::Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        "late"
    });
    let url = serve(hanging).await;
    let mut o = options(url);
    o.timeout = Duration::from_millis(300);
    o.deadline = Some(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let results = run_verify_with(strict_api(), o).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let Outcome::Failed(why) = &results[0].outcome else {
        panic!("{results:?}")
    };
    assert!(why[0].starts_with("timed out after 0.3 s"), "{why:?}");
    assert!(
        results
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Skipped(_))),
        "{results:?}"
    );
}

#[tokio::test]
async fn verify_passes_every_operation_of_every_bundled_spec_against_the_mock() {
    for spec in ["woodpecker", "circleci", "quay"] {
        let api = specforge::load_api(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{spec}.json")),
        )
        .unwrap();
        let url = serve(specforge_mock::router(&api, MockOptions::default())).await;
        let results = run_verify(api.clone(), url).await;
        assert_eq!(results.len(), api.operations.len());
        let failed: Vec<String> = results
            .iter()
            .filter(|r| r.outcome != Outcome::Passed)
            .map(|r| format!("{}: {:?}", r.operation, r.outcome))
            .collect();
        println!(
            "verify {spec}: {} operations, {} failed",
            results.len(),
            failed.len()
        );
        assert!(failed.is_empty(), "{spec}:\n{}", failed.join("\n"));
    }
}

#[tokio::test]
async fn verify_fails_naming_the_operation_on_a_broken_server() {
    let url = serve(broken_server()).await;
    let results = run_verify(strict_api(), url).await;
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .map(|r| r.operation.as_str())
        .collect();
    // every operation fails: three planted violations, and no route at all for the others (404)
    assert_eq!(results.len(), strict_api().operations.len());
    assert_eq!(failed.len(), results.len(), "{results:?}");
    for op in ["list_pets", "create_pet", "get_pet", "post_form"] {
        assert!(failed.contains(&op), "{op} in {failed:?}");
    }
    let table = specforge_contract::verify::table(&results);
    assert!(table.contains("response.body/0/id"), "{table}");
    let closing = format!("0 passed, {} failed, 0 skipped", results.len());
    assert!(table.trim_end().ends_with(&closing), "{table}");
    let xml = specforge_contract::verify::junit("strict", &results);
    assert!(
        xml.contains("<failure message=") && xml.contains("list_pets GET /v1/pets"),
        "{xml}"
    );
}
