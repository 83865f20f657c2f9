//! OpenAPI parameter serialization: one encoder and one decoder for every style.
//!
//! Values are `serde_json::Value`s (a generated client serializes its typed
//! argument first). Encoding percent-encodes each value component and keeps the
//! style's delimiters literal, so a comma inside a value (`%2C`) is never taken
//! for a separator. Decoding splits the raw text on the style's delimiters first
//! and percent-decodes each piece after; what the pieces mean (integer, date, …)
//! is for the caller to decide from the parameter's schema.

use super::path::{decode, decode_form, encode, encode_allow_reserved};
use serde_json::Value;

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In the `Cookie` header.
    Cookie,
}

/// OpenAPI `style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// `simple`: `a,b` (path and header default).
    Simple,
    /// `form`: `name=a&name=b` or `name=a,b` (query and cookie default).
    Form,
    /// `label`: `.a.b` / `.a,b`.
    Label,
    /// `matrix`: `;name=a;name=b` / `;name=a,b`.
    Matrix,
    /// `spaceDelimited`: `name=a%20b`.
    SpaceDelimited,
    /// `pipeDelimited`: `name=a|b`.
    PipeDelimited,
    /// `deepObject`: `name[key]=value`.
    DeepObject,
}

/// The shape a parameter's schema gives its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A single value.
    Scalar,
    /// An array.
    Array,
    /// An object (string keys).
    Object,
}

/// How one parameter is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codec<'a> {
    /// The parameter's wire name.
    pub name: &'a str,
    /// Where it travels.
    pub location: Location,
    /// Its style.
    pub style: Style,
    /// Its explode flag.
    pub explode: bool,
    /// `allowReserved` (query only).
    pub allow_reserved: bool,
}

/// A decoded parameter before typing: text pieces in the shape of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    /// One value.
    Scalar(String),
    /// Array items.
    Array(Vec<String>),
    /// Object entries, in wire order.
    Object(Vec<(String, String)>),
}

impl Raw {
    /// The value as JSON without a schema: each piece that reads as a JSON
    /// number, boolean, array or object is that, anything else a string.
    pub fn lenient_json(&self) -> Value {
        fn piece(s: &str) -> Value {
            match serde_json::from_str::<Value>(s) {
                Ok(v) if !v.is_string() && !v.is_null() => v,
                _ => Value::String(s.to_string()),
            }
        }
        match self {
            Raw::Scalar(s) => piece(s),
            Raw::Array(items) => Value::Array(items.iter().map(|i| piece(i)).collect()),
            Raw::Object(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.clone(), piece(v))).collect())
            }
        }
    }
}

/// A scalar as parameter text: strings as they are, `null` as empty, anything
/// else as JSON (`42`, `true`, `{"a":1}`).
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The raw `(decoded name, raw value)` pairs of a query string.
pub fn query_pairs(query: &str) -> Vec<(String, &str)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_form(k), v)
        })
        .collect()
}

/// The `(name, percent-decoded value)` pairs of `Cookie` header values.
pub fn cookie_pairs<'h>(headers: impl IntoIterator<Item = &'h str>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .flat_map(|h| h.split(';'))
        .filter_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            Some((k.trim().to_string(), decode(v.trim().trim_matches('"'))))
        })
        .collect()
}

impl<'a> Codec<'a> {
    /// A codec with every choice given.
    pub const fn new(
        name: &'a str,
        location: Location,
        style: Style,
        explode: bool,
        allow_reserved: bool,
    ) -> Self {
        Codec {
            name,
            location,
            style,
            explode,
            allow_reserved,
        }
    }

    /// A codec with OpenAPI's defaults for its location: `simple` for path and
    /// header parameters, exploded `form` for query and cookie parameters.
    pub const fn default_for(name: &'a str, location: Location) -> Self {
        let (style, explode) = match location {
            Location::Path | Location::Header => (Style::Simple, false),
            Location::Query | Location::Cookie => (Style::Form, true),
        };
        Codec::new(name, location, style, explode, false)
    }

    /// [`Codec::default_for`] a path parameter.
    pub const fn path(name: &'a str) -> Self {
        Codec::default_for(name, Location::Path)
    }

    /// [`Codec::default_for`] a query parameter.
    pub const fn query(name: &'a str) -> Self {
        Codec::default_for(name, Location::Query)
    }

    /// [`Codec::default_for`] a header parameter.
    pub const fn header(name: &'a str) -> Self {
        Codec::default_for(name, Location::Header)
    }

    /// [`Codec::default_for`] a cookie parameter.
    pub const fn cookie(name: &'a str) -> Self {
        Codec::default_for(name, Location::Cookie)
    }

    fn enc(&self, s: &str) -> String {
        match self.location {
            Location::Header => s.to_string(),
            Location::Query if self.allow_reserved => encode_allow_reserved(s),
            _ => encode(s),
        }
    }

    fn items(&self, value: &Value) -> Vec<String> {
        match value {
            Value::Array(a) => a.iter().map(|v| self.enc(&text(v))).collect(),
            other => vec![self.enc(&text(other))],
        }
    }

    fn entries(&self, value: &Value) -> Vec<(String, String)> {
        match value {
            Value::Object(m) => m
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (self.enc(k), self.enc(&text(v))))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn delimiter(&self) -> &'static str {
        match self.style {
            Style::SpaceDelimited => "%20",
            Style::PipeDelimited => "|",
            _ => ",",
        }
    }

    /// The text of a path parameter (percent-encoded; `label` and `matrix` carry
    /// their prefix), or a header value (not encoded).
    pub fn encode_value(&self, value: &Value) -> String {
        let name = self.enc(self.name);
        let (prefix, sep) = match self.style {
            Style::Label => (".".to_string(), if self.explode { "." } else { "," }),
            Style::Matrix => (format!(";{name}="), if self.explode { ";" } else { "," }),
            _ => (String::new(), ","),
        };
        match value {
            Value::Array(_) => {
                let items = self.items(value);
                if self.style == Style::Matrix && self.explode {
                    items
                        .iter()
                        .map(|i| format!(";{name}={i}"))
                        .collect::<String>()
                } else {
                    format!("{prefix}{}", items.join(sep))
                }
            }
            Value::Object(_) => {
                let entries = self.entries(value);
                if self.explode {
                    let joined: Vec<String> =
                        entries.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    match self.style {
                        Style::Matrix => joined.iter().map(|e| format!(";{e}")).collect(),
                        _ => format!("{prefix}{}", joined.join(sep)),
                    }
                } else {
                    let flat: Vec<String> = entries.into_iter().flat_map(|(k, v)| [k, v]).collect();
                    format!("{prefix}{}", flat.join(","))
                }
            }
            other => format!("{prefix}{}", self.enc(&text(other))),
        }
    }

    /// Append a query parameter to `query` (an encoded query string without `?`).
    pub fn encode_query(&self, value: &Value, query: &mut String) {
        let mut push = |k: &str, v: &str| {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(k);
            query.push('=');
            query.push_str(v);
        };
        let name = self.enc(self.name);
        match (value, self.style) {
            (Value::Object(_), Style::DeepObject) => {
                for (k, v) in self.entries(value) {
                    push(&format!("{name}%5B{k}%5D"), &v);
                }
            }
            (Value::Object(_), _) if self.explode => {
                for (k, v) in self.entries(value) {
                    push(&k, &v);
                }
            }
            (Value::Object(_), _) => {
                let flat: Vec<String> = self
                    .entries(value)
                    .into_iter()
                    .flat_map(|(k, v)| [k, v])
                    .collect();
                push(&name, &flat.join(","));
            }
            (Value::Array(_), _) if self.explode => {
                for i in self.items(value) {
                    push(&name, &i);
                }
            }
            (Value::Array(_), _) => push(&name, &self.items(value).join(self.delimiter())),
            (other, _) => push(&name, &self.enc(&text(other))),
        }
    }

    /// A cookie parameter as one `name=value` pair of a `Cookie` header.
    pub fn encode_cookie(&self, value: &Value) -> String {
        let v = match value {
            Value::Array(_) => self.items(value).join(","),
            Value::Object(_) => self
                .entries(value)
                .into_iter()
                .flat_map(|(k, v)| [k, v])
                .collect::<Vec<_>>()
                .join(","),
            other => self.enc(&text(other)),
        };
        format!("{}={v}", self.name)
    }

    /// Decode a path parameter from its raw (still percent-encoded) text, or a
    /// header parameter from its value.
    pub fn decode_value(&self, raw: &str, shape: Shape) -> Option<Raw> {
        let dec = |s: &str| {
            if self.location == Location::Header {
                s.trim().to_string()
            } else {
                decode(s)
            }
        };
        let name = self.name;
        let body: String = match self.style {
            Style::Label => raw.strip_prefix('.')?.to_string(),
            Style::Matrix => {
                if shape == Shape::Object && self.explode {
                    raw.strip_prefix(';')?.to_string()
                } else if shape == Shape::Array && self.explode {
                    let items: Vec<String> = raw
                        .split(';')
                        .filter(|s| !s.is_empty())
                        .filter_map(|s| s.strip_prefix(&format!("{name}=")).map(dec))
                        .collect();
                    return Some(Raw::Array(items));
                } else {
                    raw.strip_prefix(&format!(";{name}="))?.to_string()
                }
            }
            _ => raw.to_string(),
        };
        let sep = match (self.style, self.explode) {
            (Style::Label, true) => '.',
            (Style::Matrix, true) => ';',
            _ => ',',
        };
        Some(match shape {
            Shape::Scalar => Raw::Scalar(dec(&body)),
            Shape::Array => Raw::Array(if body.is_empty() {
                Vec::new()
            } else {
                body.split(sep).map(dec).collect()
            }),
            Shape::Object => {
                if self.explode {
                    Raw::Object(
                        body.split(sep)
                            .filter(|s| !s.is_empty())
                            .filter_map(|e| e.split_once('=').map(|(k, v)| (dec(k), dec(v))))
                            .collect(),
                    )
                } else {
                    Raw::Object(pairs_of(body.split(',').map(dec).collect()))
                }
            }
        })
    }

    /// Whether decoding this query parameter needs the operation's other query
    /// parameter names: an exploded form object takes every pair but theirs.
    pub fn takes_other_pairs(&self, shape: Shape) -> bool {
        matches!(self.location, Location::Query)
            && matches!(shape, Shape::Object)
            && self.explode
            && !matches!(self.style, Style::DeepObject)
    }

    /// Decode a query parameter from the request's [`query_pairs`]. `others` are the
    /// names of the operation's other query parameters, read only where
    /// [`Codec::takes_other_pairs`] (pass `&[]` elsewhere). `None`: the parameter is absent.
    pub fn decode_query(
        &self,
        pairs: &[(String, &str)],
        shape: Shape,
        others: &[&str],
    ) -> Option<Raw> {
        let name = self.name;
        match (shape, self.style) {
            (Shape::Object, Style::DeepObject) => {
                let entries: Vec<(String, String)> = pairs
                    .iter()
                    .filter_map(|(k, v)| {
                        let key = k.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')?;
                        Some((key.to_string(), decode_form(v)))
                    })
                    .collect();
                (!entries.is_empty()).then_some(Raw::Object(entries))
            }
            (Shape::Object, _) if self.explode => {
                let entries: Vec<(String, String)> = pairs
                    .iter()
                    .filter(|(k, _)| k != name && !others.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), decode_form(v)))
                    .collect();
                (!entries.is_empty()).then_some(Raw::Object(entries))
            }
            (Shape::Object, _) => {
                let raw = pairs.iter().find(|(k, _)| k == name)?.1;
                Some(Raw::Object(pairs_of(
                    raw.split(',').map(decode_form).collect(),
                )))
            }
            (Shape::Array, _) if self.explode && self.style == Style::Form => {
                let items: Vec<String> = pairs
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| decode_form(v))
                    .collect();
                (!items.is_empty()).then_some(Raw::Array(items))
            }
            (Shape::Array, _) => {
                let all: Vec<&str> = pairs
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| *v)
                    .collect();
                if all.is_empty() {
                    return None;
                }
                let mut items = Vec::new();
                for raw in all {
                    items.extend(
                        split_delimited(raw, self.style)
                            .into_iter()
                            .map(decode_form),
                    );
                }
                Some(Raw::Array(items))
            }
            (Shape::Scalar, _) => pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Raw::Scalar(decode_form(v))),
        }
    }

    /// Decode a cookie parameter from the request's [`cookie_pairs`].
    pub fn decode_cookie(&self, cookies: &[(String, String)], shape: Shape) -> Option<Raw> {
        let value = &cookies.iter().find(|(k, _)| k == self.name)?.1;
        Some(match shape {
            Shape::Scalar => Raw::Scalar(value.clone()),
            Shape::Array => Raw::Array(value.split(',').map(str::to_string).collect()),
            Shape::Object => Raw::Object(pairs_of(value.split(',').map(str::to_string).collect())),
        })
    }
}

fn pairs_of(flat: Vec<String>) -> Vec<(String, String)> {
    let mut it = flat.into_iter();
    let mut out = Vec::new();
    while let Some(k) = it.next() {
        out.push((k, it.next().unwrap_or_default()));
    }
    out
}

/// Split a raw delimited value. A literal delimiter wins; a client that encoded
/// the delimiter (`%2C`, `%7C`) is read too when no literal one is there.
fn split_delimited(raw: &str, style: Style) -> Vec<&str> {
    if raw.is_empty() {
        return Vec::new();
    }
    let (literal, encoded): (&[&str], &[&str]) = match style {
        Style::SpaceDelimited => (&[" ", "+", "%20"], &[]),
        Style::PipeDelimited => (&["|"], &["%7C", "%7c"]),
        _ => (&[","], &["%2C", "%2c"]),
    };
    for d in literal.iter().chain(encoded) {
        if raw.contains(d) {
            return raw.split(d).collect();
        }
    }
    vec![raw]
}
