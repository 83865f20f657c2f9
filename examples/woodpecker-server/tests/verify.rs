//! `specforge verify` against the example server: every operation it implements
//! conforms to the spec; the rest answer 501 and are skipped.

use specforge_contract::verify::{verify, Outcome, VerifyOptions};
use std::time::Duration;
use woodpecker_server_example::{app, Woodpecker};

#[test]
fn verify_passes_for_every_implemented_operation() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app(Woodpecker::demo())).await });
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json");
    let api = specforge::load_api(&spec).unwrap();
    let options = VerifyOptions {
        skip_status: vec![501],
        seed: 7,
        headers: vec![("Authorization".into(), "Bearer demo-token".into())],
        timeout: Duration::from_secs(10),
        ..VerifyOptions::new(&format!("http://{addr}"))
    };
    let results = verify(&api, &options);
    let failed: Vec<String> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed(why) => Some(format!(
                "{} {} -> {:?}: {}",
                r.method,
                r.path,
                r.status,
                why.join("; ")
            )),
            _ => None,
        })
        .collect();
    let passed: Vec<&str> = results
        .iter()
        .filter(|r| r.outcome == Outcome::Passed)
        .map(|r| r.operation.as_str())
        .collect();
    assert!(failed.is_empty(), "verify failed:\n{}", failed.join("\n"));
    for op in [
        "get_version",
        "get_user",
        "list_user_repos",
        "get_repo",
        "list_repo_pipelines",
        "get_repo_pipeline",
        "create_repo_pipeline",
        "list_repo_secrets",
        "create_repo_secret",
        "get_repo_secret",
        "update_repo_secret",
        "delete_repo_secret",
    ] {
        assert!(passed.contains(&op), "{op} did not pass: passed {passed:?}");
    }
    let skipped = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped(_)))
        .count();
    assert!(
        skipped > 90,
        "the unimplemented operations are skipped (501): {skipped}"
    );
}
