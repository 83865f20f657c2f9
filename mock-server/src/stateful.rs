//! `--stateful`: the resources the IR infers ([`specforge::ir::resources`]) keep
//! what clients create, per session (`X-Specforge-Session`), so that a `POST` is
//! followed by a `GET` that returns it, a `PUT`/`PATCH` changes it, a `DELETE`
//! removes it and a list shows what exists.
//!
//! Stored objects are the request body plus the server-owned fields of a body
//! generated for the create response (its id in the schema's format, readOnly
//! fields, timestamps). Every answer is a generated body of the response schema
//! with the stored object merged in, checked against that schema before it is
//! sent; where the merge would break it, the fields the schema does not take are
//! left out (and where even that fails, the generated body is served, with a
//! warning).

use indexmap::IndexMap;
use serde_json::{Map, Value};
use specforge::ir::resources::{Resource, Role};
use specforge::ir::{Operation, PathPart};
use std::collections::HashMap;

use crate::state::{CompiledMedia, MockState};

/// The header that names a session.
pub const SESSION_HEADER: &str = "x-specforge-session";
/// The session of requests without the header.
pub const DEFAULT_SESSION: &str = "default";

/// Objects of one concrete collection (`/repos/7/secrets`), by id in insertion order.
type Collection = IndexMap<String, Value>;

/// Stored objects of every session.
#[derive(Debug, Default)]
pub struct Store {
    sessions: HashMap<String, Session>,
    /// Initial objects per concrete collection path, copied into every new session.
    seed: Vec<(String, String, Vec<Value>)>,
}

#[derive(Debug, Default)]
struct Session {
    /// By collection key (resource path + parent values).
    collections: IndexMap<String, (String, Collection)>,
    /// Objects created so far (seeds generated ids apart).
    created: u64,
}

/// What happened to a stored object, for the answer.
pub enum Outcome {
    /// Answer with this object (merged into the response body).
    Object(Value),
    /// Answer with these objects as the list.
    List(Vec<Value>),
    /// Answer as usual (a delete went through).
    Done,
    /// No such object: 404.
    Missing {
        /// What was looked for.
        what: String,
    },
    /// Nothing to do statefully (not a JSON object body…): answer statelessly.
    Stateless,
}

/// The concrete collection of a request: the resource path with the parents'
/// values, and the item id when the operation addresses one.
pub struct Address {
    key: String,
    shown: String,
    id: Option<String>,
}

impl Address {
    /// Where `op` (of `resource`, playing `role`) points, from its raw path values.
    pub fn of(
        resource: &Resource,
        op: &Operation,
        role: Role,
        path_values: &[(String, String)],
    ) -> Self {
        let names: Vec<&str> = op
            .template
            .segments
            .iter()
            .flat_map(|s| &s.parts)
            .filter_map(|p| match p {
                PathPart::Param(n) => Some(n.as_str()),
                PathPart::Literal(_) => None,
            })
            .collect();
        let value = |n: &str| {
            path_values
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| specforge_runtime::path::decode(v))
                .unwrap_or_default()
        };
        let parents: Vec<String> = names
            .iter()
            .take(resource.parents)
            .map(|n| value(n))
            .collect();
        let id = matches!(
            role,
            Role::Read | Role::Replace | Role::Merge | Role::Delete
        )
        .then(|| names.get(resource.parents).map(|n| value(n)))
        .flatten();
        // the concrete path: the resource template with the parents' values
        let mut shown = String::new();
        let mut rest = resource.path.as_str();
        let mut values = parents.iter();
        while let Some(open) = rest.find('{') {
            shown.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
            shown.push_str(values.next().map(String::as_str).unwrap_or(""));
            rest = &rest[close.min(rest.len())..];
        }
        shown.push_str(rest);
        Self {
            key: format!("{}\u{0}{}", resource.path, parents.join("\u{0}")),
            shown,
            id,
        }
    }
}

/// The text of an id value as it appears in a path.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("an object");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

impl Store {
    /// A store whose sessions start with `seed`: (collection key, concrete path, objects).
    pub fn with_seed(seed: Vec<(String, String, Vec<Value>)>) -> Self {
        Self {
            sessions: HashMap::new(),
            seed,
        }
    }

    fn session(&mut self, name: &str) -> &mut Session {
        let seed = &self.seed;
        self.sessions.entry(name.to_string()).or_insert_with(|| {
            let mut s = Session::default();
            for (key, shown, objects) in seed {
                let c = s
                    .collections
                    .entry(key.clone())
                    .or_insert_with(|| (shown.clone(), Collection::new()));
                for (i, o) in objects.iter().enumerate() {
                    c.1.insert(format!("seed-{i}"), o.clone());
                }
            }
            s
        })
    }

    /// How many objects `session` has created (ids of generated objects differ by it).
    pub fn next_serial(&mut self, session: &str) -> u64 {
        let s = self.session(session);
        s.created += 1;
        s.created
    }

    /// Store a created object; returns it.
    pub fn create(
        &mut self,
        session: &str,
        at: &Address,
        resource: &Resource,
        object: Value,
    ) -> Value {
        let s = self.session(session);
        let serial = s.created;
        let c = s
            .collections
            .entry(at.key.clone())
            .or_insert_with(|| (at.shown.clone(), Collection::new()));
        let id = resource
            .id_field
            .as_ref()
            .and_then(|f| object.get(f))
            .and_then(id_text)
            .unwrap_or_else(|| format!("#{serial}"));
        c.1.insert(id, object.clone());
        object
    }

    fn find(
        &mut self,
        session: &str,
        at: &Address,
        resource: &Resource,
    ) -> Option<(String, &mut Value)> {
        let id = at.id.clone()?;
        let field = resource.id_field.as_deref();
        let (_, c) = self.session(session).collections.get_mut(&at.key)?;
        // by key, else by the id field's text (seeded objects)
        if c.contains_key(&id) {
            return c.get_mut(&id).map(|v| (id, v));
        }
        let key = c
            .iter()
            .find(|(_, v)| {
                field.and_then(|f| v.get(f)).and_then(id_text).as_deref() == Some(id.as_str())
            })
            .map(|(k, _)| k.clone())?;
        c.get_mut(&key).map(|v| (key, v))
    }

    /// Apply `role` to the store.
    pub fn apply(
        &mut self,
        session: &str,
        at: &Address,
        resource: &Resource,
        role: Role,
        body: Option<&Value>,
        server_owned: &[String],
    ) -> Outcome {
        let missing = || Outcome::Missing {
            what: format!(
                "{} {:?} in {}",
                resource.id_param.as_deref().unwrap_or("id"),
                at.id.as_deref().unwrap_or(""),
                at.shown
            ),
        };
        match role {
            Role::Create => Outcome::Stateless,
            Role::List => {
                let s = self.session(session);
                Outcome::List(
                    s.collections
                        .get(&at.key)
                        .map(|(_, c)| c.values().cloned().collect())
                        .unwrap_or_default(),
                )
            }
            Role::Read => match self.find(session, at, resource) {
                Some((_, v)) => Outcome::Object(v.clone()),
                None => missing(),
            },
            Role::Delete => {
                let Some((key, _)) = self.find(session, at, resource) else {
                    return missing();
                };
                if let Some((_, c)) = self.session(session).collections.get_mut(&at.key) {
                    c.shift_remove(&key);
                }
                Outcome::Done
            }
            Role::Replace => {
                let Some(Value::Object(new)) = body else {
                    return Outcome::Stateless;
                };
                let Some((_, old)) = self.find(session, at, resource) else {
                    return missing();
                };
                // the new representation, keeping what the server owns
                let mut next = Value::Object(new.clone());
                if let (Value::Object(o), Value::Object(n)) = (&*old, &mut next) {
                    for k in server_owned.iter().chain(resource.id_field.as_ref()) {
                        if let Some(v) = o.get(k) {
                            n.entry(k.clone()).or_insert(v.clone());
                        }
                    }
                }
                *old = next.clone();
                Outcome::Object(next)
            }
            Role::Merge => {
                let Some(patch) = body else {
                    return Outcome::Stateless;
                };
                let Some((_, old)) = self.find(session, at, resource) else {
                    return missing();
                };
                let id = resource.id_field.as_ref().and_then(|f| old.get(f).cloned());
                merge_patch(old, patch);
                if let (Some(f), Some(id), Value::Object(o)) = (&resource.id_field, id, &mut *old) {
                    o.insert(f.clone(), id);
                }
                Outcome::Object(old.clone())
            }
        }
    }

    /// Everything `session` holds, by concrete collection path.
    pub fn dump(&mut self, session: &str) -> Value {
        let s = self.session(session);
        let mut out = Map::new();
        for (shown, c) in s.collections.values() {
            out.insert(shown.clone(), Value::Array(c.values().cloned().collect()));
        }
        Value::Object(out)
    }

    /// Forget `session` (it starts again from the seed data).
    pub fn reset(&mut self, session: &str) {
        self.sessions.remove(session);
    }

    /// The sessions that exist.
    pub fn sessions(&self) -> Vec<String> {
        let mut v: Vec<String> = self.sessions.keys().cloned().collect();
        v.sort();
        v
    }
}

/// A stored object as the response schema takes it: the object itself, else its
/// fields over a generated body's, else only the fields the generated body has;
/// whichever the schema takes first.
pub fn merged_body(media: &CompiledMedia, generated: &Value, stored: &Value) -> Option<Value> {
    let valid = |v: &Value| media.checker.as_ref().is_none_or(|c| c.is_valid(v));
    // the object as stored, when it fits: the same answer on every read
    if valid(stored) {
        return Some(stored.clone());
    }
    let (Value::Object(g), Value::Object(s)) = (generated, stored) else {
        return None;
    };
    let mut all = g.clone();
    for (k, v) in s {
        all.insert(k.clone(), v.clone());
    }
    let all = Value::Object(all);
    if valid(&all) {
        return Some(all);
    }
    let mut known = g.clone();
    for (k, v) in s {
        if known.contains_key(k) {
            known.insert(k.clone(), v.clone());
        }
    }
    let known = Value::Object(known);
    valid(&known).then_some(known)
}

/// The property names a JSON Schema (through `$ref`s and `allOf`) declares.
pub fn schema_properties(schema: &Value, defs: &IndexMap<String, Value>) -> Vec<String> {
    fn walk(s: &Value, defs: &IndexMap<String, Value>, depth: usize, out: &mut Vec<String>) {
        if depth > 16 {
            return;
        }
        let s = specforge::ir::deref(s, defs);
        if let Some(p) = s.get("properties").and_then(Value::as_object) {
            out.extend(p.keys().cloned());
        }
        for k in ["allOf", "oneOf", "anyOf"] {
            for b in s.get(k).and_then(Value::as_array).into_iter().flatten() {
                walk(b, defs, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(schema, defs, 0, &mut out);
    out
}

/// The start-up report: which operations form which resource, which stay
/// stateless and why (grouped).
pub fn report(state: &MockState) -> String {
    let r = &state.resources;
    let mut out = format!(
        "stateful: {}, {} stateless\n",
        specforge::diagnostics::counted(r.resources.len(), "resource"),
        specforge::diagnostics::counted(r.stateless.len(), "operation")
    );
    for res in &r.resources {
        let ops: Vec<String> = res
            .operations
            .iter()
            .map(|(role, op)| format!("{} {op}", role_name(*role)))
            .collect();
        let id = match (&res.id_param, &res.id_field) {
            (Some(p), Some(f)) => format!(" (item {{{p}}} = field {f})"),
            _ => " (no item path paired)".to_string(),
        };
        out.push_str(&format!("  {}{id}: {}\n", res.path, ops.join(", ")));
    }
    let mut why: IndexMap<&str, Vec<&str>> = IndexMap::new();
    for (op, reason) in &r.stateless {
        why.entry(reason.as_str()).or_default().push(op.as_str());
    }
    for (reason, ops) in why {
        let shown: Vec<&str> = ops.iter().take(6).copied().collect();
        let more = if ops.len() > shown.len() {
            format!(" and {} more", ops.len() - shown.len())
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  stateless ({}): {reason}: {}{more}\n",
            ops.len(),
            shown.join(", ")
        ));
    }
    out
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Create => "create",
        Role::List => "list",
        Role::Read => "read",
        Role::Replace => "replace",
        Role::Merge => "merge",
        Role::Delete => "delete",
    }
}

/// Seed data (`{"/repos/7/secrets": [{..}, ..]}`, paths below the base path) as
/// (collection key, concrete path, objects). A path that no create operation of
/// a resource serves, or a value that is not an array of objects, is an error
/// naming it.
pub fn resolve_seed(
    state: &MockState,
    seed: &Value,
) -> Result<Vec<(String, String, Vec<Value>)>, String> {
    let Value::Object(map) = seed else {
        return Err("seed data must be an object of collection paths".into());
    };
    let mut out = Vec::new();
    for (path, objects) in map {
        let Some(list) = objects.as_array() else {
            return Err(format!(
                "seed data for {path}: expected an array of objects"
            ));
        };
        if let Some(i) = list.iter().position(|o| !o.is_object()) {
            return Err(format!("seed data for {path}: item {i} is not an object"));
        }
        let full = format!("{}{}", state.api.base_path, path);
        let found = match state.locate(Some(specforge::ir::Method::Post), &full) {
            crate::state::Located::Found { op, path } => Some((op, path)),
            _ => None,
        };
        let Some((op, values)) = found else {
            return Err(format!(
                "seed data for {path}: no operation creates objects there (the resources are printed at start-up with --stateful)"
            ));
        };
        let operation = &state.api.operations[op];
        let Some((resource, Role::Create)) = state.resources.role_of(&operation.name) else {
            return Err(format!(
                "seed data for {path}: {} is not the create operation of a resource",
                operation.name
            ));
        };
        let at = Address::of(resource, operation, Role::Create, &values);
        out.push((at.key, at.shown, list.clone()));
    }
    Ok(out)
}

/// The session a request belongs to.
pub fn session_of(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_SESSION)
        .chars()
        .take(128)
        .collect()
}

/// What a stateful answer needs of the request.
pub(crate) struct Request<'r> {
    pub op_index: usize,
    pub headers: &'r axum::http::HeaderMap,
    pub path_values: &'r [(String, String)],
    pub query: &'r [(String, String)],
    pub body: &'r [u8],
    pub prefs: &'r crate::respond::Preferences,
    pub request_key: &'r str,
}

/// Answer `req` from the store, when its operation belongs to a resource;
/// `None` leaves it to the stateless mock (a forced status, a body that is not
/// a JSON object, an operation outside every resource).
pub(crate) fn answer(state: &MockState, req: &Request<'_>) -> Option<axum::response::Response> {
    use crate::respond;
    let op = &state.api.operations[req.op_index];
    let (resource, role) = state.resources.role_of(&op.name)?;
    if req.prefs.code.is_some() || req.prefs.example.is_some() {
        return None;
    }
    let compiled = &state.ops[req.op_index];
    let session = session_of(req.headers);
    let at = Address::of(resource, op, role, req.path_values);
    let body: Option<Value> = serde_json::from_slice(req.body).ok();
    let (response, status) = respond::choose(op, compiled, None).ok()?;
    let accept = req.headers.get("accept").and_then(|v| v.to_str().ok());
    let media = respond::negotiate(response, accept).ok()?;
    let json_media = media.filter(|m| m.kind.is_json());
    let render = |key: &str| {
        respond::render(
            state, compiled, response, status, media, req.prefs, key, req.query,
        )
        .ok()
    };
    let parse = |r: &respond::Rendered| -> Option<Value> {
        json_media.and_then(|_| serde_json::from_slice(&r.body).ok())
    };
    let with_body = |mut r: respond::Rendered, v: Option<Value>| {
        if let Some(v) = v {
            r.body = serde_json::to_vec(&v).unwrap_or(r.body);
        }
        crate::to_response(r)
    };
    if role == Role::Create {
        let Some(Value::Object(sent)) = &body else {
            return None;
        };
        let serial = state.runtime.store().next_serial(&session);
        // server-owned fields from a body generated for this create (ids differ per object)
        let rendered = render(&format!("{}#{serial}", req.request_key))?;
        let generated = parse(&rendered);
        let mut stored = match &generated {
            Some(Value::Object(g)) => g.clone(),
            _ => Map::new(),
        };
        for (k, v) in sent {
            stored.insert(k.clone(), v.clone());
        }
        let stored = Value::Object(stored);
        state
            .runtime
            .store()
            .create(&session, &at, resource, stored.clone());
        let shown = match (json_media, &generated) {
            (Some(m), Some(g)) => Some(merged_body(m, g, &stored).unwrap_or_else(|| {
                tracing::warn!(operation = %op.name, "the created object does not fit the response schema; answered with a generated body");
                g.clone()
            })),
            _ => None,
        };
        return Some(with_body(rendered, shown));
    }
    // what a replacement keeps: fields the response has and the request does not
    let server_owned: Vec<String> = match (
        json_media.and_then(|m| m.schema.as_ref()),
        op.request_body.as_ref(),
    ) {
        (Some(out), Some(rb)) if role == Role::Replace => {
            let defs = state.response_set.defs();
            let sent: Vec<String> = rb
                .content
                .iter()
                .filter_map(|m| m.json_schema.as_ref())
                .flat_map(|s| schema_properties(s, state.request_set.defs()))
                .collect();
            schema_properties(out, defs)
                .into_iter()
                .filter(|p| !sent.contains(p))
                .collect()
        }
        _ => Vec::new(),
    };
    let outcome =
        state
            .runtime
            .store()
            .apply(&session, &at, resource, role, body.as_ref(), &server_owned);
    match outcome {
        Outcome::Stateless => None,
        Outcome::Missing { what } => {
            // not a broken rule: the object is not there (the header says which)
            let v = specforge_contract::check::Violation {
                location: format!("path.{}", resource.id_param.as_deref().unwrap_or("id")),
                message: format!("no {what} (session {session})"),
            };
            let mut r =
                crate::covering_response(state, req.op_index, 404, req.prefs, req.request_key)
                    .unwrap_or_else(|| {
                        crate::problem(
                            axum::http::StatusCode::NOT_FOUND,
                            "Not Found",
                            &v.message.clone(),
                            std::slice::from_ref(&v),
                        )
                    });
            if let Some(h) = crate::header_text(&v.message) {
                r.headers_mut().insert("x-specforge-state", h);
            }
            Some(r)
        }
        Outcome::Done => Some(crate::to_response(render(req.request_key)?)),
        Outcome::Object(o) => {
            let rendered = render(req.request_key)?;
            let shown = match (json_media, parse(&rendered)) {
                (Some(m), Some(g)) => Some(merged_body(m, &g, &o).unwrap_or_else(|| {
                    tracing::warn!(operation = %op.name, "the stored object does not fit the response schema; answered with a generated body");
                    g
                })),
                _ => None,
            };
            Some(with_body(rendered, shown))
        }
        Outcome::List(items) => {
            let rendered = render(req.request_key)?;
            let (Some(m), Some(generated)) = (json_media, parse(&rendered)) else {
                return Some(crate::to_response(rendered));
            };
            let valid = |v: &Value| m.checker.as_ref().is_none_or(|c| c.is_valid(v));
            // the stored objects, each shaped as the list's items are
            let listed = if op.pagination.is_some() {
                crate::paging::page(state, op, m, req.query, &generated, Some(&items))
            } else {
                let mut out = generated.clone();
                let slot = match &resource.list_items {
                    None => Some(&mut out),
                    Some(f) => out.as_object_mut().and_then(|o| o.get_mut(f)),
                };
                if let Some(s) = slot {
                    *s = Value::Array(items.clone());
                }
                valid(&out).then_some(out)
            };
            let shown = listed.unwrap_or_else(|| {
                tracing::warn!(operation = %op.name, "the stored objects do not fit the list's schema; answered with a generated list");
                generated
            });
            Some(with_body(rendered, Some(shown)))
        }
    }
}
