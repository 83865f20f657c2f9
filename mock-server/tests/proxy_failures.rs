//! The proxy against upstreams that fail: every exchange is a report line and is
//! counted, a hanging upstream answers 504 within the timeout, a body past the cap
//! streams through and is a violation, and exchanges in flight at shutdown are
//! reported as cut.

use serde_json::Value;
use specforge_mock::proxy::{ProxyHandle, ProxyOptions};
use specforge_mock::serve::{serve, Ended, ServeOptions};
use specforge_mock::{MockOptions, MockState};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn strict_api() -> specforge::Api {
    specforge::load_api(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures_strict.yaml"))
        .unwrap()
}

/// A raw TCP upstream: for every connection, read the request head, then run `answer`.
async fn raw_upstream<F, Fut>(answer: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                answer(stream).await;
            });
        }
    });
    format!("http://{addr}")
}

struct Running {
    url: String,
    handle: ProxyHandle,
    report: tempfile::NamedTempFile,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    ended: tokio::task::JoinHandle<Ended>,
}

async fn proxy(
    upstream: &str,
    configure: impl FnOnce(&mut ProxyOptions),
    grace: Duration,
) -> Running {
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut options = ProxyOptions::new(upstream);
    options.report = Some(report.path().to_path_buf());
    configure(&mut options);
    let state = MockState::new(strict_api(), MockOptions::default());
    let (app, handle) = specforge_mock::proxy::proxy_router(state, options).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serve_options = ServeOptions {
        grace,
        ..ServeOptions::default()
    };
    let ended = tokio::spawn(async move {
        serve(listener, app, &serve_options, async {
            let _ = rx.await;
        })
        .await
    });
    Running {
        url: format!("http://{addr}/v1"),
        handle,
        report,
        stop: Some(tx),
        ended,
    }
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn get(url: &str) -> (u16, Vec<u8>) {
    let client = reqwest::Client::new();
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default(),
    )
}

async fn one_failure(upstream: &str, timeout: Duration) -> (u16, Value, ProxyHandle) {
    let running = proxy(
        upstream,
        |o| o.upstream_timeout = timeout,
        Duration::from_secs(1),
    )
    .await;
    let (status, body) = get(&format!("{}/pets?limit=3", running.url)).await;
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("upstream"),
        "{problem}"
    );
    let lines = lines(running.report.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["operation"], "list_pets");
    assert_eq!(lines[0]["status"], status);
    (status, lines[0].clone(), running.handle)
}

#[tokio::test]
async fn a_refusing_upstream_is_a_502_and_a_report_line() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (status, line, handle) = one_failure(&upstream, Duration::from_secs(5)).await;
    assert_eq!(status, 502);
    assert_eq!(line["upstream_error"]["kind"], "refused", "{line}");
    assert_eq!(handle.stats().upstream_errors.load(Ordering::Relaxed), 1);
    assert!(
        handle.stats().failed(),
        "--fail-on-violation must fail on it"
    );
}

#[tokio::test]
async fn an_upstream_that_resets_mid_body_is_a_502_and_a_report_line() {
    let upstream = raw_upstream(|mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n[{\"id\":1")
            .await;
        let _ = s.shutdown().await;
    })
    .await;
    let (status, line, _) = one_failure(&upstream, Duration::from_secs(5)).await;
    assert_eq!(status, 502);
    assert_eq!(line["upstream_error"]["kind"], "reset", "{line}");
}

#[tokio::test]
async fn an_upstream_that_answers_something_else_than_http_is_a_502_and_a_report_line() {
    let upstream = raw_upstream(|mut s| async move {
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
        let _ = s.shutdown().await;
    })
    .await;
    let (status, line, _) = one_failure(&upstream, Duration::from_secs(5)).await;
    assert_eq!(status, 502);
    assert_eq!(line["upstream_error"]["kind"], "protocol", "{line}");
}

#[tokio::test]
async fn a_hanging_upstream_is_a_504_after_the_upstream_timeout() {
    let upstream = raw_upstream(|s| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(s);
    })
    .await;
    let started = Instant::now();
    let (status, line, _) = one_failure(&upstream, Duration::from_millis(500)).await;
    assert_eq!(status, 504);
    assert_eq!(line["upstream_error"]["kind"], "timeout", "{line}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_body_that_stalls_after_the_head_is_a_504() {
    let upstream = raw_upstream(|mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n[")
            .await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let (status, line, _) = one_failure(&upstream, Duration::from_millis(500)).await;
    assert_eq!(status, 504);
    assert_eq!(line["upstream_error"]["kind"], "timeout", "{line}");
}

#[tokio::test]
async fn a_body_past_the_cap_streams_through_whole_and_is_a_violation() {
    // a valid list of 2000 pets, about 60 kB, against a 4 kB cap
    let items: Vec<String> = (1..=2000)
        .map(|i| format!("{{\"id\":{i},\"name\":\"pet number {i}\"}}"))
        .collect();
    let body = format!("[{}]", items.join(","));
    let expected = body.clone();
    let upstream = raw_upstream(move |mut s| {
        let body = body.clone();
        async move {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes()).await;
            for chunk in body.as_bytes().chunks(1000) {
                let _ = s.write_all(chunk).await;
            }
            let _ = s.shutdown().await;
        }
    })
    .await;
    let running = proxy(
        &upstream,
        |o| o.max_validated_body = 4096,
        Duration::from_secs(1),
    )
    .await;
    let (status, got) = get(&format!("{}/pets?limit=3", running.url)).await;
    assert_eq!(status, 200);
    assert_eq!(
        got,
        expected.as_bytes(),
        "the client gets the upstream body unchanged"
    );
    // the line is written when the stream ends, just after the client read it
    let mut report = Vec::new();
    for _ in 0..50 {
        report = lines(running.report.path());
        if !report.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(report.len(), 1);
    let violations = report[0]["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0]["location"], "response.body");
    assert!(violations[0]["message"].as_str().unwrap().contains("4096"));
    assert!(report[0].get("upstream_error").is_none());
}

#[tokio::test]
async fn exchanges_in_flight_at_shutdown_are_reported_as_cut_after_the_grace_period() {
    let upstream = raw_upstream(|s| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(s);
    })
    .await;
    let mut running = proxy(&upstream, |_| {}, Duration::from_millis(300)).await;
    let url = format!("{}/pets?limit=3", running.url);
    let client = tokio::spawn(async move { reqwest::Client::new().get(url).send().await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    running.stop.take().unwrap().send(()).unwrap();
    let ended = (&mut running.ended).await.unwrap();
    assert_eq!(ended, Ended::Cut);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(running.handle.abandon_in_flight(), 1);
    let report = lines(running.report.path());
    assert_eq!(report.len(), 1);
    assert_eq!(report[0]["upstream_error"]["kind"], "shutdown");
    assert_eq!(running.handle.stats().exchanges.load(Ordering::Relaxed), 1);
    client.abort();
}

#[tokio::test]
async fn an_idle_proxy_drains_at_once() {
    let mut running = proxy("http://127.0.0.1:9", |_| {}, Duration::from_secs(5)).await;
    running.stop.take().unwrap().send(()).unwrap();
    assert_eq!((&mut running.ended).await.unwrap(), Ended::Drained);
    assert_eq!(running.handle.abandon_in_flight(), 0);
}
