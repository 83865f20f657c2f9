//! The `types` module of a generated crate: one Rust type per IR [`TypeDef`].

use super::docs::doc_attrs;
use super::names::{camel, ident, Namer};
use super::Degradation;
use crate::ir::recursion::reaches;
use crate::ir::{Api, Field, Primitive, TypeDef, TypeKind, TypeRef};
use indexmap::IndexMap;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

/// Maps IR types to Rust types and emits the model definitions.
pub struct RustTypes<'a> {
    api: &'a Api,
    idents: IndexMap<String, String>,
    /// Spec types shadow std prelude names: spell std types out in full.
    qualified: bool,
    /// Extra derives on every model, as paths.
    derives: Vec<(String, TokenStream)>,
    /// User types for formats.
    formats: std::collections::HashMap<Primitive, TokenStream>,
    /// User types for named IR types (which are then not emitted).
    replaced: std::collections::HashMap<String, TokenStream>,
}

impl<'a> RustTypes<'a> {
    /// Assign a Rust identifier to every IR type.
    pub fn new(api: &'a Api) -> Self {
        let mut namer = Namer::default();
        let idents: IndexMap<String, String> = api
            .types
            .keys()
            .map(|k| (k.clone(), namer.camel(k)))
            .collect();
        let prelude = [
            "Option", "Some", "None", "Result", "Ok", "Err", "String", "Vec", "Box", "HashMap",
            "ToString", "Default",
        ];
        let qualified = idents.values().any(|i| prelude.contains(&i.as_str()));
        Self {
            api,
            idents,
            qualified,
            derives: Vec::new(),
            formats: std::collections::HashMap::new(),
            replaced: std::collections::HashMap::new(),
        }
    }

    /// Apply the derives and type replacements of `options` (already checked).
    /// A replacement naming nothing in the spec is a warning in `warnings`.
    pub fn with_options(
        mut self,
        options: &super::options::Options,
        warnings: &mut Vec<crate::Diagnostic>,
    ) -> Self {
        let path = |text: &str| -> TokenStream { text.parse().unwrap_or_default() };
        self.derives = options
            .derives
            .iter()
            .map(|d| {
                let last = d.rsplit("::").next().unwrap_or(d).trim().to_string();
                (last, path(d))
            })
            .collect();
        for (format, ty) in &options.replace.formats {
            let p = match format.as_str() {
                "date-time" => Primitive::DateTime,
                "date" => Primitive::Date,
                "uuid" => Primitive::Uuid,
                "int32" => Primitive::Int32,
                "int64" => Primitive::Int64,
                "float" => Primitive::Float,
                "double" => Primitive::Double,
                "byte" => Primitive::Byte,
                "binary" => Primitive::Binary,
                _ => continue,
            };
            self.formats.insert(p, path(ty));
        }
        for (schema, ty) in &options.replace.schemas {
            let component = format!(
                "#/components/schemas/{}",
                crate::diagnostics::escape_token(schema)
            );
            let found = self
                .api
                .types
                .values()
                .find(|d| d.pointer == component)
                .or_else(|| self.api.types.get(schema));
            match found {
                Some(def) => {
                    self.replaced.insert(def.name.clone(), path(ty));
                }
                None => warnings.push(crate::Diagnostic::warning(
                    "#/components/schemas",
                    format!("type replacement: the spec has no schema named {schema:?}"),
                )),
            }
        }
        self
    }

    /// The extra derives not already in `present` (by last path segment).
    fn extra_derives(&self, present: &[&str]) -> TokenStream {
        let extra = self
            .derives
            .iter()
            .filter(|(last, _)| !present.contains(&last.as_str()))
            .map(|(_, p)| p);
        quote! { #(#extra,)* }
    }

    fn std_option(&self) -> TokenStream {
        if self.qualified {
            quote! { ::std::option::Option }
        } else {
            quote! { Option }
        }
    }

    fn std_vec(&self) -> TokenStream {
        if self.qualified {
            quote! { ::std::vec::Vec }
        } else {
            quote! { Vec }
        }
    }

    fn std_box(&self) -> TokenStream {
        if self.qualified {
            quote! { ::std::boxed::Box }
        } else {
            quote! { Box }
        }
    }

    fn std_string(&self) -> TokenStream {
        if self.qualified {
            quote! { ::std::string::String }
        } else {
            quote! { String }
        }
    }

    /// The Rust identifier of a named IR type.
    pub fn ident_of(&self, name: &str) -> proc_macro2::Ident {
        ident(self.idents.get(name).map(String::as_str).unwrap_or("Value"))
    }

    /// The Rust field name of the property `wire` of the struct type `name`, and
    /// whether the field is an `Option` (optional or nullable).
    pub fn field(&self, name: &str, wire: &str) -> Option<(proc_macro2::Ident, bool)> {
        let Some(TypeKind::Struct { fields, .. }) = self.api.types.get(name).map(|d| &d.kind)
        else {
            return None;
        };
        let names = field_names(&mut Namer::default(), fields);
        fields
            .iter()
            .zip(names)
            .find(|(f, _)| f.name == wire)
            .map(|(f, n)| (ident(&n), !f.required || f.nullable))
    }

    /// The IR.
    pub fn api(&self) -> &'a Api {
        self.api
    }

    /// The Rust type for `t`; named types are prefixed with `prefix` (`types::` from
    /// other modules, nothing inside `types`).
    pub fn rust(&self, t: &TypeRef, prefix: &TokenStream) -> TokenStream {
        match t {
            TypeRef::Named { name } => match self.api.types.get(name) {
                Some(_) if self.replaced.contains_key(name) => self.replaced[name].clone(),
                Some(_) => {
                    let id = self.ident_of(name);
                    quote! { #prefix #id }
                }
                None => quote! { ::serde_json::Value },
            },
            TypeRef::Primitive { primitive } => self.primitive(*primitive),
            TypeRef::Array { items, .. } => {
                let inner = self.rust(items, prefix);
                let vec = self.std_vec();
                quote! { #vec<#inner> }
            }
            TypeRef::Map { values } => {
                let inner = self.rust(values, prefix);
                let string = self.std_string();
                quote! { ::std::collections::HashMap<#string, #inner> }
            }
            TypeRef::Nullable { inner } => {
                let inner = self.rust(inner, prefix);
                let option = self.std_option();
                quote! { #option<#inner> }
            }
            TypeRef::Any => quote! { ::serde_json::Value },
        }
    }

    /// Is `t` a string enum (so that it has `Display`)?
    pub fn is_string_enum(&self, t: &TypeRef) -> bool {
        match t {
            TypeRef::Named { name } => match self.api.types.get(name).map(|d| &d.kind) {
                Some(TypeKind::Enum {
                    primitive: Primitive::String,
                    values,
                }) => values.iter().all(Value::is_string),
                Some(TypeKind::Alias { target }) => self.is_string_enum(target),
                _ => false,
            },
            _ => false,
        }
    }

    /// Resolve aliases to the structural type behind them.
    pub fn resolve<'t>(&'t self, t: &'t TypeRef) -> &'t TypeRef {
        let mut cur = t;
        for _ in 0..32 {
            match cur {
                TypeRef::Named { name } => match self.api.types.get(name).map(|d| &d.kind) {
                    Some(TypeKind::Alias { target }) if !self.api.types[name].recursive => {
                        cur = target
                    }
                    Some(TypeKind::Enum { primitive, values })
                        if !(*primitive == Primitive::String
                            && values.iter().all(Value::is_string)) =>
                    {
                        return match primitive {
                            Primitive::Int64 => &INT64,
                            Primitive::Int32 => &INT32,
                            Primitive::Double => &DOUBLE,
                            Primitive::Float => &FLOAT,
                            Primitive::Boolean => &BOOL,
                            _ => &ANY,
                        };
                    }
                    _ => return cur,
                },
                _ => return cur,
            }
        }
        cur
    }

    /// Does [`Self::to_text`] return `value` itself (a `&str` or `&String`)?
    pub fn is_text(&self, t: &TypeRef) -> bool {
        matches!(
            self.resolve(t),
            TypeRef::Primitive {
                primitive: Primitive::String | Primitive::Byte | Primitive::Binary
            }
        )
    }

    /// An expression turning `value` (a reference or a Copy value) into parameter text:
    /// a `String`, or `value` itself when it already is text (see [`Self::is_text`]).
    pub fn to_text(&self, t: &TypeRef, value: TokenStream, sep: &str) -> TokenStream {
        match self.resolve(t) {
            TypeRef::Primitive {
                primitive: Primitive::String | Primitive::Byte | Primitive::Binary,
            } => value,
            TypeRef::Primitive {
                primitive: Primitive::DateTime,
            } => quote! { #value.to_rfc3339() },
            TypeRef::Primitive { .. } => quote! { #value.to_string() },
            TypeRef::Named { .. } if self.is_string_enum(t) => quote! { #value.to_string() },
            TypeRef::Array { items, .. } => {
                let inner = if self.is_text(items) {
                    quote! { v.as_str() }
                } else {
                    self.to_text(items, quote! { v }, ",")
                };
                quote! { #value.iter().map(|v| #inner).collect::<Vec<_>>().join(#sep) }
            }
            TypeRef::Nullable { inner } => {
                let i = if self.is_text(inner) {
                    quote! { v.to_string() }
                } else {
                    self.to_text(inner, quote! { v }, sep)
                };
                quote! { #value.as_ref().map(|v| #i).unwrap_or_default() }
            }
            _ => quote! { json_param(&#value) },
        }
    }

    /// Emit every type, returning the module body (the items of each type apart)
    /// and what had to be approximated.
    pub fn emit_all(&self) -> (Vec<TokenStream>, Vec<Degradation>) {
        let mut out = Vec::new();
        let mut degraded = Vec::new();
        for def in self.api.types.values() {
            if !self.replaced.contains_key(&def.name) {
                out.push(self.emit(def, &mut degraded));
            }
        }
        (out, degraded)
    }

    fn needs_box(&self, field_type: &TypeRef, owner: &str) -> bool {
        match field_type {
            TypeRef::Named { name } => name == owner || reaches(&self.api.types, name, owner),
            TypeRef::Nullable { inner } => self.needs_box(inner, owner),
            _ => false,
        }
    }

    /// The Rust type of a primitive inside JSON models.
    pub fn primitive(&self, p: Primitive) -> TokenStream {
        if let Some(user) = self.formats.get(&p) {
            return user.clone();
        }
        match p {
            Primitive::String | Primitive::Byte | Primitive::Binary => self.std_string(),
            other => primitive_type(other),
        }
    }

    fn boxed(&self, t: &TypeRef, owner: &str) -> TokenStream {
        let empty = TokenStream::new();
        let (option, boxed) = (self.std_option(), self.std_box());
        if self.needs_box(t, owner) {
            match t {
                TypeRef::Nullable { inner } => {
                    let i = self.rust(inner, &empty);
                    quote! { #option<#boxed<#i>> }
                }
                other => {
                    let i = self.rust(other, &empty);
                    quote! { #boxed<#i> }
                }
            }
        } else {
            self.rust(t, &empty)
        }
    }

    fn emit(&self, def: &TypeDef, degraded: &mut Vec<Degradation>) -> TokenStream {
        let name = self.ident_of(&def.name);
        let mut docs = Some(def.description.clone().unwrap_or_else(|| {
            if def.pointer.starts_with("#/components/schemas/")
                && def.pointer.matches('/').count() == 3
            {
                format!("The `{}` schema.", def.source_name)
            } else {
                format!("The schema at `{}`.", def.pointer)
            }
        }));
        if def.deprecated {
            docs = Some(format!("{}\n\n**Deprecated.**", docs.unwrap_or_default()));
        }
        let docs = doc_attrs(docs.as_deref());
        match &def.kind {
            TypeKind::Struct { fields, additional } => {
                self.emit_struct(def, &name, &docs, fields, additional.as_ref(), degraded)
            }
            TypeKind::Enum { values, primitive } => {
                if *primitive == Primitive::String && values.iter().all(Value::is_string) {
                    let extra = self.extra_derives(STRING_ENUM_DERIVES);
                    emit_string_enum(&name, &docs, values, extra)
                } else {
                    degraded.push(Degradation::ty(&def.name, &def.pointer, "enum of non-string values: a plain number/boolean type; the allowed values are listed in its docs"));
                    let ty = self.primitive(*primitive);
                    let listed = values
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join(", ");
                    let allowed = format!(" Allowed values: {listed}.");
                    quote! { #docs #[doc = #allowed] pub type #name = #ty; }
                }
            }
            TypeKind::Union {
                variants,
                discriminator,
                ..
            } => self.emit_union(def, &name, &docs, variants, discriminator.as_deref()),
            TypeKind::Alias { target } => {
                let empty = TokenStream::new();
                if let Some(why) = &def.approximation {
                    degraded.push(Degradation::ty(&def.name, &def.pointer, why));
                }
                if def.recursive {
                    let ty = self.rust(target, &empty);
                    let extra = self.extra_derives(MODEL_DERIVES);
                    quote! {
                        #docs
                        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize, #extra)]
                        #[serde(transparent)]
                        pub struct #name(pub #ty);
                    }
                } else {
                    let ty = self.rust(target, &empty);
                    quote! { #docs pub type #name = #ty; }
                }
            }
        }
    }

    fn emit_struct(
        &self,
        def: &TypeDef,
        name: &proc_macro2::Ident,
        docs: &TokenStream,
        fields: &[Field],
        additional: Option<&TypeRef>,
        degraded: &mut Vec<Degradation>,
    ) -> TokenStream {
        let mut namer = Namer::default();
        let mut out_fields = Vec::new();
        for (f, fname) in fields.iter().zip(field_names(&mut namer, fields)) {
            let fid = ident(&fname);
            let wire = &f.name;
            let rename = if fname != *wire {
                quote! { #[serde(rename = #wire)] }
            } else {
                TokenStream::new()
            };
            let base = if f.nullable {
                f.schema.clone().nullable()
            } else {
                f.schema.clone()
            };
            if let Some(why) = &f.approximation {
                degraded.push(Degradation::ty(
                    &def.name,
                    &format!(
                        "{}/properties/{}",
                        def.pointer,
                        crate::diagnostics::escape_token(wire)
                    ),
                    why,
                ));
            }
            let mut fdoc = Some(
                f.description
                    .clone()
                    .unwrap_or_else(|| format!("The `{wire}` property.")),
            );
            if f.deprecated {
                fdoc = Some(format!("{}\n\n**Deprecated.**", fdoc.unwrap_or_default()));
            }
            let fdocs = doc_attrs(fdoc.as_deref());
            let (ty, attrs) = if f.required {
                (self.boxed(&base, &def.name), TokenStream::new())
            } else {
                let inner = self.boxed(base.non_null(), &def.name);
                let option = self.std_option();
                let is_none = if self.qualified {
                    "::std::option::Option::is_none"
                } else {
                    "Option::is_none"
                };
                (
                    quote! { #option<#inner> },
                    quote! { #[serde(default, skip_serializing_if = #is_none)] },
                )
            };
            out_fields.push(quote! { #fdocs #rename #attrs pub #fid: #ty, });
        }
        if let Some(extra) = additional {
            let fid = ident(&namer.unique("additional_properties"));
            let ty = self.rust(extra, &TokenStream::new());
            let string = self.std_string();
            out_fields.push(quote! {
                /// Properties not listed above.
                #[serde(flatten)]
                pub #fid: ::std::collections::HashMap<#string, #ty>,
            });
        }
        // every field optional: `Default` lets callers write `T { x: Some(..), ..Default::default() }`
        let default = if fields.iter().all(|f| !f.required) {
            quote! { Default, }
        } else {
            TokenStream::new()
        };
        let extra = self.extra_derives(MODEL_DERIVES);
        quote! {
            #docs
            #[derive(Debug, Clone, #default PartialEq, ::serde::Serialize, ::serde::Deserialize, #extra)]
            pub struct #name { #(#out_fields)* }
        }
    }

    fn emit_union(
        &self,
        def: &TypeDef,
        name: &proc_macro2::Ident,
        docs: &TokenStream,
        variants: &[crate::ir::Variant],
        discriminator: Option<&str>,
    ) -> TokenStream {
        let mut namer = Namer::default();
        let mut vs = Vec::new();
        let mut arms = Vec::new();
        let tagged = discriminator.is_some() && variants.iter().all(|v| !v.tags.is_empty());
        for v in variants {
            let vname = format_ident!("{}", namer.unique(&variant_name(&v.schema, self)));
            let ty = self.boxed(&v.schema, &def.name);
            let vdoc = if v.tags.is_empty() {
                format!(" Variant {}.", vs.len() + 1)
            } else {
                format!(" `{}`.", v.tags.join("` or `"))
            };
            vs.push(quote! { #[doc = #vdoc] #vname(#ty), });
            if tagged {
                let tags = &v.tags;
                arms.push(quote! {
                    #( ::std::option::Option::Some(#tags) )|* => ::serde_json::from_value(value).map(Self::#vname).map_err(::serde::de::Error::custom),
                });
            }
        }
        if tagged {
            let prop = discriminator.unwrap_or_default();
            let unknown = format!("unknown {prop} {{}}");
            let missing = format!("missing discriminator property {prop}");
            let extra = self.extra_derives(MODEL_DERIVES);
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, #extra)]
                #[serde(untagged)]
                pub enum #name { #(#vs)* }

                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                        let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                        let tag = value.get(#prop).and_then(::serde_json::Value::as_str).map(::std::string::ToString::to_string);
                        match tag.as_deref() {
                            #(#arms)*
                            ::std::option::Option::Some(other) => ::std::result::Result::Err(::serde::de::Error::custom(format!(#unknown, other))),
                            ::std::option::Option::None => ::std::result::Result::Err(::serde::de::Error::custom(#missing)),
                        }
                    }
                }
            }
        } else {
            let extra = self.extra_derives(MODEL_DERIVES);
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize, #extra)]
                #[serde(untagged)]
                pub enum #name { #(#vs)* }
            }
        }
    }
}

/// What every model derives (extra derives with these names are not repeated).
const MODEL_DERIVES: &[&str] = &[
    "Debug",
    "Clone",
    "Default",
    "PartialEq",
    "Serialize",
    "Deserialize",
];

/// What string enums derive (they serialize by hand, as their wire text).
const STRING_ENUM_DERIVES: &[&str] = &[
    "Debug",
    "Clone",
    "PartialEq",
    "Eq",
    "Hash",
    "PartialOrd",
    "Ord",
    "Serialize",
    "Deserialize",
    "Default",
];

static INT64: TypeRef = TypeRef::Primitive {
    primitive: Primitive::Int64,
};
static INT32: TypeRef = TypeRef::Primitive {
    primitive: Primitive::Int32,
};
static DOUBLE: TypeRef = TypeRef::Primitive {
    primitive: Primitive::Double,
};
static FLOAT: TypeRef = TypeRef::Primitive {
    primitive: Primitive::Float,
};
static BOOL: TypeRef = TypeRef::Primitive {
    primitive: Primitive::Boolean,
};
static ANY: TypeRef = TypeRef::Any;

/// A variant name for a union member.
fn variant_name(t: &TypeRef, types: &RustTypes<'_>) -> String {
    match t {
        TypeRef::Named { name } => types
            .idents
            .get(name)
            .cloned()
            .unwrap_or_else(|| camel(name)),
        TypeRef::Primitive { primitive } => match primitive {
            Primitive::Int32 | Primitive::Int64 => "Integer".into(),
            Primitive::Float | Primitive::Double => "Number".into(),
            Primitive::Boolean => "Boolean".into(),
            _ => "String".into(),
        },
        TypeRef::Array { .. } => "List".into(),
        TypeRef::Map { .. } => "Map".into(),
        TypeRef::Nullable { inner } => variant_name(inner, types),
        TypeRef::Any => "Value".into(),
    }
}

/// The Rust names of a struct's fields, in order (one rule for the struct and its readers).
fn field_names(namer: &mut Namer, fields: &[Field]) -> Vec<String> {
    fields.iter().map(|f| namer.snake(&f.name)).collect()
}

/// The Rust type of a primitive (fully qualified for strings).
pub fn primitive_type(p: Primitive) -> TokenStream {
    match p {
        Primitive::String | Primitive::Byte | Primitive::Binary => quote! { ::std::string::String },
        Primitive::DateTime => quote! { ::chrono::DateTime<::chrono::Utc> },
        Primitive::Date => quote! { ::chrono::NaiveDate },
        Primitive::Uuid => quote! { ::uuid::Uuid },
        Primitive::Int32 => quote! { i32 },
        Primitive::Int64 => quote! { i64 },
        Primitive::Float => quote! { f32 },
        Primitive::Double => quote! { f64 },
        Primitive::Boolean => quote! { bool },
    }
}

fn emit_string_enum(
    name: &proc_macro2::Ident,
    docs: &TokenStream,
    values: &[Value],
    extra: TokenStream,
) -> TokenStream {
    let mut namer = Namer::with_reserved(&["unknown"]);
    let strs: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
    let variants: Vec<proc_macro2::Ident> = strs
        .iter()
        .map(|v| {
            format_ident!(
                "{}",
                namer.unique(&if v.is_empty() {
                    "Empty".to_string()
                } else {
                    camel(v)
                })
            )
        })
        .collect();
    let variant_docs: Vec<String> = strs.iter().map(|v| format!(" The value {v:?}.")).collect();
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, #extra)]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
            /// A value this crate did not know when it was generated.
            Unknown(::std::string::String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #strs, )*
                    Self::Unknown(other) => other.as_str(),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(match s {
                    #( #strs => Self::#variants, )*
                    other => Self::Unknown(other.to_string()),
                })
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(s.parse().unwrap_or_else(|never: ::std::convert::Infallible| match never {}))
            }
        }
    }
}
