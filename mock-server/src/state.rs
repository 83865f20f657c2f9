//! Everything the mock computes once per spec: the route table, compiled
//! validators for every parameter, body and response, and the spec examples
//! that are valid against their schemas.

use crate::options::MockOptions;
use indexmap::IndexMap;
use serde_json::Value;
use specforge::ir::{Api, Method, Operation, StatusSpec};
use specforge_contract::check::{Checker, Direction, SchemaSet};

/// A documented response body of one media type.
pub struct CompiledMedia {
    /// The media type.
    pub media_type: String,
    /// The body's JSON Schema, when the spec gives one.
    pub schema: Option<Value>,
    /// Its compiled validator (response view).
    pub checker: Option<Checker>,
    /// Examples that validate, by name (spec order).
    pub examples: IndexMap<String, Value>,
}

/// A documented response.
pub struct CompiledResponse {
    /// Status (code, range, default).
    pub status: StatusSpec,
    /// Bodies by media type.
    pub media: Vec<CompiledMedia>,
    /// Header name and JSON Schema.
    pub headers: Vec<(String, Value)>,
}

/// One operation, ready to serve.
pub struct CompiledOp {
    /// Index into `api.operations`.
    pub index: usize,
    /// Compiled validator per parameter (same order as the operation's parameters).
    pub params: Vec<Checker>,
    /// Request body media types with their validators (request view).
    pub bodies: Vec<(String, Option<Checker>)>,
    /// Responses, in status order.
    pub responses: Vec<CompiledResponse>,
}

/// The mock's state for one version of the spec.
pub struct MockState {
    /// The IR.
    pub api: Api,
    /// Options.
    pub options: MockOptions,
    /// Compiled operations (same order as `api.operations`).
    pub ops: Vec<CompiledOp>,
    /// Routes: positional template -> methods -> operation index.
    pub routes: matchit::Router<usize>,
    /// Per route: method -> operation index.
    pub route_methods: Vec<IndexMap<Method, usize>>,
    /// Per route: the spec template of its first operation (for messages).
    pub route_templates: Vec<String>,
    /// Definitions (response view), for generating bodies.
    pub response_set: SchemaSet,
    /// Definitions (request view).
    pub request_set: SchemaSet,
    /// Problems found while compiling: invalid examples, schemas the validator refused, routing conflicts.
    pub warnings: Vec<String>,
}

/// The decoded path parameters of a matched request, by name.
pub fn path_values(op: &Operation, params: &matchit::Params<'_, '_>) -> Vec<(String, String)> {
    let names = op.path_param_names();
    params
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix('p')
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| names.get(i))
                .map(|n| (n.to_string(), crate::validate::decode(v)))
        })
        .collect()
}

impl MockState {
    /// Compile `api` for serving.
    pub fn new(api: Api, options: MockOptions) -> Self {
        let request_set = SchemaSet::new(&api, Direction::Request);
        let response_set = SchemaSet::new(&api, Direction::Response);
        let mut warnings = Vec::new();
        let mut ops = Vec::new();
        for (index, op) in api.operations.iter().enumerate() {
            let params = op
                .parameters
                .iter()
                .map(|p| {
                    compile(
                        &mut warnings,
                        &request_set,
                        &p.json_schema,
                        &format!("{} parameter {}", op.pointer, p.name),
                    )
                })
                .collect();
            let bodies = op
                .request_body
                .iter()
                .flat_map(|rb| rb.content.iter())
                .map(|m| {
                    (
                        m.media_type.to_ascii_lowercase(),
                        m.json_schema.as_ref().map(|s| {
                            compile(
                                &mut warnings,
                                &request_set,
                                s,
                                &format!("{} request body", op.pointer),
                            )
                        }),
                    )
                })
                .collect();
            let mut responses = Vec::new();
            for r in &op.responses {
                let mut media = Vec::new();
                for m in &r.content {
                    let where_ = format!(
                        "{}/responses/{}/content/{}",
                        op.pointer,
                        r.status.label(),
                        specforge::diagnostics::escape_token(&m.media_type)
                    );
                    let checker = m
                        .json_schema
                        .as_ref()
                        .map(|s| compile(&mut warnings, &response_set, s, &where_));
                    let mut examples = IndexMap::new();
                    let json_like = specforge::emit::client::body_kind(&m.media_type)
                        == specforge::emit::client::BodyKind::Json;
                    for (name, ex) in &m.examples {
                        let bad = match (&checker, json_like) {
                            (Some(c), true) => c.check(ex, ""),
                            _ => Vec::new(),
                        };
                        if bad.is_empty() {
                            examples.insert(name.clone(), ex.clone());
                        } else {
                            warnings.push(format!(
                                "{where_}/examples/{name}: the example breaks its schema and will not be served ({}: {})",
                                if bad[0].location.is_empty() { "/" } else { &bad[0].location },
                                bad[0].message
                            ));
                        }
                    }
                    // examples carried by the schema itself
                    if let (Some(schema), Some(c)) = (&m.json_schema, &checker) {
                        for ex in schema_examples(&response_set, schema) {
                            if c.is_valid(&ex) {
                                examples.entry("schema".to_string()).or_insert(ex);
                            } else {
                                warnings.push(format!("{where_}/schema: a schema example breaks the schema and will not be served"));
                            }
                        }
                    }
                    media.push(CompiledMedia {
                        media_type: m.media_type.clone(),
                        schema: m.json_schema.clone(),
                        checker,
                        examples,
                    });
                }
                let headers = r
                    .headers
                    .iter()
                    .map(|h| (h.name.clone(), h.json_schema.clone()))
                    .collect();
                responses.push(CompiledResponse {
                    status: r.status,
                    media,
                    headers,
                });
            }
            ops.push(CompiledOp {
                index,
                params,
                bodies,
                responses,
            });
        }
        let mut routes = matchit::Router::new();
        let mut route_methods: Vec<IndexMap<Method, usize>> = Vec::new();
        let mut route_templates = Vec::new();
        let mut by_template: IndexMap<String, usize> = IndexMap::new();
        for (i, op) in api.operations.iter().enumerate() {
            let template = op.positional_route(&api.base_path);
            let slot = match by_template.get(&template) {
                Some(s) => *s,
                None => {
                    let s = route_methods.len();
                    if let Err(e) = routes.insert(template.clone(), s) {
                        warnings.push(format!(
                            "{}: {} {} cannot be routed ({e}); it is not served",
                            op.pointer,
                            op.method.as_str(),
                            op.path
                        ));
                        continue;
                    }
                    by_template.insert(template, s);
                    route_methods.push(IndexMap::new());
                    route_templates.push(format!("{}{}", api.base_path, op.path));
                    s
                }
            };
            if route_methods[slot].contains_key(&op.method) {
                warnings.push(format!(
                    "{}: {} {} is already served by another operation",
                    op.pointer,
                    op.method.as_str(),
                    op.path
                ));
                continue;
            }
            route_methods[slot].insert(op.method, i);
        }
        Self {
            api,
            options,
            ops,
            routes,
            route_methods,
            route_templates,
            response_set,
            request_set,
            warnings,
        }
    }
}

fn compile(warnings: &mut Vec<String>, set: &SchemaSet, schema: &Value, what: &str) -> Checker {
    let (checker, err) = set.compile(schema);
    if let Some(e) = err {
        warnings.push(format!(
            "{what}: the schema cannot be compiled ({e}); values there are not validated"
        ));
    }
    checker
}

/// The `examples` a schema (or the definition it refers to) carries.
fn schema_examples(set: &SchemaSet, schema: &Value) -> Vec<Value> {
    let mut cur = schema;
    for _ in 0..8 {
        if let Some(Value::Array(ex)) = cur.get("examples") {
            return ex.clone();
        }
        match cur
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|n| set.defs().get(n))
        {
            Some(next) => cur = next,
            None => break,
        }
    }
    Vec::new()
}
