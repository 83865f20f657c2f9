//! What a node in a spec *is*, from where it sits: spec object, map of named
//! spec objects, schema, or plain data. Every pass that must tell a schema
//! keyword from a property name (bundling, dialect normalization,
//! `--strip-docs`) asks this module.

use super::SpecVersion;

/// The role of a JSON node inside an OpenAPI / Swagger document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// An object whose keys are spec keywords (Operation, Parameter, Info...).
    Doc,
    /// An object whose keys are user-chosen names and whose values are [`Ctx::Doc`]
    /// (`paths`, `responses`, `content`...), or an array of [`Ctx::Doc`].
    DocMap,
    /// A schema object.
    Schema,
    /// An object of user-named schemas (`properties`, `components/schemas`).
    SchemaMap,
    /// An array of schemas (`allOf`, `oneOf`, `anyOf`, `prefixItems`).
    SchemaList,
    /// Plain data: examples, defaults, enums, extensions. Never rewritten.
    Data,
}

/// The role of the value stored under `key` in an object of role `ctx`.
pub fn child_ctx(version: SpecVersion, ctx: Ctx, key: &str) -> Ctx {
    match ctx {
        Ctx::Data => Ctx::Data,
        Ctx::DocMap => Ctx::Doc,
        Ctx::SchemaMap | Ctx::SchemaList => Ctx::Schema,
        Ctx::Doc => doc_child(version, key),
        Ctx::Schema => schema_child(key),
    }
}

/// The role of an element of an array of role `ctx`.
pub fn element_ctx(ctx: Ctx) -> Ctx {
    match ctx {
        Ctx::DocMap => Ctx::Doc,
        Ctx::SchemaList => Ctx::Schema,
        other => other,
    }
}

fn doc_child(version: SpecVersion, key: &str) -> Ctx {
    if key.starts_with("x-") {
        return Ctx::Data;
    }
    match key {
        "example" | "default" | "enum" | "const" | "required" | "security" | "mapping"
        | "value" | "operationRef" => Ctx::Data,
        "examples" if version == SpecVersion::Swagger2 => Ctx::Data,
        "schema" | "items" => Ctx::Schema,
        "schemas" | "definitions" => Ctx::SchemaMap,
        "paths"
        | "parameters"
        | "responses"
        | "securityDefinitions"
        | "securitySchemes"
        | "headers"
        | "content"
        | "requestBodies"
        | "links"
        | "callbacks"
        | "encoding"
        | "variables"
        | "webhooks"
        | "pathItems"
        | "examples"
        | "scopes"
        | "tags"
        | "servers" => Ctx::DocMap,
        _ => Ctx::Doc,
    }
}

fn schema_child(key: &str) -> Ctx {
    if key.starts_with("x-") {
        return Ctx::Data;
    }
    match key {
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
            Ctx::SchemaMap
        }
        "allOf" | "anyOf" | "oneOf" | "prefixItems" => Ctx::SchemaList,
        "items"
        | "additionalProperties"
        | "not"
        | "if"
        | "then"
        | "else"
        | "contains"
        | "propertyNames"
        | "unevaluatedProperties"
        | "unevaluatedItems"
        | "additionalItems"
        | "contentSchema" => Ctx::Schema,
        "discriminator" | "xml" | "externalDocs" => Ctx::Doc,
        _ => Ctx::Data,
    }
}
