//! The client's own test, the way a team runs it in CI: against `specforge mock
//! --stateful` (the `WOODPECKER_URL` it serves, as `.ci/recipe client` sets it), or
//! against the same mock started in-process when the variable is not set. Each run
//! uses its own `X-Specforge-Session`, so runs in parallel do not meet.

use woodpecker_build_example::futures::TryStreamExt;
use woodpecker_build_example::reqwest;
use woodpecker_build_example::woodpecker::client::{Client, Error, ListRepoSecretsParams};
use woodpecker_build_example::woodpecker::types::Secret;

async fn mock_url() -> String {
    if let Ok(url) = std::env::var("WOODPECKER_URL") {
        return url;
    }
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json");
    let api = specforge::load_api(&spec).unwrap();
    let options = specforge_mock::MockOptions {
        stateful: true,
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = specforge_mock::router(&api, options);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/api")
}

#[tokio::test]
async fn a_secret_is_created_read_listed_and_deleted() {
    let session = format!("woodpecker-build-{}", std::process::id());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-specforge-session", session.parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::with_http_client(mock_url().await, http).with_bearer_token("ci-token");
    let secret = Secret {
        name: Some("deploy-key".into()),
        value: Some("s3cret".into()),
        ..Default::default()
    };
    client.create_repo_secret(1, &secret).await.unwrap();
    let read = client.get_repo_secret(1, "deploy-key").await.unwrap();
    assert_eq!(read.body.name.as_deref(), Some("deploy-key"));
    assert_eq!(read.body.value.as_deref(), Some("s3cret"));
    let all: Vec<Secret> = client
        .list_repo_secrets_stream(1, &ListRepoSecretsParams::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "this session holds one secret");
    client.delete_repo_secret(1, "deploy-key").await.unwrap();
    match client.get_repo_secret(1, "deploy-key").await {
        Err(Error::UnexpectedStatus(r)) => assert_eq!(r.status, 404),
        other => panic!("expected a 404 after the delete, got {other:?}"),
    }
}
