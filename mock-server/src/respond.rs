//! Choosing and rendering a response: status (`Prefer: code=`), media type
//! (`Accept`), body (valid spec example, or generated data), documented headers.

use crate::state::{CompiledMedia, CompiledOp, CompiledResponse, MockState};
use serde_json::Value;
use specforge::ir::MediaKind;
use specforge::ir::Operation;
use specforge_contract::check::Direction;
use specforge_contract::datagen::{stable_hash, Generator};

/// What the client asked for through `Prefer` (or Prism's `__code`, `__example`, `__dynamic`).
#[derive(Debug, Default, Clone)]
pub struct Preferences {
    /// `code=NNN`.
    pub code: Option<u16>,
    /// `example=NAME`.
    pub example: Option<String>,
    /// `dynamic=true`.
    pub dynamic: Option<bool>,
    /// `delay=MS`.
    pub delay_ms: Option<u64>,
    /// Preferences that were asked for but make no sense: (where, why).
    pub invalid: Vec<(String, String)>,
}

impl Preferences {
    /// Read the `Prefer` header and the `__` query parameters (the latter win).
    pub fn read(prefer: Option<&str>, query: &[(String, String)]) -> Self {
        let mut p = Preferences::default();
        for token in prefer.unwrap_or("").split([',', ';']) {
            let Some((k, v)) = token.trim().split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"');
            let at = "header.prefer";
            match k.trim().to_ascii_lowercase().as_str() {
                "code" => p.code = p.status(at, "code", v),
                "example" => p.example = Some(v.to_string()),
                "dynamic" => p.dynamic = p.flag(at, "dynamic", v),
                "delay" => p.delay_ms = p.delay(at, v),
                _ => {}
            }
        }
        for (k, v) in query {
            let at = format!("query.{k}");
            match k.as_str() {
                "__code" => p.code = p.status(&at, "__code", v),
                "__example" => p.example = Some(v.clone()),
                "__dynamic" => p.dynamic = p.flag(&at, "__dynamic", v),
                _ => {}
            }
        }
        p
    }

    fn refuse(&mut self, at: &str, why: String) {
        self.invalid.push((at.to_string(), why));
    }

    fn status(&mut self, at: &str, key: &str, v: &str) -> Option<u16> {
        match v.parse::<u16>() {
            Ok(c) if (100..=599).contains(&c) => Some(c),
            _ => {
                let why = format!(
                    "{key}={} is not an HTTP status (100-599)",
                    specforge_runtime::problem::echo(v)
                );
                self.refuse(at, why);
                None
            }
        }
    }

    fn flag(&mut self, at: &str, key: &str, v: &str) -> Option<bool> {
        match v {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                let why = format!(
                    "{key}={} is not true or false",
                    specforge_runtime::problem::echo(v)
                );
                self.refuse(at, why);
                None
            }
        }
    }

    fn delay(&mut self, at: &str, v: &str) -> Option<u64> {
        match v.parse::<u64>() {
            Ok(ms) if ms <= 60_000 => Some(ms),
            _ => {
                let why = format!(
                    "delay={} is not a number of milliseconds up to 60000",
                    specforge_runtime::problem::echo(v)
                );
                self.refuse(at, why);
                None
            }
        }
    }
}

/// A rendered response.
pub struct Rendered {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// Why no documented response could be rendered.
pub enum NoResponse {
    /// The requested status is not documented (400).
    Status(String),
    /// No documented media type fits `Accept` (406).
    NotAcceptable(String),
    /// The requested example does not exist (400).
    Example(String),
    /// Generated data kept breaking the schema (500; a bug worth reporting).
    Generation(String),
}

/// Pick the response for a status preference: the IR's `response_for`, or its
/// usual response when none is asked for.
pub fn choose<'c>(
    op: &Operation,
    compiled: &'c CompiledOp,
    code: Option<u16>,
) -> Result<(&'c CompiledResponse, u16), NoResponse> {
    let rs = &compiled.responses;
    if let Some(code) = code {
        return op
            .response_index_for(code)
            .map(|i| (&rs[i], code))
            .ok_or_else(|| {
                let documented: Vec<String> = rs.iter().map(|r| r.status.label()).collect();
                NoResponse::Status(format!(
                    "status {code} is not documented for this operation (documented: {})",
                    documented.join(", ")
                ))
            });
    }
    op.usual_response()
        .map(|(i, status)| (&rs[i], status))
        .ok_or_else(|| NoResponse::Status("the operation documents no response".into()))
}

/// The media type to answer with, by `Accept`. `Ok(None)` when the response has no body.
pub fn negotiate<'c>(
    response: &'c CompiledResponse,
    accept: Option<&str>,
) -> Result<Option<&'c CompiledMedia>, NoResponse> {
    if response.media.is_empty() {
        return Ok(None);
    }
    // JSON first, then document order
    let mut offered: Vec<&CompiledMedia> = response.media.iter().collect();
    offered.sort_by_key(|m| !m.kind.is_json());
    let types: Vec<&str> = offered.iter().map(|m| m.media_type.as_str()).collect();
    if let Some(i) = specforge_runtime::media::negotiate(accept, &types) {
        return Ok(Some(offered[i]));
    }
    let accept = accept.unwrap_or("");
    let available: Vec<&str> = response
        .media
        .iter()
        .map(|m| m.media_type.as_str())
        .collect();
    Err(NoResponse::NotAcceptable(format!(
        "none of {accept:?} is documented; available: {}",
        available.join(", ")
    )))
}

/// Render the body and headers.
#[allow(clippy::too_many_arguments)]
pub fn render(
    state: &MockState,
    compiled: &CompiledOp,
    response: &CompiledResponse,
    status: u16,
    media: Option<&CompiledMedia>,
    prefs: &Preferences,
    request_key: &str,
    query: &[(String, String)],
) -> Result<Rendered, NoResponse> {
    let op = &state.api.operations[compiled.index];
    let dynamic = prefs.dynamic.unwrap_or(state.options.dynamic);
    let seed = stable_hash(&[
        &state.options.seed.to_string(),
        &op.name,
        request_key,
        &status.to_string(),
    ]);
    let mut headers = Vec::new();
    let mut body = Vec::new();
    if let Some(m) = media {
        let mt = if m.media_type.contains('*') {
            "application/octet-stream".to_string()
        } else {
            m.media_type.clone()
        };
        headers.push(("content-type".to_string(), mt.clone()));
        body = body_for(state, m, &mt, prefs, dynamic, seed)?;
        // a list that pages: the page the request asks for, out of a finite list
        let paged = op.pagination.as_ref().is_some_and(|p| p.status == status)
            && m.kind.is_json()
            && prefs.example.is_none();
        if paged {
            if let Some(page) = serde_json::from_slice(&body)
                .ok()
                .and_then(|v| crate::paging::page(state, op, m, query, &v, None))
            {
                body = serde_json::to_vec(&page).unwrap_or(body);
            }
        }
    } else if let Some(mt) = response.empty_body_media.first() {
        // no body, but a documented media type: say it, as a strict reader expects
        headers.push(("content-type".to_string(), mt.clone()));
    }
    let mut g = Generator::new(
        state.response_set.defs(),
        seed ^ 0x9e37_79b9,
        Direction::Response,
    );
    for (name, schema) in &response.headers {
        let v = g.value_named(schema, name);
        headers.push((
            name.to_ascii_lowercase(),
            specforge_contract::requests::param_text(&v),
        ));
    }
    if op.deprecated {
        headers.push(("deprecation".into(), "true".into()));
    }
    Ok(Rendered {
        status,
        headers,
        body,
    })
}

fn body_for(
    state: &MockState,
    m: &CompiledMedia,
    mt: &str,
    prefs: &Preferences,
    dynamic: bool,
    seed: u64,
) -> Result<Vec<u8>, NoResponse> {
    let kind = m.kind;
    // a named example was asked for
    if let Some(name) = &prefs.example {
        return match m.examples.get(name) {
            Some(v) => Ok(encode(v, kind)),
            None => {
                let names: Vec<&str> = m.examples.keys().map(String::as_str).collect();
                Err(NoResponse::Example(format!(
                    "no valid example named {name:?} for {mt} (valid examples: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                )))
            }
        };
    }
    if !dynamic {
        if let Some(v) = m.examples.values().next() {
            return Ok(encode(v, kind));
        }
    }
    let lower = mt.to_ascii_lowercase();
    match kind {
        MediaKind::EventStream => Ok(event_stream(state, m, seed)),
        MediaKind::Json | MediaKind::JsonSuffix | MediaKind::Form | MediaKind::Multipart => {
            let Some(schema) = &m.schema else {
                let mut g = Generator::new(state.response_set.defs(), seed, Direction::Response);
                return Ok(
                    serde_json::to_vec(&serde_json::json!({ "message": g.sentence() }))
                        .unwrap_or_default(),
                );
            };
            for attempt in 0..8u64 {
                let mut g = Generator::new(
                    state.response_set.defs(),
                    seed.wrapping_add(attempt.wrapping_mul(0x1000_0000_01b3)),
                    Direction::Response,
                );
                let v = g.value(schema);
                if m.checker.as_ref().is_none_or(|c| c.is_valid(&v)) {
                    return Ok(serde_json::to_vec(&v).unwrap_or_default());
                }
            }
            Err(NoResponse::Generation(format!(
                "could not generate a {mt} body that satisfies its schema"
            )))
        }
        MediaKind::Text | MediaKind::Xml => Ok(text_body(state, m, &lower, seed).into_bytes()),
        MediaKind::Binary => {
            let mut g = Generator::new(state.response_set.defs(), seed, Direction::Response);
            Ok(g.bytes(64))
        }
    }
}

fn encode(v: &Value, kind: MediaKind) -> Vec<u8> {
    match (kind, v) {
        (MediaKind::Json | MediaKind::JsonSuffix, v) => serde_json::to_vec(v).unwrap_or_default(),
        (_, Value::String(s)) => s.clone().into_bytes(),
        (_, other) => other.to_string().into_bytes(),
    }
}

fn text_body(state: &MockState, m: &CompiledMedia, lower: &str, seed: u64) -> String {
    let mut g = Generator::new(state.response_set.defs(), seed, Direction::Response);
    let word = g
        .sentence()
        .split_whitespace()
        .next()
        .unwrap_or("specforge")
        .trim_matches('.')
        .to_lowercase();
    if lower.contains("svg") {
        return format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"96\" height=\"20\"><rect width=\"96\" height=\"20\" fill=\"#4c1\"/><text x=\"8\" y=\"14\" fill=\"#fff\">{word}</text></svg>"
        );
    }
    if lower.contains("xml") {
        return format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><item name=\"{word}\">{}</item></response>", g.sentence());
    }
    if lower.contains("html") {
        return format!("<!DOCTYPE html>\n<html><head><title>{word}</title></head><body><p>{}</p></body></html>", g.sentence());
    }
    // a string schema (with its format, pattern, lengths) where there is one
    if let Some(schema) = &m.schema {
        if let Value::String(s) = g.value(schema) {
            return s;
        }
    }
    g.sentence()
}

fn event_stream(state: &MockState, m: &CompiledMedia, seed: u64) -> Vec<u8> {
    let mut g = Generator::new(state.response_set.defs(), seed, Direction::Response);
    let mut out = String::new();
    for id in 1..=3 {
        let data = match &m.schema {
            Some(s) => serde_json::to_string(&g.value(s)).unwrap_or_default(),
            None => g.sentence(),
        };
        out.push_str(&format!("id: {id}\nevent: message\ndata: {data}\n\n"));
    }
    out.into_bytes()
}
