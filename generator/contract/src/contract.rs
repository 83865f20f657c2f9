//! Judging a real exchange against the spec: is the status documented, the media
//! type documented, every required documented header present and valid, and the
//! body valid against its schema? Used by `specforge verify` and by the mock's
//! proxy mode.

use crate::check::{Checker, Direction, SchemaSet, Violation};
use serde_json::Value;
use specforge::ir::{Api, Operation};

/// Checks responses of one API (schemas compiled once, on first use).
pub struct ResponseJudge {
    set: SchemaSet,
}

impl ResponseJudge {
    /// A judge for `api`.
    pub fn new(api: &Api) -> Self {
        Self {
            set: SchemaSet::new(api, Direction::Response),
        }
    }

    fn checker(&self, schema: &Value) -> Checker {
        self.set.compile(schema).0
    }

    /// Violations of one response to `op`. `headers` are (lower-case name, value).
    pub fn check(
        &self,
        op: &Operation,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Vec<Violation> {
        self.judge(op, status, headers, Some(body))
    }

    /// Violations of a response whose body was not read (too large to hold):
    /// status, headers and media type only.
    pub fn check_head(
        &self,
        op: &Operation,
        status: u16,
        headers: &[(String, String)],
    ) -> Vec<Violation> {
        self.judge(op, status, headers, None)
    }

    fn judge(
        &self,
        op: &Operation,
        status: u16,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Vec<Violation> {
        let mut out = Vec::new();
        let Some(response) = op.response_for(status) else {
            let listed: Vec<String> = op.responses.iter().map(|r| r.status.label()).collect();
            out.push(Violation {
                location: "response.status".into(),
                message: format!(
                    "status {status} is not documented (documented: {})",
                    listed.join(", ")
                ),
            });
            return out;
        };
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        for h in &response.headers {
            match header(&h.name) {
                None if h.required => out.push(Violation {
                    location: format!("response.header.{}", h.name),
                    message: "the required header is missing".into(),
                }),
                None => {}
                Some(text) => {
                    let value = match serde_json::from_str::<Value>(text) {
                        Ok(v)
                            if !v.is_string()
                                && h.json_schema.get("type").and_then(Value::as_str)
                                    != Some("string") =>
                        {
                            v
                        }
                        _ => Value::String(text.to_string()),
                    };
                    for v in self.checker(&h.json_schema).check(&value, "") {
                        out.push(Violation {
                            location: format!("response.header.{}{}", h.name, v.location),
                            message: v.message,
                        });
                    }
                }
            }
        }
        if response.content.is_empty() {
            return out;
        }
        if body.is_some_and(<[u8]>::is_empty) && status == 204 {
            return out;
        }
        let ct = header("content-type").unwrap_or("");
        let mt = specforge_runtime::media::essence(ct);
        let media = response
            .content
            .iter()
            .find(|m| specforge_runtime::media::range_matches(&m.media_type, &mt));
        let Some(media) = media else {
            let listed: Vec<&str> = response
                .content
                .iter()
                .map(|m| m.media_type.as_str())
                .collect();
            out.push(Violation {
                location: "response.header.content-type".into(),
                message: format!(
                    "media type {mt:?} is not documented for status {status} (documented: {})",
                    listed.join(", ")
                ),
            });
            return out;
        };
        let Some(body) = body else {
            return out;
        };
        if specforge_runtime::media::classify(&mt).is_json() || media.kind.is_json() {
            match serde_json::from_slice::<Value>(body) {
                Err(e) => out.push(Violation {
                    location: "response.body".into(),
                    message: format!("the body is not valid JSON: {e}"),
                }),
                Ok(v) => {
                    if let Some(schema) = &media.json_schema {
                        out.extend(self.checker(schema).check(&v, "response.body"));
                    }
                }
            }
        }
        out
    }
}
