//! Every operation of every bundled spec, called with a valid request built from
//! the IR, answers with a documented status and a body that validates against
//! the documented schema. The judge is independent of what it judges: it reads
//! the response schemas from the original document itself (its own `$ref`
//! resolution and its own, strict, reading of OpenAPI's nullability) and
//! validates with the `jsonschema` crate, never through the IR's JSON Schemas or
//! the mock's validators.

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

/// The original document with OpenAPI's schema dialect read strictly into JSON
/// Schema (draft 4 semantics, which keep boolean exclusive bounds): `null` is
/// allowed where OpenAPI 3.0 `nullable: true` stands beside a `type`, or where a
/// Swagger 2.0 document says `x-nullable: true`, and nowhere else; `type: file`
/// is any value; `writeOnly` properties are not required in a response.
fn strict_json_schema(v: &Value, swagger2: bool) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, c) in m {
                out.insert(k.clone(), strict_json_schema(c, swagger2));
            }
            let null_flag = if swagger2 { "x-nullable" } else { "nullable" };
            if m.get(null_flag) == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = m.get("type") {
                    out.insert("type".into(), serde_json::json!([t, "null"]));
                    if let Some(Value::Array(e)) = out.get_mut("enum") {
                        e.push(Value::Null);
                    }
                }
            }
            if m.get("type") == Some(&Value::from("file")) {
                out.remove("type");
            }
            if let (Some(Value::Object(props)), Some(Value::Array(req))) =
                (m.get("properties"), m.get("required"))
            {
                let kept: Vec<Value> = req
                    .iter()
                    .filter(|r| {
                        r.as_str()
                            .and_then(|n| props.get(n))
                            .and_then(|p| p.get("writeOnly"))
                            != Some(&Value::Bool(true))
                    })
                    .cloned()
                    .collect();
                out.insert("required".into(), Value::Array(kept));
            }
            Value::Object(out)
        }
        Value::Array(a) => {
            Value::Array(a.iter().map(|c| strict_json_schema(c, swagger2)).collect())
        }
        other => other.clone(),
    }
}

/// Resolve a local `$ref` chain in the original document.
fn follow<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(p) => match doc.pointer(p) {
                Some(t) => v = t,
                None => break,
            },
            None => break,
        }
    }
    v
}

/// The pointer, in the original document, of the schema of one response.
fn raw_schema_pointer(doc: &Value, op_pointer: &str, status: &str, media: &str) -> Option<String> {
    let esc = |t: &str| t.replace('~', "~0").replace('/', "~1");
    let responses = doc
        .pointer(op_pointer.strip_prefix('#')?)?
        .get("responses")?;
    let key = responses
        .as_object()?
        .keys()
        .find(|k| k.eq_ignore_ascii_case(status))?
        .clone();
    let r = &responses[&key];
    // the response object may itself be a `$ref`: point through it
    let (base, r) = match r.get("$ref").and_then(Value::as_str) {
        Some(target) => (target.trim_start_matches('#').to_string(), follow(doc, r)),
        None => (
            format!(
                "{}/responses/{}",
                op_pointer.trim_start_matches('#'),
                esc(&key)
            ),
            r,
        ),
    };
    if r.get("schema").is_some() {
        return Some(format!("#{base}/schema"));
    }
    r.get("content")?.get(media)?.get("schema")?;
    Some(format!("#{base}/content/{}/schema", esc(media)))
}

fn judge(doc: &Value, swagger2: bool, pointer: &str) -> jsonschema::Validator {
    let mut root = strict_json_schema(doc, swagger2);
    if let Value::Object(m) = &mut root {
        // a URI fragment: characters such as `{` are percent-encoded
        const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'/')
            .remove(b'~')
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'#');
        let encoded = percent_encoding::utf8_percent_encode(pointer, FRAGMENT).to_string();
        m.insert("$ref".into(), Value::String(encoded));
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&root)
        .expect("schema compiles")
}

/// Check every operation; returns (checked exchanges, failures).
async fn check_spec(api: &Api, raw: &Value) -> (usize, Vec<String>) {
    let swagger2 = raw.get("swagger").is_some();
    let http = reqwest::Client::new();
    let sampler = Sampler::new(api);
    let mut judges: HashMap<String, jsonschema::Validator> = HashMap::new();
    let mut checked = 0;
    let mut judged = 0;
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
                let pointer = raw_schema_pointer(
                    raw,
                    &op.pointer,
                    &documented.status.label(),
                    &media.media_type,
                );
                if is_json && media.json_schema.is_some() && pointer.is_none() {
                    failures.push(format!(
                        "{label}: the judge found no schema for {status} {mt} in the original document"
                    ));
                    continue;
                }
                if let (true, Some(pointer)) = (is_json, pointer) {
                    judged += 1;
                    let body: Value = match serde_json::from_slice(&bytes) {
                        Ok(v) => v,
                        Err(e) => {
                            failures.push(format!("{label}: body is not JSON: {e}"));
                            continue;
                        }
                    };
                    let validator = judges
                        .entry(pointer.clone())
                        .or_insert_with(|| judge(raw, swagger2, &pointer));
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
    assert!(judged > 0, "no body was judged");
    println!("{judged} JSON bodies judged against the original document's schemas");
    (checked, failures)
}

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name)
}

async fn run(path: &Path, label: &str) {
    let api = specforge::load_api(path).unwrap();
    let raw: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let (checked, failures) = check_spec(&api, &raw).await;
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
