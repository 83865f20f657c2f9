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
        build(self.api, &self.set, op, seed, overrides)
    }
}

fn build(
    api: &Api,
    set: &crate::check::SchemaSet,
    op: &Operation,
    seed: u64,
    overrides: &[(String, Value)],
) -> SampleRequest {
    let mut g = Generator::new(
        set.defs(),
        stable_hash(&[&seed.to_string(), &op.name]),
        Direction::Request,
    );
    let value_of = |g: &mut Generator<'_>, p: &Parameter| -> Value {
        if let Some((_, v)) = overrides.iter().find(|(n, _)| *n == p.name) {
            return v.clone();
        }
        if let Some(e) = &p.example {
            if set.compile(&p.json_schema).0.is_valid(e) {
                return e.clone();
            }
        }
        g.value_named(&p.json_schema, &p.name)
    };
    let mut path = api.base_path.clone();
    let mut path_values: Vec<(String, String)> = Vec::new();
    for p in op.path_params() {
        let v = value_of(&mut g, p);
        path_values.push((p.name.clone(), p.codec().encode_value(&v)));
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
    for p in op
        .parameters
        .iter()
        .filter(|p| p.required && p.location != ParamLocation::Path)
    {
        let v = value_of(&mut g, p);
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
    if let Some(req) = op.security.first() {
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
    if let Some(rb) = &op.request_body {
        if let Some(media) = specforge::ir::wire::preferred(&rb.content) {
            let value = media
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
            let mt = media.media_type.clone();
            let bytes = match media.kind {
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
