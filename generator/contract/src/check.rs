//! Validating JSON values against the IR's JSON Schemas with the `jsonschema`
//! crate. Schemas are compiled once; requests and responses get different views
//! of the same schema (a `readOnly` property is not required in a request, a
//! `writeOnly` one is not required in a response).

use indexmap::IndexMap;
use serde_json::{Map, Value};
use specforge::ir::Api;
use specforge::loader::LENIENT_NULL;

/// Which side of an exchange a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Sent by the client: `readOnly` properties are optional.
    Request,
    /// Sent by the server: `writeOnly` properties are optional.
    Response,
}

/// One way a value breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Where: `query.perPage`, `body/branch/name`, `response.body/id`...
    pub location: String,
    /// The rule broken, in words.
    pub message: String,
}

/// A compiled schema (cheap to clone: the validator is shared).
#[derive(Clone)]
pub struct Checker {
    validator: Option<std::sync::Arc<jsonschema::Validator>>,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("compiled", &self.validator.is_some())
            .finish()
    }
}

impl Checker {
    /// Violations of `value`; each location is `prefix` plus the JSON pointer inside the value
    /// (`body` + `/branch/name` -> `body/branch/name`).
    pub fn check(&self, value: &Value, prefix: &str) -> Vec<Violation> {
        let Some(v) = &self.validator else {
            return Vec::new();
        };
        v.iter_errors(value)
            .map(|e| {
                let at = e.instance_path().to_string();
                Violation {
                    location: format!("{prefix}{at}"),
                    message: message(&e.to_string()),
                }
            })
            .collect()
    }

    /// True when `value` is valid.
    pub fn is_valid(&self, value: &Value) -> bool {
        self.validator.as_ref().is_none_or(|v| v.is_valid(value))
    }
}

/// A validator's message, bounded (it quotes the offending value), and in words
/// where a bound is the one an integer format implies.
fn message(raw: &str) -> String {
    let ranges = [
        ("9223372036854775807", "int64"),
        ("-9223372036854775808", "int64"),
        ("2147483647", "int32"),
        ("-2147483648", "int32"),
    ];
    for (bound, format) in ranges {
        if raw.ends_with(&format!("the maximum of {bound}"))
            || raw.ends_with(&format!("the minimum of {bound}"))
        {
            let value = raw.split(" is ").next().unwrap_or(raw);
            return format!(
                "{} is out of {format} range",
                specforge_runtime::problem::truncate(value, specforge_runtime::problem::ECHO_LIMIT)
            );
        }
    }
    specforge_runtime::problem::truncate(raw, 4 * specforge_runtime::problem::ECHO_LIMIT)
}

/// Compiles the IR's schemas, with `$defs` adjusted for one direction.
/// Identical schemas are compiled once.
#[derive(Debug)]
pub struct SchemaSet {
    defs: IndexMap<String, Value>,
    /// The definitions each definition refers to directly.
    refs: std::collections::HashMap<String, Vec<String>>,
    direction: Direction,
    strict: bool,
    cache: std::sync::Mutex<std::collections::HashMap<String, (Checker, Option<String>)>>,
}

impl Clone for SchemaSet {
    fn clone(&self) -> Self {
        Self {
            defs: self.defs.clone(),
            refs: self.refs.clone(),
            direction: self.direction,
            strict: self.strict,
            cache: Default::default(),
        }
    }
}

impl SchemaSet {
    /// The definitions of `api`, seen from `direction`, read tolerantly: `null`
    /// is allowed wherever the spec marks it in any way ([`SchemaSet::strict_output`]
    /// is the strict reading).
    pub fn new(api: &Api, direction: Direction) -> Self {
        Self::with_reading(api, direction, false)
    }

    /// The definitions as a server must honour them in what it sends: the response
    /// view, and `null` only where the document's own version defines it (not for
    /// `x-nullable` in OpenAPI 3.x, `nullable` without a type, or a 2.0 `nullable`).
    /// The mock generates and checks everything it answers with this reading.
    pub fn strict_output(api: &Api) -> Self {
        Self::with_reading(api, Direction::Response, true)
    }

    fn with_reading(api: &Api, direction: Direction, strict: bool) -> Self {
        let defs: IndexMap<String, Value> = api
            .schema_defs
            .iter()
            .map(|(k, v)| (k.clone(), view(v, direction, strict)))
            .collect();
        let refs = defs.iter().map(|(k, v)| (k.clone(), def_refs(v))).collect();
        Self {
            defs,
            refs,
            direction,
            strict,
            cache: Default::default(),
        }
    }

    /// The `examples` a schema carries, or the definition it refers to (through aliases).
    pub fn examples_of(&self, schema: &Value) -> Vec<Value> {
        let mut cur = schema;
        let mut seen: Vec<&str> = Vec::new();
        loop {
            if let Some(Value::Array(ex)) = cur.get("examples") {
                return ex.clone();
            }
            let Some(name) = cur
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
            else {
                return Vec::new();
            };
            // an alias cycle has no examples
            if seen.contains(&name) {
                return Vec::new();
            }
            seen.push(name);
            match self.defs().get(name) {
                Some(next) => cur = next,
                None => return Vec::new(),
            }
        }
    }

    /// `schema` as this set reads it (direction and strictness applied).
    pub fn view(&self, schema: &Value) -> Value {
        view(schema, self.direction, self.strict)
    }

    /// The adjusted definitions (`#/$defs/NAME`).
    pub fn defs(&self) -> &IndexMap<String, Value> {
        &self.defs
    }

    /// The definitions `schema` reaches through `$ref`s, directly or not, in
    /// definition order.
    pub fn reachable(&self, schema: &Value) -> Vec<&str> {
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut todo: Vec<String> = def_refs(schema);
        while let Some(name) = todo.pop() {
            let Some((key, _)) = self.defs.get_key_value(name.as_str()) else {
                continue;
            };
            if seen.insert(key.as_str()) {
                if let Some(next) = self.refs.get(key) {
                    todo.extend(next.iter().cloned());
                }
            }
        }
        // in definition order, without walking every definition (that made start-up
        // proportional to schemas × definitions again)
        let mut found: Vec<(usize, &str)> = seen
            .into_iter()
            .filter_map(|k| self.defs.get_index_of(k).map(|i| (i, k)))
            .collect();
        found.sort_unstable();
        found.into_iter().map(|(_, k)| k).collect()
    }

    /// A standalone schema document for `schema`, carrying only the definitions it
    /// reaches (a document per schema holding every definition made start-up
    /// proportional to operations × definitions).
    pub fn document(&self, schema: &Value) -> Value {
        let viewed = self.view(schema);
        let mut root = Map::new();
        root.insert(
            "$schema".into(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        let defs: Map<String, Value> = self
            .reachable(&viewed)
            .into_iter()
            .map(|k| (k.to_string(), self.defs[k].clone()))
            .collect();
        if !defs.is_empty() {
            root.insert("$defs".into(), Value::Object(defs));
        }
        match viewed {
            Value::Object(m) => {
                for (k, v) in m {
                    root.insert(k, v);
                }
            }
            Value::Bool(false) => {
                root.insert("not".into(), Value::Object(Map::new()));
            }
            _ => {}
        }
        Value::Object(root)
    }

    /// Compile `schema`. A schema the validator cannot compile accepts everything
    /// (and the message says why).
    pub fn compile(&self, schema: &Value) -> (Checker, Option<String>) {
        let key = schema.to_string();
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return hit;
        }
        let doc = self.document(schema);
        let compiled = match jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&doc)
        {
            Ok(v) => (
                Checker {
                    validator: Some(std::sync::Arc::new(v)),
                },
                None,
            ),
            Err(e) => (Checker { validator: None }, Some(e.to_string())),
        };
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, compiled.clone());
        }
        compiled
    }
}

/// The `#/$defs/NAME` names a schema refers to directly.
fn def_refs(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    if k == "$ref" {
                        if let Some(name) = c.as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
                            let name = specforge::diagnostics::unescape_token(name);
                            if !out.contains(&name) {
                                out.push(name);
                            }
                        }
                    } else {
                        walk(c, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    walk(schema, &mut out);
    out
}

/// The schema with `required` lists relaxed for one direction, and with strict
/// reading, without the `null` its version does not define.
fn view(schema: &Value, direction: Direction, strict: bool) -> Value {
    match schema {
        Value::Object(m) if strict && m.get(LENIENT_NULL) == Some(&Value::Bool(true)) => {
            view(&without_null(m), direction, strict)
        }
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k.clone(), view(v, direction, strict));
            }
            integer_format_bounds(&mut out);
            if let (Some(Value::Object(props)), Some(Value::Array(req))) =
                (m.get("properties"), m.get("required"))
            {
                let flag = match direction {
                    Direction::Request => "readOnly",
                    Direction::Response => "writeOnly",
                };
                let kept: Vec<Value> = req
                    .iter()
                    .filter(|r| {
                        r.as_str()
                            .and_then(|name| props.get(name))
                            .and_then(|p| p.get(flag))
                            != Some(&Value::Bool(true))
                    })
                    .cloned()
                    .collect();
                out.insert("required".into(), Value::Array(kept));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| view(v, direction, strict)).collect()),
        other => other.clone(),
    }
}

/// `format: int32` / `int64` on an integer bound it: JSON Schema integers have no
/// size of their own, so without a format any integer is valid.
fn integer_format_bounds(m: &mut Map<String, Value>) {
    let integer = match m.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
        _ => false,
    };
    let (lo, hi): (i64, i64) = match m.get("format").and_then(Value::as_str) {
        Some("int64") if integer => (i64::MIN, i64::MAX),
        Some("int32") if integer => (i32::MIN.into(), i32::MAX.into()),
        _ => return,
    };
    if !m.contains_key("minimum") && !m.contains_key("exclusiveMinimum") {
        m.insert("minimum".into(), Value::from(lo));
    }
    if !m.contains_key("maximum") && !m.contains_key("exclusiveMaximum") {
        m.insert("maximum".into(), Value::from(hi));
    }
}

/// A leniently nullable schema without its `null`: the type list, the enum and
/// the `anyOf` branch that `nullable` added, removed again.
fn without_null(m: &Map<String, Value>) -> Value {
    let mut out = m.clone();
    out.remove(LENIENT_NULL);
    if let Some(Value::Array(branches)) = out.get("anyOf") {
        let rest: Vec<&Value> = branches
            .iter()
            .filter(|b| b.get("type") != Some(&Value::from("null")))
            .collect();
        if rest.len() == 1 && out.len() == 1 {
            return rest[0].clone();
        }
    }
    if let Some(Value::Array(types)) = out.get("type") {
        let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let single = rest.len() == 1;
        out.insert(
            "type".into(),
            if single {
                rest[0].clone()
            } else {
                Value::Array(rest)
            },
        );
    }
    if let Some(Value::Array(values)) = out.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    Value::Object(out)
}
