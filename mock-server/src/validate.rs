//! Request validation: parameters (coerced from text by their schema's type),
//! bodies (media type, JSON syntax, schema), and credentials.

use crate::state::{CompiledOp, MockState};
use axum::http::HeaderMap;
use serde_json::{Map, Value};
use specforge::ir::{Operation, ParamLocation, ParamStyle, SecurityScheme};
use specforge_contract::check::Violation;

/// Why a request was refused.
pub enum Refusal {
    /// 400: parameters or body break the schema (or the body is not valid JSON).
    Invalid(Vec<Violation>),
    /// 415: the body's media type is not documented.
    MediaType(Violation),
    /// 401: none of the security alternatives is satisfied.
    Unauthorized(Vec<String>),
}

/// The decoded pieces of a request.
pub struct RequestParts<'r> {
    /// Path captures, decoded, by parameter name.
    pub path: Vec<(String, String)>,
    /// Query pairs, decoded.
    pub query: &'r [(String, String)],
    /// Headers.
    pub headers: &'r HeaderMap,
    /// Cookies.
    pub cookies: Vec<(String, String)>,
    /// The body bytes.
    pub body: &'r [u8],
}

/// Decode `a=b&c=d` (with `+` as space).
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
        })
        .collect()
}

/// Percent-decode.
pub fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Cookies from the `Cookie` headers.
pub fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            c.trim()
                .split_once('=')
                .map(|(k, v)| (k.to_string(), decode(v)))
        })
        .collect()
}

/// The `type` of a schema, following `$ref`s into the definitions.
pub fn schema_type(state: &MockState, schema: &Value) -> Option<String> {
    let mut cur = schema;
    for _ in 0..8 {
        match cur.get("type") {
            Some(Value::String(t)) => return Some(t.clone()),
            Some(Value::Array(ts)) => {
                return ts
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|t| *t != "null")
                    .map(str::to_string)
            }
            _ => {}
        }
        let next = cur
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|n| state.request_set.defs().get(n))
            .or_else(|| cur.get("allOf").and_then(|a| a.get(0)));
        match next {
            Some(n) => cur = n,
            None => return None,
        }
    }
    None
}

fn items_schema<'v>(state: &'v MockState, schema: &'v Value) -> Option<&'v Value> {
    let mut cur = schema;
    for _ in 0..8 {
        if let Some(items) = cur.get("items") {
            return Some(items);
        }
        cur = cur
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|n| state.request_set.defs().get(n))?;
    }
    None
}

/// Text to the JSON value the schema expects (`"5"` -> `5` for integers).
/// Text that cannot be coerced stays a string, so that the validator names the problem.
pub fn coerce(state: &MockState, schema: &Value, text: &str) -> Value {
    match schema_type(state, schema).as_deref() {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.into())),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.into())),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.into()),
        },
        Some("object") | Some("array") => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()))
        }
        Some("null") if text.is_empty() || text == "null" => Value::Null,
        _ => Value::String(text.into()),
    }
}

fn coerce_list(state: &MockState, schema: &Value, values: Vec<&str>) -> Value {
    let items = items_schema(state, schema).cloned().unwrap_or(Value::Null);
    Value::Array(
        values
            .into_iter()
            .map(|v| coerce(state, &items, v))
            .collect(),
    )
}

/// Check parameters and body; `Ok(())` when the request conforms.
pub fn validate(
    state: &MockState,
    op: &Operation,
    compiled: &CompiledOp,
    parts: &RequestParts<'_>,
) -> Result<(), Refusal> {
    let mut violations = Vec::new();
    for (p, checker) in op.parameters.iter().zip(&compiled.params) {
        let location = format!("{}.{}", p.location.as_str(), p.name);
        let is_array = schema_type(state, &p.json_schema).as_deref() == Some("array");
        let raw: Vec<&str> = match p.location {
            ParamLocation::Path => parts
                .path
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.as_str())
                .collect(),
            ParamLocation::Query => parts
                .query
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.as_str())
                .collect(),
            ParamLocation::Header => parts
                .headers
                .get_all(p.name.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect(),
            ParamLocation::Cookie => parts
                .cookies
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.as_str())
                .collect(),
        };
        if raw.is_empty() {
            if p.required {
                violations.push(Violation {
                    location,
                    message: format!("the required {} parameter is missing", p.location.as_str()),
                });
            }
            continue;
        }
        let value = if is_array {
            let sep = match p.style {
                ParamStyle::SpaceDelimited => ' ',
                ParamStyle::PipeDelimited => '|',
                _ => ',',
            };
            let values: Vec<&str> = if p.location == ParamLocation::Query && p.explode {
                raw
            } else {
                raw[0].split(sep).collect()
            };
            coerce_list(state, &p.json_schema, values)
        } else {
            coerce(state, &p.json_schema, raw[0])
        };
        for v in checker.check(&value, "") {
            let at = if v.location.is_empty() {
                location.clone()
            } else {
                format!("{location}{}", v.location)
            };
            violations.push(Violation {
                location: at,
                message: v.message,
            });
        }
    }
    if let Some(rb) = &op.request_body {
        if parts.body.is_empty() {
            if rb.required {
                violations.push(Violation {
                    location: "body".into(),
                    message: "a request body is required".into(),
                });
            }
        } else {
            let given = parts
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let given_mt = given
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let found = compiled
                .bodies
                .iter()
                .find(|(mt, _)| media_matches(mt, &given_mt));
            let Some((mt, checker)) = found else {
                let accepted: Vec<&str> = compiled.bodies.iter().map(|(m, _)| m.as_str()).collect();
                return Err(Refusal::MediaType(Violation {
                    location: "header.content-type".into(),
                    message: format!(
                        "media type {:?} is not accepted; the operation accepts {}",
                        given_mt,
                        accepted.join(", ")
                    ),
                }));
            };
            let kind = specforge::emit::client::body_kind(mt);
            let value = match kind {
                specforge::emit::client::BodyKind::Json => {
                    match serde_json::from_slice::<Value>(parts.body) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            violations.push(Violation {
                                location: "body".into(),
                                message: format!("the body is not valid JSON: {e}"),
                            });
                            None
                        }
                    }
                }
                specforge::emit::client::BodyKind::Form => {
                    let pairs = query_pairs(std::str::from_utf8(parts.body).ok());
                    let schema = op
                        .request_body
                        .as_ref()
                        .and_then(|rb| {
                            rb.content
                                .iter()
                                .find(|m| m.media_type.eq_ignore_ascii_case(mt))
                        })
                        .and_then(|m| m.json_schema.clone())
                        .unwrap_or(Value::Null);
                    Some(form_value(state, &schema, &pairs))
                }
                specforge::emit::client::BodyKind::Text => match std::str::from_utf8(parts.body) {
                    Ok(s)
                        if schema_type(
                            state,
                            &op.request_body
                                .as_ref()
                                .and_then(|rb| {
                                    rb.content
                                        .iter()
                                        .find(|m| m.media_type.eq_ignore_ascii_case(mt))
                                })
                                .and_then(|m| m.json_schema.clone())
                                .unwrap_or(Value::Null),
                        )
                        .as_deref()
                            == Some("string") =>
                    {
                        Some(Value::String(s.to_string()))
                    }
                    Ok(_) => None,
                    Err(_) => {
                        violations.push(Violation {
                            location: "body".into(),
                            message: "the body is not UTF-8 text".into(),
                        });
                        None
                    }
                },
                _ => None,
            };
            if let (Some(value), Some(checker)) = (value, checker) {
                for v in checker.check(&value, "body") {
                    violations.push(v);
                }
            }
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Invalid(violations))
    }
}

fn form_value(state: &MockState, schema: &Value, pairs: &[(String, String)]) -> Value {
    let props = {
        let mut cur = schema;
        let mut found = None;
        for _ in 0..8 {
            if let Some(p) = cur.get("properties") {
                found = Some(p);
                break;
            }
            match cur
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|n| state.request_set.defs().get(n))
            {
                Some(n) => cur = n,
                None => break,
            }
        }
        found.cloned().unwrap_or(Value::Null)
    };
    let mut out = Map::new();
    for (k, v) in pairs {
        let ps = props.get(k).cloned().unwrap_or(Value::Null);
        if schema_type(state, &ps).as_deref() == Some("array") {
            let entry = out
                .entry(k.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = entry {
                let items = items_schema(state, &ps).cloned().unwrap_or(Value::Null);
                a.push(coerce(state, &items, v));
            }
        } else {
            out.insert(k.clone(), coerce(state, &ps, v));
        }
    }
    Value::Object(out)
}

/// Does the documented media type `documented` accept `given`?
pub fn media_matches(documented: &str, given: &str) -> bool {
    let d = documented
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    d == given || d == "*/*" || (d.ends_with("/*") && given.starts_with(d.trim_end_matches('*')))
}

/// Check credentials; the names of the schemes that would satisfy the operation on failure.
pub fn authorize(
    state: &MockState,
    op: &Operation,
    headers: &HeaderMap,
    query: &[(String, String)],
    cookies: &[(String, String)],
) -> Result<(), Refusal> {
    if op.security.is_empty() || op.security.iter().any(|r| r.schemes.is_empty()) {
        return Ok(());
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let has = |scheme: &str| -> bool {
        match state.api.security_schemes.get(scheme) {
            Some(SecurityScheme::ApiKey { name, location }) => match location {
                ParamLocation::Header => headers.contains_key(name.as_str()),
                ParamLocation::Query => query.iter().any(|(k, _)| k == name),
                ParamLocation::Cookie => cookies.iter().any(|(k, _)| k == name),
                ParamLocation::Path => false,
            },
            Some(SecurityScheme::Basic) => {
                auth.len() > 6 && auth[..6].eq_ignore_ascii_case("basic ")
            }
            Some(
                SecurityScheme::Bearer { .. }
                | SecurityScheme::OAuth2 { .. }
                | SecurityScheme::OpenIdConnect { .. },
            ) => auth.len() > 7 && auth[..7].eq_ignore_ascii_case("bearer "),
            Some(SecurityScheme::Other { scheme }) => auth
                .to_ascii_lowercase()
                .starts_with(&scheme.to_ascii_lowercase()),
            None => true,
        }
    };
    if op
        .security
        .iter()
        .any(|req| req.schemes.iter().all(|(s, _)| has(s)))
    {
        return Ok(());
    }
    let mut challenges = Vec::new();
    for req in &op.security {
        for (s, _) in &req.schemes {
            let c = match state.api.security_schemes.get(s) {
                Some(SecurityScheme::Basic) => "Basic realm=\"specforge-mock\"".to_string(),
                Some(SecurityScheme::ApiKey { name, location }) => format!(
                    "ApiKey realm=\"specforge-mock\", name=\"{name}\", in=\"{}\"",
                    location.as_str()
                ),
                Some(SecurityScheme::Other { scheme }) => {
                    format!("{scheme} realm=\"specforge-mock\"")
                }
                _ => "Bearer realm=\"specforge-mock\"".to_string(),
            };
            if !challenges.contains(&c) {
                challenges.push(c);
            }
        }
    }
    Err(Refusal::Unauthorized(challenges))
}
