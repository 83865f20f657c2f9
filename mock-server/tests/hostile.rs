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

async fn lenient_mock() -> String {
    let api = specforge::load_api(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lenient.yaml"),
    )
    .unwrap();
    serve(specforge_mock::router(&api, MockOptions::default())).await
}

#[tokio::test]
async fn nonsense_preferences_are_refused_not_ignored() {
    let base = lenient_mock().await;
    let http = reqwest::Client::new();
    for (prefer, query, location) in [
        (Some("code=99999"), "", "header.prefer"),
        (Some("code=-1"), "", "header.prefer"),
        (Some("delay=soon"), "", "header.prefer"),
        (None, "?__code=abc", "query.__code"),
        (None, "?__dynamic=maybe", "query.__dynamic"),
    ] {
        let mut req = http.get(format!("{base}/v1/metric{query}"));
        if let Some(p) = prefer {
            req = req.header("prefer", p);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 400, "{prefer:?} {query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["violations"][0]["location"], location, "{body}");
    }
    let ok = http
        .get(format!("{base}/v1/metric"))
        .header("prefer", "code=200")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

/// Send raw bytes and read the status line of the answer.
async fn raw_status(base: &str, request: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    s.shutdown().await.ok();
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), s.read(&mut buf))
        .await
        .unwrap_or_else(|_| panic!("no answer in time to {request:?}"))
        .unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).to_string();
    head.split_whitespace()
        .nth(1)
        .unwrap_or("0")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_broken_body_is_a_400_and_an_oversized_one_a_413() {
    let base = lenient_mock().await;
    let chunked = "POST /v1/counters HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
    assert_eq!(raw_status(&base, chunked).await, 400, "bad chunking");
    let huge = "POST /v1/counters HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n{}";
    assert_eq!(raw_status(&base, huge).await, 413);
}

async fn serve_with_deadlines(app: axum::Router, header: u64, body: u64) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let options = specforge_mock::serve::ServeOptions {
        header_timeout: std::time::Duration::from_millis(header),
        body_timeout: std::time::Duration::from_millis(body),
        grace: std::time::Duration::from_secs(1),
    };
    tokio::spawn(async move {
        specforge_mock::serve::serve(listener, app, &options, std::future::pending()).await
    });
    addr
}

fn woodpecker() -> axum::Router {
    let api = specforge::load_api(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/woodpecker.json"),
    )
    .unwrap();
    specforge_mock::router(&api, MockOptions::default())
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_cut_and_others_are_served() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = serve_with_deadlines(woodpecker(), 500, 5_000).await;
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /api/version HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(s);
    }
    // meanwhile a normal client is served
    let r = reqwest::get(format!("http://{addr}/api/version"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // every slow connection is closed by the server within the header deadline
    for mut s in slow {
        let mut buf = Vec::new();
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut buf)).await;
        assert!(
            read.is_ok(),
            "a connection with unfinished headers was kept open"
        );
    }
}

#[tokio::test]
async fn a_body_that_stalls_is_a_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = serve_with_deadlines(woodpecker(), 5_000, 300).await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST /api/user/token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("an answer within the body deadline")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
}
