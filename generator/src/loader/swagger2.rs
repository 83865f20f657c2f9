//! Swagger 2.0 to OpenAPI 3.0 conversion (document layout only; schemas were
//! already normalized by [`super::dialect`]).

use super::refs::resolve_pointer;
use crate::diagnostics::{push_pointer, Diagnostic};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];
const JSON: &str = "application/json";

/// Convert a bundled Swagger 2.0 document into an OpenAPI 3.0.3 document. Its
/// paths and definitions are moved, not copied (two whole documents at once were
/// the loader's peak): each path item is dropped once converted, unless some
/// `$ref` points into `#/paths`, which then stays whole until the end.
pub fn convert(mut doc: Value, out: &mut Vec<Diagnostic>) -> Value {
    let declared = declares_media(&doc);
    let paths_in = if refers_into(&doc, "#/paths/") {
        None
    } else {
        doc.as_object_mut().and_then(|o| o.shift_remove("paths"))
    };
    let mut c = Converter { doc: &doc, out };
    if !declared {
        c.out.push(Diagnostic::warning(
            "#",
            "the document declares no 'produces' or 'consumes' anywhere; assuming application/json for every body",
        ));
    }
    let mut result = Map::new();
    result.insert("openapi".into(), json!("3.0.3"));
    for key in ["info", "tags", "externalDocs", "security"] {
        if let Some(v) = doc.get(key) {
            result.insert(key.into(), v.clone());
        }
    }
    for (k, v) in doc.as_object().into_iter().flatten() {
        if k.starts_with("x-") {
            result.insert(k.clone(), v.clone());
        }
    }
    if let Some(servers) = servers(&doc) {
        result.insert("servers".into(), servers);
    }
    let mut paths = Map::new();
    match paths_in {
        Some(Value::Object(taken)) => {
            for (path, item) in taken {
                let converted = c.path_item(&path, &item);
                paths.insert(path, converted);
            }
        }
        Some(_) => {}
        None => {
            for (path, item) in doc
                .get("paths")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                paths.insert(path.clone(), c.path_item(path, item));
            }
        }
    }
    result.insert("paths".into(), Value::Object(paths));
    let mut components = Map::new();
    if let Some(Value::Object(responses)) = doc.get("responses") {
        let converted: Map<String, Value> = responses
            .iter()
            .map(|(k, v)| (k.clone(), c.response(v, &[JSON.to_string()])))
            .collect();
        components.insert("responses".into(), Value::Object(converted));
    }
    if let Some(Value::Object(defs)) = doc.get("securityDefinitions") {
        let converted: Map<String, Value> = defs
            .iter()
            .map(|(k, v)| (k.clone(), security_scheme(v)))
            .collect();
        components.insert("securitySchemes".into(), Value::Object(converted));
    }
    if let Some(defs) = doc
        .as_object_mut()
        .and_then(|o| o.shift_remove("definitions"))
    {
        components.shift_insert(0, "schemas".into(), defs);
    }
    result.insert("components".into(), Value::Object(components));
    let mut result = Value::Object(result);
    rewrite_refs(&mut result);
    result
}

fn is_json(media: &str) -> bool {
    let m = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json")
}

/// Whether a `$ref` anywhere in `v` starts with `prefix`.
fn refers_into(v: &Value, prefix: &str) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, c)| match c {
            Value::String(r) if k == "$ref" => r.starts_with(prefix),
            _ => refers_into(c, prefix),
        }),
        Value::Array(a) => a.iter().any(|c| refers_into(c, prefix)),
        _ => false,
    }
}

fn declares_media(doc: &Value) -> bool {
    if doc.get("produces").is_some() || doc.get("consumes").is_some() {
        return true;
    }
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .any(|(_, item)| {
            METHODS.iter().any(|m| {
                item.get(*m)
                    .is_some_and(|op| op.get("produces").is_some() || op.get("consumes").is_some())
            })
        })
}

fn servers(doc: &Value) -> Option<Value> {
    let base = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
    let base = if base == "/" { "" } else { base };
    match doc.get("host").and_then(Value::as_str) {
        Some(host) => {
            let schemes: Vec<&str> = doc
                .get("schemes")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .filter(|v: &Vec<&str>| !v.is_empty())
                .unwrap_or_else(|| vec!["https"]);
            Some(Value::Array(
                schemes
                    .iter()
                    .map(|s| json!({ "url": format!("{s}://{host}{base}") }))
                    .collect(),
            ))
        }
        None if !base.is_empty() => Some(json!([{ "url": base }])),
        None => None,
    }
}

fn security_scheme(v: &Value) -> Value {
    let mut out = Map::new();
    if let Some(d) = v.get("description") {
        out.insert("description".into(), d.clone());
    }
    match v.get("type").and_then(Value::as_str) {
        Some("basic") => {
            out.insert("type".into(), json!("http"));
            out.insert("scheme".into(), json!("basic"));
        }
        Some("apiKey") => {
            out.insert("type".into(), json!("apiKey"));
            for k in ["name", "in"] {
                if let Some(x) = v.get(k) {
                    out.insert(k.into(), x.clone());
                }
            }
        }
        Some("oauth2") => {
            out.insert("type".into(), json!("oauth2"));
            let flow = v.get("flow").and_then(Value::as_str).unwrap_or("implicit");
            let name = match flow {
                "password" => "password",
                "application" => "clientCredentials",
                "accessCode" => "authorizationCode",
                _ => "implicit",
            };
            let mut f = Map::new();
            for k in ["authorizationUrl", "tokenUrl"] {
                if let Some(x) = v.get(k) {
                    f.insert(k.into(), x.clone());
                }
            }
            f.insert(
                "scopes".into(),
                v.get("scopes").cloned().unwrap_or_else(|| json!({})),
            );
            out.insert("flows".into(), json!({ name: Value::Object(f) }));
        }
        _ => return v.clone(),
    }
    Value::Object(out)
}

struct Converter<'a> {
    doc: &'a Value,
    out: &'a mut Vec<Diagnostic>,
}

impl<'a> Converter<'a> {
    /// Media types the operation (or document) declares explicitly that are not JSON.
    fn explicit_non_json(&self, op: &Value) -> Vec<String> {
        op.get("produces")
            .or_else(|| self.doc.get("produces"))
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .filter(|m| !is_json(m))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn media(&self, op: &Value, key: &str) -> Vec<String> {
        let list = op
            .get(key)
            .or_else(|| self.doc.get(key))
            .and_then(Value::as_array);
        match list {
            Some(l) if !l.is_empty() => l
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => vec![JSON.to_string()],
        }
    }

    fn deref<'v>(&self, v: &'v Value) -> &'v Value
    where
        'a: 'v,
    {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => resolve_pointer(self.doc, r).unwrap_or(v),
            _ => v,
        }
    }

    fn path_item(&mut self, path: &str, item: &Value) -> Value {
        let mut out = Map::new();
        let item_ptr = push_pointer("#/paths", path);
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (k, v) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&k.as_str()) {
                let op_ptr = push_pointer(&item_ptr, k);
                out.insert(k.clone(), self.operation(v, &shared, &op_ptr));
            } else if k.starts_with("x-") || k == "summary" || k == "description" {
                out.insert(k.clone(), v.clone());
            }
        }
        Value::Object(out)
    }

    fn operation(&mut self, op: &Value, shared: &[Value], ptr: &str) -> Value {
        let mut out = Map::new();
        for key in [
            "operationId",
            "summary",
            "description",
            "tags",
            "deprecated",
            "security",
            "externalDocs",
        ] {
            if let Some(v) = op.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        for (k, v) in op.as_object().into_iter().flatten() {
            if k.starts_with("x-") {
                out.insert(k.clone(), v.clone());
            }
        }
        // merge path-level and operation-level parameters (operation wins on name+in)
        let mut merged: IndexMap<(String, String), Value> = IndexMap::new();
        let own: Vec<Value> = op
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for p in shared.iter().chain(own.iter()) {
            let p = self.deref(p).clone();
            let key = super::parameter_key(&p);
            merged.shift_remove(&key);
            merged.insert(key, p);
        }
        let params: Vec<Value> = merged.into_values().collect();
        let consumes = self.media(op, "consumes");
        let produces = self.media(op, "produces");
        let mut parameters = Vec::new();
        let mut form: Vec<Value> = Vec::new();
        for p in params {
            match p.get("in").and_then(Value::as_str) {
                Some("body") => {
                    let schema = p.get("schema").cloned().unwrap_or_else(|| json!({}));
                    let content: Map<String, Value> = consumes
                        .iter()
                        .map(|m| (m.clone(), json!({ "schema": schema })))
                        .collect();
                    let mut body = Map::new();
                    if let Some(d) = p.get("description") {
                        body.insert("description".into(), d.clone());
                    }
                    body.insert(
                        "required".into(),
                        p.get("required").cloned().unwrap_or(json!(false)),
                    );
                    body.insert("content".into(), Value::Object(content));
                    if let Some(n) = p.get("name") {
                        body.insert("x-body-name".into(), n.clone());
                    }
                    out.insert("requestBody".into(), Value::Object(body));
                }
                Some("formData") => form.push(p),
                _ => parameters.push(parameter(&p)),
            }
        }
        if !form.is_empty() {
            out.insert("requestBody".into(), form_body(&form, &consumes));
        }
        if !parameters.is_empty() {
            out.insert("parameters".into(), Value::Array(parameters));
        }
        let mut responses = Map::new();
        for (code, r) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if code.starts_with("x-") {
                continue;
            }
            let resolved = self.deref(r);
            // A shared response converts alike wherever it is used when the operation
            // produces what `components` assumed (JSON) and no media type of the
            // operation's own decides its body: it stays a reference, one copy in all
            // (copied into every operation, responses were the converter's peak at scale).
            let shared_alike = r
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("#/responses/"))
                && produces.len() == 1
                && produces[0] == JSON
                && (resolved.get("schema").is_some() || self.explicit_non_json(op).is_empty());
            if shared_alike {
                responses.insert(code.clone(), r.clone());
                continue;
            }
            let mut converted = self.response(resolved, &produces);
            // A schemaless response of an operation that explicitly produces text, XML,
            // images...: the body is of that media type, just not described.
            if resolved.get("schema").is_none() && code != "204" && code != "304" {
                let non_json = self.explicit_non_json(op);
                if !non_json.is_empty() {
                    let content: Map<String, Value> =
                        non_json.into_iter().map(|m| (m, json!({}))).collect();
                    converted["content"] = Value::Object(content);
                }
            } else if resolved.get("schema").is_none() {
                // A bodiless 204/304 of an operation that explicitly produces media
                // types still documents them: a strict reader expects the header.
                let non_json = self.explicit_non_json(op);
                if !non_json.is_empty() {
                    converted[EMPTY_BODY_MEDIA] = json!(non_json);
                }
            }
            responses.insert(code.clone(), converted);
        }
        if responses.is_empty() {
            self.out.push(Diagnostic::warning(
                push_pointer(ptr, "responses"),
                "operation documents no responses; assuming a bare 200",
            ));
            responses.insert("200".into(), json!({ "description": "" }));
        }
        out.insert("responses".into(), Value::Object(responses));
        Value::Object(out)
    }

    fn response(&self, r: &Value, produces: &[String]) -> Value {
        let mut out = Map::new();
        out.insert(
            "description".into(),
            r.get("description").cloned().unwrap_or(json!("")),
        );
        if let Some(schema) = r.get("schema") {
            let schema = file_to_binary(schema);
            let content: Map<String, Value> = produces
                .iter()
                .map(|m| {
                    let mut media = Map::new();
                    media.insert("schema".into(), schema.clone());
                    if let Some(ex) = r.get("examples").and_then(|e| e.get(m)) {
                        media.insert("example".into(), ex.clone());
                    }
                    (m.clone(), Value::Object(media))
                })
                .collect();
            out.insert("content".into(), Value::Object(content));
        }
        if let Some(Value::Object(headers)) = r.get("headers") {
            let converted: Map<String, Value> = headers
                .iter()
                .map(|(k, h)| {
                    let mut hv = Map::new();
                    if let Some(d) = h.get("description") {
                        hv.insert("description".into(), d.clone());
                    }
                    hv.insert("schema".into(), simple_schema(h));
                    (k.clone(), Value::Object(hv))
                })
                .collect();
            out.insert("headers".into(), Value::Object(converted));
        }
        Value::Object(out)
    }
}

/// The extension the converter writes on a bodiless response whose operation
/// explicitly produces non-JSON media types (read by lowering).
pub(crate) const EMPTY_BODY_MEDIA: &str = "x-specforge-empty-body-media";

/// Keys of a non-body parameter (or header, or `items`) that are schema constraints.
const SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "nullable",
    "example",
];

fn simple_schema(p: &Value) -> Value {
    let mut s = Map::new();
    for k in SCHEMA_KEYS {
        if let Some(v) = p.get(*k) {
            s.insert((*k).into(), v.clone());
        }
    }
    if let Some(items) = p.get("items") {
        s.insert("items".into(), simple_schema(items));
    }
    if s.get("type") == Some(&json!("file")) {
        s.insert("type".into(), json!("string"));
        s.insert("format".into(), json!("binary"));
    }
    Value::Object(s)
}

fn file_to_binary(schema: &Value) -> Value {
    if schema.get("type") == Some(&json!("file")) {
        json!({ "type": "string", "format": "binary" })
    } else {
        schema.clone()
    }
}

fn parameter(p: &Value) -> Value {
    let mut out = Map::new();
    for k in [
        "name",
        "in",
        "description",
        "required",
        "allowEmptyValue",
        "deprecated",
    ] {
        if let Some(v) = p.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    for (k, v) in p.as_object().into_iter().flatten() {
        if k.starts_with("x-") {
            out.insert(k.clone(), v.clone());
        }
    }
    let location = p.get("in").and_then(Value::as_str).unwrap_or("query");
    if location == "path" {
        out.insert("required".into(), json!(true));
    }
    out.insert("schema".into(), simple_schema(p));
    if p.get("type") == Some(&json!("array")) {
        let cf = p
            .get("collectionFormat")
            .and_then(Value::as_str)
            .unwrap_or("csv");
        let (style, explode) = match (location, cf) {
            (_, "multi") => ("form", true),
            ("query", "ssv") => ("spaceDelimited", false),
            ("query", "pipes") => ("pipeDelimited", false),
            ("query", _) => ("form", false),
            (_, _) => ("simple", false),
        };
        out.insert("style".into(), json!(style));
        out.insert("explode".into(), json!(explode));
        if cf == "tsv" {
            out.insert("x-collection-format".into(), json!("tsv"));
        }
    }
    Value::Object(out)
}

fn form_body(form: &[Value], consumes: &[String]) -> Value {
    let has_file = form.iter().any(|p| p.get("type") == Some(&json!("file")));
    let media = if has_file || consumes.iter().any(|c| c == "multipart/form-data") {
        "multipart/form-data"
    } else {
        "application/x-www-form-urlencoded"
    };
    let mut props = Map::new();
    let mut required = Vec::new();
    for p in form {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("field")
            .to_string();
        let mut s = simple_schema(p);
        if let (Some(d), Value::Object(m)) = (p.get("description"), &mut s) {
            m.insert("description".into(), d.clone());
        }
        props.insert(name.clone(), s);
        if p.get("required") == Some(&json!(true)) {
            required.push(json!(name));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required.clone()));
    }
    json!({
        "required": !required.is_empty(),
        "content": { media: { "schema": Value::Object(schema) } }
    })
}

fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref") {
                if let Some(rest) = r.strip_prefix("#/definitions/") {
                    *r = format!("#/components/schemas/{rest}");
                } else if let Some(rest) = r.strip_prefix("#/responses/") {
                    *r = format!("#/components/responses/{rest}");
                }
            }
            if let Some(Value::Object(mapping)) = m.get_mut("mapping") {
                for (_, t) in mapping.iter_mut() {
                    if let Value::String(r) = t {
                        if let Some(rest) = r.strip_prefix("#/definitions/") {
                            *r = format!("#/components/schemas/{rest}");
                        }
                    }
                }
            }
            for (_, c) in m.iter_mut() {
                rewrite_refs(c);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// Map a pointer into the converted document back to the Swagger 2.0 source, where the layouts differ.
pub fn origin_pointer(pointer: &str) -> String {
    if let Some(rest) = pointer.strip_prefix("#/components/schemas/") {
        format!("#/definitions/{rest}")
    } else if let Some(rest) = pointer.strip_prefix("#/components/securitySchemes/") {
        format!("#/securityDefinitions/{rest}")
    } else {
        pointer.to_string()
    }
}
