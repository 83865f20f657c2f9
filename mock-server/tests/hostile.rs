//! Hostile and careless input against the mock, over real HTTP: nothing panics,
//! nothing hangs, every answer is a documented status or a problem+json.

use serde_json::Value;
use specforge_mock::MockOptions;
use std::path::Path;

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_panic_in_one_request_is_a_500_problem_not_a_dropped_connection() {
    let app = specforge_mock::guarded(axum::Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            if true {
                panic!("boom at /boom");
            }
            "never"
        }),
    ));
    let base = serve(app).await;
    let r = reqwest::get(format!("{base}/boom"))
        .await
        .expect("an answer, not a reset");
    assert_eq!(r.status(), 500);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("boom at /boom"),
        "{body}"
    );
    // and the server keeps serving
    assert_eq!(
        reqwest::get(format!("{base}/boom")).await.unwrap().status(),
        500
    );
}

#[tokio::test]
async fn a_pattern_with_any_character_is_answered() {
    let spec = r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/clusters":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"array","minItems":5,"items":{"type":"string","pattern":"^do:kubernetes:.*"}}}}}}}}}}"#;
    let api = specforge::ir::build(&specforge::loader::load_str(spec, None).unwrap()).unwrap();
    let base = serve(specforge_mock::router(
        &api,
        MockOptions {
            dynamic: true,
            ..Default::default()
        },
    ))
    .await;
    for i in 0..20 {
        let r = reqwest::get(format!("{base}/clusters?__seed={i}"))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        for s in body.as_array().unwrap() {
            assert!(s.as_str().unwrap().starts_with("do:kubernetes:"), "{s}");
        }
    }
}

#[tokio::test]
async fn violation_messages_do_not_echo_huge_values() {
    let api = specforge::load_api(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lenient.yaml"),
    )
    .unwrap();
    let base = serve(specforge_mock::router(&api, MockOptions::default())).await;
    let huge = format!("{{\"n\": \"{}\"}}", "x".repeat(5_000_000));
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/counters"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let header_len = r
        .headers()
        .get("x-specforge-violations")
        .map_or(0, |v| v.len());
    let body = r.text().await.unwrap();
    assert!(body.len() < 4_000, "a {} byte problem body", body.len());
    assert!(header_len < 4_000, "a {header_len} byte header");
    assert!(
        body.contains("bytes)"),
        "the length of what was cut is said: {body}"
    );
}
