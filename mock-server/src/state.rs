//! Everything the mock computes once per spec: the route table, compiled
//! validators for every parameter, body and response, and the spec examples
//! that are valid against their schemas.

use crate::options::MockOptions;
use indexmap::IndexMap;
use serde_json::Value;
use specforge::diagnostics::{escape_token, Diagnostic};
use specforge::ir::{Api, MediaKind, Method, StatusSpec};
use specforge_contract::check::{Checker, Direction, SchemaSet};

/// A documented response body of one media type.
pub struct CompiledMedia {
    /// The media type.
    pub media_type: String,
    /// Its kind, as the IR decided it.
    pub kind: MediaKind,
    /// The body's JSON Schema, when the spec gives one (shared between the media
    /// that give the same schema).
    pub schema: Option<std::sync::Arc<Value>>,
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
    /// Media types documented for a bodiless response (sent as `Content-Type`).
    pub empty_body_media: Vec<String>,
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
    /// Route skeletons (the IR's [`PathTemplate::route`]) -> slot in `route_slots`.
    pub routes: matchit::Router<usize>,
    /// Per skeleton: method -> candidate operations, most specific template first.
    pub route_slots: Vec<IndexMap<Method, Vec<usize>>>,
    /// Definitions (response view), for generating bodies.
    pub response_set: SchemaSet,
    /// Definitions (request view).
    pub request_set: SchemaSet,
    /// Problems found while compiling: invalid examples, schemas the validator refused, routing conflicts.
    pub warnings: Vec<Diagnostic>,
    /// The resources the IR infers (used with `--stateful`).
    pub resources: specforge::ir::resources::Resources,
    /// What outlives a reload of the spec: the journal and the stored objects.
    pub runtime: std::sync::Arc<Runtime>,
    /// A spec path under the admin prefix (which then serves no admin API).
    admin_conflict: Option<String>,
}

/// The mock's mutable state: the request journal and, with `--stateful`, the
/// stored objects. Kept across reloads of the spec.
#[derive(Debug)]
pub struct Runtime {
    /// The last exchanges.
    pub journal: std::sync::Mutex<crate::journal::Journal>,
    /// Stored objects per session.
    pub store: std::sync::Mutex<crate::stateful::Store>,
}

impl Runtime {
    /// The journal, even after a panic elsewhere poisoned its lock.
    pub fn journal(&self) -> std::sync::MutexGuard<'_, crate::journal::Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The store, even after a panic elsewhere poisoned its lock.
    pub fn store(&self) -> std::sync::MutexGuard<'_, crate::stateful::Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where a request path and method lead.
pub enum Located {
    /// No documented template matches the path.
    NotFound,
    /// Templates match, but not for this method.
    MethodNotAllowed {
        /// The methods that would match.
        allow: Vec<&'static str>,
        /// The spec template (for messages).
        template: String,
    },
    /// The operation, with its path parameters' raw (still encoded) text by name.
    Found {
        /// Index into `api.operations`.
        op: usize,
        /// Path parameters, raw.
        path: Vec<(String, String)>,
    },
}

impl MockState {
    /// Compile `api` for serving.
    pub fn new(api: Api, options: MockOptions) -> Self {
        let request_set = SchemaSet::new(&api, Direction::Request);
        let response_set = SchemaSet::strict_output(&api);
        let mut warnings = Vec::new();
        let mut ops = Vec::with_capacity(api.operations.len());
        // one copy of each distinct response schema (error bodies repeat across operations)
        let mut views: std::collections::HashMap<String, std::sync::Arc<Value>> =
            std::collections::HashMap::new();
        for (index, op) in api.operations.iter().enumerate() {
            let params = op
                .parameters
                .iter()
                .map(|p| {
                    compile(
                        &mut warnings,
                        &request_set,
                        &p.json_schema,
                        &op.pointer,
                        &format!("parameter {}", p.name),
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
                            compile(&mut warnings, &request_set, s, &op.pointer, "request body")
                        }),
                    )
                })
                .collect();
            // exact capacities: a pushed-to Vec holds room for four, and these live
            // as long as the mock (most of its memory at scale)
            let mut responses = Vec::with_capacity(op.responses.len());
            for r in &op.responses {
                let mut media = Vec::with_capacity(r.content.len());
                for m in &r.content {
                    let where_ = format!(
                        "{}/responses/{}/content/{}",
                        op.pointer,
                        r.status.label(),
                        escape_token(&m.media_type)
                    );
                    let checker = m.json_schema.as_ref().map(|s| {
                        compile(&mut warnings, &response_set, s, &where_, "response body")
                    });
                    let mut examples = IndexMap::new();
                    let json_like = m.kind.is_json();
                    for (name, ex) in &m.examples {
                        let bad = match (&checker, json_like) {
                            (Some(c), true) => c.check(ex, ""),
                            _ => Vec::new(),
                        };
                        if bad.is_empty() {
                            examples.insert(name.clone(), ex.clone());
                        } else {
                            warnings.push(Diagnostic::warning(
                                format!("{where_}/examples/{}", escape_token(name)),
                                format!(
                                    "the example breaks its schema and will not be served ({}: {})",
                                    if bad[0].location.is_empty() {
                                        "/"
                                    } else {
                                        &bad[0].location
                                    },
                                    bad[0].message
                                ),
                            ));
                        }
                    }
                    // examples carried by the schema itself
                    if let (Some(schema), Some(c)) = (&m.json_schema, &checker) {
                        for ex in response_set.examples_of(schema) {
                            if c.is_valid(&ex) {
                                examples.entry("schema".to_string()).or_insert(ex);
                            } else {
                                warnings.push(Diagnostic::warning(
                                    format!("{where_}/schema"),
                                    "a schema example breaks the schema and will not be served",
                                ));
                            }
                        }
                    }
                    media.push(CompiledMedia {
                        media_type: m.media_type.clone(),
                        kind: m.kind,
                        schema: m.json_schema.as_ref().map(|s| {
                            views
                                .entry(s.to_string())
                                .or_insert_with(|| std::sync::Arc::new(response_set.view(s)))
                                .clone()
                        }),
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
                    empty_body_media: r.empty_body_media.clone(),
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
        let mut route_slots: Vec<IndexMap<Method, Vec<usize>>> = Vec::new();
        let mut by_skeleton: IndexMap<String, usize> = IndexMap::new();
        for (i, op) in api.operations.iter().enumerate() {
            let skeleton = op.template.route(&api.base_path);
            let slot = match by_skeleton.get(&skeleton) {
                Some(s) => *s,
                None => {
                    let s = route_slots.len();
                    if let Err(e) = routes.insert(skeleton.clone(), s) {
                        warnings.push(Diagnostic::warning(
                            op.pointer.clone(),
                            format!(
                                "{} {} cannot be routed ({e}); it is not served",
                                op.method.as_str(),
                                op.path
                            ),
                        ));
                        continue;
                    }
                    by_skeleton.insert(skeleton, s);
                    route_slots.push(IndexMap::new());
                    s
                }
            };
            let candidates = route_slots[slot].entry(op.method).or_default();
            if let Some(same) = candidates
                .iter()
                .find(|c| api.operations[**c].template == op.template)
            {
                warnings.push(Diagnostic::warning(
                    op.pointer.clone(),
                    format!(
                        "{} {} is already served by operation {}",
                        op.method.as_str(),
                        op.path,
                        api.operations[*same].name
                    ),
                ));
                continue;
            }
            candidates.push(i);
            // most specific first; equal ones keep document order
            candidates.sort_by(|a, b| {
                api.operations[*b]
                    .template
                    .specificity()
                    .cmp(&api.operations[*a].template.specificity())
            });
        }
        for slot in &mut route_slots {
            slot.values_mut().for_each(Vec::shrink_to_fit);
            slot.shrink_to_fit();
        }
        let resources = specforge::ir::resources::infer(&api);
        let runtime = std::sync::Arc::new(Runtime {
            journal: std::sync::Mutex::new(crate::journal::Journal::new(options.journal_size)),
            store: std::sync::Mutex::new(crate::stateful::Store::default()),
        });
        let mut state = Self {
            api,
            options,
            ops,
            routes,
            route_slots,
            response_set,
            request_set,
            warnings,
            resources,
            runtime,
            admin_conflict: None,
        };
        state.admin_conflict = state.find_admin_conflict();
        if let Some(seed) = state.options.seed_data.clone() {
            match crate::stateful::resolve_seed(&state, &seed) {
                Ok(seed) => *state.runtime.store() = crate::stateful::Store::with_seed(seed),
                Err(e) => state.warnings.push(Diagnostic::warning("#/paths", e)),
            }
        }
        state
    }

    /// A spec path that the admin prefix would hide, if there is one.
    pub fn admin_conflict(&self) -> Option<&str> {
        self.admin_conflict.as_deref()
    }

    fn find_admin_conflict(&self) -> Option<String> {
        let prefix = self.options.admin_prefix.trim_end_matches('/');
        self.api.operations.iter().find_map(|op| {
            let full = format!("{}{}", self.api.base_path, op.path);
            (full == prefix || full.starts_with(&format!("{prefix}/")))
                .then(|| format!("{} {full}", op.method.as_str()))
        })
    }
}

impl MockState {
    /// Route a request: the raw (still percent-encoded) path and the method.
    pub fn locate(&self, method: Option<Method>, raw_path: &str) -> Located {
        let Ok(matched) = self.routes.at(raw_path) else {
            return Located::NotFound;
        };
        let below = raw_path
            .strip_prefix(self.api.base_path.as_str())
            .unwrap_or(raw_path);
        let slot = &self.route_slots[*matched.value];
        let matching = |candidates: &[usize]| {
            candidates.iter().find_map(|i| {
                let op = &self.api.operations[*i];
                // the skeleton matched: a template without mixed segments needs no more
                // than its captures, in order; the others are split by the IR's matcher
                let values = if op.template.has_mixed_segments() {
                    op.template.match_raw(below)
                } else {
                    Some(
                        op.template
                            .param_names()
                            .into_iter()
                            .zip(matched.params.iter().map(|(_, v)| v))
                            .collect(),
                    )
                };
                values.map(|values| {
                    let path = values
                        .into_iter()
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                        .collect();
                    (*i, path)
                })
            })
        };
        if let Some(candidates) = method.and_then(|m| slot.get(&m)) {
            if let Some((op, path)) = matching(candidates) {
                return Located::Found { op, path };
            }
        }
        let mut allow = Vec::new();
        let mut template = String::new();
        for (m, candidates) in slot {
            if let Some((op, _)) = matching(candidates) {
                allow.push(m.as_str());
                if template.is_empty() {
                    template = format!("{}{}", self.api.base_path, self.api.operations[op].path);
                }
            }
        }
        if allow.is_empty() {
            Located::NotFound
        } else {
            Located::MethodNotAllowed { allow, template }
        }
    }
}

fn compile(
    warnings: &mut Vec<Diagnostic>,
    set: &SchemaSet,
    schema: &Value,
    pointer: &str,
    what: &str,
) -> Checker {
    let (checker, err) = set.compile(schema);
    if let Some(e) = err {
        warnings.push(Diagnostic::warning(
            pointer.to_string(),
            format!("{what}: the schema cannot be compiled ({e}); values there are not validated"),
        ));
    }
    checker
}
