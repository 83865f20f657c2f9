//! Strict in what the mock sends, tolerant in what it reads: nullability a
//! document's version does not define is never served; integers are JSON Schema
//! integers unless a format bounds them; a documented media type is announced
//! even without a body. Over real HTTP.

use serde_json::Value;
use specforge_mock::MockOptions;
use std::path::Path;

async fn start(fixture: &str, options: MockOptions) -> (String, specforge::Api) {
    let api = specforge::load_api(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = specforge_mock::router(&api, options);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), api)
}

#[tokio::test]
async fn nullability_the_version_does_not_define_is_never_sent() {
    let (base, api) = start(
        "lenient.yaml",
        MockOptions {
            dynamic: true,
            ..MockOptions::default()
        },
    )
    .await;
    // read tolerantly: the IR (and so the generated client) accepts null there, said once
    let metric = &api.types["Metric"];
    let specforge::ir::TypeKind::Struct { fields, .. } = &metric.kind else {
        panic!("a struct")
    };
    assert!(
        fields
            .iter()
            .all(|f| f.nullable || f.schema == specforge::ir::TypeRef::Any),
        "{fields:?}"
    );
    let notes: Vec<_> = api
        .warnings
        .iter()
        .filter(|w| w.message.contains("does not define"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", api.warnings);
    assert!(
        notes[0].message.starts_with("2 schema(s)"),
        "{}",
        notes[0].message
    );
    // sent strictly: never null for `max` (x-nullable in 3.0) or `label` (nullable, no type)
    let http = reqwest::Client::new();
    let mut ok_nulls = 0;
    for seed in 0..40 {
        let body: Value = http
            .get(format!("{base}/v1/metrics"))
            .header("prefer", format!("dynamic=true, seed={seed}"))
            .query(&[("__seed", seed.to_string())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for m in body.as_array().unwrap() {
            assert!(!m["max"].is_null(), "{m}");
            assert!(!m["label"].is_null(), "{m}");
            ok_nulls += usize::from(m["ok"].is_null());
        }
    }
    // `ok` is nullable as 3.0 defines it: null may be sent (and is, sometimes)
    assert!(ok_nulls > 0, "a strictly nullable field is sometimes null");
}

#[tokio::test]
async fn an_example_a_strict_reader_rejects_is_not_served() {
    let (base, _) = start("lenient.yaml", MockOptions::default()).await;
    let state = specforge_mock::MockState::new(
        specforge::load_api(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lenient.yaml"),
        )
        .unwrap(),
        MockOptions::default(),
    );
    assert!(
        state.warnings.iter().any(|w| w
            .pointer
            .as_deref()
            .is_some_and(|p| p.contains("~1metric/get"))
            && w.message.contains("will not be served")),
        "{:?}",
        state.warnings
    );
    let body: Value = reqwest::get(format!("{base}/v1/metric"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!body["max"].is_null(), "{body}");
}

#[tokio::test]
async fn integers_have_no_size_unless_a_format_bounds_them() {
    let (base, _) = start("lenient.yaml", MockOptions::default()).await;
    let http = reqwest::Client::new();
    let big = "18446744073709551617";
    let r = http
        .get(format!("{base}/v1/agents/{big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "a JSON Schema integer has no size limit");
    let r = http
        .get(format!("{base}/v1/counters/{big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let problem: Value = r.json().await.unwrap();
    let message = problem["violations"][0]["message"].as_str().unwrap();
    assert!(message.ends_with("out of int64 range"), "{problem}");
    let r = http
        .get(format!("{base}/v1/counters/9223372036854775807"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "i64::MAX is in range");
    let r = http
        .post(format!("{base}/v1/counters"))
        .header("content-type", "application/json")
        .body(r#"{"n": 2147483648}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["violations"][0]["location"], "body/n", "{problem}");
    assert!(problem["violations"][0]["message"]
        .as_str()
        .unwrap()
        .ends_with("out of int32 range"));
}

#[tokio::test]
async fn a_documented_media_type_is_announced_without_a_body() {
    let (base, _) = start("produces.json", MockOptions::default()).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/api/repair"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["content-type"], "text/plain");
    let r = http
        .delete(format!("{base}/api/json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(
        r.headers().get("content-type").is_none(),
        "nothing documented, nothing said"
    );
}
