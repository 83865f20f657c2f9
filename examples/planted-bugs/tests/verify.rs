//! `specforge verify` finds every planted bug of the fixture server, and nothing
//! where the server is right. Also the JSON and GitHub-annotation outputs.

use specforge_contract::verify::{self, verify, CaseResult, Outcome, VerifyOptions};

fn run() -> Vec<CaseResult> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, planted_bugs_example::app()).await });
    let dir = tempfile_dir();
    let spec = dir.join("openapi.yaml");
    std::fs::write(&spec, planted_bugs_example::SPEC).unwrap();
    let api = specforge::load_api(&spec).unwrap();
    let options = VerifyOptions {
        cases: 3,
        negative: true,
        chains: true,
        concurrency: 4,
        seed: 1,
        ..VerifyOptions::new(&format!("http://{addr}/"))
    };
    let results = verify(&api, &options);
    drop(runtime);
    results
}

/// A folder of this call's own: the tests of this file run at once, and one must
/// not read the spec while another writes it.
fn tempfile_dir() -> std::path::PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("planted-bugs-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn failures(results: &[CaseResult]) -> Vec<(String, String, String)> {
    results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed(why) => Some((r.operation.clone(), r.case.clone(), why.join("; "))),
            _ => None,
        })
        .collect()
}

#[test]
fn verify_finds_every_planted_bug_and_nothing_else() {
    let results = run();
    let failed = failures(&results);
    let found = |op: &str, case: &str, what: &str| {
        failed
            .iter()
            .any(|(o, c, w)| o == op && c.starts_with(case) && w.contains(what))
    };
    let bugs = [
        (
            "1 wrong type",
            "list_items",
            "valid",
            "is not of type \"integer\"",
        ),
        (
            "2 missing required field",
            "get_me",
            "valid",
            "\"email\" is a required property",
        ),
        (
            "3 undocumented status",
            "get_status",
            "valid",
            "status 202 is not documented",
        ),
        (
            "4 wrong content type",
            "get_report",
            "valid",
            "media type \"text/html\" is not documented",
        ),
        (
            "5 500 on a boundary",
            "search",
            "valid, numbers at their maximum",
            "status 500",
        ),
        (
            "6 invalid body accepted",
            "create_item",
            "invalid: the body's required property 'name'",
            "accepted with 201",
        ),
        (
            "7 required query ignored",
            "search",
            "invalid: the required query parameter 'q'",
            "accepted with 200",
        ),
        (
            "8 wrong header",
            "get_quota",
            "valid",
            "X-Rate-Limit: \"lots\" is not of type \"integer\"",
        ),
        (
            "9 broken after delete",
            "create_item",
            "chain /items",
            "read it after the delete: answered 200",
        ),
        (
            "10 null where not nullable",
            "get_profile",
            "valid",
            "null is not of type \"string\"",
        ),
    ];
    let missed: Vec<&str> = bugs
        .iter()
        .filter(|(_, op, case, what)| !found(op, case, what))
        .map(|(name, ..)| *name)
        .collect();
    assert!(
        missed.is_empty(),
        "missed {missed:?}; failures: {failed:#?}"
    );
    // nothing else: every failure is one of the planted bugs
    let explained = |(o, c, w): &(String, String, String)| {
        bugs.iter()
            .any(|(_, op, case, what)| o == op && c.starts_with(case) && w.contains(what))
    };
    let stray: Vec<_> = failed.iter().filter(|f| !explained(f)).collect();
    assert!(
        stray.is_empty(),
        "failures that are no planted bug: {stray:#?}"
    );
    // the correct parts pass, valid and invalid
    for (op, case) in [
        ("get_item", "valid"),
        ("delete_item", "valid"),
        ("create_item", "valid"),
        ("create_item", "invalid: the body is not JSON"),
        (
            "search",
            "invalid: query parameter 'limit' is above its maximum",
        ),
        // the OpenAPI link: the created item, read by the id the response gave
        ("get_item", "link GetCreated"),
    ] {
        assert!(
            results.iter().any(|r| r.operation == op
                && r.case.starts_with(case)
                && r.outcome == Outcome::Passed),
            "{op} ({case}) passes"
        );
    }
    // every failure can be repeated with curl
    assert!(results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .all(|r| r
            .curl
            .as_deref()
            .is_some_and(|c| c.starts_with("curl -i -X "))));
}

#[test]
fn json_and_github_outputs_carry_every_failure() {
    let results = run();
    let n = failures(&results).len();
    let doc: serde_json::Value = serde_json::from_str(&verify::json(&results)).unwrap();
    assert_eq!(doc["summary"]["failed"], n);
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), results.len());
    assert!(cases
        .iter()
        .filter(|c| c["verdict"] == "failed")
        .all(|c| c["curl"].is_string() && !c["reasons"].as_array().unwrap().is_empty()));
    let gh = verify::github(std::path::Path::new("openapi.yaml"), &results);
    let errors: Vec<&str> = gh.lines().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(errors.len(), n);
    assert!(errors
        .iter()
        .all(|l| l.starts_with("::error file=openapi.yaml,title=specforge verify%3A ")));
    assert!(gh.trim_end().ends_with("failed, 0 skipped"), "{gh}");
    let junit = verify::junit("planted", &results);
    assert_eq!(junit.matches("<failure ").count(), n);
}
