//! Request validation: parameters (coerced from text by their schema's type),
//! bodies (media type, JSON syntax, schema), and credentials.

use crate::state::{CompiledOp, MockState};
use axum::http::HeaderMap;
use serde_json::{Map, Value};
use specforge::ir::{Api, MediaKind, Operation, ParamLocation, Primitive, TypeKind, TypeRef};
use specforge_contract::check::Violation;
use specforge_runtime::auth;
use specforge_runtime::media;
use specforge_runtime::params::{self, Raw};

/// Why a request was refused.
pub enum Refusal {
    /// 400: parameters or body break the schema (or the body is not valid JSON).
    Invalid(Vec<Violation>),
    /// 415: the body's media type is not documented.
    MediaType(Violation),
    /// 401: none of the security alternatives is satisfied.
    Unauthorized(Vec<String>),
}

/// The pieces of a request.
pub struct RequestParts<'r> {
    /// Path parameters by name, raw (still percent-encoded), as the template matched them.
    pub path: Vec<(String, String)>,
    /// The raw query string (without `?`).
    pub raw_query: &'r str,
    /// Headers.
    pub headers: &'r HeaderMap,
    /// Cookies, decoded.
    pub cookies: Vec<(String, String)>,
    /// The body bytes.
    pub body: &'r [u8],
}

/// Decoded query pairs (`+` as space), for `Prefer`-style parameters and API keys.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    params::query_pairs(query.unwrap_or(""))
        .into_iter()
        .map(|(k, v)| (k, specforge_runtime::path::decode_form(v)))
        .collect()
}

/// Cookies from the `Cookie` headers, percent-decoded.
pub fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    params::cookie_pairs(
        headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

/// Is `t` (through aliases) a textual type?
pub fn is_string_type(api: &Api, t: &TypeRef) -> bool {
    match api.through_aliases(t) {
        TypeRef::Primitive { primitive } => matches!(
            primitive,
            Primitive::String
                | Primitive::DateTime
                | Primitive::Date
                | Primitive::Uuid
                | Primitive::Byte
                | Primitive::Binary
        ),
        TypeRef::Nullable { inner } => is_string_type(api, inner),
        TypeRef::Named { name } => matches!(
            api.types.get(name).map(|d| &d.kind),
            Some(TypeKind::Enum {
                primitive: Primitive::String,
                ..
            })
        ),
        _ => false,
    }
}

fn primitive_value(p: Primitive, text: &str) -> Value {
    let keep = || Value::String(text.into());
    match p {
        Primitive::Int32 | Primitive::Int64 => {
            if let Ok(i) = text.parse::<i64>() {
                Value::from(i)
            } else if let Ok(u) = text.parse::<u64>() {
                Value::from(u)
            } else if !text.is_empty()
                && text
                    .trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            {
                // an integer beyond 64 bits: JSON Schema integers have no size limit
                text.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or_else(keep)
            } else {
                keep()
            }
        }
        Primitive::Float | Primitive::Double => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(keep),
        Primitive::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => keep(),
        },
        _ => keep(),
    }
}

/// Text to the JSON value the IR type expects (`"5"` -> `5` for integers).
/// Text that cannot be coerced stays a string, so that the validator names the problem.
pub fn coerce(api: &Api, t: &TypeRef, text: &str) -> Value {
    match api.through_aliases(t) {
        TypeRef::Primitive { primitive } => primitive_value(*primitive, text),
        TypeRef::Nullable { inner } => {
            if text.is_empty() || text == "null" {
                Value::Null
            } else {
                coerce(api, inner, text)
            }
        }
        TypeRef::Named { name } => match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Enum { primitive, .. }) => primitive_value(*primitive, text),
            _ => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into())),
        },
        TypeRef::Array { .. } | TypeRef::Map { .. } | TypeRef::Any => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()))
        }
    }
}

/// The type of an object's property (struct field or map value), if known.
fn property_type<'a>(api: &'a Api, t: &'a TypeRef, key: &str) -> Option<&'a TypeRef> {
    match api.through_aliases(t) {
        TypeRef::Nullable { inner } => property_type(api, inner, key),
        TypeRef::Map { values } => Some(values),
        TypeRef::Named { name } => match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Struct { fields, additional }) => fields
                .iter()
                .find(|f| f.name == key)
                .map(|f| &f.schema)
                .or(additional.as_ref()),
            _ => None,
        },
        _ => None,
    }
}

fn items_type<'a>(api: &'a Api, t: &'a TypeRef) -> Option<&'a TypeRef> {
    match api.through_aliases(t) {
        TypeRef::Array { items, .. } => Some(items),
        TypeRef::Nullable { inner } => items_type(api, inner),
        _ => None,
    }
}

/// A decoded parameter to the JSON value its type expects.
fn raw_value(api: &Api, t: &TypeRef, raw: Raw) -> Value {
    match raw {
        Raw::Scalar(s) => coerce(api, t, &s),
        Raw::Array(items) => {
            let item = items_type(api, t);
            Value::Array(
                items
                    .iter()
                    .map(|i| match item {
                        Some(it) => coerce(api, it, i),
                        None => Value::String(i.clone()),
                    })
                    .collect(),
            )
        }
        Raw::Object(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let value = match property_type(api, t, &k) {
                        Some(pt) => coerce(api, pt, &v),
                        None => Value::String(v),
                    };
                    (k, value)
                })
                .collect(),
        ),
    }
}

/// Check parameters and body; `Ok(())` when the request conforms.
pub fn validate(
    state: &MockState,
    op: &Operation,
    compiled: &CompiledOp,
    parts: &RequestParts<'_>,
) -> Result<(), Refusal> {
    let mut violations = Vec::new();
    let query = params::query_pairs(parts.raw_query);
    for (p, checker) in op.parameters.iter().zip(&compiled.params) {
        let location = format!("{}.{}", p.location.as_str(), p.name);
        let codec = p.codec();
        let shape = p.shape.into();
        let raw = match p.location {
            ParamLocation::Path => parts
                .path
                .iter()
                .find(|(k, _)| *k == p.name)
                .and_then(|(_, v)| codec.decode_value(v, shape)),
            ParamLocation::Query => {
                let others = if codec.takes_other_pairs(shape) {
                    op.other_query_names(&p.name)
                } else {
                    Vec::new()
                };
                codec.decode_query(&query, shape, &others)
            }
            ParamLocation::Header => parts
                .headers
                .get(p.name.as_str())
                .and_then(|v| v.to_str().ok())
                .and_then(|v| codec.decode_value(v, shape)),
            ParamLocation::Cookie => codec.decode_cookie(&parts.cookies, shape),
        };
        let Some(raw) = raw else {
            if p.required {
                violations.push(Violation {
                    location,
                    message: format!("the required {} parameter is missing", p.location.as_str()),
                });
            }
            continue;
        };
        let value = raw_value(&state.api, &p.schema, raw);
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
            let given_mt = media::essence(given);
            let found = compiled
                .bodies
                .iter()
                .zip(rb.content.iter())
                .find(|((mt, _), _)| media::range_matches(mt, &given_mt));
            let Some(((_, checker), documented)) = found else {
                let accepted: Vec<&str> = compiled.bodies.iter().map(|(m, _)| m.as_str()).collect();
                return Err(Refusal::MediaType(Violation {
                    location: "header.content-type".into(),
                    message: format!(
                        "media type {} is not accepted; the operation accepts {}",
                        specforge_runtime::problem::echo(&given_mt),
                        accepted.join(", ")
                    ),
                }));
            };
            let value = match documented.kind {
                MediaKind::Json | MediaKind::JsonSuffix => {
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
                MediaKind::Form => {
                    let pairs = query_pairs(std::str::from_utf8(parts.body).ok());
                    documented
                        .schema
                        .as_ref()
                        .map(|t| form_value(&state.api, t, &pairs))
                }
                MediaKind::Text | MediaKind::Xml | MediaKind::EventStream => {
                    match std::str::from_utf8(parts.body) {
                        Ok(s)
                            if documented
                                .schema
                                .as_ref()
                                .is_some_and(|t| is_string_type(&state.api, t)) =>
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
                    }
                }
                MediaKind::Multipart | MediaKind::Binary => None,
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

fn form_value(api: &Api, t: &TypeRef, pairs: &[(String, String)]) -> Value {
    let mut out = Map::new();
    for (k, v) in pairs {
        let pt = property_type(api, t, k);
        match pt.and_then(|pt| items_type(api, pt)) {
            Some(item) => {
                let entry = out
                    .entry(k.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = entry {
                    a.push(coerce(api, item, v));
                }
            }
            None => {
                let value = match pt {
                    Some(pt) => coerce(api, pt, v),
                    None => Value::String(v.clone()),
                };
                out.insert(k.clone(), value);
            }
        }
    }
    Value::Object(out)
}

/// Check credentials; the names of the schemes that would satisfy the operation on failure.
pub fn authorize(
    state: &MockState,
    op: &Operation,
    headers: &HeaderMap,
    query: &[(String, String)],
    cookies: &[(String, String)],
) -> Result<(), Refusal> {
    let schemes = state.api.security_of(op);
    let alternatives: Vec<&[auth::Scheme<'_>]> = schemes.iter().map(Vec::as_slice).collect();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let request = auth::Request {
        authorization: header("authorization"),
        header: &header,
        query,
        cookies,
    };
    match auth::satisfy(&alternatives, &request) {
        Ok(_) => Ok(()),
        Err(challenges) => Err(Refusal::Unauthorized(challenges)),
    }
}
