//! Round trip: for each bundled spec, the generated client crate calls every
//! operation against `specforge-mock`, with arguments generated from the IR; each
//! call must send and decode. This shows that the mock, the client and the spec agree.

use specforge::emit::smoke::{smoke_program, Samples};
use specforge::ir::Operation;
use specforge::Generator;
use specforge_contract::check::Direction;
use specforge_contract::datagen::{self, stable_hash};
use specforge_mock::MockOptions;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const SPECS: &[&str] = &["woodpecker", "circleci", "quay"];

/// Values from the data generator, one seeded generator per operation.
struct Generated<'a> {
    defs: &'a indexmap::IndexMap<String, serde_json::Value>,
    current: Option<datagen::Generator<'a>>,
}

impl Samples for Generated<'_> {
    fn start(&mut self, op: &Operation) {
        // all `required` kept: the value must deserialize into the model type
        self.current = Some(datagen::Generator::new(
            self.defs,
            stable_hash(&["11", &op.name]),
            Direction::Request,
        ));
    }

    fn value(&mut self, schema: &serde_json::Value, name: Option<&str>) -> serde_json::Value {
        let g = self.current.as_mut().expect("start() first");
        match name {
            Some(n) => g.value_named(schema, n),
            None => g.value(schema),
        }
    }
}

fn build_workspace(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let mut members = Vec::new();
    for spec in SPECS {
        let crate_name = format!("{spec}-api");
        let g = Generator::from_path(root().join(format!("specs/{spec}.json")))
            .unwrap()
            .crate_name(&crate_name)
            .standalone(false);
        g.generate_crate()
            .unwrap()
            .write_to(&dir.join(&crate_name))
            .unwrap();
        let smoke = dir.join(format!("{spec}-smoke"));
        std::fs::create_dir_all(smoke.join("src")).unwrap();
        std::fs::write(
            smoke.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{spec}-smoke\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{crate_name} = {{ path = \"../{crate_name}\" }}\nreqwest = {{ version = \"0.13\", default-features = false, features = [\"multipart\"] }}\nserde_json = \"1\"\nchrono = {{ version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }}\nuuid = {{ version = \"1\", features = [\"serde\"] }}\ntokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}\n"
            ),
        )
        .unwrap();
        std::fs::write(
            smoke.join("src/main.rs"),
            smoke_program(
                g.api(),
                &crate_name.replace('-', "_"),
                &mut Generated {
                    defs: &g.api().schema_defs,
                    current: None,
                },
            )
            .unwrap(),
        )
        .unwrap();
        members.push(crate_name);
        members.push(format!("{spec}-smoke"));
    }
    // a user's first program, on the CircleCI and Quay clients
    let first = dir.join("first-hour");
    std::fs::create_dir_all(first.join("src")).unwrap();
    std::fs::write(
        first.join("Cargo.toml"),
        "[package]\nname = \"first-hour\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\ncircleci-api = { path = \"../circleci-api\" }\nquay-api = { path = \"../quay-api\" }\ntokio = { version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }\n",
    )
    .unwrap();
    std::fs::copy(
        root().join("mock-server/tests/fixtures/first-hour/main.rs"),
        first.join("src/main.rs"),
    )
    .unwrap();
    members.push("first-hour".into());
    let list = members
        .iter()
        .map(|m| format!("\"{m}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"2\"\nmembers = [{list}]\n"),
    )
    .unwrap();
}

fn target_dir() -> PathBuf {
    std::env::var_os("SPECFORGE_GENERATED_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/generated"))
}

/// The round-trip workspace, generated and built once for all tests of this file.
fn built() -> PathBuf {
    static BUILT: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = root().join("target/client-roundtrip");
            build_workspace(&dir);
            let out = Command::new(env!("CARGO"))
                .args(["build", "--workspace", "--quiet"])
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", target_dir())
                .output()
                .unwrap();
            if out.status.success() {
                Ok(dir)
            } else {
                Err(format!(
                    "building the round-trip programs failed:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_program_streams_every_page_reads_raw_bodies_and_never_prints_a_token() {
    let dir = tokio::task::spawn_blocking(built).await.unwrap();
    // CircleCI: the mock, 23 contexts per list (pages of 10)
    let api = specforge::load_api(&root().join("specs/circleci.json")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let options = MockOptions {
        list_total: 23,
        ..MockOptions::default()
    };
    let app = specforge_mock::router(&api, options);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // Quay: a server answering with a body the spec does not document
    let quay = axum::Router::new().route(
        "/api/v1/repository",
        axum::routing::get(|| async {
            axum::Json(serde_json::json!({
                "repositories": [{"name": "alpha"}, {"name": "beta"}]
            }))
        }),
    );
    let quay_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let quay_addr = quay_listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(quay_listener, quay).await.unwrap() });
    let program = target_dir().join("debug/first-hour");
    let args = [
        format!("http://{addr}{}", api.base_path),
        format!("http://{quay_addr}"),
        "23".to_string(),
    ];
    let out =
        tokio::task::spawn_blocking(move || Command::new(program).args(args).output().unwrap())
            .await
            .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("first hour: ok"),
        "the first-hour program failed (in {}):\n{stdout}{stderr}",
        dir.display()
    );
    assert!(stdout.contains("contexts: 23 (23 distinct)"), "{stdout}");
    assert!(stdout.contains("<redacted>"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_generated_client_calls_every_operation_of_the_mock_through_the_validating_proxy() {
    let dir = tokio::task::spawn_blocking(built).await.unwrap();
    let mut failures: Vec<String> = Vec::new();
    for spec in SPECS {
        let api = specforge::load_api(&root().join(format!("specs/{spec}.json"))).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = specforge_mock::router(&api, MockOptions::default());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        // the client talks to the validating proxy, which forwards to the mock
        let report = dir.join(format!("{spec}-exchanges.jsonl"));
        let _ = std::fs::remove_file(&report);
        let state = specforge_mock::MockState::new(api.clone(), MockOptions::default());
        let mut options = specforge_mock::proxy::ProxyOptions::new(&format!("http://{addr}"));
        options.report = Some(report.clone());
        let (proxy, stats) = specforge_mock::proxy::proxy_router(state, options).unwrap();
        let proxy_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_addr = proxy_listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(proxy_listener, proxy).await.unwrap() });
        let base = format!("http://{proxy_addr}{}", api.base_path);
        let program = target_dir().join("debug").join(format!("{spec}-smoke"));
        let out =
            tokio::task::spawn_blocking(move || Command::new(program).arg(base).output().unwrap())
                .await
                .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let expected = format!(
            "round trip: {n} of {n} operations sent and decoded",
            n = api.operations.len()
        );
        println!(
            "{spec}: {} ({})",
            stdout.lines().next().unwrap_or(""),
            stats.stats().summary()
        );
        if !out.status.success() || !stdout.contains(&expected) {
            failures.push(format!(
                "{spec}:\n{stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        // every exchange was reported, and none broke the spec on either side
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&report)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines.len(),
            api.operations.len(),
            "{spec}: one report line per call"
        );
        let broken: Vec<String> = lines
            .iter()
            .filter(|l| !l["violations"].as_array().unwrap().is_empty())
            .map(|l| l.to_string())
            .collect();
        if !broken.is_empty() {
            failures.push(format!(
                "{spec}: the proxy saw violations:\n{}",
                broken.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
