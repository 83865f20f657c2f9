//! The intermediate representation: what every emitter and the mock read.

use crate::diagnostics::Diagnostic;
use crate::loader::SpecVersion;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

pub use super::wire::{Credential, MediaKind, ParamShape, PathPart, PathSegment, PathTemplate};

fn kind_name<S: serde::Serializer>(k: &MediaKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{k:?}").to_ascii_lowercase())
}

/// A whole API.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// The version of the input document.
    pub spec_version: SpecVersion,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Server URLs with variables substituted by their defaults.
    pub servers: Vec<String>,
    /// The path part of the first server URL (`/api`), empty when none; operation paths are relative to it.
    pub base_path: String,
    /// Every operation, in document order.
    pub operations: Vec<Operation>,
    /// Every named type (component schemas and derived inline types), keyed by [`TypeDef::name`].
    pub types: IndexMap<String, TypeDef>,
    /// Security schemes by their spec name.
    pub security_schemes: IndexMap<String, SecurityScheme>,
    /// JSON Schema (draft 2020-12) definitions referenced as `#/$defs/NAME` by every
    /// `json_schema` in this IR.
    pub schema_defs: IndexMap<String, Value>,
    /// Warnings found while loading and lowering.
    pub warnings: Vec<Diagnostic>,
    /// Every file the loader read (empty for standard input).
    pub source_files: Vec<std::path::PathBuf>,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl Method {
    /// All methods in spec order, with their lowercase key.
    pub const ALL: [(Method, &'static str); 8] = [
        (Method::Get, "get"),
        (Method::Put, "put"),
        (Method::Post, "post"),
        (Method::Delete, "delete"),
        (Method::Options, "options"),
        (Method::Head, "head"),
        (Method::Patch, "patch"),
        (Method::Trace, "trace"),
    ];

    /// Upper-case name, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

/// One operation (method + path).
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// Unique snake_case name.
    pub name: String,
    /// The spec's operationId, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// HTTP method.
    pub method: Method,
    /// The spec's path key, relative to [`Api::base_path`] (`/repos/{repo_id}`).
    pub path: String,
    /// The path as it is on the wire: segments of literal text and parameters.
    pub template: PathTemplate,
    /// Parameters (path, query, header, cookie).
    pub parameters: Vec<Parameter>,
    /// The request body, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RequestBody>,
    /// Responses by status.
    pub responses: Vec<Response>,
    /// Effective security: alternatives (OR) of requirements (AND of schemes). Empty = none.
    pub security: Vec<SecurityRequirement>,
    /// Tags.
    pub tags: Vec<String>,
    /// Deprecated flag.
    pub deprecated: bool,
    /// Summary and description.
    pub docs: Docs,
    /// JSON pointer of the operation in the input document.
    pub pointer: String,
    /// How the operation pages through a list, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination: Option<super::pagination::Paging>,
}

impl Operation {
    /// Parameters at one location.
    pub fn params_in(&self, location: ParamLocation) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }
}

/// Prose attached to an item.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Docs {
    /// One-line summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Docs {
    /// Summary and description joined by a blank line, or `None` when both are empty.
    pub fn text(&self) -> Option<String> {
        let parts: Vec<&str> = [self.summary.as_deref(), self.description.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let mut uniq: Vec<&str> = Vec::new();
        for p in parts {
            if !uniq.contains(&p) {
                uniq.push(p);
            }
        }
        (!uniq.is_empty()).then(|| uniq.join("\n\n"))
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// In a request header.
    Header,
    /// In a cookie.
    Cookie,
}

impl ParamLocation {
    /// Lower-case name as in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// Serialization style of a parameter (OpenAPI 3 `style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParamStyle {
    /// `simple` (path, header default)
    Simple,
    /// `form` (query, cookie default)
    Form,
    /// `label`
    Label,
    /// `matrix`
    Matrix,
    /// `spaceDelimited`
    SpaceDelimited,
    /// `pipeDelimited`
    PipeDelimited,
    /// `deepObject`
    DeepObject,
}

/// A parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    /// Wire name.
    pub name: String,
    /// Location.
    pub location: ParamLocation,
    /// Required flag (always true for path parameters).
    pub required: bool,
    /// The value's type.
    pub schema: TypeRef,
    /// The value's JSON Schema (refs into [`Api::schema_defs`]).
    pub json_schema: Value,
    /// Style.
    pub style: ParamStyle,
    /// Explode flag.
    pub explode: bool,
    /// `allowReserved` (query parameters).
    pub allow_reserved: bool,
    /// The value's wire shape (scalar, array, object), from its type.
    pub shape: ParamShape,
    /// Default value, when the spec gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Example value, when the spec gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// Deprecated flag.
    pub deprecated: bool,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, Serialize)]
pub struct RequestBody {
    /// Required flag.
    pub required: bool,
    /// One entry per media type, in document order.
    pub content: Vec<MediaType>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A name for the body argument (Swagger 2.0 body parameter name), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A body of one media type.
#[derive(Debug, Clone, Serialize)]
pub struct MediaType {
    /// `application/json`, `text/plain`...
    pub media_type: String,
    /// How a body of this media type is carried.
    #[serde(serialize_with = "kind_name")]
    pub kind: MediaKind,
    /// The body type (`None` when the spec gives no schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<TypeRef>,
    /// The body's JSON Schema (refs into [`Api::schema_defs`]), when a schema is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_schema: Option<Value>,
    /// Named examples (`example` alone is named `default`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub examples: IndexMap<String, Value>,
}

/// Which statuses a response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum StatusSpec {
    /// One status code.
    Code(u16),
    /// A range: `2XX` is `Range(2)`.
    Range(u8),
    /// Every status not documented otherwise.
    Default,
}

impl StatusSpec {
    /// Does this spec cover `status`?
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusSpec::Code(c) => c == status,
            StatusSpec::Range(r) => status / 100 == u16::from(r),
            StatusSpec::Default => true,
        }
    }

    /// True for 2xx codes and the 2XX range.
    pub fn is_success(self) -> bool {
        match self {
            StatusSpec::Code(c) => (200..300).contains(&c),
            StatusSpec::Range(r) => r == 2,
            StatusSpec::Default => false,
        }
    }

    /// As written in a spec (`200`, `2XX`, `default`).
    pub fn label(self) -> String {
        match self {
            StatusSpec::Code(c) => c.to_string(),
            StatusSpec::Range(r) => format!("{r}XX"),
            StatusSpec::Default => "default".into(),
        }
    }
}

/// A documented response.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// The status (or range, or default).
    pub status: StatusSpec,
    /// Description.
    pub description: String,
    /// Bodies by media type.
    pub content: Vec<MediaType>,
    /// Response headers.
    pub headers: Vec<Header>,
    /// Media types documented for a response that has no body (a Swagger 2.0 204
    /// whose operation `produces` them): a server sends the first as `Content-Type`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub empty_body_media: Vec<String>,
    /// OpenAPI links: operations this response's values can be passed to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// An OpenAPI link: a response's values as the parameters of another operation.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The link's name.
    pub name: String,
    /// The operation it leads to (IR name); `None` when its `operationId` or
    /// `operationRef` names no operation of the document (warned).
    pub operation: Option<String>,
    /// The `operationId` or `operationRef` as written.
    pub target: String,
    /// Parameter name (without a `path.`/`query.` qualifier) → runtime expression
    /// (`$response.body#/id`) or constant.
    pub parameters: IndexMap<String, Value>,
    /// JSON pointer of the link.
    pub pointer: String,
}

/// A documented response header.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// Header name.
    pub name: String,
    /// Required flag.
    pub required: bool,
    /// Type.
    pub schema: TypeRef,
    /// JSON Schema.
    pub json_schema: Value,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One way of satisfying security: all of these schemes together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityRequirement {
    /// (scheme name, scopes) pairs, all required.
    pub schemes: Vec<(String, Vec<String>)>,
}

/// A security scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SecurityScheme {
    /// An API key.
    ApiKey {
        /// Header, query parameter or cookie name.
        name: String,
        /// Where the key goes.
        location: ParamLocation,
    },
    /// HTTP basic.
    Basic,
    /// HTTP bearer (`bearerFormat` kept).
    Bearer {
        /// Format hint.
        format: Option<String>,
    },
    /// OAuth 2 (the client sends the token as a bearer).
    OAuth2 {
        /// Scope names.
        scopes: Vec<String>,
    },
    /// OpenID Connect (the client sends the token as a bearer).
    OpenIdConnect {
        /// Discovery URL.
        url: String,
    },
    /// Some other HTTP scheme (`digest`...), kept by name.
    Other {
        /// Scheme name.
        scheme: String,
    },
}

impl SecurityScheme {
    /// How the runtime reads this scheme's credential from a request.
    pub fn auth_kind(&self) -> specforge_runtime::auth::Kind<'_> {
        use specforge_runtime::auth::Kind;
        match self {
            SecurityScheme::ApiKey { name, location } => Kind::ApiKey {
                name,
                location: (*location).into(),
            },
            SecurityScheme::Basic => Kind::Basic,
            SecurityScheme::Bearer { .. }
            | SecurityScheme::OAuth2 { .. }
            | SecurityScheme::OpenIdConnect { .. } => Kind::Bearer,
            SecurityScheme::Other { scheme } => Kind::Other { scheme },
        }
    }

    /// The credential this scheme carries on the wire.
    pub fn credential(&self) -> Credential {
        match self {
            SecurityScheme::ApiKey { name, location } => Credential::ApiKey {
                name: name.clone(),
                location: *location,
            },
            SecurityScheme::Basic => Credential::Basic,
            SecurityScheme::Bearer { .. }
            | SecurityScheme::OAuth2 { .. }
            | SecurityScheme::OpenIdConnect { .. } => Credential::Bearer,
            SecurityScheme::Other { scheme } => Credential::Unsupported {
                scheme: scheme.clone(),
            },
        }
    }
}

/// A reference to a type: a named [`TypeDef`] or a structural type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeRef {
    /// A named type in [`Api::types`].
    Named {
        /// The type's name.
        name: String,
    },
    /// A primitive.
    Primitive {
        /// Which primitive.
        primitive: Primitive,
    },
    /// An array.
    Array {
        /// Item type.
        items: Box<TypeRef>,
        /// `uniqueItems`.
        unique: bool,
    },
    /// A string-keyed map.
    Map {
        /// Value type.
        values: Box<TypeRef>,
    },
    /// May also be null.
    Nullable {
        /// The non-null type.
        inner: Box<TypeRef>,
    },
    /// Anything (free-form JSON).
    Any,
}

impl TypeRef {
    /// A named type.
    pub fn named(name: impl Into<String>) -> Self {
        TypeRef::Named { name: name.into() }
    }

    /// A primitive.
    pub fn primitive(p: Primitive) -> Self {
        TypeRef::Primitive { primitive: p }
    }

    /// Wrap in [`TypeRef::Nullable`] (idempotent).
    pub fn nullable(self) -> Self {
        match self {
            n @ TypeRef::Nullable { .. } => n,
            TypeRef::Any => TypeRef::Any,
            other => TypeRef::Nullable {
                inner: Box::new(other),
            },
        }
    }

    /// Without a [`TypeRef::Nullable`] wrapper.
    pub fn non_null(&self) -> &TypeRef {
        match self {
            TypeRef::Nullable { inner } => inner,
            other => other,
        }
    }
}

/// Primitive types, with the formats that change their representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Primitive {
    /// Plain string (and formats with no special representation).
    String,
    /// `format: date-time`.
    DateTime,
    /// `format: date`.
    Date,
    /// `format: uuid`.
    Uuid,
    /// `format: binary` (raw bytes).
    Binary,
    /// `format: byte` (base64 in JSON).
    Byte,
    /// `integer` with `format: int32`.
    Int32,
    /// `integer` (int64 or unspecified).
    Int64,
    /// `number` with `format: float`.
    Float,
    /// `number` (double or unspecified).
    Double,
    /// `boolean`.
    Boolean,
}

/// A named type.
#[derive(Debug, Clone, Serialize)]
pub struct TypeDef {
    /// Unique UpperCamelCase name.
    pub name: String,
    /// The name in the spec (component key), or the derivation for inline types.
    pub source_name: String,
    /// JSON pointer of the schema in the input document.
    pub pointer: String,
    /// Description / title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What kind of type.
    pub kind: TypeKind,
    /// Whether the type can contain itself (directly or through others).
    pub recursive: bool,
    /// Deprecated flag.
    pub deprecated: bool,
    /// Example from the spec, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// The JSON Schema (draft 2020-12, refs into [`Api::schema_defs`]) this type was lowered from.
    pub json_schema: Value,
    /// Why the type is less precise than its schema, when it is (`not`, unknown types…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximation: Option<String>,
}

/// The shapes a named type can take.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    /// An object with known fields.
    Struct {
        /// Fields, in document order.
        fields: Vec<Field>,
        /// Type of additional properties, when allowed and typed.
        #[serde(skip_serializing_if = "Option::is_none")]
        additional: Option<TypeRef>,
    },
    /// A closed set of values (strings, or other scalars).
    Enum {
        /// The allowed values.
        values: Vec<Value>,
        /// The values' type (`String`, `Int64`...).
        primitive: Primitive,
    },
    /// One of several types.
    Union {
        /// The variants.
        variants: Vec<Variant>,
        /// The discriminating property, when the spec names one.
        #[serde(skip_serializing_if = "Option::is_none")]
        discriminator: Option<String>,
        /// `oneOf` (exactly one) or `anyOf` (at least one).
        exclusive: bool,
    },
    /// Another name for a structural type.
    Alias {
        /// The type it stands for.
        target: TypeRef,
    },
}

/// A struct field.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Wire name.
    pub name: String,
    /// Type (without nullability: see `nullable`).
    pub schema: TypeRef,
    /// In `required`.
    pub required: bool,
    /// May be null.
    pub nullable: bool,
    /// Default value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Only sent by servers.
    pub read_only: bool,
    /// Only sent by clients.
    pub write_only: bool,
    /// Deprecated flag.
    pub deprecated: bool,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Why the field's type is less precise than its schema, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximation: Option<String>,
}

/// A union variant.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// The variant type.
    pub schema: TypeRef,
    /// Discriminator values that select this variant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}
