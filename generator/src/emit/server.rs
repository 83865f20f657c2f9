//! The `server` module of a generated crate: a trait with one async method per
//! operation (`Api`), typed inputs per operation (`…Path`, `…Query`,
//! `…Headers`, the body model), a response enum per operation that implements
//! axum's `IntoResponse`, and `router(api)` wiring every operation under the
//! spec's base path. Requests that break the parameter or body types get a
//! `400 application/problem+json` naming the parameter or body field; an
//! undocumented content type gets 415; unknown paths 404; wrong methods 405.

use super::client::codec_tokens;
use super::client::BodyKind;
use super::docs::doc_paragraphs;
use super::names::{ident, snake, Namer};
use super::plan::{BodyType, OperationPlan, ResponsePlan, INPUT_GROUPS};
use super::rust_types::RustTypes;
use super::Degradation;
use crate::ir::{Api, Operation, ParamLocation, ParamShape, Parameter, StatusSpec, TypeRef};
use indexmap::IndexMap;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use specforge_runtime::auth::Kind;
use specforge_runtime::path::{Choices, Piece};

/// Rust items of the server module.
pub struct ServerEmitter<'a> {
    types: &'a RustTypes<'a>,
    api: &'a Api,
    degraded: Vec<Degradation>,
    /// Each operation's template constant, by operation name.
    templates: IndexMap<String, Ident>,
    /// One constant per distinct security requirement: its tokens, its name.
    securities: IndexMap<String, Ident>,
    /// The security constants' items.
    security_items: TokenStream,
    /// Names of the security constants, kept distinct.
    security_names: Namer,
}

/// What an operation's handler does with its body.
struct BodyCode {
    ty: TokenStream,
    parse: TokenStream,
    required: bool,
    accepted: Vec<String>,
}

impl<'a> ServerEmitter<'a> {
    /// An emitter over `types`.
    pub fn new(types: &'a RustTypes<'a>) -> Self {
        Self {
            types,
            api: types.api(),
            degraded: Vec::new(),
            templates: IndexMap::new(),
            securities: IndexMap::new(),
            security_items: TokenStream::new(),
            security_names: Namer::default(),
        }
    }

    /// Emit the module body.
    /// Emit the module body, as top-level items in groups (one group per operation
    /// and part), so that no whole-module token tree is ever built.
    pub fn emit(mut self) -> (Vec<TokenStream>, Vec<Degradation>) {
        let prefix = quote! { types:: };
        let mut items = Vec::new();
        let mut methods = Vec::new();
        let mut handlers = Vec::new();
        // routes: skeleton -> method -> handlers, most specific template first
        type Candidates = Vec<(Ident, (usize, std::cmp::Reverse<usize>), String)>;
        let mut routes: IndexMap<String, IndexMap<Ident, Candidates>> = IndexMap::new();
        let api = self.api;
        for plan in super::plan::plans(api) {
            let op = plan.op;
            let code = self.operation(&plan, &prefix);
            items.push(code.items);
            methods.push(code.method);
            handlers.push(code.handler);
            let handler_name = code.handler_name;
            let skeleton = op.template.route(&self.api.base_path);
            let verb = format_ident!("{}", op.method.as_str().to_lowercase());
            let candidates = routes.entry(skeleton).or_default().entry(verb).or_default();
            candidates.push((handler_name, op.template.specificity(), op.name.clone()));
        }
        let mut dispatchers = TokenStream::new();
        let mut route_stmts = Vec::new();
        for (skeleton, verbs) in &mut routes {
            let mut chain = TokenStream::new();
            for (i, (verb, candidates)) in verbs.iter_mut().enumerate() {
                // stable: equal specificity keeps document order
                candidates.sort_by_key(|c| std::cmp::Reverse(c.1));
                let target = if candidates.len() == 1 {
                    let h = &candidates[0].0;
                    quote! { #h::<A> }
                } else {
                    let name = format_ident!("dispatch_{}", snake(&candidates[0].2));
                    let tries: Vec<TokenStream> = candidates
                        .iter()
                        .map(|(h, _, op)| {
                            let t = &self.templates[op];
                            quote! {
                                if match_path(#t.0, #t.1, below_base(&path)).is_some() {
                                    return #h::<A>(state, request).await.into_response();
                                }
                            }
                        })
                        .collect();
                    let doc = format!(
                        " Picks among the operations whose templates share the route `{skeleton}`."
                    );
                    dispatchers.extend(quote! {
                        #[doc = #doc]
                        async fn #name<A: Api>(
                            state: ::axum::extract::State<::std::sync::Arc<A>>,
                            request: ::axum::extract::Request,
                        ) -> ::axum::response::Response {
                            let path = request.uri().path().to_string();
                            #(#tries)*
                            not_found(request.uri().clone()).await
                        }
                    });
                    quote! { #name::<A> }
                };
                if i == 0 {
                    chain.extend(quote! { ::axum::routing::#verb(#target) });
                } else {
                    chain.extend(quote! { .#verb(#target) });
                }
            }
            route_stmts.push(quote! { let router = router.route(#skeleton, #chain); });
        }
        let enum_impls = self.enum_params();
        // `FromParam` for the scalar types parameters are read as (written out, not by
        // a macro: rustfmt leaves a macro's body as it finds it)
        let scalar_params: TokenStream = [
            (quote! { String }, "a string"),
            (quote! { i32 }, "a 32-bit integer"),
            (quote! { i64 }, "an integer"),
            (quote! { f32 }, "a number"),
            (quote! { f64 }, "a number"),
            (quote! { bool }, "true or false"),
            (quote! { ::uuid::Uuid }, "a UUID"),
            (quote! { ::chrono::NaiveDate }, "a date (YYYY-MM-DD)"),
            (
                quote! { ::chrono::DateTime<::chrono::Utc> },
                "an RFC 3339 date-time",
            ),
        ]
        .into_iter()
        .map(|(ty, what)| {
            let message = format!("{{value:?}} is not {what}");
            quote! {
                impl FromParam for #ty {
                    fn from_param(value: &str) -> Result<Self, String> {
                        value.parse().map_err(|_| format!(#message))
                    }
                }
            }
        })
        .collect();
        let base_path = &self.api.base_path;
        let use_types = if self.api.types.is_empty() {
            TokenStream::new()
        } else {
            quote! { #[allow(unused_imports)] use super::types; }
        };
        // the security check, only where some operation asks for credentials
        let any_secured = self.api.operations.iter().any(|op| !op.security.is_empty());
        let check_security = if any_secured {
            quote! {
                if !security.is_empty() {
                    authorize(api, security, &mut parts).await?;
                }
            }
        } else {
            quote! { let _ = (api, security); }
        };
        let security_items = std::mem::take(&mut self.security_items);
        let authorize_fn = if any_secured {
            quote! {
            /// Check an operation's security requirement, then [`Api::authenticate`].
            async fn authorize<A: Api>(
                api: &A,
                alternatives: Security,
                context: &mut RequestContext,
            ) -> Result<(), ::axum::response::Response> {
                // read the credentials (nothing borrowed from the request lives past this block)
                let outcome = {
                    let query: Vec<(String, String)> = super::runtime::params::query_pairs(context.uri.query().unwrap_or(""))
                        .into_iter()
                        .map(|(k, v)| (k, super::runtime::path::decode_form(v)))
                        .collect();
                    let cookies = cookies(&context.headers);
                    let headers = &context.headers;
                    let lookup = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
                    let request = super::runtime::auth::Request {
                        authorization: lookup("authorization"),
                        header: &lookup,
                        query: &query,
                        cookies: &cookies,
                    };
                    super::runtime::auth::satisfy(alternatives, &request)
                };
                let challenges: Vec<String> = alternatives
                    .iter()
                    .flat_map(|a| a.iter())
                    .map(|s| super::runtime::auth::challenge(&s.kind))
                    .collect();
                let unauthorized = |detail: String, challenges: &[String]| {
                    let mut response = problem(::axum::http::StatusCode::UNAUTHORIZED, "Unauthorized", detail, "header.authorization");
                    if let Ok(v) = ::axum::http::HeaderValue::from_str(&challenges.join(", ")) {
                        response.headers_mut().insert(::axum::http::header::WWW_AUTHENTICATE, v);
                    }
                    response
                };
                let satisfied = match outcome {
                    Ok(None) => return Ok(()),
                    Ok(Some(s)) => s,
                    Err(challenges) => {
                        return Err(unauthorized("the credentials this operation requires are missing".to_string(), &challenges));
                    }
                };
                let credentials = Credentials { alternative: satisfied.alternative, schemes: satisfied.credentials };
                match api.authenticate(&credentials, context).await {
                    Ok(()) => {
                        context.credentials = Some(credentials);
                        Ok(())
                    }
                    Err(Rejection::Unauthorized(detail)) => Err(unauthorized(detail, &challenges)),
                    Err(Rejection::Forbidden(detail)) => Err(problem(::axum::http::StatusCode::FORBIDDEN, "Forbidden", detail, "header.authorization")),
                }
            }
            }
        } else {
            TokenStream::new()
        };
        let head = quote! {
            #use_types
            use ::axum::response::IntoResponse as _;
            #[allow(unused_imports)]
            use super::runtime::auth::{Kind, Scheme};
            #[allow(unused_imports)]
            use super::runtime::params::{Codec, Location, Shape, Style};
            #[allow(unused_imports)]
            use super::runtime::path::{match_path, Piece};
            #[allow(unused_imports)]
            use ::axum::extract::{Request, State};
            #[allow(unused_imports)]
            use ::axum::response::Response;
            #[allow(unused_imports)]
            use ::std::sync::Arc;
            #[allow(unused_imports)]
            use super::runtime::path::Choices;

            /// An operation's path template as the runtime matches it: the pieces of
            /// each segment, whether it ends in a slash, the parameter names in order.
            #[allow(dead_code)]
            type Template = (&'static [&'static [Piece<'static>]], bool, &'static [&'static str]);

            /// A security requirement: any alternative, every scheme of it (empty: none).
            #[allow(dead_code)]
            type Security = &'static [&'static [Scheme<'static>]];

            /// The API to implement: one method per operation. Implement it for your
            /// service and serve [`router`]. Every method has a default that answers
            /// `501 Not Implemented`, so `impl Api for MyService {}` already serves.
            pub trait Api: Send + Sync + 'static {
                /// Check the credentials of a request to an operation that requires some,
                /// once for all operations. Runs after the router found that the request
                /// presents what the spec asks for (else the answer is 401 and no method
                /// is called), before the operation's method. Put what you derive from
                /// the credentials (your principal) into `context.extensions`; the
                /// method then finds it there. The default accepts any credentials that
                /// are present.
                fn authenticate(&self, credentials: &Credentials, context: &mut RequestContext) -> impl ::std::future::Future<Output = Result<(), Rejection>> + Send {
                    let _ = (credentials, context);
                    async { Ok(()) }
                }

                #(#methods)*
            }

            /// What a method knows about its request besides its typed inputs: one
            /// value, so that new needs do not grow every signature.
            #[derive(Debug)]
            #[non_exhaustive]
            pub struct RequestContext {
                /// The method.
                pub method: ::axum::http::Method,
                /// The URI as received.
                pub uri: ::axum::http::Uri,
                /// The HTTP version.
                pub version: ::axum::http::Version,
                /// Every header of the request.
                pub headers: ::axum::http::HeaderMap,
                /// Request extensions: what tower layers set (a request id, a
                /// principal), and what [`Api::authenticate`] puts there.
                pub extensions: ::axum::http::Extensions,
                /// The credentials presented, for an operation that requires some.
                pub credentials: Option<Credentials>,
            }

            impl RequestContext {
                /// The context of a request head.
                pub fn new(head: ::axum::http::request::Parts) -> Self {
                    Self {
                        method: head.method,
                        uri: head.uri,
                        version: head.version,
                        headers: head.headers,
                        extensions: head.extensions,
                        credentials: None,
                    }
                }

                /// The peer's address, when the server was started with
                /// `into_make_service_with_connect_info::<SocketAddr>()`.
                pub fn peer(&self) -> Option<::std::net::SocketAddr> {
                    self.extensions
                        .get::<::axum::extract::ConnectInfo<::std::net::SocketAddr>>()
                        .map(|c| c.0)
                }
            }

            /// A credential as the request presented it (its `Debug` never shows a secret).
            pub use super::runtime::auth::Presented as Credential;

            /// The credentials a request presented for its operation's security requirement.
            #[derive(Debug, Clone)]
            pub struct Credentials {
                /// Which alternative of the operation's `security` list they meet (0-based).
                pub alternative: usize,
                /// (security scheme name, credential) for every scheme of that alternative.
                pub schemes: Vec<(&'static str, Credential)>,
            }

            impl Credentials {
                /// The bearer token (HTTP bearer, OAuth 2, OpenID Connect), if one was presented.
                pub fn bearer(&self) -> Option<&str> {
                    self.schemes.iter().find_map(|(_, c)| match c {
                        Credential::Bearer { token } => Some(token.as_str()),
                        _ => None,
                    })
                }

                /// The user and password of HTTP basic authentication, if presented.
                pub fn basic(&self) -> Option<(&str, &str)> {
                    self.schemes.iter().find_map(|(_, c)| match c {
                        Credential::Basic { user, password } => Some((user.as_str(), password.as_str())),
                        _ => None,
                    })
                }

                /// The API key presented for the security scheme named `scheme`.
                pub fn api_key(&self, scheme: &str) -> Option<&str> {
                    self.schemes.iter().find_map(|(name, c)| match c {
                        Credential::ApiKey { value } if *name == scheme => Some(value.as_str()),
                        _ => None,
                    })
                }
            }

            /// Why [`Api::authenticate`] refuses a request.
            #[derive(Debug, Clone, PartialEq, Eq)]
            pub enum Rejection {
                /// The credentials are not valid: 401, with a `WWW-Authenticate` challenge.
                Unauthorized(String),
                /// The credentials are valid but do not allow this: 403.
                Forbidden(String),
            }

            /// An answer outside an operation's documented responses, as problem+json:
            /// a missing resource the spec does not list, a failure of a backend. Every
            /// response enum converts from it (`return ApiError::not_found("…").into();`),
            /// and each one is logged at warn level, because it is outside the contract.
            #[derive(Debug, Clone, PartialEq, Eq)]
            pub struct ApiError {
                /// The status to answer with.
                pub status: ::axum::http::StatusCode,
                /// What went wrong, for the `detail` of the problem.
                pub detail: String,
            }

            impl ApiError {
                /// An error with any status.
                pub fn new(status: ::axum::http::StatusCode, detail: impl Into<String>) -> Self {
                    Self { status, detail: detail.into() }
                }

                /// 404 Not Found.
                pub fn not_found(detail: impl Into<String>) -> Self {
                    Self::new(::axum::http::StatusCode::NOT_FOUND, detail)
                }

                /// 400 Bad Request.
                pub fn bad_request(detail: impl Into<String>) -> Self {
                    Self::new(::axum::http::StatusCode::BAD_REQUEST, detail)
                }

                /// 403 Forbidden.
                pub fn forbidden(detail: impl Into<String>) -> Self {
                    Self::new(::axum::http::StatusCode::FORBIDDEN, detail)
                }

                /// 409 Conflict.
                pub fn conflict(detail: impl Into<String>) -> Self {
                    Self::new(::axum::http::StatusCode::CONFLICT, detail)
                }

                /// 500 Internal Server Error.
                pub fn internal(detail: impl Into<String>) -> Self {
                    Self::new(::axum::http::StatusCode::INTERNAL_SERVER_ERROR, detail)
                }
            }

            impl<E: ::std::error::Error> From<E> for ApiError {
                /// Any error is a 500 whose detail is its message.
                fn from(error: E) -> Self {
                    Self::internal(error.to_string())
                }
            }

            impl ::axum::response::IntoResponse for ApiError {
                fn into_response(self) -> ::axum::response::Response {
                    ::tracing::warn!(status = self.status.as_u16(), detail = %self.detail, "answering outside the documented responses");
                    let title = self.status.canonical_reason().unwrap_or("Error");
                    problem(self.status, title, self.detail, "operation")
                }
            }

            #authorize_fn

            /// An axum router serving every operation of `api` under the spec's base path.
            pub fn router<A: Api>(api: A) -> ::axum::Router {
                let router = ::axum::Router::new();
                #(#route_stmts)*
                router
                    .fallback(not_found)
                    .method_not_allowed_fallback(method_not_allowed)
                    .with_state(::std::sync::Arc::new(api))
            }

        };
        let tail = quote! {
            async fn not_found(uri: ::axum::http::Uri) -> ::axum::response::Response {
                problem(::axum::http::StatusCode::NOT_FOUND, "Not Found", format!("no operation is documented at {}", uri.path()), "path")
            }

            async fn method_not_allowed(method: ::axum::http::Method, uri: ::axum::http::Uri) -> ::axum::response::Response {
                problem(::axum::http::StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed", format!("{method} is not documented for {}", uri.path()), "method")
            }

            /// An RFC 9457 problem response with one violation.
            fn problem(status: ::axum::http::StatusCode, title: &str, detail: String, location: &str) -> ::axum::response::Response {
                let violation = super::runtime::problem::Violation { location: location.to_string(), message: detail.clone() };
                let body = super::runtime::problem::body(status.as_u16(), title, &detail, &[violation]);
                (
                    status,
                    [(::axum::http::header::CONTENT_TYPE, super::runtime::problem::MEDIA_TYPE)],
                    body.to_string(),
                )
                    .into_response()
            }

            #[allow(dead_code)]
            fn bad_request(location: &str, detail: String) -> ::axum::response::Response {
                problem(::axum::http::StatusCode::BAD_REQUEST, "Bad Request", detail, location)
            }

            /// Text parameters parsed into typed values.
            trait FromParam: Sized {
                fn from_param(value: &str) -> Result<Self, String>;
            }

            #scalar_params

            #enum_impls

            /// Where a request carries its parameters: the path values the template
            /// matched, the query string, the headers and the cookies.
            #[allow(dead_code)]
            struct Inputs<'r> {
                path: &'r [(String, String)],
                query: ::std::cell::OnceCell<Vec<(String, &'r str)>>,
                parts: &'r RequestContext,
            }

            #[allow(dead_code)]
            impl<'r> Inputs<'r> {
                fn new(path: &'r [(String, String)], parts: &'r RequestContext) -> Self {
                    Self { path, query: ::std::cell::OnceCell::new(), parts }
                }

                /// One parameter, decoded by its codec into the shape of its schema.
                fn get(&self, codec: Codec<'_>, shape: Shape) -> Input {
                    self.get_with(codec, shape, &[])
                }

                /// As [`Inputs::get`], for an exploded object in the query: `others` are
                /// the names of the operation's other query parameters.
                fn get_with(&self, codec: Codec<'_>, shape: Shape, others: &[&str]) -> Input {
                    let place = match codec.location {
                        Location::Path => "path",
                        Location::Query => "query",
                        Location::Header => "header",
                        Location::Cookie => "cookie",
                    };
                    let raw = match codec.location {
                        Location::Path => self.path.iter().find(|(n, _)| n == codec.name).and_then(|(_, v)| codec.decode_value(v, shape)),
                        Location::Query => {
                            let query = self.query.get_or_init(|| super::runtime::params::query_pairs(self.parts.uri.query().unwrap_or("")));
                            codec.decode_query(query, shape, others)
                        }
                        Location::Header => header(&self.parts.headers, codec.name).and_then(|v| codec.decode_value(v, shape)),
                        Location::Cookie => codec.decode_cookie(&cookies(&self.parts.headers), shape),
                    };
                    Input { raw, location: format!("{place}.{}", codec.name) }
                }
            }

            /// One parameter as the request carries it, not yet typed; `location`
            /// (`query.limit`) names it in a problem response.
            #[allow(dead_code)]
            struct Input {
                raw: Option<super::runtime::params::Raw>,
                location: String,
            }

            #[allow(dead_code)]
            impl Input {
                /// A parameter the operation requires: typed by `read`, and present.
                fn need<T>(self, read: fn(Self) -> Result<Option<T>, ::axum::response::Response>) -> Result<T, ::axum::response::Response> {
                    let location = self.location.clone();
                    read(self)?.ok_or_else(|| bad_request(&location, format!("{location} is required")))
                }

                /// One scalar, typed.
                fn scalar<T: FromParam>(self) -> Result<Option<T>, ::axum::response::Response> {
                    use super::runtime::params::Raw;
                    let location = self.location;
                    let text = match self.raw {
                        None => return Ok(None),
                        Some(Raw::Scalar(s)) => s,
                        Some(Raw::Array(items)) => items.join(","),
                        Some(Raw::Object(entries)) => entries.into_iter().map(|(k, v)| format!("{k},{v}")).collect::<Vec<_>>().join(","),
                    };
                    T::from_param(&text).map(Some).map_err(|e| bad_request(&location, format!("{location}: {e}")))
                }

                /// An array of scalars, typed item by item.
                fn list<T: FromParam>(self) -> Result<Option<Vec<T>>, ::axum::response::Response> {
                    use super::runtime::params::Raw;
                    let location = self.location;
                    let items = match self.raw {
                        None => return Ok(None),
                        Some(Raw::Array(items)) => items,
                        Some(Raw::Scalar(s)) => vec![s],
                        Some(Raw::Object(entries)) => entries.into_iter().flat_map(|(k, v)| [k, v]).collect(),
                    };
                    items
                        .iter()
                        .map(|v| T::from_param(v).map_err(|e| bad_request(&location, format!("{location}: {e}"))))
                        .collect::<Result<Vec<T>, _>>()
                        .map(Some)
                }

                /// Any other type, through its JSON form.
                fn json<T: ::serde::de::DeserializeOwned>(self) -> Result<Option<T>, ::axum::response::Response> {
                    let location = self.location;
                    let Some(raw) = self.raw else { return Ok(None) };
                    let lenient = raw.lenient_json();
                    let as_text = match &raw {
                        super::runtime::params::Raw::Scalar(s) => Some(::serde_json::Value::String(s.clone())),
                        _ => None,
                    };
                    ::serde_json::from_value(lenient)
                        .or_else(|e| as_text.map(::serde_json::from_value).unwrap_or(Err(e)))
                        .map(Some)
                        .map_err(|e| bad_request(&location, format!("{location}: {e}")))
                }
            }

            #[allow(dead_code)]
            fn header<'h>(headers: &'h ::axum::http::HeaderMap, name: &str) -> Option<&'h str> {
                headers.get(name).and_then(|v| v.to_str().ok())
            }

            #[allow(dead_code)]
            fn cookies(headers: &::axum::http::HeaderMap) -> Vec<(String, String)> {
                super::runtime::params::cookie_pairs(
                    headers.get_all(::axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()),
                )
            }

            /// The start of every handler: the request's parts, its path parameters
            /// (name, value) matched against `template`, its body unread; and its
            /// credentials checked against `security` before anything else is read.
            #[allow(dead_code)]
            async fn begin<A: Api>(
                api: &A,
                request: ::axum::extract::Request,
                template: Template,
                security: Security,
            ) -> Result<(RequestContext, Vec<(String, String)>, ::axum::body::Body), ::axum::response::Response> {
                let (head, body) = request.into_parts();
                #[allow(unused_mut)]
                let mut parts = RequestContext::new(head);
                let (segments, trailing, names) = template;
                let Some(values) = match_path(segments, trailing, below_base(parts.uri.path())) else {
                    return Err(not_found(parts.uri.clone()).await);
                };
                let path = names.iter().map(|n| n.to_string()).zip(values.into_iter().map(|v| v.to_string())).collect();
                #check_security
                Ok((parts, path, body))
            }

            /// A request body the operation requires: read, present, of an accepted
            /// content type, and parsed.
            #[allow(dead_code)]
            async fn required_body<T>(
                body: ::axum::body::Body,
                parts: &RequestContext,
                accepted: &[&str],
                parse: fn(&::axum::body::Bytes) -> Result<T, ::axum::response::Response>,
            ) -> Result<T, ::axum::response::Response> {
                optional_body(body, parts, accepted, parse)
                    .await?
                    .ok_or_else(|| bad_request("body", "body: a request body is required".to_string()))
            }

            /// An optional request body: `None` when empty, else read, of an accepted
            /// content type, and parsed.
            #[allow(dead_code)]
            async fn optional_body<T>(
                body: ::axum::body::Body,
                parts: &RequestContext,
                accepted: &[&str],
                parse: fn(&::axum::body::Bytes) -> Result<T, ::axum::response::Response>,
            ) -> Result<Option<T>, ::axum::response::Response> {
                let bytes = read_body(body).await?;
                if bytes.is_empty() {
                    return Ok(None);
                }
                content_type_ok(&parts.headers, accepted)?;
                parse(&bytes).map(Some)
            }

            /// The spec's base path; operation templates are below it.
            const BASE_PATH: &str = #base_path;

            /// The request path below the base path.
            #[allow(dead_code)]
            fn below_base(path: &str) -> &str {
                path.strip_prefix(BASE_PATH).unwrap_or(path)
            }

            #[allow(dead_code)]
            async fn read_body(body: ::axum::body::Body) -> Result<::axum::body::Bytes, ::axum::response::Response> {
                ::axum::body::to_bytes(body, super::runtime::problem::BODY_LIMIT)
                    .await
                    .map_err(|e| problem(::axum::http::StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large", format!("cannot read the body: {e}"), "body"))
            }

            /// Check the request's content type against the documented ones.
            #[allow(dead_code)]
            fn content_type_ok(headers: &::axum::http::HeaderMap, accepted: &[&str]) -> Result<(), ::axum::response::Response> {
                let given = header(headers, "content-type").unwrap_or("");
                if super::runtime::media::accepted(accepted.iter().copied(), given) {
                    Ok(())
                } else {
                    Err(problem(
                        ::axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "Unsupported Media Type",
                        format!("content type {} is not one of {}", super::runtime::problem::echo(&super::runtime::media::essence(given)), accepted.join(", ")),
                        "header.Content-Type",
                    ))
                }
            }

            #[allow(dead_code)]
            fn json_body<T: ::serde::de::DeserializeOwned>(bytes: &::axum::body::Bytes) -> Result<T, ::axum::response::Response> {
                let mut de = ::serde_json::Deserializer::from_slice(bytes);
                ::serde_path_to_error::deserialize(&mut de).map_err(|e| {
                    // `a.b[0].c` -> `a/b/0/c`; `?` marks a place serde could not name
                    let path = e.path().to_string().replace('[', ".").replace(']', "");
                    let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty() && *s != "?").collect();
                    let location = if segments.is_empty() { "body".to_string() } else { format!("body/{}", segments.join("/")) };
                    bad_request(&location, format!("{location}: {}", e.inner()))
                })
            }

            #[allow(dead_code)]
            fn form_body<T: ::serde::de::DeserializeOwned>(bytes: &::axum::body::Bytes) -> Result<T, ::axum::response::Response> {
                ::serde_urlencoded::from_bytes(bytes).map_err(|e| bad_request("body", format!("body: {e}")))
            }

            #[allow(dead_code)]
            fn text_body(bytes: &::axum::body::Bytes) -> Result<String, ::axum::response::Response> {
                String::from_utf8(bytes.to_vec()).map_err(|_| bad_request("body", "body: not UTF-8 text".to_string()))
            }

            #[allow(dead_code)]
            fn raw_body(bytes: &::axum::body::Bytes) -> Result<::axum::body::Bytes, ::axum::response::Response> {
                Ok(bytes.clone())
            }

            /// The `501 Not Implemented` answer of an operation the [`Api`] does not implement.
            #[allow(dead_code)]
            fn not_implemented(operation: &str) -> ::axum::response::Response {
                problem(::axum::http::StatusCode::NOT_IMPLEMENTED, "Not Implemented", format!("{operation} is not implemented by this server"), "operation")
            }

            #[allow(dead_code)]
            fn json_response<T: ::serde::Serialize>(status: u16, media: &'static str, body: &T) -> ::axum::response::Response {
                match ::serde_json::to_vec(body) {
                    Ok(bytes) => (status_of(status), [(::axum::http::header::CONTENT_TYPE, media)], bytes).into_response(),
                    Err(e) => problem(::axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error", format!("cannot serialize the response: {e}"), "response"),
                }
            }

            #[allow(dead_code)]
            fn status_of(code: u16) -> ::axum::http::StatusCode {
                ::axum::http::StatusCode::from_u16(code).unwrap_or(::axum::http::StatusCode::INTERNAL_SERVER_ERROR)
            }

            #[allow(dead_code)]
            fn json_param<T: ::serde::Serialize + ?Sized>(value: &T) -> String {
                match ::serde_json::to_value(value) {
                    Ok(::serde_json::Value::String(s)) => s,
                    Ok(other) => other.to_string(),
                    Err(_) => String::new(),
                }
            }

            #[allow(dead_code)]
            fn with_header(response: &mut ::axum::response::Response, name: &'static str, value: &str) {
                if let Ok(v) = ::axum::http::HeaderValue::from_str(value) {
                    response.headers_mut().insert(name, v);
                }
            }
        };
        let mut chunks = vec![head, security_items];
        chunks.extend(items);
        chunks.extend(handlers);
        chunks.push(dispatchers);
        chunks.push(tail);
        (chunks, self.degraded)
    }

    /// `FromParam` for every string enum: unknown values are rejected.
    fn enum_params(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for (name, def) in &self.api.types {
            if !self.types.is_string_enum(&TypeRef::named(name.clone()))
                || !matches!(def.kind, crate::ir::TypeKind::Enum { .. })
            {
                continue;
            }
            let id = self.types.ident_of(name);
            out.extend(quote! {
                impl FromParam for types::#id {
                    fn from_param(value: &str) -> Result<Self, String> {
                        match value.parse::<types::#id>() {
                            Ok(types::#id::Unknown(other)) => Err(format!("{other:?} is not one of the allowed values")),
                            Ok(v) => Ok(v),
                            Err(never) => match never {},
                        }
                    }
                }
            });
        }
        out
    }

    /// The Rust type of a parameter field (owned).
    fn param_type(&self, t: &TypeRef, prefix: &TokenStream) -> TokenStream {
        self.types.rust(t.non_null(), prefix)
    }

    /// An expression reading parameter `p` from `inputs` through the runtime codec
    /// the IR decided for it: of type `Result<T, Response>` where the parameter is
    /// required, `Result<Option<T>, Response>` where it is not.
    fn read_param(&self, p: &Parameter, op: &Operation) -> TokenStream {
        let ty = self.param_type(&p.schema, &quote! { types:: });
        let codec = codec_tokens(p);
        let shape = format_ident!(
            "{}",
            match p.shape {
                ParamShape::Scalar => "Scalar",
                ParamShape::Array => "Array",
                ParamShape::Object => "Object",
            }
        );
        // only an exploded object in the query reads the other names: listing them
        // for every parameter would make the code quadratic in the parameter count
        let others =
            if p.location == ParamLocation::Query && p.codec().takes_other_pairs(p.shape.into()) {
                op.other_query_names(&p.name)
            } else {
                Vec::new()
            };
        let input = if others.is_empty() {
            quote! { inputs.get(#codec, Shape::#shape) }
        } else {
            quote! { inputs.get_with(#codec, Shape::#shape, &[#(#others),*]) }
        };
        let scalar = |t: &TypeRef| -> bool {
            matches!(self.types.resolve(t), TypeRef::Primitive { .. })
                || self.types.is_string_enum(t)
        };
        let (reader, target) = match self.types.resolve(p.schema.non_null()) {
            TypeRef::Array { items, .. } if scalar(items) => {
                (quote! { list }, self.types.rust(items, &quote! { types:: }))
            }
            _ if scalar(&p.schema) && p.shape == ParamShape::Scalar => (quote! { scalar }, ty),
            _ => (quote! { json }, ty),
        };
        if p.required {
            quote! { #input.need(Input::#reader::<#target>) }
        } else {
            quote! { #input.#reader::<#target>() }
        }
    }

    fn operation(&mut self, plan: &OperationPlan<'_>, prefix: &TokenStream) -> OperationCode {
        let op = plan.op;
        let method_name = ident(&plan.method);
        let handler_name = format_ident!("{}", plan.server.handler);
        let mut items = TokenStream::new();
        let mut args: Vec<TokenStream> = Vec::new();
        let mut call_args: Vec<TokenStream> = Vec::new();
        let mut outputs: Vec<Ident> = Vec::new();
        let mut output_types: Vec<Ident> = Vec::new();
        let mut parse_stmts: Vec<TokenStream> = Vec::new();
        for (suffix, locations) in INPUT_GROUPS {
            let params: Vec<&Parameter> = op
                .parameters
                .iter()
                .filter(|p| locations.contains(&p.location))
                .collect();
            if params.is_empty() {
                continue;
            }
            let Some((_, sname)) = plan.server.inputs.iter().find(|(s, _)| *s == suffix) else {
                continue;
            };
            let sname = format_ident!("{}", sname);
            let arg = format_ident!("{}", suffix.to_lowercase());
            let mut fnamer = Namer::default();
            let mut fields = Vec::new();
            let mut inits = Vec::new();
            for p in params {
                let f = ident(&fnamer.snake(&p.name));
                let ty = self.param_type(&p.schema, prefix);
                let doc = format!(
                    " `{}` ({} parameter){}",
                    p.name,
                    p.location.as_str(),
                    p.description
                        .as_deref()
                        .map(|d| format!(": {}", super::docs::sanitize(d).replace('\n', " ")))
                        .unwrap_or_default()
                );
                let read = self.read_param(p, op);
                inits.push(quote! { #f: #read?, });
                if p.required {
                    fields.push(quote! { #[doc = #doc] pub #f: #ty, });
                } else {
                    fields.push(quote! { #[doc = #doc] pub #f: Option<#ty>, });
                }
            }
            let doc = format!(
                " The {} parameters of [`Api::{}`].",
                suffix.to_lowercase(),
                plan.method
            );
            items.extend(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq)]
                pub struct #sname { #(#fields)* }
            });
            args.push(quote! { #arg: #sname });
            call_args.push(quote! { #arg });
            outputs.push(arg.clone());
            output_types.push(sname.clone());
            parse_stmts.push(quote! { let #arg = #sname { #(#inits)* }; });
        }
        // body
        let body_plan = self.request_body(plan, prefix);
        if let Some(plan) = &body_plan {
            let ty = &plan.ty;
            if plan.required {
                args.push(quote! { body: #ty });
            } else {
                args.push(quote! { body: Option<#ty> });
            }
            call_args.push(quote! { body });
        }
        // response enum
        let ResponseEnumCode {
            items: response_enum,
            name: response_name,
        } = self.response_enum(plan, prefix);
        items.extend(response_enum);
        // trait method
        let docs = {
            let line = format!("`{} {}{}`", op.method.as_str(), self.api.base_path, op.path);
            let deprecated = op.deprecated.then_some("**Deprecated.**");
            doc_paragraphs(&[
                op.docs.summary.as_deref(),
                op.docs.description.as_deref(),
                Some(&line),
                deprecated,
            ])
        };
        let ignore_args = quote! { let _ = (context, #(#call_args,)*); };
        let secured = !op.security.is_empty();
        let auth_doc = if secured {
            " Reached only with the credentials the spec requires, accepted by [`Api::authenticate`] (they are in `context.credentials`)."
        } else {
            " The spec requires no credentials for it."
        };
        let method = quote! {
            #docs
            ///
            #[doc = #auth_doc]
            /// Not implementing it answers `501 Not Implemented`.
            fn #method_name(&self, context: RequestContext, #(#args),*) -> impl ::std::future::Future<Output = #response_name> + Send {
                #ignore_args
                async { #response_name::NotImplemented }
            }
        };
        // handler
        let parse_fn = format_ident!("{}", plan.server.parser);
        // the template, as the runtime matches it
        let template_const = format_ident!("{}", plan.server.template);
        let segments = op.template.pieces().into_iter().map(|pieces| {
            let pieces = pieces.into_iter().map(|p| match p {
                Piece::Lit(l) => quote! { Piece::Lit(#l) },
                Piece::Var => quote! { Piece::Var },
                Piece::Int => quote! { Piece::Int },
                Piece::OneOf(Choices::Strings(values)) => {
                    quote! { Piece::OneOf(Choices::Strs(&[#(#values),*])) }
                }
                Piece::OneOf(Choices::Strs(values)) => {
                    quote! { Piece::OneOf(Choices::Strs(&[#(#values),*])) }
                }
            });
            quote! { &[#(#pieces),*] }
        });
        let names = op.template.param_names();
        let trailing = op.template.trailing_slash;
        let template_doc = format!(" `{}` as the runtime matches it.", op.path);
        items.extend(quote! {
            #[doc = #template_doc]
            const #template_const: Template = (&[#(#segments),*], #trailing, &[#(#names),*]);
        });
        self.templates
            .insert(op.name.clone(), template_const.clone());
        let body_stmts = match &body_plan {
            None => TokenStream::new(),
            Some(plan) => {
                let accepted = &plan.accepted;
                let parse = &plan.parse;
                let read = if plan.required {
                    quote! { required_body }
                } else {
                    quote! { optional_body }
                };
                quote! {
                    let body = #read(body, &parts, &[#(#accepted),*], #parse).await?;
                }
            }
        };
        let body_binding = if body_plan.is_some() {
            quote! { body }
        } else {
            quote! { _body }
        };
        let security_const = if secured {
            self.security_const(op)
        } else {
            quote! { &[] }
        };
        let handler_doc = format!(" Serves `{} {}`.", op.method.as_str(), op.path);
        // an operation without parameters has nothing to parse
        let (path_binding, parse_fn_item, parse_stmt) = if outputs.is_empty() {
            (quote! { _path }, TokenStream::new(), TokenStream::new())
        } else {
            (
                quote! { path },
                quote! {
                    #[allow(clippy::type_complexity)]
                    fn #parse_fn(inputs: &Inputs<'_>) -> Result<(#(#output_types,)*), ::axum::response::Response> {
                        #(#parse_stmts)*
                        Ok((#(#outputs,)*))
                    }
                },
                quote! { let (#(#outputs,)*) = #parse_fn(&Inputs::new(&path, &parts))?; },
            )
        };
        let handler = quote! {
            #parse_fn_item

            #[doc = #handler_doc]
            async fn #handler_name<A: Api>(State(api): State<Arc<A>>, request: Request) -> Result<Response, Response> {
                let (parts, #path_binding, #body_binding) = begin(&*api, request, #template_const, #security_const).await?;
                #parse_stmt
                #body_stmts
                Ok(<A as Api>::#method_name(&*api, parts, #(#call_args),*).await.into_response())
            }
        };
        OperationCode {
            items,
            method,
            handler,
            handler_name,
        }
    }

    /// The constant holding `op`'s security requirement: one per distinct
    /// requirement, named after its schemes, emitted the first time it is used.
    fn security_const(&mut self, op: &Operation) -> TokenStream {
        let mut names = Vec::new();
        let alternatives: Vec<TokenStream> = self
            .api
            .security_of(op)
            .into_iter()
            .map(|alternative| {
                let mut all = Vec::new();
                let schemes: Vec<TokenStream> = alternative
                    .into_iter()
                    .map(|scheme| {
                        all.push(scheme.name.to_string());
                        let name = scheme.name;
                        let kind = match scheme.kind {
                            Kind::Bearer => quote! { Kind::Bearer },
                            Kind::Basic => quote! { Kind::Basic },
                            Kind::ApiKey { name, location } => {
                                let location = format_ident!("{}", format!("{location:?}"));
                                quote! { Kind::ApiKey { name: #name, location: Location::#location } }
                            }
                            Kind::Other { scheme } => quote! { Kind::Other { scheme: #scheme } },
                        };
                        quote! { Scheme { name: #name, kind: #kind } }
                    })
                    .collect();
                names.push(all);
                quote! { &[#(#schemes),*] }
            })
            .collect();
        let value = quote! { &[#(#alternatives),*] };
        let key = value.to_string();
        if let Some(name) = self.securities.get(&key) {
            return quote! { #name };
        }
        // an empty alternative: credentials are optional
        let described = names
            .iter()
            .map(|a| {
                if a.is_empty() {
                    "none".to_string()
                } else {
                    a.join(" and ")
                }
            })
            .collect::<Vec<_>>()
            .join(" or ");
        let wanted = if described.len() <= 40 {
            format!("security {described}")
        } else {
            format!("security {}", self.securities.len() + 1)
        };
        let name = format_ident!("{}", self.security_names.snake(&wanted).to_uppercase());
        let listed = names
            .iter()
            .map(|a| {
                if a.is_empty() {
                    "no credentials".to_string()
                } else {
                    format!("`{}`", a.join("` and `"))
                }
            })
            .collect::<Vec<_>>()
            .join(" or ");
        let doc =
            format!(" The security requirement {listed}: any alternative, every scheme of it.");
        self.security_items.extend(quote! {
            #[doc = #doc]
            const #name: Security = #value;
        });
        self.securities.insert(key, name.clone());
        quote! { #name }
    }

    fn request_body(&mut self, plan: &OperationPlan<'_>, prefix: &TokenStream) -> Option<BodyCode> {
        let op = plan.op;
        let bp = plan.body.as_ref()?;
        let media = bp.media;
        let kind = BodyKind::of(media.kind);
        let accepted = bp.accepted.clone();
        if !bp.others.is_empty() {
            self.degraded.push(Degradation::op(
                &op.name,
                &op.pointer,
                &format!(
                    "the server stub accepts {} only; {} answered with 415",
                    accepted.join(", "),
                    bp.others.join(", ")
                ),
            ));
        }
        let schema_ty = || {
            media
                .schema
                .as_ref()
                .map(|s| self.types.rust(s, prefix))
                .unwrap_or_else(|| quote! { ::serde_json::Value })
        };
        let (ty, parse) = match kind {
            BodyKind::Json => {
                let t = schema_ty();
                (t.clone(), quote! { json_body::<#t> })
            }
            BodyKind::Form => {
                let t = schema_ty();
                (t.clone(), quote! { form_body::<#t> })
            }
            BodyKind::Text => (quote! { String }, quote! { text_body }),
            BodyKind::Multipart => {
                self.degraded.push(Degradation::op(&op.name, &op.pointer, "multipart request bodies reach the server stub as raw bytes (axum::body::Bytes); parse them with axum's Multipart or multer"));
                (quote! { ::axum::body::Bytes }, quote! { raw_body })
            }
            BodyKind::Binary => (quote! { ::axum::body::Bytes }, quote! { raw_body }),
        };
        Some(BodyCode {
            ty,
            parse,
            required: bp.required,
            accepted,
        })
    }

    fn response_enum(
        &mut self,
        plan: &OperationPlan<'_>,
        prefix: &TokenStream,
    ) -> ResponseEnumCode {
        let op = plan.op;
        let name = format_ident!("{}", plan.server.response);
        let mut variants = Vec::new();
        let mut structs = Vec::new();
        let mut arms = Vec::new();
        for rp in &plan.responses {
            let r = rp.response;
            let vname = format_ident!("{}", rp.variant);
            let doc = format!(
                " Status {}{}",
                r.status.label(),
                if r.description.is_empty() {
                    ".".to_string()
                } else {
                    format!(
                        ": {}",
                        super::docs::sanitize(&r.description).replace('\n', " ")
                    )
                }
            );
            let mut fields = Vec::new();
            let mut binds = Vec::new();
            // the status as a number; `status_of` makes it an axum StatusCode
            let code = match r.status {
                StatusSpec::Code(c) => {
                    let c = Literal::u16_unsuffixed(c);
                    quote! { #c }
                }
                _ => {
                    fields.push(quote! { /// The status to answer with.
                    status: u16, });
                    binds.push(quote! { status });
                    quote! { status }
                }
            };
            let status_expr = quote! { status_of(#code) };
            let body = self.response_body(rp, prefix);
            let body_expr = match &body {
                Some(ResponseBodyCode { ty, media, kind }) => {
                    fields.push(quote! { /// The body.
                    body: #ty, });
                    binds.push(quote! { body });
                    match kind {
                        BodyKind::Json | BodyKind::Form | BodyKind::Multipart => {
                            quote! { json_response(#code, #media, &body) }
                        }
                        _ => {
                            quote! { (#status_expr, [(::axum::http::header::CONTENT_TYPE, #media)], body).into_response() }
                        }
                    }
                }
                None => quote! { #status_expr.into_response() },
            };
            let mut header_stmts = Vec::new();
            if !r.headers.is_empty() {
                let hs = format_ident!("{}", plan.server.response_headers[&r.status.label()]);
                let mut hnamer = Namer::default();
                let mut hfields = Vec::new();
                for h in &r.headers {
                    let f = ident(&hnamer.snake(&h.name));
                    let ty = self.types.rust(h.schema.non_null(), prefix);
                    let hdoc = format!(" The `{}` header.", h.name);
                    hfields.push(quote! { #[doc = #hdoc] pub #f: Option<#ty>, });
                    let text = self.types.to_text(h.schema.non_null(), quote! { v }, ",");
                    let text = if self.types.is_text(h.schema.non_null()) {
                        quote! { #text.as_str() }
                    } else {
                        quote! { &#text }
                    };
                    let hname = h.name.to_ascii_lowercase();
                    header_stmts.push(quote! { if let Some(v) = &headers.#f { with_header(&mut response, #hname, #text); } });
                }
                let hdoc = format!(
                    " Headers of the {} response of [`Api::{}`].",
                    r.status.label(),
                    plan.method
                );
                structs.push(quote! {
                    #[doc = #hdoc]
                    #[derive(Debug, Clone, Default, PartialEq)]
                    pub struct #hs { #(#hfields)* }
                });
                fields.push(quote! { /// Response headers.
                headers: #hs, });
                binds.push(quote! { headers });
            }
            let variant = if fields.is_empty() {
                quote! { #[doc = #doc] #vname, }
            } else {
                quote! { #[doc = #doc] #vname { #(#fields)* }, }
            };
            variants.push(variant);
            let pattern = if binds.is_empty() {
                quote! { Self::#vname }
            } else {
                quote! { Self::#vname { #(#binds),* } }
            };
            let arm = if header_stmts.is_empty() {
                quote! { #pattern => #body_expr, }
            } else {
                quote! { #pattern => {
                    let mut response = #body_expr;
                    #(#header_stmts)*
                    response
                } }
            };
            arms.push(arm);
        }
        let doc = format!(" The documented responses of [`Api::{}`].", plan.method);
        let unimplemented = format!("{} {}", op.method.as_str(), op.path);
        variants.push(quote! {
            /// `501 Not Implemented` (problem+json): the default of every [`Api`] method.
            NotImplemented,
            /// An answer outside the documented responses (problem+json, logged at warn):
            /// the escape hatch for a missing resource or a failure the spec does not list.
            Undocumented(ApiError),
        });
        arms.push(quote! {
            Self::NotImplemented => not_implemented(#unimplemented),
            Self::Undocumented(error) => error.into_response(),
        });
        let match_expr = quote! { match self { #(#arms)* } };
        let tokens = quote! {
            #(#structs)*

            #[doc = #doc]
            #[derive(Debug, Clone)]
            pub enum #name { #(#variants)* }

            impl ::axum::response::IntoResponse for #name {
                fn into_response(self) -> ::axum::response::Response {
                    #match_expr
                }
            }

            impl From<ApiError> for #name {
                fn from(error: ApiError) -> Self {
                    Self::Undocumented(error)
                }
            }
        };
        ResponseEnumCode {
            items: tokens,
            name,
        }
    }

    /// (Rust type, media type literal, kind) of a response body.
    fn response_body(
        &self,
        r: &ResponsePlan<'_>,
        prefix: &TokenStream,
    ) -> Option<ResponseBodyCode> {
        let m = r.media?;
        let ty = match &r.body {
            BodyType::Model(t) => t
                .as_ref()
                .map(|s| self.types.rust(s, prefix))
                .unwrap_or_else(|| quote! { ::serde_json::Value }),
            BodyType::Multipart => quote! { ::serde_json::Value },
            BodyType::Text => quote! { String },
            BodyType::Bytes | BodyType::Unit => quote! { Vec<u8> },
        };
        let media = if m.media_type.contains('*') {
            "application/octet-stream".to_string()
        } else {
            m.media_type.clone()
        };
        Some(ResponseBodyCode {
            ty,
            media,
            kind: BodyKind::of(m.kind),
        })
    }
}

/// A response enum and its name.
struct ResponseEnumCode {
    items: TokenStream,
    name: Ident,
}

/// A response body's Rust type, the media type it is sent as, and how.
struct ResponseBodyCode {
    ty: TokenStream,
    media: String,
    kind: BodyKind,
}

/// What [`ServerEmitter::operation`] renders for one operation.
struct OperationCode {
    items: TokenStream,
    method: TokenStream,
    handler: TokenStream,
    handler_name: Ident,
}
