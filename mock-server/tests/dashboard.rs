//! The dashboard in a real browser: Debian's Chromium, headless, loads the page the
//! mock serves, runs its script against the admin API, and the DOM it ends with
//! shows the requests sent (violations marked) and the stored objects. Needs
//! `chromium` (`.ci/browser` installs it and runs this test); it also writes the
//! screenshot the README shows (`SPECFORGE_SCREENSHOT=docs/dashboard.png`).

use serde_json::json;
use specforge_mock::MockOptions;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("chromium"))
}

/// Chromium, headless, with a fixed window and enough virtual time for the page's
/// first polls.
fn headless(args: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1280,800",
            "--virtual-time-budget=4000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("chromium runs (install Debian's chromium, or set CHROMIUM)")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium: run by .ci/browser"]
async fn the_dashboard_shows_requests_violations_and_stored_objects_in_a_browser() {
    let api = specforge::load_api(&root().join("specs/woodpecker.json")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let options = MockOptions {
        stateful: true,
        ..MockOptions::default()
    };
    let app = specforge_mock::router(&api, options);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let base = format!("http://{addr}{}", api.base_path);
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{base}/repos/7/secrets"))
        .header("Authorization", "Bearer t")
        .json(&json!({"name": "deploy-key", "value": "s3cret", "events": ["push"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let refused = http
        .get(format!("{base}/repos/not-a-number"))
        .header("Authorization", "Bearer t")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let page = format!("http://{addr}/__specforge/");
    let dom = tokio::task::spawn_blocking({
        let page = page.clone();
        move || headless(&["--dump-dom", &page])
    })
    .await
    .unwrap();
    let html = String::from_utf8_lossy(&dom.stdout).to_string();
    assert!(
        dom.status.success() && !html.is_empty(),
        "chromium failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    // the page's script ran: rows from the journal, newest first
    let journal = &html[html
        .find(r#"<tbody id="journal">"#)
        .expect("the journal table")..];
    let created_row = journal
        .find(r#"class="exchange" data-id="1" data-operation="create_repo_secret""#)
        .unwrap_or_else(|| panic!("no row for the create in the rendered page:\n{html}"));
    let violation_row = journal
        .find(r#"class="exchange violation" data-id="2" data-operation="get_repo""#)
        .unwrap_or_else(|| panic!("no highlighted violation:\n{html}"));
    assert!(violation_row < created_row, "newest first");
    assert!(html.contains("path.repo_id"), "the broken rule is shown");
    assert!(html.contains("Woodpecker"), "the spec's title");
    // the operations by tag with hit counts, and the stored secret
    assert!(
        html.contains(r#"class="op hit" title="POST /api/repos/{repo_id}/secrets""#),
        "{html}"
    );
    assert!(
        html.contains("/repos/7/secrets (1)"),
        "stored resources: {html}"
    );
    assert!(html.contains("deploy-key"));
    assert!(
        !html.contains(r#"id="summary">cannot reach the mock"#),
        "{html}"
    );
    // a screenshot, for people (and the README)
    let shot = std::env::var_os("SPECFORGE_SCREENSHOT")
        .map(|p| root().join(p))
        .unwrap_or_else(|| root().join("target/dashboard.png"));
    let arg = format!("--screenshot={}", shot.display());
    let out = tokio::task::spawn_blocking(move || headless(&[&arg, &page]))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );
    println!("screenshot: {}", shot.display());
}
