//! Every operation of every bundled spec, called with a valid request built from
//! the IR, answers with a documented status and a body that validates against
//! the documented schema. The judge is the `jsonschema` crate, compiled here,
//! not the mock's own validators.

use serde_json::Value;
use specforge::ir::{Api, StatusSpec};
use specforge_contract::requests::Sampler;
use specforge_mock::MockOptions;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const SEEDS: u64 = 5;

async fn start(api: &Api, options: MockOptions) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = specforge_mock::router(api, options);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn judge(api: &Api, schema: &Value) -> jsonschema::Validator {
    let doc = api.standalone_schema(schema);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&doc)
        .expect("schema compiles")
}

/// Check every operation; returns (checked exchanges, failures).
async fn check_spec(api: &Api) -> (usize, Vec<String>) {
    let http = reqwest::Client::new();
    let sampler = Sampler::new(api);
    let mut judges: HashMap<String, jsonschema::Validator> = HashMap::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    for dynamic in [false, true] {
        for seed in 0..SEEDS {
            let base = start(
                api,
                MockOptions {
                    seed,
                    dynamic,
                    ..MockOptions::default()
                },
            )
            .await;
            for op in &api.operations {
                let req = sampler.request(op, seed, &[]);
                let method = reqwest::Method::from_bytes(op.method.as_str().as_bytes()).unwrap();
                let mut builder = http.request(method, format!("{base}{}", req.path_and_query));
                for (k, v) in &req.headers {
                    builder = builder.header(k, v);
                }
                if let Some(b) = req.body.clone() {
                    builder = builder.body(b);
                }
                let resp = builder.send().await.unwrap();
                let status = resp.status().as_u16();
                let content_type = resp
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let violations = resp
                    .headers()
                    .get("x-specforge-violations")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let bytes = resp.bytes().await.unwrap();
                checked += 1;
                let label = format!(
                    "{} (seed {seed}, {}) {} {}",
                    op.name,
                    if dynamic { "dynamic" } else { "static" },
                    op.method.as_str(),
                    req.path_and_query
                );
                let Some(documented) = op
                    .responses
                    .iter()
                    .filter(|r| r.status.matches(status))
                    .min_by_key(|r| match r.status {
                        StatusSpec::Code(_) => 0,
                        StatusSpec::Range(_) => 1,
                        StatusSpec::Default => 2,
                    })
                else {
                    failures.push(format!(
                        "{label}: status {status} is not documented; {violations} {}",
                        String::from_utf8_lossy(&bytes)
                    ));
                    continue;
                };
                if !(200..300).contains(&status) {
                    failures.push(format!(
                        "{label}: a valid request got {status}: {violations} {}",
                        String::from_utf8_lossy(&bytes)
                    ));
                    continue;
                }
                if documented.content.is_empty() {
                    if !bytes.is_empty() {
                        failures.push(format!("{label}: no body is documented but one was sent"));
                    }
                    continue;
                }
                let mt = content_type
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let Some(media) = documented
                    .content
                    .iter()
                    .find(|m| m.media_type.eq_ignore_ascii_case(&mt) || m.media_type.contains('*'))
                else {
                    failures.push(format!(
                        "{label}: content type {content_type:?} is not documented"
                    ));
                    continue;
                };
                let is_json = mt == "application/json" || mt.ends_with("+json");
                if let (true, Some(schema)) = (is_json, &media.json_schema) {
                    let body: Value = match serde_json::from_slice(&bytes) {
                        Ok(v) => v,
                        Err(e) => {
                            failures.push(format!("{label}: body is not JSON: {e}"));
                            continue;
                        }
                    };
                    let key = schema.to_string();
                    let validator = judges.entry(key).or_insert_with(|| judge(api, schema));
                    let errors: Vec<String> = validator
                        .iter_errors(&body)
                        .map(|e| format!("{} {}", e.instance_path, e))
                        .collect();
                    if !errors.is_empty() {
                        failures.push(format!(
                            "{label}: body breaks the schema: {}",
                            errors.join("; ")
                        ));
                    }
                }
            }
        }
    }
    (checked, failures)
}

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name)
}

async fn run(path: &Path, label: &str) {
    let api = specforge::load_api(path).unwrap();
    let (checked, failures) = check_spec(&api).await;
    println!("{label}: {} operations checked, {checked} exchanges ({SEEDS} seeds x static and dynamic), {} failures", api.operations.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{label}: {} of {checked} exchanges failed:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn woodpecker_every_operation_conforms() {
    run(&bundled("woodpecker.json"), "woodpecker").await;
}

#[tokio::test]
async fn circleci_every_operation_conforms() {
    run(&bundled("circleci.json"), "circleci").await;
}

#[tokio::test]
async fn quay_every_operation_conforms() {
    run(&bundled("quay.json"), "quay").await;
}

#[tokio::test]
#[ignore = "needs SPECFORGE_UPSTREAM_SPECS"]
async fn upstream_specs_every_operation_conforms() {
    let dir = std::env::var("SPECFORGE_UPSTREAM_SPECS").expect("SPECFORGE_UPSTREAM_SPECS");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    for f in [
        "woodpecker.swagger.json",
        "circleci.openapi.json",
        "quay.swagger.json",
    ] {
        run(&dir.join(f), f).await;
    }
}
