//! Lowering of a loaded document into the [`Api`] IR: operations, parameters,
//! bodies, responses, security.

use super::model::*;
use super::naming::{operation_names, type_name, OpKey};
use super::types::{describe, kind_of, TypeLowerer};
use crate::diagnostics::{push_pointer, Diagnostic, LoadError};
use crate::loader::refs::resolve_pointer;
use crate::loader::LoadedSpec;
use indexmap::IndexMap;
use serde_json::{json, Value};

/// The security scheme name given to `Authorization` header parameters.
pub const AUTH_HEADER_SCHEME: &str = "authorization_header";

/// Build the IR from a loaded spec.
pub fn lower(spec: &LoadedSpec) -> Result<Api, LoadError> {
    let doc = &spec.document;
    let mut diags: Vec<Diagnostic> = ref_cycles(doc);
    if !diags.is_empty() {
        // everything downstream would follow the cycle: stop here
        return Err(LoadError {
            diagnostics: diags.into_iter().map(|d| spec.place(d)).collect(),
        });
    }
    let mut types = TypeLowerer::new(doc);
    types.lower_components();

    let info = doc.get("info");
    let text = |k: &str| {
        info.and_then(|i| i.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let servers = servers(doc);
    let base_path = servers.first().map(|s| base_path_of(s)).unwrap_or_default();

    let mut security_schemes = security_schemes(doc, &mut diags);
    let global_security = doc.get("security");

    // Collect operations first so that names are known before inline types are named.
    // borrowed from the document: a copy of every operation is the loader's peak at scale
    let mut raw_ops: Vec<(&str, Method, &Value, &[Value])> = Vec::new();
    match doc.get("paths") {
        Some(Value::Object(paths)) => {
            for (path, item) in paths {
                let item_ptr = push_pointer("#/paths", path);
                let item = deref(doc, item);
                let Some(item_obj) = item.as_object() else {
                    diags.push(Diagnostic::error(
                        item_ptr,
                        format!("a path item must be an object, found {}", kind_of(item)),
                    ));
                    continue;
                };
                let shared: &[Value] = match item_obj.get("parameters") {
                    None => &[],
                    Some(Value::Array(a)) => a,
                    Some(other) => {
                        diags.push(Diagnostic::error(
                            push_pointer(&item_ptr, "parameters"),
                            format!("'parameters' must be an array, found {}", kind_of(other)),
                        ));
                        &[]
                    }
                };
                for (method, key) in Method::ALL {
                    if let Some(op) = item_obj.get(key) {
                        if !op.is_object() {
                            diags.push(Diagnostic::error(
                                push_pointer(&item_ptr, key),
                                format!("an operation must be an object, found {}", kind_of(op)),
                            ));
                            continue;
                        }
                        raw_ops.push((path, method, op, shared));
                    }
                }
            }
        }
        None => diags.push(Diagnostic::warning("#", "the document has no 'paths'")),
        Some(other) => diags.push(Diagnostic::error(
            "#/paths",
            format!("'paths' must be an object, found {}", kind_of(other)),
        )),
    }

    if let Some(Value::Object(hooks)) = doc.get("webhooks") {
        if !hooks.is_empty() {
            diags.push(Diagnostic::warning(
                "#/webhooks",
                format!(
                    "{} webhook(s) are requests the API sends, not operations it serves: no client method, route or mock answer is made for them",
                    hooks.len()
                ),
            ));
        }
    }
    let keys: Vec<OpKey<'_>> = raw_ops
        .iter()
        .map(|(path, method, op, _)| OpKey {
            method: *method,
            path,
            operation_id: op.get("operationId").and_then(Value::as_str),
        })
        .collect();
    let (names, dups) = operation_names(&keys);
    for (id, idx) in dups {
        let places: Vec<String> = idx
            .iter()
            .map(|i| format!("{} {}", raw_ops[*i].1.as_str(), raw_ops[*i].0))
            .collect();
        let first = &raw_ops[idx[0]];
        diags.push(Diagnostic::warning(
            op_pointer(first.0, first.1),
            format!(
                "operationId '{id}' is used by {} operations ({}); later ones get a numeric suffix",
                idx.len(),
                places.join(", ")
            ),
        ));
    }

    let mut auth_header_ops = 0usize;
    let mut auth_header_bearer = false;
    let mut ignored_headers = 0usize;
    let mut operations = Vec::with_capacity(raw_ops.len());
    for ((path, method, op, shared), name) in raw_ops.iter().zip(names) {
        let ptr = op_pointer(path, *method);
        let mut cx = OpLowering {
            doc,
            ptr: &ptr,
            name: &name,
            types: &mut types,
            diags: &mut diags,
        };
        let (template, problems) = PathTemplate::parse(path);
        let item_ptr = push_pointer("#/paths", path);
        for problem in problems {
            match problem {
                super::wire::TemplateProblem::Repeated(name) => cx.diags.push(Diagnostic::error(
                    item_ptr.clone(),
                    format!("the path template '{path}' names the parameter '{name}' twice"),
                )),
                super::wire::TemplateProblem::Unbalanced(seg) => cx.diags.push(Diagnostic::warning(
                    item_ptr.clone(),
                    format!("the path segment '{seg}' has an unbalanced brace; read as literal text"),
                )),
                super::wire::TemplateProblem::EmptyName => cx.diags.push(Diagnostic::warning(
                    item_ptr.clone(),
                    format!("the path template '{path}' has an empty parameter '{{}}'; read as literal text"),
                )),
                super::wire::TemplateProblem::QueryOrFragment(q) => cx.diags.push(Diagnostic::warning(
                    item_ptr.clone(),
                    format!("the path key carries '{q}', which OpenAPI does not allow there; it is routed and sent as its path only, without '{q}'"),
                )),
            }
        }
        let mut parameters = cx.parameters(path, &template, shared, op);
        // Authorization / Accept / Content-Type header parameters are ignored by
        // OpenAPI; an Authorization parameter is read as a security requirement.
        let mut auth_param: Option<Parameter> = None;
        parameters.retain(|p| {
            if p.location != ParamLocation::Header {
                return true;
            }
            let lname = p.name.to_ascii_lowercase();
            if lname == "authorization" {
                auth_param = Some(p.clone());
                return false;
            }
            if lname == "accept" || lname == "content-type" {
                ignored_headers += 1;
                return false;
            }
            true
        });
        parameters.shrink_to_fit();
        let request_body = cx.request_body(op);
        let responses = cx.responses(op);
        let mut security = cx.security(op.get("security").or(global_security), &security_schemes);
        if let Some(ap) = auth_param {
            auth_header_ops += 1;
            if ap
                .default
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|d| d.starts_with("Bearer"))
            {
                auth_header_bearer = true;
            }
            if security.is_empty() {
                security.push(SecurityRequirement {
                    schemes: vec![(AUTH_HEADER_SCHEME.to_string(), vec![])],
                });
                if !ap.required {
                    security.push(SecurityRequirement { schemes: vec![] });
                }
            }
        }
        let tags = op
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        operations.push(Operation {
            name,
            operation_id: op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string),
            method: *method,
            template,
            path: path.to_string(),
            parameters,
            request_body,
            responses,
            security,
            tags,
            deprecated: op.get("deprecated") == Some(&Value::Bool(true)),
            docs: Docs {
                summary: str_of(op, "summary"),
                description: str_of(op, "description"),
            },
            pointer: ptr,
            pagination: None,
        });
    }
    if auth_header_ops > 0 {
        let scheme = if auth_header_bearer {
            SecurityScheme::Bearer { format: None }
        } else {
            SecurityScheme::ApiKey {
                name: "Authorization".into(),
                location: ParamLocation::Header,
            }
        };
        security_schemes
            .entry(AUTH_HEADER_SCHEME.to_string())
            .or_insert(scheme);
        diags.push(Diagnostic::warning(
            "#/paths",
            format!("{auth_header_ops} operations declare an 'Authorization' header parameter, which OpenAPI ignores; read as the security scheme '{AUTH_HEADER_SCHEME}' ({})",
                if auth_header_bearer { "bearer token" } else { "API key in the Authorization header" }),
        ));
    }
    if ignored_headers > 0 {
        diags.push(Diagnostic::warning("#/paths", format!("{ignored_headers} 'Accept'/'Content-Type' header parameters are ignored, as OpenAPI requires; media types come from the content maps")));
    }

    diags.append(&mut types.diagnostics);
    let schema_defs: IndexMap<String, Value> = types
        .types
        .values()
        .filter(|t| {
            t.pointer.starts_with("#/components/schemas/")
                && types.component_names.get(&t.pointer) == Some(&t.name)
        })
        .map(|t| (t.name.clone(), t.json_schema.clone()))
        .collect();
    let mut type_map = std::mem::take(&mut types.types);
    super::recursion::mark_recursive(&mut type_map);
    for op in &mut operations {
        for p in &mut op.parameters {
            p.shape = shape_of(&p.schema, &type_map);
            if p.location == ParamLocation::Path {
                let text = text_of(&p.schema, &type_map);
                op.template.texts.insert(p.name.clone(), text);
            }
        }
        op.pagination = super::pagination::detect(op, &type_map);
    }
    // links lead to operations by operationId or operationRef: resolved once all exist
    let by_id: std::collections::HashMap<String, String> = operations
        .iter()
        .filter_map(|o| o.operation_id.clone().map(|id| (id, o.name.clone())))
        .collect();
    let by_pointer: std::collections::HashMap<String, String> = operations
        .iter()
        .map(|o| (o.pointer.clone(), o.name.clone()))
        .collect();
    for op in &mut operations {
        for r in &mut op.responses {
            for l in &mut r.links {
                let target = l.target.trim_start_matches('#');
                l.operation = by_id
                    .get(&l.target)
                    .or_else(|| by_pointer.get(&format!("#{target}")))
                    .cloned();
                if l.operation.is_none() {
                    diags.push(Diagnostic::warning(
                        l.pointer.clone(),
                        format!(
                            "link '{}' leads to '{}', which names no operation of this document; ignored",
                            l.name, l.target
                        ),
                    ));
                }
            }
        }
    }

    let mut warnings = spec.diagnostics.clone();
    let mut errors = Vec::new();
    for d in diags {
        let d = spec.place(d);
        if d.is_error() {
            errors.push(d);
        } else {
            warnings.push(d);
        }
    }
    if !errors.is_empty() {
        errors.extend(warnings);
        return Err(LoadError {
            diagnostics: errors,
        });
    }
    Ok(Api {
        spec_version: spec.version,
        title: text("title").unwrap_or_else(|| "API".into()),
        version: text("version").unwrap_or_else(|| "0.0.0".into()),
        description: text("description"),
        servers,
        base_path,
        operations,
        types: type_map,
        security_schemes,
        schema_defs,
        warnings,
        source_files: spec.files.clone(),
    })
}

/// The wire shape of a parameter type: arrays and objects are serialized by style.
fn shape_of(t: &TypeRef, types: &IndexMap<String, TypeDef>) -> ParamShape {
    match super::wire::through_aliases(types, t) {
        TypeRef::Array { .. } => ParamShape::Array,
        TypeRef::Map { .. } => ParamShape::Object,
        TypeRef::Nullable { inner } => shape_of(inner, types),
        TypeRef::Named { name }
            if types
                .get(name)
                .is_some_and(|d| matches!(d.kind, TypeKind::Struct { .. })) =>
        {
            ParamShape::Object
        }
        _ => ParamShape::Scalar,
    }
}

/// What text a path parameter of type `t` can take.
fn text_of(t: &TypeRef, types: &IndexMap<String, TypeDef>) -> super::wire::ParamText {
    use super::wire::ParamText;
    match super::wire::through_aliases(types, t) {
        TypeRef::Primitive {
            primitive: Primitive::Int32 | Primitive::Int64,
        } => ParamText::Integer,
        TypeRef::Named { name } => match types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Enum { values, .. }) if values.iter().all(Value::is_string) => {
                ParamText::OneOf(
                    values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                )
            }
            _ => ParamText::Any,
        },
        _ => ParamText::Any,
    }
}

fn str_of(v: &Value, k: &str) -> Option<String> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn op_pointer(path: &str, method: Method) -> String {
    let key = Method::ALL
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, k)| *k)
        .unwrap_or("get");
    push_pointer(&push_pointer("#/paths", path), key)
}

/// `$ref`s that lead, through nothing but other `$ref`s, back to themselves
/// (`A: {$ref: B}`, `B: {$ref: A}`; `A: {$ref: A}`): an error naming the cycle.
/// Recursion through a real schema (a property, an item) is not a cycle here.
fn ref_cycles(doc: &Value) -> Vec<Diagnostic> {
    // A cycle runs through `$ref` holders that are themselves the target of a
    // `$ref`: find those by address first, and spell out only their pointers (a
    // pointer for every holder was a large part of start-up on a large spec).
    let mut targets: std::collections::HashSet<&str> = std::collections::HashSet::new();
    crate::diagnostics::walk_places(doc, &mut |_, v| {
        if let Some(Value::String(r)) = v.get("$ref") {
            if r.starts_with('#') {
                targets.insert(r);
            }
        }
    });
    let aliases: std::collections::HashSet<*const Value> = targets
        .into_iter()
        .filter_map(|r| resolve_pointer(doc, r))
        .filter(|t| t.get("$ref").is_some_and(Value::is_string))
        .map(|t| t as *const Value)
        .collect();
    let mut all: Vec<(String, &str)> = Vec::new();
    if !aliases.is_empty() {
        crate::diagnostics::walk_places(doc, &mut |place, v| {
            if let Some(Value::String(r)) = v.get("$ref") {
                if r.starts_with('#') && aliases.contains(&(v as *const Value)) {
                    all.push((place.pointer(), r));
                }
            }
        });
    }
    let target_of: std::collections::HashMap<&str, &str> =
        all.iter().map(|(p, r)| (p.as_str(), *r)).collect();
    let mut done: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (start, _) in &all {
        if done.contains(start) {
            continue;
        }
        let mut chain: Vec<String> = vec![start.clone()];
        let mut cur = start.clone();
        while let Some(next) = target_of.get(cur.as_str()).map(|r| r.to_string()) {
            // the target is itself a `$ref` object only if it is in the map
            if !target_of.contains_key(next.as_str()) || done.contains(&next) {
                break;
            }
            if let Some(i) = chain.iter().position(|c| *c == next) {
                let cycle = &chain[i..];
                out.push(Diagnostic::error(
                    next.clone(),
                    format!(
                        "a cycle of $ref aliases: {} -> {next}; give one of them a real schema",
                        cycle.join(" -> ")
                    ),
                ));
                break;
            }
            chain.push(next.clone());
            cur = next;
        }
        done.extend(chain);
    }
    out
}

/// Follow `$ref` chains (local only) to the target object.
fn deref<'v>(doc: &'v Value, v: &'v Value) -> &'v Value {
    let mut cur = v;
    for _ in 0..16 {
        match cur
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve_pointer(doc, r))
        {
            Some(t) => cur = t,
            None => break,
        }
    }
    cur
}

fn servers(doc: &Value) -> Vec<String> {
    doc.get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let mut url = s.get("url")?.as_str()?.to_string();
            if let Some(Value::Object(vars)) = s.get("variables") {
                for (k, v) in vars {
                    if let Some(d) = v.get("default").and_then(Value::as_str) {
                        url = url.replace(&format!("{{{k}}}"), d);
                    }
                }
            }
            Some(url)
        })
        .collect()
}

/// The path part of a server URL, without a trailing slash (`https://x/api/v2/` -> `/api/v2`).
pub fn base_path_of(url: &str) -> String {
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or(""),
        None => url,
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

fn security_schemes(doc: &Value, diags: &mut Vec<Diagnostic>) -> IndexMap<String, SecurityScheme> {
    let mut out = IndexMap::new();
    let Some(Value::Object(schemes)) = doc.get("components").and_then(|c| c.get("securitySchemes"))
    else {
        return out;
    };
    for (name, s) in schemes {
        let ptr = push_pointer("#/components/securitySchemes", name);
        let s = deref(doc, s);
        let scheme = match s.get("type").and_then(Value::as_str) {
            Some("apiKey") => {
                let location = match s.get("in").and_then(Value::as_str) {
                    Some("query") => ParamLocation::Query,
                    Some("cookie") => ParamLocation::Cookie,
                    Some("header") => ParamLocation::Header,
                    other => {
                        diags.push(Diagnostic::error(
                            push_pointer(&ptr, "in"),
                            format!("apiKey 'in' must be header, query or cookie, found {other:?}"),
                        ));
                        continue;
                    }
                };
                let Some(key) = s.get("name").and_then(Value::as_str) else {
                    diags.push(Diagnostic::error(ptr, "apiKey scheme has no 'name'"));
                    continue;
                };
                SecurityScheme::ApiKey {
                    name: key.to_string(),
                    location,
                }
            }
            Some("http") => match s
                .get("scheme")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("basic") => SecurityScheme::Basic,
                Some("bearer") => SecurityScheme::Bearer {
                    format: str_of(s, "bearerFormat"),
                },
                Some(other) => SecurityScheme::Other {
                    scheme: other.to_string(),
                },
                None => {
                    diags.push(Diagnostic::error(
                        ptr,
                        "http security scheme has no 'scheme'",
                    ));
                    continue;
                }
            },
            Some("oauth2") => {
                let mut scopes: Vec<String> = Vec::new();
                for (_, flow) in s
                    .get("flows")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    for scope in flow
                        .get("scopes")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k)
                    {
                        if !scopes.contains(scope) {
                            scopes.push(scope.clone());
                        }
                    }
                }
                SecurityScheme::OAuth2 { scopes }
            }
            Some("openIdConnect") => SecurityScheme::OpenIdConnect {
                url: str_of(s, "openIdConnectUrl").unwrap_or_default(),
            },
            other => {
                diags.push(Diagnostic::warning(
                    push_pointer(&ptr, "type"),
                    format!("unknown security scheme type {other:?}; ignored"),
                ));
                continue;
            }
        };
        out.insert(name.clone(), scheme);
    }
    out
}

struct OpLowering<'a, 'd> {
    doc: &'d Value,
    ptr: &'a str,
    name: &'a str,
    types: &'a mut TypeLowerer<'d>,
    diags: &'a mut Vec<Diagnostic>,
}

impl<'d> OpLowering<'_, 'd> {
    fn camel(&self) -> String {
        type_name(self.name)
    }

    fn parameters(
        &mut self,
        path: &str,
        template: &PathTemplate,
        shared: &'d [Value],
        op: &'d Value,
    ) -> Vec<Parameter> {
        let own: Vec<(String, &Value)> = match op.get("parameters") {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("{}/parameters/{i}", self.ptr), p))
                .collect(),
            Some(other) => {
                self.diags.push(Diagnostic::error(
                    push_pointer(self.ptr, "parameters"),
                    format!("'parameters' must be an array, found {}", kind_of(other)),
                ));
                Vec::new()
            }
        };
        let item_ptr = self
            .ptr
            .rsplit_once('/')
            .map(|(a, _)| a.to_string())
            .unwrap_or_default();
        let shared: Vec<(String, &Value)> = shared
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("{item_ptr}/parameters/{i}"), p))
            .collect();
        // keyed by (name, in): an operation's parameter replaces the path's, in one pass
        let mut merged: IndexMap<(String, String), (String, &Value)> = IndexMap::new();
        for (pptr, p) in shared.into_iter().chain(own) {
            let resolved = deref(self.doc, p);
            if !resolved.is_object() {
                self.diags.push(Diagnostic::error(
                    pptr,
                    format!("a parameter must be an object, found {}", kind_of(resolved)),
                ));
                continue;
            }
            let key = crate::loader::parameter_key(resolved);
            merged.shift_remove(&key);
            merged.insert(key, (pptr, resolved));
        }
        let template: Vec<String> = template
            .param_names()
            .into_iter()
            .map(str::to_string)
            .collect();
        let mut out: Vec<Parameter> = Vec::with_capacity(merged.len());
        for (pptr, p) in merged.into_values() {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                self.diags
                    .push(Diagnostic::error(pptr, "parameter has no 'name'"));
                continue;
            };
            let location = match p.get("in").and_then(Value::as_str) {
                Some("path") => ParamLocation::Path,
                Some("query") => ParamLocation::Query,
                Some("header") => ParamLocation::Header,
                Some("cookie") => ParamLocation::Cookie,
                other => {
                    self.diags.push(Diagnostic::error(push_pointer(&pptr, "in"), format!("parameter '{name}': 'in' must be path, query, header or cookie, found {other:?}")));
                    continue;
                }
            };
            if location == ParamLocation::Path && !template.iter().any(|t| t == name) {
                self.diags.push(Diagnostic::warning(pptr, format!("path parameter '{name}' does not occur in the path template '{path}'; ignored")));
                continue;
            }
            let schema_v = p
                .get("schema")
                .cloned()
                .or_else(|| {
                    p.get("content")
                        .and_then(Value::as_object)
                        .and_then(|c| c.values().next())
                        .and_then(|m| m.get("schema"))
                        .cloned()
                })
                .unwrap_or_else(|| json!({ "type": "string" }));
            let hint = format!("{}{}", self.camel(), type_name(name));
            let schema = self
                .types
                .lower(&schema_v, &push_pointer(&pptr, "schema"), &hint);
            let style = match p.get("style").and_then(Value::as_str) {
                Some("simple") => ParamStyle::Simple,
                Some("form") => ParamStyle::Form,
                Some("label") => ParamStyle::Label,
                Some("matrix") => ParamStyle::Matrix,
                Some("spaceDelimited") => ParamStyle::SpaceDelimited,
                Some("pipeDelimited") => ParamStyle::PipeDelimited,
                Some("deepObject") => ParamStyle::DeepObject,
                _ => match location {
                    ParamLocation::Query | ParamLocation::Cookie => ParamStyle::Form,
                    _ => ParamStyle::Simple,
                },
            };
            let explode = p
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(style == ParamStyle::Form);
            out.push(Parameter {
                name: name.to_string(),
                location,
                required: location == ParamLocation::Path
                    || p.get("required") == Some(&Value::Bool(true)),
                json_schema: self.types.json(&schema_v),
                schema,
                style,
                explode,
                allow_reserved: p.get("allowReserved") == Some(&Value::Bool(true)),
                shape: ParamShape::Scalar,
                default: schema_v.get("default").cloned(),
                example: p
                    .get("example")
                    .or_else(|| schema_v.get("example"))
                    .cloned(),
                deprecated: p.get("deprecated") == Some(&Value::Bool(true)),
                description: describe(p),
            });
        }
        for t in &template {
            if !out
                .iter()
                .any(|p| p.location == ParamLocation::Path && &p.name == t)
            {
                self.diags.push(Diagnostic::warning(self.ptr.to_string(), format!("path template parameter '{t}' is not declared; assumed to be a required string")));
                out.push(Parameter {
                    name: t.clone(),
                    location: ParamLocation::Path,
                    required: true,
                    schema: TypeRef::primitive(Primitive::String),
                    json_schema: json!({ "type": "string" }),
                    style: ParamStyle::Simple,
                    explode: false,
                    allow_reserved: false,
                    shape: ParamShape::Scalar,
                    default: None,
                    example: None,
                    deprecated: false,
                    description: None,
                });
            }
        }
        out
    }

    fn content(&mut self, content: Option<&Value>, ptr: &str, hint: &str) -> Vec<MediaType> {
        let Some(content) = content else {
            return Vec::new();
        };
        let Some(map) = content.as_object() else {
            self.diags.push(Diagnostic::error(
                ptr.to_string(),
                format!("'content' must be an object, found {}", kind_of(content)),
            ));
            return Vec::new();
        };
        // exact capacities here and below: a pushed-to Vec holds room for four, and
        // the IR keeps these for the life of a mock (a third of its memory at scale)
        let mut out = Vec::with_capacity(map.len());
        let many = map
            .values()
            .filter(|m| m.get("schema").is_some_and(|s| s.get("$ref").is_none()))
            .count()
            > 1;
        for (mt, media) in map {
            let mptr = push_pointer(ptr, mt);
            let mhint = if many {
                format!("{hint}{}", type_name(mt))
            } else {
                hint.to_string()
            };
            let schema_v = media.get("schema");
            let schema =
                schema_v.map(|s| self.types.lower(s, &push_pointer(&mptr, "schema"), &mhint));
            let mut examples = IndexMap::new();
            if let Some(e) = media.get("example") {
                examples.insert("default".to_string(), e.clone());
            }
            if let Some(Value::Object(named)) = media.get("examples") {
                for (name, ex) in named {
                    if let Some(v) = deref(self.doc, ex).get("value") {
                        examples.insert(name.clone(), v.clone());
                    }
                }
            }
            out.push(MediaType {
                kind: specforge_runtime::media::classify(mt),
                media_type: mt.clone(),
                json_schema: schema_v.map(|s| self.types.json(s)),
                schema,
                examples,
            });
        }
        out
    }

    fn request_body(&mut self, op: &'d Value) -> Option<RequestBody> {
        let raw = op.get("requestBody")?;
        let body = deref(self.doc, raw);
        let ptr = push_pointer(self.ptr, "requestBody");
        if !body.is_object() {
            self.diags.push(Diagnostic::error(
                ptr,
                format!("'requestBody' must be an object, found {}", kind_of(body)),
            ));
            return None;
        }
        let hint = format!("{}RequestBody", self.camel());
        let content = self.content(body.get("content"), &push_pointer(&ptr, "content"), &hint);
        Some(RequestBody {
            required: body.get("required") == Some(&Value::Bool(true)),
            content,
            description: describe(body),
            name: body
                .get("x-body-name")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    fn responses(&mut self, op: &'d Value) -> Vec<Response> {
        let rptr = push_pointer(self.ptr, "responses");
        let Some(map) = op.get("responses").and_then(Value::as_object) else {
            if let Some(other) = op.get("responses") {
                self.diags.push(Diagnostic::error(
                    rptr,
                    format!("'responses' must be an object, found {}", kind_of(other)),
                ));
            }
            return Vec::new();
        };
        let mut statuses: Vec<(StatusSpec, &String, &Value)> = Vec::new();
        for (code, r) in map {
            if code.starts_with("x-") {
                continue;
            }
            let status = match code.as_str() {
                "default" => StatusSpec::Default,
                c if c.len() == 3 && c.to_ascii_uppercase().ends_with("XX") => {
                    match c[..1].parse::<u8>() {
                        Ok(d) if (1..=5).contains(&d) => StatusSpec::Range(d),
                        _ => {
                            self.diags.push(Diagnostic::warning(
                                push_pointer(&rptr, code),
                                format!("'{code}' is not a status code; ignored"),
                            ));
                            continue;
                        }
                    }
                }
                c => match c.parse::<u16>() {
                    Ok(n) if (100..600).contains(&n) => StatusSpec::Code(n),
                    _ => {
                        self.diags.push(Diagnostic::warning(
                            push_pointer(&rptr, code),
                            format!("'{code}' is not a status code; ignored"),
                        ));
                        continue;
                    }
                },
            };
            statuses.push((status, code, r));
        }
        let first_success = statuses
            .iter()
            .filter(|(s, _, _)| s.is_success())
            .map(|(s, _, _)| *s)
            .min();
        let mut out = Vec::with_capacity(statuses.len());
        for (status, code, r) in statuses {
            let ptr = push_pointer(&rptr, code);
            let resp = deref(self.doc, r);
            if !resp.is_object() {
                self.diags.push(Diagnostic::error(
                    ptr,
                    format!("a response must be an object, found {}", kind_of(resp)),
                ));
                continue;
            }
            let hint = if Some(status) == first_success {
                format!("{}ResponseBody", self.camel())
            } else {
                format!("{}Response{}Body", self.camel(), status.label())
            };
            let content = self.content(resp.get("content"), &push_pointer(&ptr, "content"), &hint);
            let mut headers = Vec::new();
            for (hname, h) in resp
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let h = deref(self.doc, h);
                let schema_v = h
                    .get("schema")
                    .cloned()
                    .unwrap_or_else(|| json!({ "type": "string" }));
                let hptr = push_pointer(&push_pointer(&ptr, "headers"), hname);
                let schema = self.types.lower(
                    &schema_v,
                    &push_pointer(&hptr, "schema"),
                    &format!("{hint}{}", type_name(hname)),
                );
                headers.push(Header {
                    name: hname.clone(),
                    required: h.get("required") == Some(&Value::Bool(true)),
                    json_schema: self.types.json(&schema_v),
                    schema,
                    description: describe(h),
                });
            }
            out.push(Response {
                status,
                description: resp
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                content,
                headers,
                empty_body_media: resp
                    .get(crate::loader::swagger2::EMPTY_BODY_MEDIA)
                    .and_then(Value::as_array)
                    .map(|l| {
                        l.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                links: links(resp, &push_pointer(&ptr, "links"), self.doc),
            });
        }
        out.sort_by_key(|r| r.status);
        out
    }

    fn security(
        &mut self,
        sec: Option<&Value>,
        schemes: &IndexMap<String, SecurityScheme>,
    ) -> Vec<SecurityRequirement> {
        let Some(Value::Array(reqs)) = sec else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(reqs.len());
        for req in reqs {
            let Some(obj) = req.as_object() else { continue };
            let mut r = SecurityRequirement {
                schemes: Vec::with_capacity(obj.len()),
            };
            for (name, scopes) in obj {
                if !schemes.contains_key(name) {
                    self.diags.push(Diagnostic::warning(
                        push_pointer(self.ptr, "security"),
                        format!("security scheme '{name}' is not defined; ignored"),
                    ));
                    continue;
                }
                let scopes = scopes
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                r.schemes.push((name.clone(), scopes));
            }
            if !r.schemes.is_empty() || obj.is_empty() {
                out.push(r);
            }
        }
        out
    }
}

/// The `links` of a response (operation still unresolved).
fn links(resp: &Value, ptr: &str, doc: &Value) -> Vec<crate::ir::Link> {
    resp.get("links")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, l)| {
            let l = deref(doc, l);
            let target = l
                .get("operationId")
                .or_else(|| l.get("operationRef"))
                .and_then(Value::as_str)?
                .to_string();
            let parameters = l
                .get("parameters")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    let bare = ["path.", "query.", "header.", "cookie."]
                        .iter()
                        .find_map(|p| k.strip_prefix(p))
                        .unwrap_or(k);
                    (bare.to_string(), v.clone())
                })
                .collect();
            Some(crate::ir::Link {
                name: name.clone(),
                operation: None,
                target,
                parameters,
                pointer: push_pointer(ptr, name),
            })
        })
        .collect()
}
