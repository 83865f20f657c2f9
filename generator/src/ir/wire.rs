//! How an operation looks on the wire, decided once: path templates (literal
//! text and parameters anywhere in a segment, trailing slash), the route
//! skeleton that routers index and the order among templates sharing one,
//! parameter codecs, media kinds, status precedence and status names, and the
//! credential each security scheme carries. The client and server emitters,
//! the mock, the request sampler and `verify` read these decisions; the rules
//! that run on requests live in `specforge-runtime`, which generated crates
//! embed and the mock links.

use super::model::{Operation, ParamLocation, ParamStyle, Parameter, Response, StatusSpec};
use indexmap::IndexMap;
use serde::Serialize;
pub use specforge_runtime::media::MediaKind;
use specforge_runtime::params::{Codec, Location, Shape, Style};
use specforge_runtime::path::{Choices, Piece};

/// A piece of a path segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PathPart {
    /// Literal text (`Calls`, `.json`, `:encrypt`).
    Literal(String),
    /// A parameter, by name.
    Param(String),
}

/// One `/`-separated segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PathSegment {
    /// Its pieces, in order; never empty.
    pub parts: Vec<PathPart>,
}

impl PathSegment {
    /// The text of a segment that is all literal.
    pub fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [PathPart::Literal(l)] => Some(l),
            _ => None,
        }
    }

    /// The parameter of a segment that is exactly one parameter.
    pub fn whole_param(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [PathPart::Param(p)] => Some(p),
            _ => None,
        }
    }

    /// The segment as runtime pieces. In a segment that mixes parameters with other
    /// text, a parameter's type narrows what it can match (`texts`).
    pub fn pieces<'a>(&'a self, texts: &'a IndexMap<String, ParamText>) -> Vec<Piece<'a>> {
        let mixed = self.parts.len() > 1;
        self.parts
            .iter()
            .map(|p| match p {
                PathPart::Literal(l) => Piece::Lit(l),
                PathPart::Param(n) if mixed => match texts.get(n) {
                    Some(ParamText::Integer) => Piece::Int,
                    Some(ParamText::OneOf(values)) => Piece::OneOf(Choices::Strings(values)),
                    _ => Piece::Var,
                },
                PathPart::Param(_) => Piece::Var,
            })
            .collect()
    }
}

/// What text a path parameter can take, from its schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "values", rename_all = "snake_case")]
pub enum ParamText {
    /// Anything.
    Any,
    /// An integer.
    Integer,
    /// One of these strings (an enum).
    OneOf(Vec<String>),
}

/// A path template relative to the base path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PathTemplate {
    /// Segments, without empty ones.
    pub segments: Vec<PathSegment>,
    /// The template ends in `/` (`/apis/`); served and sent exactly so.
    pub trailing_slash: bool,
    /// What each parameter's text can be, from its schema (set after lowering).
    pub texts: IndexMap<String, ParamText>,
}

/// What was wrong with a path key, for a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateProblem {
    /// `{` without `}` or the reverse: read as literal text.
    Unbalanced(String),
    /// `{}`: read as literal text.
    EmptyName,
    /// The same parameter twice: an error.
    Repeated(String),
    /// A query string or fragment in the key: not part of the route.
    QueryOrFragment(String),
}

impl PathTemplate {
    /// Parse a path key. Literal text and parameters may mix inside a segment.
    pub fn parse(path: &str) -> (Self, Vec<TemplateProblem>) {
        let mut problems = Vec::new();
        let mut key = path;
        if let Some(i) = key.find(['?', '#']) {
            problems.push(TemplateProblem::QueryOrFragment(key[i..].to_string()));
            key = &key[..i];
        }
        let trailing_slash = key.len() > 1 && key.ends_with('/');
        let mut seen: Vec<String> = Vec::new();
        let mut segments = Vec::new();
        for raw in key.split('/').filter(|s| !s.is_empty()) {
            let mut parts: Vec<PathPart> = Vec::new();
            let mut lit = String::new();
            let mut rest = raw;
            while !rest.is_empty() {
                match (rest.find('{'), rest.find('}')) {
                    (Some(open), close) if close.is_none_or(|c| c > open) => {
                        let after = &rest[open + 1..];
                        match after.find(['}', '{']) {
                            Some(end) if after.as_bytes()[end] == b'}' => {
                                let name = &after[..end];
                                lit.push_str(&rest[..open]);
                                if name.trim().is_empty() {
                                    problems.push(TemplateProblem::EmptyName);
                                    lit.push_str("{}");
                                } else {
                                    if !lit.is_empty() {
                                        parts.push(PathPart::Literal(std::mem::take(&mut lit)));
                                    }
                                    if seen.iter().any(|s| s == name) {
                                        problems.push(TemplateProblem::Repeated(name.to_string()));
                                    }
                                    seen.push(name.to_string());
                                    parts.push(PathPart::Param(name.to_string()));
                                }
                                rest = &after[end + 1..];
                            }
                            _ => {
                                problems.push(TemplateProblem::Unbalanced(raw.to_string()));
                                lit.push_str(rest);
                                rest = "";
                            }
                        }
                    }
                    (None, None) => {
                        lit.push_str(rest);
                        rest = "";
                    }
                    _ => {
                        problems.push(TemplateProblem::Unbalanced(raw.to_string()));
                        lit.push_str(rest);
                        rest = "";
                    }
                }
            }
            if !lit.is_empty() {
                parts.push(PathPart::Literal(lit));
            }
            parts.shrink_to_fit();
            segments.push(PathSegment { parts });
        }
        segments.shrink_to_fit();
        (
            PathTemplate {
                segments,
                trailing_slash,
                texts: IndexMap::new(),
            },
            problems,
        )
    }

    /// Parameter names in template order.
    pub fn param_names(&self) -> Vec<&str> {
        self.segments
            .iter()
            .flat_map(|s| &s.parts)
            .filter_map(|p| match p {
                PathPart::Param(n) => Some(n.as_str()),
                PathPart::Literal(_) => None,
            })
            .collect()
    }

    /// The route skeleton under `base_path`, in the syntax of `matchit` and axum:
    /// literal segments as written (braces doubled), every other segment one
    /// capture `{sN}`, the trailing slash where documented. Templates whose
    /// skeletons are equal are told apart by [`PathTemplate::match_raw`], tried in
    /// the order of [`PathTemplate::specificity`].
    pub fn route(&self, base_path: &str) -> String {
        let mut out = base_path.to_string();
        let mut i = 0;
        for seg in &self.segments {
            out.push('/');
            match seg.literal() {
                Some(l) => out.push_str(&l.replace('{', "{{").replace('}', "}}")),
                None => {
                    out.push_str(&format!("{{s{i}}}"));
                    i += 1;
                }
            }
        }
        if self.trailing_slash || out.is_empty() {
            out.push('/');
        }
        out
    }

    /// Does the template need more than its skeleton to be told from another
    /// (a segment mixing literal text and parameters, or several parameters)?
    pub fn has_mixed_segments(&self) -> bool {
        self.segments
            .iter()
            .any(|s| s.literal().is_none() && s.whole_param().is_none())
    }

    /// Among templates with one skeleton, the more literal text a template pins
    /// down, the earlier it is tried (OpenAPI: concrete before templated).
    /// Sort descending by this key.
    pub fn specificity(&self) -> (usize, std::cmp::Reverse<usize>) {
        let literal: usize = self
            .segments
            .iter()
            .filter(|s| s.literal().is_none())
            .flat_map(|s| &s.parts)
            .map(|p| match p {
                PathPart::Literal(l) => l.len(),
                PathPart::Param(_) => 0,
            })
            .sum();
        (literal, std::cmp::Reverse(self.param_names().len()))
    }

    /// The segments as runtime pieces.
    pub fn pieces(&self) -> Vec<Vec<Piece<'_>>> {
        self.segments
            .iter()
            .map(|s| s.pieces(&self.texts))
            .collect()
    }

    /// Match a raw request path below the base path (`/repos/1`): each
    /// parameter's name and raw (still percent-encoded) text, or `None`.
    pub fn match_raw<'r>(&self, raw: &'r str) -> Option<Vec<(&str, &'r str)>> {
        let values = specforge_runtime::path::match_path(&self.pieces(), self.trailing_slash, raw)?;
        Some(self.param_names().into_iter().zip(values).collect())
    }

    /// The path with each parameter replaced by `value(name)` (already encoded).
    pub fn render(&self, mut value: impl FnMut(&str) -> String) -> String {
        let mut out = String::new();
        for seg in &self.segments {
            out.push('/');
            for p in &seg.parts {
                match p {
                    PathPart::Literal(l) => out.push_str(l),
                    PathPart::Param(n) => out.push_str(&value(n)),
                }
            }
        }
        if self.trailing_slash || out.is_empty() {
            out.push('/');
        }
        out
    }
}

/// `t` with named aliases followed to the type they stand for (struct, enum, union,
/// or a structural type). Alias cycles are refused when the spec loads.
pub fn through_aliases<'a>(
    types: &'a IndexMap<String, super::model::TypeDef>,
    t: &'a super::model::TypeRef,
) -> &'a super::model::TypeRef {
    use super::model::{TypeKind, TypeRef};
    let mut cur = t;
    for _ in 0..types.len() + 1 {
        match cur {
            TypeRef::Named { name } => match types.get(name).map(|d| &d.kind) {
                Some(TypeKind::Alias { target }) => cur = target,
                _ => return cur,
            },
            other => return other,
        }
    }
    cur
}

impl super::model::Api {
    /// [`through_aliases`] in this API's types.
    pub fn through_aliases<'a>(
        &'a self,
        t: &'a super::model::TypeRef,
    ) -> &'a super::model::TypeRef {
        through_aliases(&self.types, t)
    }

    /// The security alternatives of `op` as the runtime checks them (schemes the
    /// document does not declare are left out: the loader warned about them).
    pub fn security_of(&self, op: &Operation) -> Vec<Vec<specforge_runtime::auth::Scheme<'_>>> {
        op.security
            .iter()
            .map(|req| {
                req.schemes
                    .iter()
                    .filter_map(|(name, _)| {
                        let (name, scheme) = self.security_schemes.get_key_value(name)?;
                        Some(specforge_runtime::auth::Scheme {
                            name,
                            kind: scheme.auth_kind(),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    /// The kinds of credential the API's security schemes carry, in scheme order.
    pub fn credentials(&self) -> Vec<Credential> {
        self.security_schemes
            .values()
            .map(|s| s.credential())
            .collect()
    }
}

impl Operation {
    /// The names of the operation's query parameters other than `name`: what an
    /// exploded object parameter `name` does not take from the query string.
    pub fn other_query_names(&self, name: &str) -> Vec<&str> {
        self.params_in(ParamLocation::Query)
            .filter(|q| q.name != name)
            .map(|q| q.name.as_str())
            .collect()
    }

    /// The path parameters in template order (declared ones; the IR declares every
    /// template parameter).
    pub fn path_params(&self) -> Vec<&Parameter> {
        self.template
            .param_names()
            .into_iter()
            .filter_map(|n| {
                self.parameters
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.name == n)
            })
            .collect()
    }

    /// The response documented for `status`: an exact code, else its range
    /// (`2XX`), else `default`.
    pub fn response_for(&self, status: u16) -> Option<&Response> {
        self.response_index_for(status).map(|i| &self.responses[i])
    }

    /// The index in [`Operation::responses`] of [`Operation::response_for`].
    pub fn response_index_for(&self, status: u16) -> Option<usize> {
        self.responses
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status.matches(status))
            .min_by_key(|(_, r)| r.status.precedence())
            .map(|(i, _)| i)
    }

    /// The response a server answers with when nothing else is asked for, and the
    /// status it uses: the lowest documented 2xx code, else `2XX` (as 200), else
    /// `default` (as 200), else the first documented response.
    pub fn usual_response(&self) -> Option<(usize, u16)> {
        let rs = &self.responses;
        let code = |i: usize| rs[i].status.representative();
        rs.iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.status, StatusSpec::Code(c) if (200..300).contains(&c)))
            .min_by_key(|(_, r)| r.status)
            .map(|(i, _)| i)
            .or_else(|| rs.iter().position(|r| r.status == StatusSpec::Range(2)))
            .or_else(|| rs.iter().position(|r| r.status == StatusSpec::Default))
            .or((!rs.is_empty()).then_some(0))
            .map(|i| (i, code(i)))
    }
}

impl StatusSpec {
    /// Lower wins when several cover one status: code, then range, then default.
    pub fn precedence(self) -> u8 {
        match self {
            StatusSpec::Code(_) => 0,
            StatusSpec::Range(_) => 1,
            StatusSpec::Default => 2,
        }
    }

    /// The status a response documented this way is sent with when none is
    /// asked for: the code, the range's x00, or 200 for `default`.
    pub fn representative(self) -> u16 {
        match self {
            StatusSpec::Code(c) => c,
            StatusSpec::Range(d) => u16::from(d) * 100,
            StatusSpec::Default => 200,
        }
    }

    /// The Rust variant name for this status (`Status200`, `Status4xx`, `Default`).
    pub fn variant_name(self) -> String {
        match self {
            StatusSpec::Code(c) => format!("Status{c}"),
            StatusSpec::Range(r) => format!("Status{r}xx"),
            StatusSpec::Default => "Default".into(),
        }
    }
}

impl From<ParamLocation> for Location {
    fn from(l: ParamLocation) -> Self {
        match l {
            ParamLocation::Path => Location::Path,
            ParamLocation::Query => Location::Query,
            ParamLocation::Header => Location::Header,
            ParamLocation::Cookie => Location::Cookie,
        }
    }
}

impl From<ParamStyle> for Style {
    fn from(s: ParamStyle) -> Self {
        match s {
            ParamStyle::Simple => Style::Simple,
            ParamStyle::Form => Style::Form,
            ParamStyle::Label => Style::Label,
            ParamStyle::Matrix => Style::Matrix,
            ParamStyle::SpaceDelimited => Style::SpaceDelimited,
            ParamStyle::PipeDelimited => Style::PipeDelimited,
            ParamStyle::DeepObject => Style::DeepObject,
        }
    }
}

/// The wire shape of a parameter value, as the IR decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamShape {
    /// One value.
    Scalar,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl From<ParamShape> for Shape {
    fn from(s: ParamShape) -> Self {
        match s {
            ParamShape::Scalar => Shape::Scalar,
            ParamShape::Array => Shape::Array,
            ParamShape::Object => Shape::Object,
        }
    }
}

impl Parameter {
    /// How this parameter is written and read on the wire.
    pub fn codec(&self) -> Codec<'_> {
        Codec {
            name: &self.name,
            location: self.location.into(),
            style: self.style.into(),
            explode: self.explode,
            allow_reserved: self.allow_reserved,
        }
    }
}

/// The kind of credential a security scheme carries on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credential {
    /// `Authorization: Bearer TOKEN` (bearer, OAuth 2, OpenID Connect).
    Bearer,
    /// `Authorization: Basic …`.
    Basic,
    /// A key in a header, query parameter or cookie.
    ApiKey {
        /// Its name there.
        name: String,
        /// Where.
        location: ParamLocation,
    },
    /// A scheme specforge cannot send or check (`digest`, …).
    Unsupported {
        /// The scheme's name.
        scheme: String,
    },
}

/// The media type a client prefers to send or read among `content`: JSON, then
/// `+json`, form, multipart, text, XML, event streams, bytes; document order breaks ties.
pub fn preferred(content: &[super::model::MediaType]) -> Option<&super::model::MediaType> {
    content.iter().min_by_key(|m| m.kind.preference())
}
