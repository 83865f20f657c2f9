//! The mock routes every path-template shape of the fixture the generator's
//! round trip uses: parameters inside segments, several per segment, `:verb`,
//! `...`, and a documented trailing slash. Over real HTTP.

use serde_json::Value;
use specforge_mock::MockOptions;
use std::path::Path;

async fn start() -> String {
    let api = specforge::load_api(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/templates.yaml"),
    )
    .unwrap();
    assert!(
        !api.warnings
            .iter()
            .any(|w| w.message.contains("does not occur in the path template")),
        "{:?}",
        api.warnings
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = specforge_mock::router(&api, MockOptions::default());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/base")
}

#[tokio::test]
async fn documented_urls_answer_and_undocumented_variants_do_not() {
    let base = start().await;
    let http = reqwest::Client::new();
    for (method, path, status, operation) in [
        ("GET", "/Accounts/AC1/Calls/CA2.json", 200, "get_call"),
        ("GET", "/Accounts/AC1/Calls/CA%202.json", 200, "get_call"),
        ("GET", "/Accounts/AC1/Calls/CA2", 200, "get_call_plain"),
        ("GET", "/Accounts/AC1/Calls/CA2.json/", 404, ""),
        ("POST", "/v1/projects%3Akey:encrypt", 200, "encrypt"),
        ("POST", "/v1/key:decrypt", 404, ""),
        ("GET", "/v1/key:encrypt", 405, ""),
        ("GET", "/compare/main...feature", 200, "compare"),
        ("GET", "/compare/main..feature", 404, ""),
        ("GET", "/files/7/thumbnail.png", 200, "get_thumbnail"),
        ("GET", "/files/x/thumbnail.png", 400, "get_thumbnail"),
        ("GET", "/profiles/12.json", 200, "get_profile"),
        ("GET", "/profiles/12.yaml", 404, ""),
        ("GET", "/apis/", 200, "list_apis"),
        ("GET", "/apis", 404, ""),
        ("GET", "/labels/.1.2?tags=a|b", 200, "get_labels"),
    ] {
        let resp = http
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .header("cookie", "session=s%201")
            .send()
            .await
            .unwrap();
        let got = resp.status().as_u16();
        let op = resp
            .headers()
            .get("x-specforge-operation")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp.text().await.unwrap();
        assert_eq!(got, status, "{method} {path}: {body}");
        if !operation.is_empty() {
            assert_eq!(op, operation, "{method} {path}");
        }
    }
}

#[tokio::test]
async fn style_encoded_parameters_are_decoded_before_validation() {
    let base = start().await;
    let http = reqwest::Client::new();
    // label+explode path array of integers, pipe-delimited query, percent-encoded cookie
    let ok = http
        .get(format!("{base}/labels/.1.2?tags=a%7Cb|c"))
        .header("cookie", "session=s%201")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());
    let bad = http
        .get(format!("{base}/labels/.1.x?tags=a"))
        .header("cookie", "session=s")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(
        problem["violations"][0]["location"], "path.ids/1",
        "{problem}"
    );
    let missing = http
        .get(format!("{base}/labels/.1?tags=a"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let problem: Value = missing.json().await.unwrap();
    assert_eq!(
        problem["violations"][0]["location"], "cookie.session",
        "{problem}"
    );
}
