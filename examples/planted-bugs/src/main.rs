//! `planted-bugs-example [PORT]`: serve the planted-bug server on 127.0.0.1 (default 8009).

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8009);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free");
    println!(
        "planted bugs on http://{}",
        listener.local_addr().expect("bound")
    );
    axum::serve(listener, planted_bugs_example::app())
        .await
        .expect("serves");
}
