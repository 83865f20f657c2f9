//! The request journal: the last exchanges the mock answered (bounded), for the
//! admin API and the dashboard, and per-operation hit counts.

use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};

/// Bodies in the journal are cut at this many bytes.
pub const BODY_SHOWN: usize = 4096;

/// One side of an exchange.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// Headers, in order (names lowercase).
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), cut at [`BODY_SHOWN`] bytes.
    pub body: String,
    /// The body's full size in bytes.
    pub body_size: usize,
}

impl Message {
    /// A message from its headers and body bytes.
    pub fn new(headers: &axum::http::HeaderMap, body: &[u8]) -> Self {
        let cut = &body[..body.len().min(BODY_SHOWN)];
        Self {
            headers: headers
                .iter()
                .map(|(k, v)| {
                    let shown = if is_secret(k.as_str()) {
                        "<redacted>".to_string()
                    } else {
                        String::from_utf8_lossy(v.as_bytes()).into_owned()
                    };
                    (k.as_str().to_string(), shown)
                })
                .collect(),
            body: String::from_utf8_lossy(cut).into_owned(),
            body_size: body.len(),
        }
    }
}

/// Credentials are never shown in the journal.
fn is_secret(header: &str) -> bool {
    matches!(
        header,
        "authorization" | "cookie" | "proxy-authorization" | "x-api-key" | "circle-token"
    ) || header.contains("token")
        || header.contains("secret")
}

/// One exchange.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Increasing id (for "since" polling).
    pub id: u64,
    /// When it was answered (RFC 3339, UTC).
    pub time: String,
    /// HTTP method.
    pub method: String,
    /// Path and query as sent.
    pub path: String,
    /// The operation (IR name), or `-` when none matched.
    pub operation: String,
    /// The status answered.
    pub status: u16,
    /// The session (`X-Specforge-Session`, else `default`).
    pub session: String,
    /// How the request broke the spec (`location: message`), when it did.
    pub violations: Vec<String>,
    /// Milliseconds spent answering.
    pub duration_ms: f64,
    /// The request.
    pub request: Message,
    /// The response.
    pub response: Message,
}

/// Filters of the journal and count endpoints.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Only this operation.
    pub operation: Option<String>,
    /// Only this status.
    pub status: Option<u16>,
    /// Only this method (any case).
    pub method: Option<String>,
    /// Only this session.
    pub session: Option<String>,
    /// Only entries whose request body contains this text.
    pub body_contains: Option<String>,
    /// Only entries after this id.
    pub since: Option<u64>,
}

impl Filter {
    /// Does `e` pass?
    pub fn keeps(&self, e: &Entry) -> bool {
        self.operation.as_ref().is_none_or(|o| *o == e.operation)
            && self.status.is_none_or(|s| s == e.status)
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&e.method))
            && self.session.as_ref().is_none_or(|s| *s == e.session)
            && self
                .body_contains
                .as_ref()
                .is_none_or(|t| e.request.body.contains(t.as_str()))
            && self.since.is_none_or(|id| e.id > id)
    }

    /// A filter from query pairs (`operation`, `status`, `method`, `session`,
    /// `body_contains`, `since`). Unknown keys and unparsable numbers are errors.
    pub fn from_query(pairs: &[(String, String)]) -> Result<(Self, Option<usize>), String> {
        let mut f = Filter::default();
        let mut limit = None;
        for (k, v) in pairs {
            match k.as_str() {
                "operation" => f.operation = Some(v.clone()),
                "status" => {
                    f.status = Some(v.parse().map_err(|_| format!("status {v:?} is not a number"))?)
                }
                "method" => f.method = Some(v.clone()),
                "session" => f.session = Some(v.clone()),
                "body_contains" => f.body_contains = Some(v.clone()),
                "since" => {
                    f.since = Some(v.parse().map_err(|_| format!("since {v:?} is not a number"))?)
                }
                "limit" => {
                    limit = Some(v.parse().map_err(|_| format!("limit {v:?} is not a number"))?)
                }
                other => {
                    return Err(format!(
                        "unknown filter {other:?} (operation, status, method, session, body_contains, since, limit)"
                    ))
                }
            }
        }
        Ok((f, limit))
    }
}

/// The last `capacity` exchanges and hit counts per operation.
#[derive(Debug)]
pub struct Journal {
    entries: VecDeque<Entry>,
    capacity: usize,
    next_id: u64,
    hits: HashMap<String, u64>,
}

impl Journal {
    /// An empty journal keeping `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity,
            next_id: 1,
            hits: HashMap::new(),
        }
    }

    /// Record an exchange (its id is assigned here).
    pub fn record(&mut self, mut e: Entry) {
        *self.hits.entry(e.operation.clone()).or_default() += 1;
        if self.capacity == 0 {
            return;
        }
        e.id = self.next_id;
        self.next_id += 1;
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(e);
    }

    /// Matching entries, newest first, at most `limit`.
    pub fn list(&self, filter: &Filter, limit: usize) -> Vec<&Entry> {
        self.entries
            .iter()
            .rev()
            .filter(|e| filter.keeps(e))
            .take(limit)
            .collect()
    }

    /// How many entries match.
    pub fn count(&self, filter: &Filter) -> usize {
        self.entries.iter().filter(|e| filter.keeps(e)).count()
    }

    /// Forget every entry and hit.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.hits.clear();
    }

    /// Requests answered per operation since start (or the last clear).
    pub fn hits(&self) -> &HashMap<String, u64> {
        &self.hits
    }

    /// The journal as JSON for the admin API.
    pub fn to_json(entries: &[&Entry]) -> Value {
        serde_json::to_value(entries).unwrap_or(Value::Null)
    }
}
