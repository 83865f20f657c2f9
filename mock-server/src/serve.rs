//! The HTTP server loop the mock and the proxy run on: hyper with header and
//! body read deadlines (a client that trickles bytes is cut, not waited for),
//! and a graceful shutdown with a bounded grace period.

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// Deadlines of the server loop.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Longest wait for a request's header block (from the first byte, or from the
    /// end of the previous request on a kept-alive connection).
    pub header_timeout: Duration,
    /// Longest wait for the next chunk of a request body; a request that stalls
    /// answers 408.
    pub body_timeout: Duration,
    /// After the shutdown signal: how long in-flight requests may take before their
    /// connections are cut.
    pub grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            grace: Duration::from_secs(5),
        }
    }
}

/// How the server loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every in-flight request finished within the grace period.
    Drained,
    /// The grace period ran out; the remaining connections were cut.
    Cut,
}

/// Serve `app` on `listener` until `shutdown` resolves, then drain for at most
/// `options.grace`.
pub async fn serve<F>(
    listener: TcpListener,
    app: Router,
    options: &ServeOptions,
    shutdown: F,
) -> Ended
where
    F: Future<Output = ()>,
{
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        options.body_timeout,
    ));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(None);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // out of descriptors and the like: log, breathe, go on
                    tracing::warn!(target: "specforge_mock", "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // a client that goes away or breaks HTTP ends only its own connection
            let _ = connection.await;
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => Ended::Drained,
        () = tokio::time::sleep(options.grace) => Ended::Cut,
    }
}
