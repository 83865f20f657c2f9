//! Random requests against the mock over real HTTP (property test, fixed seed,
//! bounded by `PROPTEST_CASES`, default 300 per spec): paths from the spec's
//! templates with hostile segments, random methods, query pairs, headers, content
//! types and bodies. The mock never drops a connection and never answers 5xx;
//! every answer is a problem+json or a status the spec documents.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const SEGMENTS: &[&str] = &[
    "1",
    "0",
    "-1",
    "99999999999999999999",
    "abc",
    "%00",
    "%ZZ",
    "..",
    "%2F",
    "é",
    "%C3%A9",
    "a%20b",
    "{id}",
    "true",
    "null",
    "1.5",
    "",
    "x.json",
    ";x=1",
    "%FF%FE",
];
const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
];
const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "garbage",
    "application/problem+json",
    "*/*",
];
const BODIES: &[&[u8]] = &[
    b"",
    b"{}",
    b"[]",
    b"null",
    b"{\"name\":\"x\",\"id\":1}",
    b"{\"a\":",
    b"\xff\xfe\x00",
    b"a=1&b=2",
    b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n",
    b"[1,2,3,{\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}]",
];
const HEADER_VALUES: &[&str] = &[
    "Bearer x",
    "Basic eDp5",
    "",
    "code=404",
    "code=abc",
    "example=nope",
    "dynamic=true",
    "application/json",
    "text/html",
    "*/*;q=0",
    "\u{7f}",
];

/// What the spec documents, read from the document itself (not the IR).
fn documented(doc: &Value) -> (Vec<String>, BTreeSet<u16>) {
    let mut templates = Vec::new();
    let mut statuses = BTreeSet::new();
    let base = doc["basePath"]
        .as_str()
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let base = if base.is_empty() {
        doc["servers"][0]["url"]
            .as_str()
            .and_then(|u| u.split("://").nth(1))
            .and_then(|rest| {
                rest.find('/')
                    .map(|i| rest[i..].trim_end_matches('/').to_string())
            })
            .unwrap_or_default()
    } else {
        base
    };
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        templates.push(format!("{base}{path}"));
        for (_, op) in item.as_object().into_iter().flatten() {
            for (code, _) in op["responses"].as_object().into_iter().flatten() {
                if let Ok(c) = code.parse::<u16>() {
                    statuses.insert(c);
                } else if let Some(d) = code.chars().next().and_then(|c| c.to_digit(10)) {
                    for c in d as u16 * 100..d as u16 * 100 + 100 {
                        statuses.insert(c);
                    }
                } else {
                    // default: any status may be documented
                    for c in 100..600 {
                        statuses.insert(c);
                    }
                }
            }
        }
    }
    (templates, statuses)
}

fn fill(template: &str, picks: &[usize], trailing: bool) -> String {
    let mut out = String::new();
    let mut i = 0;
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        out.push_str(SEGMENTS[picks.get(i).copied().unwrap_or(0) % SEGMENTS.len()]);
        i += 1;
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    if trailing {
        out.push('/');
    }
    out
}

fn run(spec: &str, seed: u8) {
    let path = root().join(spec);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (templates, statuses) = documented(&doc);
    let api = specforge::load_api(&path).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = specforge_mock::router(&api, specforge_mock::MockOptions::default());
    runtime.spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(300);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    );
    let strategy = (
        (
            any::<usize>(),
            prop::collection::vec(any::<usize>(), 0..4),
            any::<bool>(),
        ),
        0..METHODS.len(),
        prop::collection::vec(("[a-z_]{1,8}", "[ -~]{0,12}"), 0..4),
        (0..CONTENT_TYPES.len() + 1, 0..BODIES.len()),
        prop::collection::vec((0..4usize, 0..HEADER_VALUES.len()), 0..4),
    );
    let result = runner.run(
        &strategy,
        |((template, picks, trailing), method, query, (ct, body), headers)| {
            let path = fill(&templates[template % templates.len()], &picks, trailing);
            let method = reqwest::Method::from_bytes(METHODS[method].as_bytes()).unwrap();
            let mut url = format!("http://{addr}{path}");
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        percent_encoding::utf8_percent_encode(
                            v,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    )
                })
                .collect();
            if !pairs.is_empty() {
                url = format!("{url}?{}", pairs.join("&"));
            }
            let mut request = client
                .request(method.clone(), &url)
                .body(BODIES[body].to_vec());
            if let Some(ct) = CONTENT_TYPES.get(ct) {
                request = request.header("content-type", *ct);
            }
            for (name, value) in headers {
                let name = ["authorization", "accept", "prefer", "x-api-key"][name];
                if let Ok(v) = reqwest::header::HeaderValue::from_str(HEADER_VALUES[value]) {
                    request = request.header(name, v);
                }
            }
            let response = request
                .send()
                .map_err(|e| TestCaseError::fail(format!("{method} {url}: no answer: {e}")))?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let _ = response
                .bytes()
                .map_err(|e| TestCaseError::fail(format!("{method} {url}: body cut: {e}")))?;
            prop_assert!(status < 500, "{method} {url}: {status}");
            prop_assert!(
                content_type.starts_with("application/problem+json") || statuses.contains(&status),
                "{method} {url}: {status} ({content_type}) is neither documented nor a problem"
            );
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{spec}: {e}");
    }
}

#[test]
fn random_requests_to_the_woodpecker_mock() {
    run("specs/woodpecker.json", 11);
}

#[test]
fn random_requests_to_the_circleci_mock() {
    run("specs/circleci.json", 12);
}

#[test]
fn random_requests_to_the_quay_mock() {
    run("specs/quay.json", 13);
}
