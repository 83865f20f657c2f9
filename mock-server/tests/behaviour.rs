//! The mock's request validation and response choices, over real HTTP.

use serde_json::Value;
use specforge_mock::MockOptions;
use std::path::Path;

async fn start(options: MockOptions) -> String {
    let api = specforge::load_api(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures_strict.yaml"),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = specforge_mock::router(&api, options);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/v1")
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// The problem body of a refused request: (status, violations as (location, message)).
async fn refused(resp: reqwest::Response) -> (u16, Vec<(String, String)>) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    let v = body["violations"].as_array().cloned().unwrap_or_default();
    (
        status,
        v.iter()
            .map(|x| {
                (
                    x["location"].as_str().unwrap_or("").to_string(),
                    x["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect(),
    )
}

fn locations(v: &[(String, String)]) -> Vec<&str> {
    v.iter().map(|(l, _)| l.as_str()).collect()
}

#[tokio::test]
async fn path_parameters_are_coerced_and_checked() {
    let base = start(MockOptions::default()).await;
    let (status, v) = refused(
        http()
            .get(format!("{base}/pets/abc"))
            .header("x-key", "k")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, locations(&v)), (400, vec!["path.petId"]));
    let (status, v) = refused(
        http()
            .get(format!("{base}/pets/0"))
            .header("x-key", "k")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, locations(&v)), (400, vec!["path.petId"]));
    assert!(v[0].1.contains("minimum"), "{v:?}");
}

#[tokio::test]
async fn query_parameters_required_bounds_enums_and_array_styles() {
    let base = start(MockOptions::default()).await;
    let (status, v) = refused(http().get(format!("{base}/pets")).send().await.unwrap()).await;
    assert_eq!((status, locations(&v)), (400, vec!["query.limit"]));
    assert!(v[0].1.contains("required"));
    let (_, v) = refused(
        http()
            .get(format!("{base}/pets?limit=51&sort=up"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(locations(&v), vec!["query.limit", "query.sort"]);
    let ok = http()
        .get(format!("{base}/pets?limit=5&sort=asc"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    // form, explode=false: one comma-separated value
    let (_, v) = refused(
        http()
            .get(format!("{base}/pets/3?fields=name,colour"))
            .header("x-key", "k")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(locations(&v), vec!["query.fields/1"]);
}

#[tokio::test]
async fn header_and_cookie_parameters_are_checked() {
    let base = start(MockOptions::default()).await;
    let (_, v) = refused(
        http()
            .get(format!("{base}/pets/3"))
            .header("x-key", "k")
            .header("x-trace", "nope")
            .header("cookie", "session=ab")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(locations(&v), vec!["header.X-Trace", "cookie.session"]);
}

#[tokio::test]
async fn bodies_media_type_syntax_and_schema() {
    let base = start(MockOptions::default()).await;
    let wrong_type = http()
        .post(format!("{base}/pets"))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    let (status, v) = refused(wrong_type).await;
    assert_eq!((status, locations(&v)), (415, vec!["header.content-type"]));

    let not_json = http()
        .post(format!("{base}/pets"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    // the operation documents 422: the spec's own response is served, the violations travel in a header
    assert_eq!(not_json.status(), 422);
    assert!(not_json.headers()["x-specforge-violations"]
        .to_str()
        .unwrap()
        .starts_with("body: the body is not valid JSON"));
    let body: Value = not_json.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "code": "INVALID" }));

    let bad = http()
        .post(format!("{base}/pets"))
        .header("content-type", "application/json")
        .body(r#"{"name": "R", "tag": "bird", "owner": {"login": "Bob"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let header = bad.headers()["x-specforge-violations"]
        .to_str()
        .unwrap()
        .to_string();
    for loc in ["body/name", "body/tag", "body/owner/login"] {
        assert!(header.contains(loc), "{loc} in {header}");
    }
    // `id` is readOnly: not required in a request
    assert!(!header.contains("\"id\""), "{header}");

    let missing = http()
        .post(format!("{base}/pets"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 422);

    let ok = http()
        .post(format!("{base}/pets"))
        .header("content-type", "application/json")
        .body(r#"{"name": "Rex", "secret": "s"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    let pet: Value = ok.json().await.unwrap();
    assert!(
        pet.get("secret").is_none(),
        "writeOnly fields never appear in responses: {pet}"
    );
}

#[tokio::test]
async fn form_bodies_are_coerced_and_checked() {
    let base = start(MockOptions::default()).await;
    let form = |b: &'static str| {
        http()
            .post(format!("{base}/forms"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b)
            .send()
    };
    assert_eq!(form("n=4").await.unwrap().status(), 204);
    let (status, v) = refused(form("n=four").await.unwrap()).await;
    assert_eq!((status, locations(&v)), (400, vec!["body/n"]));
}

#[tokio::test]
async fn missing_credentials_get_401_with_www_authenticate() {
    let base = start(MockOptions::default()).await;
    let resp = http().get(format!("{base}/pets/3")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("ApiKey") && challenge.contains("X-Key") && challenge.contains("Basic"),
        "{challenge}"
    );
    let (_, v) = refused(resp).await;
    assert_eq!(locations(&v), vec!["header.authorization"]);
    // either alternative satisfies the operation
    assert_eq!(
        http()
            .get(format!("{base}/pets/3"))
            .basic_auth("u", Some("p"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // --no-auth-check
    let open = start(MockOptions {
        check_auth: false,
        ..MockOptions::default()
    })
    .await;
    assert_eq!(
        http()
            .get(format!("{open}/pets/3"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn unknown_paths_404_wrong_methods_405_with_allow() {
    let base = start(MockOptions::default()).await;
    let (status, v) = refused(http().get(format!("{base}/owners")).send().await.unwrap()).await;
    assert_eq!((status, locations(&v)), (404, vec!["path"]));
    // outside the base path is unknown too
    let outside = http()
        .get(format!("{}/pets?limit=1", base.trim_end_matches("/v1")))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    let resp = http().delete(format!("{base}/pets")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, POST");
}

#[tokio::test]
async fn prefer_picks_status_example_media_and_dynamic() {
    let base = start(MockOptions::default()).await;
    let get = |prefer: &'static str| {
        http()
            .get(format!("{base}/pets/3"))
            .header("x-key", "k")
            .header("prefer", prefer)
            .send()
    };
    // the first valid named example; the broken one is never served
    let default: Value = get("").await.unwrap().json().await.unwrap();
    assert_eq!(
        default,
        serde_json::json!({ "id": 1, "name": "Rex", "tag": "dog" })
    );
    let broken = get("example=broken").await.unwrap();
    assert_eq!(broken.status(), 400);
    let resp = get("code=404").await.unwrap();
    assert_eq!(resp.status(), 404);
    let dynamic: Value = get("dynamic=true").await.unwrap().json().await.unwrap();
    assert_ne!(dynamic, default);
    assert!(dynamic["name"].as_str().unwrap().len() >= 2);
    // Prism's query parameters work too
    let q = http()
        .get(format!("{base}/pets/3?__code=404"))
        .header("x-key", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(q.status(), 404);
    // Accept picks the media type; nothing acceptable is 406
    let text = http()
        .get(format!("{base}/pets/3"))
        .header("x-key", "k")
        .header("accept", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(text.headers()["content-type"], "text/plain");
    let none = http()
        .get(format!("{base}/pets/3"))
        .header("x-key", "k")
        .header("accept", "image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 406);
    // documented headers are sent, deprecated operations say so
    let resp = get("").await.unwrap();
    let limit: i64 = resp.headers()["x-rate-limit"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0..=100).contains(&limit));
    assert_eq!(resp.headers()["deprecation"], "true");
}

#[tokio::test]
async fn delay_is_honoured() {
    let base = start(MockOptions::default()).await;
    let t = std::time::Instant::now();
    let resp = http()
        .get(format!("{base}/pets?limit=1"))
        .header("prefer", "delay=300")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(t.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn generated_bodies_are_deterministic_per_seed_and_request() {
    let a = start(MockOptions {
        dynamic: true,
        seed: 1,
        ..MockOptions::default()
    })
    .await;
    let b = start(MockOptions {
        dynamic: true,
        seed: 1,
        ..MockOptions::default()
    })
    .await;
    let c = start(MockOptions {
        dynamic: true,
        seed: 2,
        ..MockOptions::default()
    })
    .await;
    let body = |base: String, id: u32| async move {
        http()
            .get(format!("{base}/pets/{id}"))
            .header("x-key", "k")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert_eq!(
        body(a.clone(), 7).await,
        body(b.clone(), 7).await,
        "same seed, same request"
    );
    assert_ne!(
        body(a.clone(), 7).await,
        body(a.clone(), 8).await,
        "different path ids"
    );
    assert_ne!(
        body(a.clone(), 7).await,
        body(c.clone(), 7).await,
        "different seeds"
    );
}

#[tokio::test]
async fn cors_preflight_is_answered() {
    let base = start(MockOptions::default()).await;
    let resp = http()
        .request(reqwest::Method::OPTIONS, format!("{base}/pets"))
        .header("origin", "http://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://app.example"
    );
    assert_eq!(resp.headers()["access-control-allow-methods"], "GET, POST");
    assert_eq!(
        resp.headers()["access-control-allow-headers"],
        "content-type"
    );
}

#[tokio::test]
async fn request_validation_can_be_turned_off() {
    let base = start(MockOptions {
        validate_requests: false,
        ..MockOptions::default()
    })
    .await;
    assert_eq!(
        http()
            .get(format!("{base}/pets?limit=500"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn non_json_media_get_bodies_of_their_kind() {
    let base = start(MockOptions::default()).await;
    let events = http().get(format!("{base}/events")).send().await.unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let text = events.text().await.unwrap();
    let data: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(data.len(), 3, "{text}");
    assert!(
        data.iter().all(|d| d["n"].as_i64().is_some_and(|n| n >= 1)),
        "{text}"
    );
    assert!(
        text.ends_with("\n\n") && text.contains("event: message"),
        "{text}"
    );
    let get = |accept: &'static str| {
        http()
            .get(format!("{base}/report"))
            .header("accept", accept)
            .send()
    };
    let html = get("text/html").await.unwrap().text().await.unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>"),
        "{html}"
    );
    let xml = get("application/xml").await.unwrap().text().await.unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\"") && xml.ends_with("</response>"),
        "{xml}"
    );
    let bytes = get("application/octet-stream").await.unwrap();
    assert_eq!(bytes.headers()["content-type"], "application/octet-stream");
    assert_eq!(bytes.bytes().await.unwrap().len(), 64);
}
