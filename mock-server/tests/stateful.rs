//! `--stateful` over real HTTP: what a client creates it can read, change, list and
//! delete, per session; the journal and count endpoints tell a test what was sent.

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use specforge_mock::MockOptions;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Mock {
    base: String,
    admin: String,
    http: Client,
    auth: (&'static str, &'static str),
}

async fn start(spec: &str, options: MockOptions, auth: (&'static str, &'static str)) -> Mock {
    let api = specforge::load_api(&root().join(format!("specs/{spec}.json"))).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = specforge_mock::router(&api, options);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Mock {
        base: format!("http://{addr}{}", api.base_path),
        admin: format!("http://{addr}/__specforge"),
        http: Client::new(),
        auth,
    }
}

fn stateful() -> MockOptions {
    MockOptions {
        stateful: true,
        ..MockOptions::default()
    }
}

impl Mock {
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        session: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(self.auth.0, self.auth.1);
        if let Some(s) = session {
            req = req.header("X-Specforge-Session", s);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn admin(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.admin))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn circleci_contexts_are_created_read_listed_and_deleted() {
    let m = start("circleci", stateful(), ("Circle-Token", "t")).await;
    let owner = json!({"id": "5bd8e9c7-1b1e-4b3c-9a3a-111111111111", "type": "organization"});
    let (s, created) = m
        .call(
            Method::POST,
            "/context",
            Some(json!({"name": "deploy", "owner": owner})),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(created["name"], "deploy", "the request body is stored");
    let id = created["id"]
        .as_str()
        .expect("a server-owned id")
        .to_string();
    assert_eq!(id.len(), 36, "in its schema's format (uuid): {id}");
    let (_, other) = m
        .call(
            Method::POST,
            "/context",
            Some(json!({"name": "staging", "owner": owner})),
            None,
        )
        .await;
    assert_ne!(
        other["id"], created["id"],
        "every created object has its own id"
    );
    let (s, read) = m
        .call(Method::GET, &format!("/context/{id}"), None, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(read, created, "GET returns what POST created");
    let (_, list) = m
        .call(Method::GET, "/context?owner-slug=gh/acme", None, None)
        .await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["deploy", "staging"]);
    assert_eq!(
        list["next_page_token"], "",
        "one page, and it says it is the last"
    );
    let (s, _) = m
        .call(Method::DELETE, &format!("/context/{id}"), None, None)
        .await;
    assert_eq!(s, 200);
    let (s, gone) = m
        .call(Method::GET, &format!("/context/{id}"), None, None)
        .await;
    assert_eq!(s, 404, "{gone}");
    let (_, list) = m
        .call(Method::GET, "/context?owner-slug=gh/acme", None, None)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (s, _) = m
        .call(Method::DELETE, &format!("/context/{id}"), None, None)
        .await;
    assert_eq!(s, 404, "deleting twice");
}

#[tokio::test]
async fn woodpecker_secrets_are_scoped_by_their_repository_and_merged_by_patch() {
    let m = start("woodpecker", stateful(), ("Authorization", "Bearer t")).await;
    let secret = json!({"name": "token", "value": "s3cret", "events": ["push"]});
    let (s, _) = m
        .call(Method::POST, "/repos/7/secrets", Some(secret.clone()), None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = m
        .call(
            Method::POST,
            "/repos/8/secrets",
            Some(json!({"name": "other", "value": "x"})),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, read) = m
        .call(Method::GET, "/repos/7/secrets/token", None, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(read["name"], "token");
    assert_eq!(read["events"], json!(["push"]));
    let (s, _) = m
        .call(Method::GET, "/repos/8/secrets/token", None, None)
        .await;
    assert_eq!(s, 404, "repository 8 has no secret named token");
    let (s, patched) = m
        .call(
            Method::PATCH,
            "/repos/7/secrets/token",
            Some(json!({"events": ["push", "tag"]})),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(patched["events"], json!(["push", "tag"]));
    assert_eq!(
        patched["value"], "s3cret",
        "a merge keeps what it does not name"
    );
    let (_, list) = m.call(Method::GET, "/repos/7/secrets", None, None).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["events"], json!(["push", "tag"]));
    let (s, _) = m
        .call(Method::DELETE, "/repos/7/secrets/token", None, None)
        .await;
    assert_eq!(s, 204);
    let (s, _) = m
        .call(Method::GET, "/repos/7/secrets/token", None, None)
        .await;
    assert_eq!(s, 404);
    let (_, list) = m.call(Method::GET, "/repos/8/secrets", None, None).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "repository 8 is untouched"
    );
}

#[tokio::test]
async fn quay_repositories_follow_create_read_replace_list_delete_by_status() {
    // Quay documents no success bodies: the statuses show the state
    let m = start("quay", stateful(), ("Authorization", "Bearer t")).await;
    let repo = json!({"namespace": "acme", "repository": "web", "visibility": "public", "description": "the site"});
    let (s, _) = m
        .call(Method::POST, "/api/v1/repository", Some(repo), None)
        .await;
    assert_eq!(s, 201);
    let (s, _) = m
        .call(Method::GET, "/api/v1/repository/web", None, None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = m
        .call(
            Method::PUT,
            "/api/v1/repository/web",
            Some(json!({"description": "new"})),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = m
        .call(
            Method::PUT,
            "/api/v1/repository/nope",
            Some(json!({"description": "x"})),
            None,
        )
        .await;
    assert_eq!(s, 404, "replacing what does not exist");
    let (s, _) = m
        .call(Method::GET, "/api/v1/repository?public=true", None, None)
        .await;
    assert_eq!(s, 200);
    let state = m.admin("/state").await;
    assert_eq!(
        state["collections"]["/api/v1/repository"][0]["description"], "new",
        "{state}"
    );
    let (s, _) = m
        .call(Method::DELETE, "/api/v1/repository/web", None, None)
        .await;
    assert_eq!(s, 204);
    let (s, body) = m
        .call(Method::GET, "/api/v1/repository/web", None, None)
        .await;
    assert_eq!(s, 404);
    assert!(
        body.is_object(),
        "the spec's own 404 body (ApiError): {body}"
    );
}

#[tokio::test]
async fn sessions_do_not_see_each_other_and_seed_data_starts_every_session() {
    let options = MockOptions {
        stateful: true,
        seed_data: Some(json!({"/repos/7/secrets": [{"name": "seeded", "value": "v"}]})),
        ..MockOptions::default()
    };
    let m = start("woodpecker", options, ("Authorization", "Bearer t")).await;
    let (s, _) = m
        .call(
            Method::POST,
            "/repos/7/secrets",
            Some(json!({"name": "mine", "value": "a"})),
            Some("alice"),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = m
        .call(Method::GET, "/repos/7/secrets/mine", None, Some("alice"))
        .await;
    assert_eq!(s, 200);
    let (s, _) = m
        .call(Method::GET, "/repos/7/secrets/mine", None, Some("bob"))
        .await;
    assert_eq!(s, 404, "bob's session does not see alice's secret");
    let (s, _) = m
        .call(Method::GET, "/repos/7/secrets/mine", None, None)
        .await;
    assert_eq!(s, 404, "nor does the default session");
    for session in [Some("alice"), Some("bob"), None] {
        let (s, seeded) = m
            .call(Method::GET, "/repos/7/secrets/seeded", None, session)
            .await;
        assert_eq!(s, 200, "{session:?}");
        assert_eq!(seeded["value"], "v");
    }
    // DELETE state: alice starts over, from the seed
    let r = m
        .http
        .delete(format!("{}/state?session=alice", m.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (s, _) = m
        .call(Method::GET, "/repos/7/secrets/mine", None, Some("alice"))
        .await;
    assert_eq!(s, 404);
    let (s, _) = m
        .call(Method::GET, "/repos/7/secrets/seeded", None, Some("alice"))
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn the_journal_and_the_count_endpoint_tell_a_test_what_was_sent() {
    let m = start("woodpecker", stateful(), ("Authorization", "Bearer t")).await;
    m.call(
        Method::POST,
        "/repos/7/secrets",
        Some(json!({"name": "a", "value": "1"})),
        None,
    )
    .await;
    m.call(
        Method::POST,
        "/repos/7/secrets",
        Some(json!({"name": "b", "value": "2"})),
        Some("ci"),
    )
    .await;
    let (s, _) = m.call(Method::GET, "/repos/abc", None, None).await;
    assert_eq!(s, 400);
    let count = |q: &'static str| {
        let m = &m;
        async move {
            m.admin(&format!("/requests/count?{q}")).await["count"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(count("operation=create_repo_secret").await, 2);
    assert_eq!(
        count("operation=create_repo_secret&body_contains=%22name%22%3A%22b%22").await,
        1
    );
    assert_eq!(count("session=ci").await, 1);
    assert_eq!(count("status=400").await, 1);
    let journal = m.admin("/requests?limit=10").await;
    let entries = journal["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["operation"], "get_repo", "newest first");
    assert!(
        entries[0]["violations"][0]
            .as_str()
            .unwrap()
            .starts_with("path.repo_id"),
        "{}",
        entries[0]
    );
    let create = &entries[2];
    assert_eq!(create["method"], "POST");
    assert!(create["request"]["body"]
        .as_str()
        .unwrap()
        .contains("\"value\":\"1\""));
    let auth = create["request"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap();
    assert_eq!(auth[1], "<redacted>", "credentials never reach the journal");
    let ops = m.admin("/operations").await;
    let hits = ops["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == "create_repo_secret")
        .unwrap()["hits"]
        .as_u64();
    assert_eq!(hits, Some(2));
    let bad = m
        .http
        .get(format!("{}/requests?colour=red", m.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let cleared = m
        .http
        .delete(format!("{}/requests", m.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert_eq!(count("").await, 0);
    let page = m.http.get(format!("{}/", m.admin)).send().await.unwrap();
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("<title>specforge-mock</title>"));
}

#[test]
fn an_admin_prefix_over_a_spec_path_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("s.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /__specforge/x:\n    get:\n      responses:\n        '200': {description: ok}\n",
    )
    .unwrap();
    let api = specforge::load_api(&spec).unwrap();
    let state = specforge_mock::MockState::new(api.clone(), MockOptions::default());
    assert_eq!(state.admin_conflict(), Some("GET /__specforge/x"));
    let moved = MockOptions {
        admin_prefix: "/__admin".into(),
        ..MockOptions::default()
    };
    assert_eq!(
        specforge_mock::MockState::new(api, moved).admin_conflict(),
        None
    );
}
