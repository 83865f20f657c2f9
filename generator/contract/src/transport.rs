//! What went wrong on the way to a server, named once for `verify` and the proxy.

use std::time::Duration;

/// Why an exchange with a server produced no usable response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No answer (or no next body chunk) within the time allowed.
    Timeout,
    /// A redirect that was not followed.
    Redirect,
    /// The server refused the connection.
    Refused,
    /// The connection was reset or closed mid-exchange.
    Reset,
    /// The TLS handshake failed.
    Tls,
    /// Any other failure to connect (DNS, unreachable network).
    Connect,
    /// The server answered something that is not HTTP.
    Protocol,
    /// The response body could not be read.
    Body,
    /// The response body is larger than the limit.
    TooLarge,
    /// The request could not be sent.
    Send,
}

impl Failure {
    /// The short name reports use (`upstream_error.kind`).
    pub fn kind(self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Redirect => "redirect",
            Failure::Refused => "refused",
            Failure::Reset => "reset",
            Failure::Tls => "tls",
            Failure::Connect => "connect",
            Failure::Protocol => "protocol",
            Failure::Body => "body",
            Failure::TooLarge => "too_large",
            Failure::Send => "send",
        }
    }

    /// A phrase for people.
    pub fn describe(self, timeout: Duration) -> String {
        match self {
            Failure::Timeout => format!("timed out after {} s", timeout.as_secs_f64()),
            Failure::Redirect => "a redirect that is not followed".into(),
            Failure::Refused => "connection refused".into(),
            Failure::Reset => "connection reset".into(),
            Failure::Tls => "TLS failed".into(),
            Failure::Connect => "cannot connect".into(),
            Failure::Protocol => "the answer is not HTTP".into(),
            Failure::Body => "the response could not be read".into(),
            Failure::TooLarge => "the response is larger than the limit".into(),
            Failure::Send => "the request could not be sent".into(),
        }
    }
}

/// Classify a reqwest error, walking its sources (io error kinds first, then hyper's words).
pub fn classify(e: &reqwest::Error) -> Failure {
    if e.is_timeout() {
        return Failure::Timeout;
    }
    if e.is_redirect() {
        return Failure::Redirect;
    }
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut words = String::new();
    while let Some(c) = cur {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => return Failure::Refused,
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                    return Failure::Reset
                }
                K::TimedOut => return Failure::Timeout,
                _ => {}
            }
        }
        words.push_str(&c.to_string().to_ascii_lowercase());
        words.push(' ');
        cur = c.source();
    }
    if words.contains("refused") {
        Failure::Refused
    } else if words.contains("reset")
        || words.contains("closed before")
        || words.contains("incomplete")
    {
        Failure::Reset
    } else if words.contains("certificate") || words.contains("tls") {
        Failure::Tls
    } else if words.contains("invalid http")
        || words.contains("parse")
        || words.contains("invalid status")
    {
        Failure::Protocol
    } else if e.is_connect() {
        Failure::Connect
    } else if e.is_body() || e.is_decode() {
        Failure::Body
    } else {
        Failure::Send
    }
}

/// `classify` plus the error's source chain, for a message that names the cause.
pub fn explain(e: &reqwest::Error, timeout: Duration) -> (Failure, String) {
    let failure = classify(e);
    let mut chain = String::new();
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(c) = cur {
        chain.push_str(": ");
        chain.push_str(&c.to_string());
        cur = c.source();
    }
    (failure, format!("{}{chain}", failure.describe(timeout)))
}
