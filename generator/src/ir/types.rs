//! Schema lowering: normalized schemas become [`TypeRef`]s and named [`TypeDef`]s.

use super::json_schema::JsonSchemaConverter;
use super::model::{Field, Primitive, TypeDef, TypeKind, TypeRef, Variant};
use super::naming::type_name;
use crate::diagnostics::{push_pointer, Diagnostic};
use crate::loader::refs::resolve_pointer;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Lowers every schema of one document, creating named types as it goes.
pub struct TypeLowerer<'a> {
    doc: &'a Value,
    /// component pointer -> type name
    pub(crate) component_names: Rc<HashMap<String, String>>,
    /// Named types so far.
    pub(crate) types: IndexMap<String, TypeDef>,
    taken: HashSet<String>,
    inline_stack: Vec<String>,
    /// Warnings and errors.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Schemas typed less precisely than they say, by pointer: why.
    approximated: HashMap<String, String>,
    /// Inline schemas already made into named types, by their text without their
    /// own docs: a spec that repeats an object in five responses gets one type.
    inline_by_shape: HashMap<String, String>,
}

impl<'a> TypeLowerer<'a> {
    /// Register the component schemas' names (before any lowering, so that
    /// recursive references resolve).
    pub fn new(doc: &'a Value) -> Self {
        let mut me = Self {
            doc,
            component_names: Rc::new(HashMap::new()),
            types: IndexMap::new(),
            taken: HashSet::new(),
            inline_stack: Vec::new(),
            approximated: HashMap::new(),
            inline_by_shape: HashMap::new(),
            diagnostics: Vec::new(),
        };
        let keys: Vec<String> = components(doc)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let mut names = HashMap::new();
        for key in keys {
            let name = me.reserve(&type_name(&key));
            names.insert(component_pointer(&key), name);
        }
        me.component_names = Rc::new(names);
        me
    }

    /// Lower every component schema into a named type.
    pub fn lower_components(&mut self) {
        let Some(schemas) = components(self.doc) else {
            return;
        };
        for (key, schema) in schemas {
            let ptr = component_pointer(key);
            let name = self.component_names[&ptr].clone();
            if !schema.is_object() && !schema.is_boolean() {
                self.diagnostics.push(Diagnostic::error(
                    ptr.clone(),
                    format!("schema must be an object, found {}", kind_of(schema)),
                ));
                continue;
            }
            let kind = match self.shape(schema, &ptr, &name) {
                Some(kind) => kind,
                None => TypeKind::Alias {
                    target: self.structural(schema, &ptr, &name),
                },
            };
            let def = self.typedef(name.clone(), key.clone(), &ptr, schema, kind);
            self.types.insert(name, def);
        }
    }

    /// The JSON Schema of a schema of this document.
    pub fn json(&self, schema: &Value) -> Value {
        JsonSchemaConverter::new(self.doc, &self.component_names).convert(schema)
    }

    fn typedef(
        &self,
        name: String,
        source: String,
        ptr: &str,
        schema: &Value,
        kind: TypeKind,
    ) -> TypeDef {
        TypeDef {
            name,
            source_name: source,
            pointer: ptr.to_string(),
            description: describe(schema),
            kind,
            recursive: false,
            deprecated: schema.get("deprecated") == Some(&Value::Bool(true)),
            example: schema.get("example").cloned(),
            json_schema: self.json(schema),
            approximation: self.approximated.get(ptr).cloned(),
        }
    }

    /// Record that the schema at `ptr` is typed less precisely than it says.
    fn approximate(&mut self, ptr: &str, why: &str) {
        self.approximated
            .entry(ptr.to_string())
            .or_insert_with(|| why.to_string());
    }

    /// Reserve a unique type name based on `base`.
    pub fn reserve(&mut self, base: &str) -> String {
        let base = type_name(base);
        let mut name = base.clone();
        let mut n = 2;
        while !self.taken.insert(name.to_lowercase()) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    }

    /// The name of a new inline type: its `title` where it has one that no type has
    /// taken yet, else the name derived from where it occurs.
    fn inline_name(&mut self, schema: &Map<String, Value>, hint: &str) -> String {
        if let Some(title) = schema.get("title").and_then(Value::as_str) {
            let wanted = type_name(title);
            if !wanted.is_empty() && !self.taken.contains(&wanted.to_lowercase()) {
                return self.reserve(&wanted);
            }
        }
        self.reserve(hint)
    }

    /// Lower a schema occurring at `ptr`; inline objects/enums/unions become named
    /// types called after `hint`.
    pub fn lower(&mut self, schema: &Value, ptr: &str, hint: &str) -> TypeRef {
        let nullable = schema.get("nullable") == Some(&Value::Bool(true));
        let t = self.lower_inner(schema, ptr, hint);
        if nullable {
            t.nullable()
        } else {
            t
        }
    }

    fn lower_inner(&mut self, schema: &Value, ptr: &str, hint: &str) -> TypeRef {
        let Some(obj) = schema.as_object() else {
            if !schema.is_boolean() {
                self.diagnostics.push(Diagnostic::error(
                    ptr.to_string(),
                    format!("schema must be an object, found {}", kind_of(schema)),
                ));
            }
            return TypeRef::Any;
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            return self.lower_ref(r, ptr, hint);
        }
        if self.shape_kind(obj).is_some() {
            let shape = shape_key(obj);
            if let Some(existing) = self.inline_by_shape.get(&shape) {
                return TypeRef::named(existing.clone());
            }
            let name = self.inline_name(obj, hint);
            self.inline_by_shape.insert(shape, name.clone());
            // insert a placeholder first so that self-references through
            // inline schemas terminate
            let kind = self.shape(schema, ptr, &name).unwrap_or(TypeKind::Alias {
                target: TypeRef::Any,
            });
            let def = self.typedef(name.clone(), hint.to_string(), ptr, schema, kind);
            self.types.insert(name.clone(), def);
            return TypeRef::named(name);
        }
        self.structural_with(schema, ptr, hint)
    }

    fn lower_ref(&mut self, r: &str, ptr: &str, hint: &str) -> TypeRef {
        if let Some(name) = self.component_names.get(r) {
            return TypeRef::named(name.clone());
        }
        if self.inline_stack.iter().any(|s| s == r) {
            self.approximate(
                ptr,
                "recursion through a non-component schema: serde_json::Value",
            );
            self.diagnostics.push(Diagnostic::warning(
                ptr.to_string(),
                format!(
                    "$ref '{r}' recurses through a non-component schema; typed as any JSON value"
                ),
            ));
            return TypeRef::Any;
        }
        let Some(target) = resolve_pointer(self.doc, r).cloned() else {
            self.diagnostics.push(Diagnostic::error(
                ptr.to_string(),
                format!("$ref '{r}' does not resolve"),
            ));
            return TypeRef::Any;
        };
        self.inline_stack.push(r.to_string());
        let t = self.lower(&target, r, hint);
        self.inline_stack.pop();
        t
    }

    /// Does `schema` (following refs and allOf) describe an object?
    fn is_object_like(&self, schema: &Value, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            return resolve_pointer(self.doc, r).is_some_and(|t| self.is_object_like(t, depth + 1));
        }
        schema.get("type").and_then(Value::as_str) == Some("object")
            || schema.get("properties").is_some()
            || schema.get("additionalProperties").is_some()
            || schema.get("oneOf").is_some()
            || schema.get("anyOf").is_some()
            || schema
                .get("allOf")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|p| self.is_object_like(p, depth + 1)))
    }

    /// Which named kind an inline schema needs, if any.
    fn shape_kind(&self, obj: &Map<String, Value>) -> Option<&'static str> {
        if obj.contains_key("oneOf") || obj.contains_key("anyOf") {
            return Some("union");
        }
        if let Some(Value::Array(all)) = obj.get("allOf") {
            let own_props = obj
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty());
            if all.len() == 1 && !own_props {
                return None;
            }
            // an intersection of primitives (`allOf: [{type: integer}, {minimum: 0}]`) is that primitive
            if !own_props && !all.iter().any(|p| self.is_object_like(p, 0)) {
                return None;
            }
            return Some("struct");
        }
        if let Some(Value::Array(values)) = obj.get("enum") {
            if values.iter().any(|v| !v.is_null()) {
                return Some("enum");
            }
        }
        let props = obj
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
        if props {
            return Some("struct");
        }
        None
    }

    /// The named kind for `schema`, or `None` when it is structural (primitive, array, map, any).
    fn shape(&mut self, schema: &Value, ptr: &str, name: &str) -> Option<TypeKind> {
        let obj = schema.as_object()?;
        match self.shape_kind(obj)? {
            "union" => {
                let key = if obj.contains_key("oneOf") {
                    "oneOf"
                } else {
                    "anyOf"
                };
                let branches = obj
                    .get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let disc = obj.get("discriminator");
                let prop = disc
                    .and_then(|d| d.get("propertyName"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let mapping: Vec<(String, String)> = disc
                    .and_then(|d| d.get("mapping"))
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                            .collect()
                    })
                    .unwrap_or_default();
                if obj
                    .get("properties")
                    .and_then(Value::as_object)
                    .is_some_and(|p| !p.is_empty())
                {
                    self.diagnostics.push(Diagnostic::warning(
                        ptr.to_string(),
                        format!("properties beside '{key}' are merged into each variant only by validators; the type is the union of the variants"),
                    ));
                }
                let mut variants = Vec::new();
                for (i, b) in branches.iter().enumerate() {
                    let bptr = format!("{}/{i}", push_pointer(ptr, key));
                    let vhint = b
                        .get("title")
                        .and_then(Value::as_str)
                        .map(|t| format!("{name}{}", type_name(t)))
                        .unwrap_or_else(|| format!("{name}Variant{}", i + 1));
                    let t = self.lower(b, &bptr, &vhint);
                    let mut tags = Vec::new();
                    if let Some(p) = &prop {
                        let target = b
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| resolve_pointer(self.doc, r))
                            .unwrap_or(b);
                        let t = target.get("type").and_then(Value::as_str);
                        if t.is_some_and(|t| t != "object") {
                            self.diagnostics.push(Diagnostic::warning(
                                bptr.clone(),
                                format!(
                                    "the discriminator '{p}' selects a branch of type '{}', which cannot carry the property: that branch never decodes by its tag",
                                    t.unwrap_or_default()
                                ),
                            ));
                        }
                        if let Some(r) = b.get("$ref").and_then(Value::as_str) {
                            tags.extend(
                                mapping
                                    .iter()
                                    .filter(|(_, target)| target == r)
                                    .map(|(k, _)| k.clone()),
                            );
                            if tags.is_empty() {
                                if let Some(last) = r.rsplit('/').next() {
                                    tags.push(crate::diagnostics::unescape_token(last));
                                }
                            }
                        }
                    }
                    variants.push(Variant { schema: t, tags });
                }
                Some(TypeKind::Union {
                    variants,
                    discriminator: prop,
                    exclusive: key == "oneOf",
                })
            }
            "enum" => {
                let values: Vec<Value> = obj
                    .get("enum")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|v| !v.is_null())
                    .cloned()
                    .collect();
                let primitive = match obj.get("type").and_then(Value::as_str) {
                    Some("integer") => {
                        primitive_of("integer", obj.get("format").and_then(Value::as_str))
                    }
                    Some("number") => {
                        primitive_of("number", obj.get("format").and_then(Value::as_str))
                    }
                    Some("boolean") => Primitive::Boolean,
                    Some("string") => Primitive::String,
                    _ => {
                        if values.iter().all(Value::is_string) {
                            Primitive::String
                        } else if values.iter().all(|v| v.is_i64() || v.is_u64()) {
                            Primitive::Int64
                        } else if values.iter().all(Value::is_number) {
                            Primitive::Double
                        } else {
                            self.diagnostics.push(Diagnostic::warning(
                                push_pointer(ptr, "enum"),
                                "enum mixes value types; values are kept as JSON",
                            ));
                            Primitive::String
                        }
                    }
                };
                Some(TypeKind::Enum { values, primitive })
            }
            _ => {
                let mut fields = Vec::new();
                let mut required = HashSet::new();
                let mut additional = None;
                let mut seen = HashSet::new();
                self.collect_fields(
                    schema,
                    ptr,
                    name,
                    &mut fields,
                    &mut required,
                    &mut additional,
                    &mut seen,
                );
                for f in &mut fields {
                    f.required = required.contains(&f.name);
                }
                Some(TypeKind::Struct { fields, additional })
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn collect_fields(
        &mut self,
        schema: &Value,
        ptr: &str,
        name: &str,
        fields: &mut Vec<Field>,
        required: &mut HashSet<String>,
        additional: &mut Option<TypeRef>,
        seen: &mut HashSet<String>,
    ) {
        let Some(obj) = schema.as_object() else {
            return;
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            if !seen.insert(r.to_string()) {
                return;
            }
            match resolve_pointer(self.doc, r).cloned() {
                Some(target) => {
                    self.collect_fields(&target, r, name, fields, required, additional, seen)
                }
                None => self.diagnostics.push(Diagnostic::error(
                    ptr.to_string(),
                    format!("$ref '{r}' does not resolve"),
                )),
            }
            return;
        }
        if let Some(Value::Array(all)) = obj.get("allOf") {
            for (i, part) in all.iter().enumerate() {
                let pptr = format!("{}/{i}", push_pointer(ptr, "allOf"));
                if part.get("oneOf").is_some() || part.get("anyOf").is_some() {
                    self.diagnostics.push(Diagnostic::warning(pptr.clone(), "a union inside allOf cannot be merged into a struct; its fields are not typed"));
                    continue;
                }
                self.collect_fields(part, &pptr, name, fields, required, additional, seen);
            }
        }
        for r in obj
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            required.insert(r.to_string());
        }
        if let Some(Value::Object(props)) = obj.get("properties") {
            for (pname, pschema) in props {
                let pptr = push_pointer(&push_pointer(ptr, "properties"), pname);
                let hint = format!("{name}{}", type_name(pname));
                let t = self.lower(pschema, &pptr, &hint);
                let nullable = matches!(t, TypeRef::Nullable { .. });
                let flag = |k: &str| pschema.get(k) == Some(&Value::Bool(true));
                let field = Field {
                    name: pname.clone(),
                    schema: t.non_null().clone(),
                    required: false,
                    nullable,
                    default: pschema.get("default").cloned(),
                    read_only: flag("readOnly"),
                    write_only: flag("writeOnly"),
                    deprecated: flag("deprecated"),
                    description: describe(pschema),
                    approximation: self.approximated.get(&pptr).cloned(),
                };
                if let Some(existing) = fields.iter_mut().find(|f| f.name == *pname) {
                    *existing = field;
                } else {
                    fields.push(field);
                }
            }
        }
        if let Some(ap) = obj.get("additionalProperties").filter(|v| v.is_object()) {
            let aptr = push_pointer(ptr, "additionalProperties");
            *additional = Some(self.lower(ap, &aptr, &format!("{name}Value")));
        }
    }

    /// Lower a schema that is not a named shape into a structural type.
    fn structural(&mut self, schema: &Value, ptr: &str, hint: &str) -> TypeRef {
        let t = self.structural_with(schema, ptr, hint);
        if schema.get("nullable") == Some(&Value::Bool(true)) {
            t.nullable()
        } else {
            t
        }
    }

    fn structural_with(&mut self, schema: &Value, ptr: &str, hint: &str) -> TypeRef {
        let Some(obj) = schema.as_object() else {
            return TypeRef::Any;
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            return self.lower_ref(r, ptr, hint);
        }
        if let Some(Value::Array(all)) = obj.get("allOf") {
            if let Some(only) = all.first() {
                let pptr = format!("{}/0", push_pointer(ptr, "allOf"));
                return self.lower(only, &pptr, hint);
            }
        }
        if obj.contains_key("not") {
            self.approximate(ptr, "'not' has no Rust type: serde_json::Value");
            self.diagnostics.push(Diagnostic::warning(
                push_pointer(ptr, "not"),
                "'not' cannot be expressed as a type; typed as any JSON value",
            ));
            return TypeRef::Any;
        }
        let format = obj.get("format").and_then(Value::as_str);
        match obj.get("type").and_then(Value::as_str) {
            Some("array") => {
                let items = match obj.get("items") {
                    Some(items) => {
                        self.lower(items, &push_pointer(ptr, "items"), &format!("{hint}Item"))
                    }
                    None => TypeRef::Any,
                };
                TypeRef::Array {
                    items: Box::new(items),
                    unique: obj.get("uniqueItems") == Some(&Value::Bool(true)),
                }
            }
            Some("object") | None
                if obj.contains_key("additionalProperties") || obj.get("type").is_some() =>
            {
                let values = match obj.get("additionalProperties") {
                    Some(ap @ Value::Object(_)) => self.lower(
                        ap,
                        &push_pointer(ptr, "additionalProperties"),
                        &format!("{hint}Value"),
                    ),
                    _ => TypeRef::Any,
                };
                TypeRef::Map {
                    values: Box::new(values),
                }
            }
            Some(t @ ("string" | "integer" | "number" | "boolean")) => {
                TypeRef::primitive(primitive_of(t, format))
            }
            Some("null") => TypeRef::Any,
            Some(other) => {
                self.approximate(ptr, "unknown type: serde_json::Value");
                self.diagnostics.push(Diagnostic::warning(
                    push_pointer(ptr, "type"),
                    format!("unknown type '{other}'; typed as any JSON value"),
                ));
                TypeRef::Any
            }
            None => {
                if obj.get("items").is_some() {
                    let items = self.lower(
                        &obj["items"],
                        &push_pointer(ptr, "items"),
                        &format!("{hint}Item"),
                    );
                    return TypeRef::Array {
                        items: Box::new(items),
                        unique: false,
                    };
                }
                TypeRef::Any
            }
        }
    }
}

/// The primitive for a type + format.
pub fn primitive_of(t: &str, format: Option<&str>) -> Primitive {
    match (t, format) {
        ("string", Some("date-time")) => Primitive::DateTime,
        ("string", Some("date")) => Primitive::Date,
        ("string", Some("uuid")) => Primitive::Uuid,
        ("string", Some("binary")) => Primitive::Binary,
        ("string", Some("byte")) => Primitive::Byte,
        ("string", _) => Primitive::String,
        ("integer", Some("int32")) => Primitive::Int32,
        ("integer", _) => Primitive::Int64,
        ("number", Some("float")) => Primitive::Float,
        ("number", _) => Primitive::Double,
        _ => Primitive::Boolean,
    }
}

fn components(doc: &Value) -> Option<&Map<String, Value>> {
    doc.get("components")?.get("schemas")?.as_object()
}

/// `#/components/schemas/KEY` with escaping.
pub fn component_pointer(key: &str) -> String {
    push_pointer("#/components/schemas", key)
}

/// The description (or title) of a schema.
pub fn describe(schema: &Value) -> Option<String> {
    schema
        .get("description")
        .or_else(|| schema.get("title"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A word for a JSON value's kind, for messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What makes two inline schemas the same type: their text, without their own
/// title, description and examples (those document one occurrence, not the shape).
fn shape_key(schema: &Map<String, Value>) -> String {
    let mut copy = schema.clone();
    for doc in [
        "title",
        "description",
        "example",
        "examples",
        "externalDocs",
    ] {
        copy.shift_remove(doc);
    }
    Value::Object(copy).to_string()
}
