//! Valid sample requests built from the IR: parameters and bodies generated
//! from their schemas (examples first), serialized the way the spec says
//! (style/explode), with credentials for the operation's first security
//! alternative. Used to exercise mocks and live servers.

use crate::check::Direction;
use crate::datagen::{stable_hash, Generator};
use base64::Engine as _;
use serde_json::Value;
use specforge::ir::{Api, Credential, MediaKind, Operation, ParamLocation, Parameter};

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRequest {
    /// HTTP method.
    pub method: specforge::ir::Method,
    /// Path (with the API's base path) and query string, percent-encoded.
    pub path_and_query: String,
    /// Headers (including credentials and `content-type`).
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
}

/// Percent-encode a path segment or query component.
pub use specforge_runtime::path::encode;

/// A JSON value as parameter text (strings without quotes).
pub use specforge_runtime::params::text as param_text;

/// A valid request for `op`, deterministic in `seed`. `overrides` supplies
/// parameter values by name (e.g. ids taken from earlier responses).
pub fn sample_request(
    api: &Api,
    op: &Operation,
    seed: u64,
    overrides: &[(String, Value)],
) -> SampleRequest {
    Sampler::new(api).request(op, seed, overrides)
}

/// Builds many sample requests for one API, preparing its schemas once.
pub struct Sampler<'a> {
    api: &'a Api,
    set: crate::check::SchemaSet,
}

impl<'a> Sampler<'a> {
    /// Prepare `api`.
    pub fn new(api: &'a Api) -> Self {
        Self {
            api,
            set: crate::check::SchemaSet::new(api, Direction::Request),
        }
    }

    /// See [`sample_request`].
    pub fn request(
        &self,
        op: &Operation,
        seed: u64,
        overrides: &[(String, Value)],
    ) -> SampleRequest {
        build(
            self.api,
            &self.set,
            op,
            seed,
            overrides,
            Variant::Plain,
            None,
        )
    }

    /// A valid request of one [`Variant`].
    pub fn variant(
        &self,
        op: &Operation,
        seed: u64,
        overrides: &[(String, Value)],
        variant: Variant,
    ) -> SampleRequest {
        build(self.api, &self.set, op, seed, overrides, variant, None)
    }

    /// Requests that each break the spec in one place (a missing required
    /// parameter, a value of the wrong type, out of its enum or bounds, a missing or
    /// malformed body, a missing required property, no credentials), each with the
    /// rule it breaks. A server should answer every one with a 4xx.
    pub fn negatives(
        &self,
        op: &Operation,
        seed: u64,
        overrides: &[(String, Value)],
    ) -> Vec<Negative> {
        let mut out = Vec::new();
        let mut add = |rule: String, m: Mutation<'_>| {
            out.push(Negative {
                rule,
                request: build(
                    self.api,
                    &self.set,
                    op,
                    seed,
                    overrides,
                    Variant::Plain,
                    Some(&m),
                ),
            })
        };
        for p in &op.parameters {
            let at = format!("{} parameter '{}'", p.location.as_str(), p.name);
            let s = &p.json_schema;
            if p.required && matches!(p.location, ParamLocation::Query | ParamLocation::Header) {
                add(format!("the required {at} is missing"), Mutation::Omit(p));
            }
            if matches!(p.location, ParamLocation::Path | ParamLocation::Query) {
                if has_type(s, "integer") || has_type(s, "number") {
                    add(
                        format!("{at} is not a number"),
                        Mutation::Raw(p, "not-a-number".into()),
                    );
                }
                if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
                    add(
                        format!("{at} is above its maximum {max}"),
                        Mutation::Raw(p, number_text(max + 1.0)),
                    );
                }
                if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
                    add(
                        format!("{at} is below its minimum {min}"),
                        Mutation::Raw(p, number_text(min - 1.0)),
                    );
                }
                if s.get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.iter().all(Value::is_string))
                {
                    add(
                        format!("{at} is not one of its enum values"),
                        Mutation::Raw(p, "specforge-not-in-enum".into()),
                    );
                }
            }
        }
        if let Some(rb) = &op.request_body {
            if let Some(media) = specforge::ir::wire::preferred(&rb.content) {
                if rb.required {
                    add("the required body is missing".into(), Mutation::NoBody);
                }
                if matches!(media.kind, MediaKind::Json | MediaKind::JsonSuffix) {
                    add(
                        "the body is not JSON".into(),
                        Mutation::BodyBytes(b"{\"unterminated".to_vec()),
                    );
                    if let Some(schema) = media.json_schema.as_ref() {
                        let object = specforge::ir::deref(schema, self.set.defs());
                        if has_type(object, "object") {
                            add(
                                "the body is an array, not an object".into(),
                                Mutation::BodyValue(Value::Array(Vec::new())),
                            );
                        }
                        let required = specforge::ir::required_of(object);
                        if let Some(first) = required.first() {
                            add(
                                format!("the body's required property '{first}' is missing"),
                                Mutation::DropProperty(first.to_string()),
                            );
                        }
                    }
                }
            }
        }
        let open = op.security.is_empty() || op.security.iter().any(|r| r.schemes.is_empty());
        if !open {
            add(
                "no credentials, where the operation requires them".into(),
                Mutation::NoCredentials,
            );
        }
        out
    }
}

/// Which valid request to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Required parameters only, examples first.
    Plain,
    /// Every parameter; bounded numbers at their maximum.
    High,
    /// Every parameter; bounded numbers at their minimum.
    Low,
    /// Every parameter, generated with this extra seed.
    Generated(u64),
}

/// A request that breaks the spec in one place.
#[derive(Debug, Clone)]
pub struct Negative {
    /// The rule it breaks, in words.
    pub rule: String,
    /// The request.
    pub request: SampleRequest,
}

/// One change that makes a valid request invalid.
enum Mutation<'p> {
    Omit(&'p Parameter),
    Raw(&'p Parameter, String),
    NoBody,
    BodyValue(Value),
    BodyBytes(Vec<u8>),
    DropProperty(String),
    NoCredentials,
}

fn has_type(schema: &Value, ty: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == ty,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == ty),
        _ => false,
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// A bounded number at one end of its range, for boundary cases.
fn boundary(schema: &Value, high: bool) -> Option<Value> {
    let integer = has_type(schema, "integer");
    let (inclusive, exclusive) = if high {
        ("maximum", "exclusiveMaximum")
    } else {
        ("minimum", "exclusiveMinimum")
    };
    let step = if high { -1.0 } else { 1.0 };
    let n = schema.get(inclusive).and_then(Value::as_f64).or_else(|| {
        schema.get(exclusive).and_then(Value::as_f64).map(|e| {
            if integer {
                e + step
            } else {
                e + step * 1e-6
            }
        })
    })?;
    Some(if integer {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map(Value::Number)?
    })
}

fn build(
    api: &Api,
    set: &crate::check::SchemaSet,
    op: &Operation,
    seed: u64,
    overrides: &[(String, Value)],
    variant: Variant,
    mutation: Option<&Mutation<'_>>,
) -> SampleRequest {
    let extra = match variant {
        Variant::Generated(n) => n.to_string(),
        _ => String::new(),
    };
    let mut g = Generator::new(
        set.defs(),
        stable_hash(&[&seed.to_string(), &op.name, &extra]),
        Direction::Request,
    );
    let value_of = |g: &mut Generator<'_>, p: &Parameter| -> Value {
        if let Some((_, v)) = overrides.iter().find(|(n, _)| *n == p.name) {
            return v.clone();
        }
        match variant {
            Variant::High | Variant::Low => {
                if let Some(v) = boundary(&p.json_schema, variant == Variant::High) {
                    return v;
                }
            }
            Variant::Plain => {
                if let Some(e) = &p.example {
                    if set.compile(&p.json_schema).0.is_valid(e) {
                        return e.clone();
                    }
                }
            }
            Variant::Generated(_) => {}
        }
        g.value_named(&p.json_schema, &p.name)
    };
    let raw_of = |p: &Parameter| match mutation {
        Some(Mutation::Raw(m, text)) if std::ptr::eq(*m, p) => Some(text.clone()),
        _ => None,
    };
    let omitted =
        |p: &Parameter| matches!(mutation, Some(Mutation::Omit(m)) if std::ptr::eq(*m, p));
    let mut path = api.base_path.clone();
    let mut path_values: Vec<(String, String)> = Vec::new();
    for p in op.path_params() {
        let v = value_of(&mut g, p);
        let text = match raw_of(p) {
            Some(raw) => encode(&raw),
            None => p.codec().encode_value(&v),
        };
        path_values.push((p.name.clone(), text));
    }
    path.push_str(&op.template.render(|n| {
        path_values
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "x".into())
    }));
    let mut query = String::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut cookies: Vec<String> = Vec::new();
    let targeted =
        |p: &Parameter| matches!(mutation, Some(Mutation::Raw(m, _)) if std::ptr::eq(*m, p));
    for p in op.parameters.iter().filter(|p| {
        (p.required || variant != Variant::Plain || targeted(p))
            && p.location != ParamLocation::Path
    }) {
        if omitted(p) {
            continue;
        }
        let v = value_of(&mut g, p);
        if let Some(raw) = raw_of(p) {
            match p.location {
                ParamLocation::Query => {
                    if !query.is_empty() {
                        query.push('&');
                    }
                    query.push_str(&format!("{}={}", encode(&p.name), encode(&raw)));
                }
                ParamLocation::Header => headers.push((p.name.to_ascii_lowercase(), raw)),
                ParamLocation::Cookie => cookies.push(format!("{}={}", p.name, encode(&raw))),
                ParamLocation::Path => {}
            }
            continue;
        }
        let codec = p.codec();
        match p.location {
            ParamLocation::Query => codec.encode_query(&v, &mut query),
            ParamLocation::Header => {
                headers.push((p.name.to_ascii_lowercase(), codec.encode_value(&v)))
            }
            ParamLocation::Cookie => cookies.push(codec.encode_cookie(&v)),
            ParamLocation::Path => {}
        }
    }
    // credentials for the first alternative
    let credentials = op
        .security
        .first()
        .filter(|_| !matches!(mutation, Some(Mutation::NoCredentials)));
    if let Some(req) = credentials {
        for (scheme, _) in &req.schemes {
            if let Some(scheme) = api.security_schemes.get(scheme) {
                match scheme.credential() {
                    Credential::ApiKey { name, location } => match location {
                        ParamLocation::Query => {
                            if !query.is_empty() {
                                query.push('&');
                            }
                            query.push_str(&format!("{}=specforge-key", encode(&name)));
                        }
                        ParamLocation::Cookie => cookies.push(format!("{name}=specforge-key")),
                        _ => headers.push((name.to_ascii_lowercase(), "specforge-key".into())),
                    },
                    Credential::Basic => headers.push((
                        "authorization".into(),
                        format!(
                            "Basic {}",
                            base64::engine::general_purpose::STANDARD.encode("specforge:secret")
                        ),
                    )),
                    Credential::Bearer => {
                        headers.push(("authorization".into(), "Bearer specforge-token".into()))
                    }
                    Credential::Unsupported { scheme } => {
                        headers.push(("authorization".into(), format!("{scheme} specforge")))
                    }
                }
            }
        }
    }
    if !cookies.is_empty() {
        headers.push(("cookie".into(), cookies.join("; ")));
    }
    let mut body = None;
    let body_wanted = !matches!(mutation, Some(Mutation::NoBody));
    if let Some(rb) = op.request_body.as_ref().filter(|_| body_wanted) {
        if let Some(media) = specforge::ir::wire::preferred(&rb.content) {
            let mut value = media
                .examples
                .values()
                .find(|e| {
                    media
                        .json_schema
                        .as_ref()
                        .is_some_and(|s| set.compile(s).0.is_valid(e))
                })
                .cloned()
                .unwrap_or_else(|| {
                    media
                        .json_schema
                        .as_ref()
                        .map(|s| g.value(s))
                        .unwrap_or(Value::Object(Default::default()))
                });
            match mutation {
                Some(Mutation::BodyValue(v)) => value = v.clone(),
                Some(Mutation::DropProperty(name)) => {
                    if let Value::Object(m) = &mut value {
                        m.remove(name);
                    }
                }
                _ => {}
            }
            let mt = media.media_type.clone();
            let bytes = match media.kind {
                _ if matches!(mutation, Some(Mutation::BodyBytes(_))) => match mutation {
                    Some(Mutation::BodyBytes(b)) => b.clone(),
                    _ => Vec::new(),
                },
                MediaKind::Json | MediaKind::JsonSuffix => {
                    serde_json::to_vec(&value).unwrap_or_default()
                }
                MediaKind::Form => form_encode(&value).into_bytes(),
                MediaKind::Multipart => {
                    let boundary = "specforge-boundary";
                    headers.push((
                        "content-type".into(),
                        format!("multipart/form-data; boundary={boundary}"),
                    ));
                    let mut out = String::new();
                    if let Value::Object(m) = &value {
                        for (k, v) in m {
                            out.push_str(&format!("--{boundary}\r\ncontent-disposition: form-data; name=\"{k}\"\r\n\r\n{}\r\n", param_text(v)));
                        }
                    }
                    out.push_str(&format!("--{boundary}--\r\n"));
                    body = Some(out.into_bytes());
                    return finish(op, path, query, headers, body);
                }
                MediaKind::Text | MediaKind::Xml | MediaKind::EventStream => {
                    param_text(&value).into_bytes()
                }
                MediaKind::Binary => g.bytes(32),
            };
            let content_type = if mt.contains('*') {
                "application/octet-stream".to_string()
            } else {
                mt
            };
            headers.push(("content-type".into(), content_type));
            body = Some(bytes);
        }
    }
    finish(op, path, query, headers, body)
}

fn finish(
    op: &Operation,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
) -> SampleRequest {
    let mut path_and_query = path;
    if !query.is_empty() {
        path_and_query.push('?');
        path_and_query.push_str(&query);
    }
    SampleRequest {
        method: op.method,
        path_and_query,
        headers,
        body,
    }
}

fn form_encode(v: &Value) -> String {
    let Value::Object(m) = v else {
        return String::new();
    };
    let mut parts = Vec::new();
    for (k, v) in m {
        match v {
            Value::Array(items) => parts.extend(
                items
                    .iter()
                    .map(|i| format!("{}={}", encode(k), encode(&param_text(i)))),
            ),
            other => parts.push(format!("{}={}", encode(k), encode(&param_text(other)))),
        }
    }
    parts.join("&")
}
