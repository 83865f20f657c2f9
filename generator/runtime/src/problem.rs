//! RFC 9457 problem+json bodies, and bounded echoes of offending values.

use serde_json::{json, Value};

/// The media type of a problem body.
pub const MEDIA_TYPE: &str = "application/problem+json";

/// The largest request body a server reads (64 MiB).
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// How many bytes of an offending value a message repeats.
pub const ECHO_LIMIT: usize = 256;

/// One broken rule: where (`query.page`, `body/name`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where, as `location.name` or a body pointer.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

/// A problem body with a list of violations.
pub fn body(status: u16, title: &str, detail: &str, violations: &[Violation]) -> Value {
    let list: Vec<Value> = violations
        .iter()
        .map(|v| json!({ "location": v.location, "message": truncate(&v.message, 4 * ECHO_LIMIT) }))
        .collect();
    json!({
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": truncate(detail, 4 * ECHO_LIMIT),
        "violations": list,
    })
}

/// `text` cut to at most `max` bytes (on a character boundary), saying how long
/// it was when it was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

/// A value quoted for a message, bounded by [`ECHO_LIMIT`].
pub fn echo(text: &str) -> String {
    truncate(&format!("{text:?}"), ECHO_LIMIT)
}
