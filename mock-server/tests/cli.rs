//! The `specforge-mock` binary: what it prints, and reloading the spec.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

struct Mock {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Mock {
    fn start(spec: &std::path::Path) -> (Self, String) {
        Self::start_with(spec, &[])
    }

    fn start_with(spec: &std::path::Path, extra: &[&str]) -> (Self, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_specforge-mock"))
            .arg(spec)
            .args(["--port", "0"])
            .args(extra)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let mut mock = Mock {
            child,
            lines: rx,
            seen: Vec::new(),
        };
        let line = mock.wait_for("listening on http://");
        let url = line
            .split("listening on ")
            .nth(1)
            .unwrap()
            .trim()
            .to_string();
        (mock, url)
    }

    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        while Instant::now() < deadline {
            if let Ok(l) = self.lines.recv_timeout(Duration::from_millis(100)) {
                self.seen.push(l.clone());
                if l.contains(needle) {
                    return l;
                }
            }
        }
        panic!(
            "no line containing {needle:?}; saw:\n{}",
            self.seen.join("\n")
        );
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SPEC: &str = "openapi: 3.0.3\ninfo: {title: Reload, version: '1'}\npaths:\n  /hello:\n    get:\n      responses:\n        '200': {description: ok, content: {application/json: {example: {v: 1}}}}\n";

#[test]
fn prints_routes_logs_requests_and_reloads_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("api.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let (mut mock, url) = Mock::start(&spec);
    mock.wait_for("GET     /hello  (get_hello)");
    let get = || {
        reqwest::blocking::get(format!("{url}/hello"))
            .unwrap()
            .text()
            .unwrap()
    };
    assert_eq!(get(), r#"{"v":1}"#);
    mock.wait_for("GET /hello -> get_hello 200");

    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&spec, SPEC.replace("{v: 1}", "{v: 2}")).unwrap();
    mock.wait_for("reloaded");
    assert_eq!(get(), r#"{"v":2}"#);

    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&spec, "openapi: 3.0.3\npaths: [broken\n").unwrap();
    mock.wait_for("reload failed, keeping the last good spec");
    assert_eq!(get(), r#"{"v":2}"#);
}

#[test]
fn a_broken_spec_exits_2_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("bad.yaml");
    std::fs::write(&spec, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get: {responses: {'200': {$ref: '#/nope'}}}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_specforge-mock"))
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml:5:") && err.contains("'#/nope' does not resolve"),
        "{err}"
    );
}

#[test]
fn quiet_logs_no_line_per_request() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lenient.yaml");
    for (quiet, expect_line) in [(false, true), (true, false)] {
        let extra: &[&str] = if quiet { &["--quiet"] } else { &[] };
        let (mut mock, url) = Mock::start_with(&spec, extra);
        let status = reqwest::blocking::get(format!("{url}/metric"))
            .unwrap()
            .status();
        assert_eq!(status, 200);
        // a later request line, if any, has had time to arrive by the second request
        let _ = reqwest::blocking::get(format!("{url}/metric")).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        while let Ok(l) = mock.lines.try_recv() {
            mock.seen.push(l);
        }
        let logged = mock.seen.iter().any(|l| l.contains("GET /v1/metric"));
        assert_eq!(logged, expect_line, "quiet={quiet}: {:?}", mock.seen);
        let _ = mock.child.kill();
    }
}

#[test]
fn stateful_prints_its_resources_and_keeps_state_across_a_reload() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("api.yaml");
    let text = "openapi: 3.0.3\ninfo: {title: Things, version: '1'}\npaths:\n  /things:\n    post:\n      requestBody: {content: {application/json: {schema: {type: object, properties: {id: {type: string}, n: {type: integer}}}}}}\n      responses: {'201': {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: string}, n: {type: integer}}}}}}}\n    get:\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {type: object}}}}}}\n  /things/{thing_id}:\n    get:\n      parameters: [{name: thing_id, in: path, required: true, schema: {type: string}}]\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}, '404': {description: gone}}\n  /ping:\n    get:\n      responses: {'204': {description: pong}}\n";
    std::fs::write(&spec, text).unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, r#"{"/things": [{"id": "s1", "n": 1}]}"#).unwrap();
    let (mut mock, url) = Mock::start_with(
        &spec,
        &["--stateful", "--seed-data", seed.to_str().unwrap()],
    );
    mock.wait_for("/things (item {thing_id} = field id): create create_thing, list list_things, read get_thing");
    mock.wait_for(
        "stateless (1): not under a collection that has a POST with a JSON body: get_ping",
    );
    let admin = mock.wait_for("dashboard and admin API: http://");
    assert!(admin.ends_with("/__specforge/"), "{admin}");
    let http = reqwest::blocking::Client::new();
    let r = http
        .post(format!("{url}/things"))
        .json(&serde_json::json!({"id": "t2", "n": 2}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let read = |id: &str| {
        http.get(format!("{url}/things/{id}"))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(read("s1"), 200, "seeded");
    assert_eq!(read("t2"), 200, "created");
    assert_eq!(read("t3"), 404);
    // a reload keeps what was stored
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&spec, text.replace("Things", "Things v2")).unwrap();
    mock.wait_for("reloaded");
    assert_eq!(read("t2"), 200);
}

#[test]
fn an_admin_prefix_over_a_spec_path_or_bad_seed_data_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("api.yaml");
    std::fs::write(&spec, "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /__specforge/x:\n    get:\n      responses: {'200': {description: ok}}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_specforge-mock"))
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("GET /__specforge/x") && err.contains("--admin-prefix"),
        "{err}"
    );
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, r#"{"/nowhere": [{}]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_specforge-mock"))
        .arg(&spec)
        .args(["--admin-prefix", "/_admin", "--stateful", "--seed-data"])
        .arg(&seed)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("seed data for /nowhere"), "{err}");
}

/// The `THP_enabled` flag of a running process, where the kernel reports it.
fn huge_pages_allowed(pid: u32) -> Option<bool> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("THP_enabled:"))?;
    Some(line.split_whitespace().nth(1)? != "0")
}

#[test]
fn the_mock_runs_without_transparent_huge_pages() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("api.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let (mock, _url) = Mock::start(&spec);
    // this test's own process is the control: the flag is per process, and
    // inherited, so a test run that already has it off proves nothing
    let (ours, theirs) = (
        huge_pages_allowed(std::process::id()),
        huge_pages_allowed(mock.child.id()),
    );
    if ours != Some(true) {
        eprintln!(
            "skipped: this kernel does not report THP_enabled, or the test runs without huge pages"
        );
        return;
    }
    assert_eq!(
        theirs,
        Some(false),
        "specforge-mock must turn huge pages off"
    );
}
