//! The `client` module of a generated crate: an async reqwest client with one
//! method per operation.
//!
//! Design: required path, query and header parameters are positional
//! arguments; optional ones travel in a per-operation `…Params` struct
//! (`Default` + public `Option` fields). The body, when there is one, is the
//! last positional argument. Each method returns the typed success body with
//! status and headers, or an [`Error`] whose `Api` variant carries the
//! operation's documented error statuses as a typed enum.

use super::docs::doc_paragraphs;
use super::names::{ident, snake, Namer};
use super::plan::{BodyType, OperationPlan, ResponsePlan};
use super::rust_types::RustTypes;
use super::Degradation;
use crate::ir::PathPart;
use crate::ir::{
    Api, Credential, MediaKind, Operation, ParamLocation, Parameter, Primitive, StatusSpec, TypeRef,
};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// How the emitters render a body of some [`MediaKind`] in Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// serde_json.
    Json,
    /// serde_urlencoded / reqwest's form.
    Form,
    /// reqwest's multipart form; raw bytes on the server.
    Multipart,
    /// `String`.
    Text,
    /// Bytes.
    Binary,
}

impl BodyKind {
    /// The rendering of a media kind the IR decided.
    pub(crate) fn of(kind: MediaKind) -> Self {
        match kind {
            MediaKind::Json | MediaKind::JsonSuffix => BodyKind::Json,
            MediaKind::Form => BodyKind::Form,
            MediaKind::Multipart => BodyKind::Multipart,
            MediaKind::Text | MediaKind::Xml | MediaKind::EventStream => BodyKind::Text,
            MediaKind::Binary => BodyKind::Binary,
        }
    }
}

/// The server URL a client uses by default: the first absolute one the spec names.
pub(crate) fn default_base_url(api: &Api) -> Option<&String> {
    api.servers.iter().find(|s| s.contains("://"))
}

/// Every public item of the client module a caller names, for re-export at the
/// crate root: `Client`, `Error`, `ApiResponse`, the constants and each operation's
/// `…Params`, `…Success` and `…Error`.
pub(crate) fn root_exports(api: &Api) -> Vec<Ident> {
    let mut out: Vec<Ident> = ["ApiResponse", "Client", "Error", "DEFAULT_TIMEOUT"]
        .iter()
        .map(|n| format_ident!("{}", n))
        .collect();
    if default_base_url(api).is_some() {
        out.push(format_ident!("DEFAULT_BASE_URL"));
    }
    for plan in super::plan::plans(api) {
        let c = &plan.client;
        for name in [&c.params, &c.success, &c.error].into_iter().flatten() {
            out.push(format_ident!("{}", name));
        }
    }
    out
}

/// The `Client` setter for each API key scheme (`with_api_key_header`...), by scheme name.
pub fn api_key_setters(api: &Api) -> indexmap::IndexMap<String, String> {
    let mut namer = Namer::with_reserved(&["with_bearer_token", "with_basic_auth"]);
    api.security_schemes
        .iter()
        .filter(|(_, s)| matches!(s.credential(), Credential::ApiKey { .. }))
        .map(|(name, _)| {
            let base = snake(name);
            let setter = if base.contains("key") || base.contains("token") {
                format!("with_{base}")
            } else {
                format!("with_{base}_key")
            };
            (name.clone(), namer.unique(&setter))
        })
        .collect()
}

/// The argument type of a required parameter of a client method (`&str`, `i64`, `&[T]`, `&T`).
pub fn arg_type(types: &RustTypes<'_>, t: &TypeRef, prefix: &TokenStream) -> TokenStream {
    borrowed(types, t, prefix, &TokenStream::new())
}

/// [`arg_type`] with `lifetime` on its references (`&'a str` for a `…_stream`
/// method, which calls the method again for every page).
fn borrowed(
    types: &RustTypes<'_>,
    t: &TypeRef,
    prefix: &TokenStream,
    lifetime: &TokenStream,
) -> TokenStream {
    match types.resolve(t) {
        TypeRef::Primitive {
            primitive: Primitive::String | Primitive::Byte | Primitive::Binary,
        } => quote! { &#lifetime str },
        TypeRef::Primitive { .. } => types.rust(t, prefix),
        TypeRef::Array { items, .. } => {
            let i = types.rust(items, prefix);
            quote! { &#lifetime [#i] }
        }
        _ => {
            let ty = types.rust(t, prefix);
            quote! { &#lifetime #ty }
        }
    }
}

/// Required parameters of a client method, in argument order: path parameters in
/// template order, then required query, header and cookie parameters.
pub fn required_params(op: &Operation) -> Vec<&Parameter> {
    let mut out = op.path_params();
    out.extend(
        op.parameters
            .iter()
            .filter(|p| p.location != ParamLocation::Path && p.required),
    );
    out
}

/// The runtime codec of a parameter, as a Rust expression: the location's
/// default in one short call where the spec keeps the defaults.
pub(crate) fn codec_tokens(p: &Parameter) -> TokenStream {
    use specforge_runtime::params::{Codec, Style};
    let name = &p.name;
    let ir = p.codec();
    let location = format_ident!("{}", format!("{:?}", ir.location));
    if ir == Codec::default_for(&p.name, ir.location) {
        let constructor = format_ident!("{}", format!("{:?}", ir.location).to_lowercase());
        return quote! { Codec::#constructor(#name) };
    }
    let style = format_ident!("{}", format!("{:?}", Style::from(p.style)));
    let explode = p.explode;
    let allow_reserved = p.allow_reserved;
    quote! {
        Codec::new(
            #name,
            Location::#location,
            Style::#style,
            #explode,
            #allow_reserved,
        )
    }
}

/// Rust items of the client module, and what had to be approximated.
pub struct ClientEmitter<'a> {
    types: &'a RustTypes<'a>,
    api: &'a Api,
    degraded: Vec<Degradation>,
    /// Each operation's own items (its `…Params`, `…Success`, `…Error`).
    support: Vec<TokenStream>,
    middleware: bool,
}

impl<'a> ClientEmitter<'a> {
    /// An emitter over `types`.
    pub fn new(types: &'a RustTypes<'a>) -> Self {
        Self {
            types,
            api: types.api(),
            degraded: Vec::new(),
            support: Vec::new(),
            middleware: false,
        }
    }

    /// Also emit `reqwest_middleware` support, behind the crate's `middleware`
    /// feature (crate mode only: a build script's module has no features of its own).
    pub fn middleware_feature(mut self, on: bool) -> Self {
        self.middleware = on;
        self
    }

    /// `on` when the middleware feature is enabled, `off` when it is not.
    fn with_middleware(&self, on: TokenStream, off: TokenStream) -> TokenStream {
        if self.middleware {
            quote! {
                #[cfg(feature = "middleware")]
                #on
                #[cfg(not(feature = "middleware"))]
                #off
            }
        } else {
            off
        }
    }

    /// Emit the module body.
    /// Emit the module body, as top-level items in groups (the client's impl blocks
    /// and each operation's types apart), so that no whole-module token tree is built.
    pub fn emit(mut self) -> (Vec<TokenStream>, Vec<Degradation>) {
        let prefix = quote! { types:: };
        let mut methods = Vec::new();
        let api = self.api;
        for plan in super::plan::plans(api) {
            methods.push(self.operation(&plan, &prefix));
        }
        let auth = self.auth();
        let default_url = default_base_url(self.api);
        let default_const = match default_url {
            Some(url) => {
                let url = url.trim_end_matches('/');
                quote! {
                    /// The server URL the spec names first.
                    pub const DEFAULT_BASE_URL: &str = #url;

                    impl Default for Client {
                        fn default() -> Self {
                            Self::new(DEFAULT_BASE_URL)
                        }
                    }
                }
            }
            None => TokenStream::new(),
        };
        let base_doc = match (default_url, self.api.base_path.as_str()) {
            (Some(u), _) => format!(" A client for the API at `base_url` (for example `{}`).", u.trim_end_matches('/')),
            (None, "") => " A client for the API at `base_url` (scheme, host and port, e.g. `http://127.0.0.1:4010`).".to_string(),
            (None, bp) => format!(" A client for the API at `base_url`, which includes the base path (e.g. `http://127.0.0.1:4010{bp}`)."),
        };
        let support = std::mem::take(&mut self.support);
        let MiddlewareCode {
            variant: middleware_variant,
            status: middleware_status,
            widen: middleware_widen,
            debug: middleware_debug,
            display: middleware_display,
            source: middleware_source,
            field: middleware_field,
            init: middleware_init,
            ctor: middleware_ctor,
            execute: execute_send,
        } = self.middleware_code();
        let uses_types = !self.api.types.is_empty();
        let use_types = if uses_types {
            quote! { #[allow(unused_imports)] use super::types; }
        } else {
            TokenStream::new()
        };
        let AuthCode {
            secret_fields,
            fields: auth_fields,
            setters: auth_setters,
            apply: auth_apply,
        } = auth;
        let has_credentials = !auth_apply.is_empty();
        let (credentials_struct, credentials_field, credentials_init) = if has_credentials {
            (
                {
                    let names: Vec<String> = secret_fields.iter().map(|f| f.to_string()).collect();
                    quote! {
                        #[derive(Clone, Default)]
                        struct Credentials {
                            #auth_fields
                        }

                        /// Which credentials are set, never their values.
                        impl ::std::fmt::Debug for Credentials {
                            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                                f.debug_struct("Credentials")
                                    #(.field(#names, &self.#secret_fields.as_ref().map(|_| "<redacted>")))*
                                    .finish()
                            }
                        }
                    }
                },
                quote! { credentials: Credentials, },
                quote! { credentials: Credentials::default() },
            )
        } else {
            (TokenStream::new(), TokenStream::new(), TokenStream::new())
        };
        // operations in impl blocks of 64: the printer holds one block's syntax tree
        // at a time, so a spec with thousands of operations stays small in memory
        let method_blocks: Vec<TokenStream> = methods
            .chunks(64)
            .map(|chunk| quote! { impl Client { #(#chunk)* } })
            .collect();
        let head = quote! {
            #use_types
            #[allow(unused_imports)]
            use super::runtime::params::{Codec, Location, Style};

            #default_const

            /// A successful (or documented) response: status, headers and typed body.
            #[derive(Debug, Clone)]
            pub struct ApiResponse<T> {
                /// The HTTP status.
                pub status: ::reqwest::StatusCode,
                /// The response headers.
                pub headers: ::reqwest::header::HeaderMap,
                /// The decoded body.
                pub body: T,
            }

            impl<T> ApiResponse<T> {
                /// The same status and headers, the body mapped by `f`.
                pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
                    ApiResponse { status: self.status, headers: self.headers, body: f(self.body) }
                }
            }

            #[allow(dead_code)]
            impl ApiResponse<Vec<u8>> {
                /// The body decoded as JSON.
                fn json<T: ::serde::de::DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
                    decode_json(self.status, &self.body)
                }

                /// The body as text (invalid UTF-8 replaced).
                fn text(&self) -> String {
                    String::from_utf8_lossy(&self.body).into_owned()
                }
            }

            /// The status and headers of `raw` with a decoded `body`.
            #[allow(dead_code)]
            fn typed<T>(body: T, raw: ApiResponse<Vec<u8>>) -> ApiResponse<T> {
                ApiResponse { status: raw.status, headers: raw.headers, body }
            }

            /// Why a call failed. `E` is the operation's documented error type.
            /// Raw bodies are shown (in `Debug` and `Display`) as text, cut at 512 bytes.
            pub enum Error<E> {
                /// The server answered with a status the spec documents as an error.
                Api(ApiResponse<E>),
                /// The server answered with a status the spec does not document.
                UnexpectedStatus(ApiResponse<Vec<u8>>),
                /// The body did not decode as the documented type.
                Decode {
                    /// The HTTP status.
                    status: ::reqwest::StatusCode,
                    /// The raw body.
                    body: Vec<u8>,
                    /// What the decoder said.
                    message: String,
                },
                /// The request could not be sent or the response not read.
                Transport(::reqwest::Error),
                #middleware_variant
            }

            impl<E> Error<E> {
                /// The HTTP status, when a response arrived.
                pub fn status(&self) -> Option<::reqwest::StatusCode> {
                    match self {
                        Error::Api(r) => Some(r.status),
                        Error::UnexpectedStatus(r) => Some(r.status),
                        Error::Decode { status, .. } => Some(*status),
                        Error::Transport(e) => e.status(),
                        #middleware_status
                    }
                }
            }

            impl Error<::std::convert::Infallible> {
                /// The same failure as the error of an operation whose documented errors are `E`
                /// (a `…_raw` method's failure, seen from the typed method).
                pub fn widen<E>(self) -> Error<E> {
                    match self {
                        Error::Api(r) => match r.body {},
                        Error::UnexpectedStatus(r) => Error::UnexpectedStatus(r),
                        Error::Decode { status, body, message } => Error::Decode { status, body, message },
                        Error::Transport(e) => Error::Transport(e),
                        #middleware_widen
                    }
                }
            }

            /// A raw body as text for people: lossy UTF-8, at most 512 bytes.
            fn shown(body: &[u8]) -> String {
                super::runtime::problem::truncate(&String::from_utf8_lossy(body), 512)
            }

            impl<E: ::std::fmt::Debug> ::std::fmt::Debug for Error<E> {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        Error::Api(r) => f.debug_tuple("Api").field(r).finish(),
                        Error::UnexpectedStatus(r) => f
                            .debug_struct("UnexpectedStatus")
                            .field("status", &r.status)
                            .field("headers", &r.headers)
                            .field("body", &shown(&r.body))
                            .finish(),
                        Error::Decode { status, body, message } => f
                            .debug_struct("Decode")
                            .field("status", status)
                            .field("body", &shown(body))
                            .field("message", message)
                            .finish(),
                        Error::Transport(e) => f.debug_tuple("Transport").field(e).finish(),
                        #middleware_debug
                    }
                }
            }

            impl<E: ::std::fmt::Debug> ::std::fmt::Display for Error<E> {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        Error::Api(r) => write!(f, "documented error status {}: {:?}", r.status, r.body),
                        Error::UnexpectedStatus(r) => write!(f, "undocumented status {}: {}", r.status, shown(&r.body)),
                        Error::Decode { status, message, .. } => write!(f, "cannot decode the {status} response: {message}"),
                        Error::Transport(e) => write!(f, "transport error: {e}"),
                        #middleware_display
                    }
                }
            }

            impl<E: ::std::fmt::Debug> ::std::error::Error for Error<E> {
                fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                    match self {
                        Error::Transport(e) => Some(e),
                        #middleware_source
                        _ => None,
                    }
                }
            }

            #credentials_struct

            /// How long one request may take, from connecting to the last byte of the
            /// response, unless [`Client::with_timeout`] sets another limit.
            pub const DEFAULT_TIMEOUT: ::std::time::Duration = ::std::time::Duration::from_secs(30);

            #[doc = #base_doc]
            ///
            /// Requests time out after [`DEFAULT_TIMEOUT`] unless [`Client::with_timeout`] says
            /// otherwise. `Debug` shows which credentials are set, never their values.
            #[derive(Debug, Clone)]
            pub struct Client {
                base_url: String,
                http: ::reqwest::Client,
                timeout: Option<::std::time::Duration>,
                #middleware_field
                #credentials_field
            }

            impl Client {
                /// A client for `base_url` with a default `reqwest::Client`.
                pub fn new(base_url: impl Into<String>) -> Self {
                    Self::with_http_client(base_url, ::reqwest::Client::new())
                }

                /// A client for `base_url` that sends through `http` (proxies, TLS and
                /// connection pools are yours to set; the per-request timeout is
                /// [`DEFAULT_TIMEOUT`] until [`Client::with_timeout`] changes it).
                pub fn with_http_client(base_url: impl Into<String>, http: ::reqwest::Client) -> Self {
                    let base_url = base_url.into().trim_end_matches('/').to_string();
                    Self { base_url, http, timeout: Some(DEFAULT_TIMEOUT), #middleware_init #credentials_init }
                }

                #middleware_ctor

                /// Limit every request to `timeout` (from connecting to the end of the
                /// response body); `None` lets requests run as long as the `reqwest::Client` allows.
                pub fn with_timeout(mut self, timeout: Option<::std::time::Duration>) -> Self {
                    self.timeout = timeout;
                    self
                }

                /// The per-request time limit.
                pub fn timeout(&self) -> Option<::std::time::Duration> {
                    self.timeout
                }

                /// Send a built request (with the time limit, through the middleware
                /// when there is one) and read the whole response.
                #[allow(dead_code)]
                async fn execute(&self, req: ::reqwest::RequestBuilder) -> Result<ApiResponse<Vec<u8>>, Error<::std::convert::Infallible>> {
                    let req = match self.timeout {
                        Some(t) => req.timeout(t),
                        None => req,
                    };
                    let request = req.build().map_err(Error::Transport)?;
                    #execute_send
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = response.bytes().await.map_err(Error::Transport)?.to_vec();
                    Ok(ApiResponse { status, headers, body })
                }

                /// The base URL requests go to.
                pub fn base_url(&self) -> &str {
                    &self.base_url
                }

                /// The `reqwest::Client` requests go through.
                pub fn http_client(&self) -> &::reqwest::Client {
                    &self.http
                }

                #auth_setters

                #auth_apply
            }

        };
        let tail = quote! {
            /// Append one `name=value` pair to a `Cookie` header value.
            #[allow(dead_code)]
            fn add_cookie(cookies: &mut String, pair: String) {
                if !cookies.is_empty() {
                    cookies.push_str("; ");
                }
                cookies.push_str(&pair);
            }

            /// Append a query parameter that has a value, encoded by its codec, to `url`
            /// (after `?`, or `&` once the URL has a query).
            #[allow(dead_code)]
            fn push_query<T: ::serde::Serialize + ?Sized>(url: &mut String, codec: Codec<'_>, value: Option<&T>) {
                let Some(value) = value else { return };
                let mut pairs = String::new();
                codec.encode_query(&wire(value), &mut pairs);
                if !pairs.is_empty() {
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str(&pairs);
                }
            }

            /// A documented error response, decoded: `Error::Api` with the status and
            /// headers of `raw`.
            #[allow(dead_code)]
            fn api_error<T, E>(body: E, raw: ApiResponse<Vec<u8>>) -> Result<T, Error<E>> {
                Err(Error::Api(typed(body, raw)))
            }

            /// The items of page after page: `fetch` gives a page's items and the
            /// parameters of the next page (`None` after the last). The stream ends
            /// after the last page, or with the first error.
            #[allow(dead_code)]
            fn pages<'a, P, T, E, F, Fut>(first: P, fetch: F) -> impl ::futures::Stream<Item = Result<T, Error<E>>> + 'a
            where
                P: 'a,
                T: 'a,
                E: 'a,
                F: Fn(P) -> Fut + 'a,
                Fut: ::std::future::Future<Output = Result<(Vec<T>, Option<P>), Error<E>>> + 'a,
            {
                use ::futures::TryStreamExt as _;
                ::futures::stream::try_unfold(Some(first), move |state: Option<P>| {
                    let page = state.map(&fetch);
                    async move {
                        let Some(page) = page else {
                            return Ok(None);
                        };
                        let (items, next) = page.await?;
                        Ok(Some((::futures::stream::iter(items.into_iter().map(Ok::<T, Error<E>>)), next)))
                    }
                })
                .try_flatten()
            }

            /// Append a path parameter, encoded by its codec, to `url`.
            #[allow(dead_code)]
            fn push_path<T: ::serde::Serialize + ?Sized>(url: &mut String, codec: Codec<'_>, value: &T) {
                url.push_str(&codec.encode_value(&wire(value)));
            }

            /// A parameter value as JSON, for the runtime's codecs.
            #[allow(dead_code)]
            fn wire<T: ::serde::Serialize + ?Sized>(value: &T) -> ::serde_json::Value {
                ::serde_json::to_value(value).unwrap_or(::serde_json::Value::Null)
            }

            #[allow(dead_code)]
            fn decode_json<T: ::serde::de::DeserializeOwned, E>(status: ::reqwest::StatusCode, bytes: &[u8]) -> Result<T, Error<E>> {
                ::serde_json::from_slice(bytes).map_err(|e| Error::Decode { status, body: bytes.to_vec(), message: e.to_string() })
            }
        };
        let mut chunks = vec![head];
        chunks.extend(method_blocks);
        chunks.push(tail);
        chunks.extend(support);
        (chunks, self.degraded)
    }

    /// What `reqwest_middleware` support adds to `Error` and `Client`.
    fn middleware_code(&self) -> MiddlewareCode {
        let plain_send = quote! {
            let response = self.http.execute(request).await.map_err(Error::Transport)?;
        };
        if !self.middleware {
            return MiddlewareCode {
                execute: plain_send,
                ..MiddlewareCode::default()
            };
        }
        let cfg = quote! { #[cfg(feature = "middleware")] };
        MiddlewareCode {
            variant: quote! {
                /// A middleware of the `reqwest_middleware` client failed.
                #cfg
                Middleware(Box<dyn ::std::error::Error + Send + Sync>),
            },
            status: quote! { #cfg Error::Middleware(_) => None, },
            widen: quote! { #cfg Error::Middleware(e) => Error::Middleware(e), },
            debug: quote! { #cfg Error::Middleware(e) => f.debug_tuple("Middleware").field(e).finish(), },
            display: quote! { #cfg Error::Middleware(e) => write!(f, "middleware error: {e}"), },
            source: quote! { #cfg Error::Middleware(e) => Some(e.as_ref()), },
            field: quote! { #cfg middleware: Option<::reqwest_middleware::ClientWithMiddleware>, },
            init: quote! { #cfg middleware: None, },
            ctor: quote! {
                /// A client for `base_url` whose requests go through `client`'s middleware
                /// (retries, tracing…). Requests are built as [`Client::new`] builds them.
                #cfg
                pub fn with_middleware(base_url: impl Into<String>, client: ::reqwest_middleware::ClientWithMiddleware) -> Self {
                    let mut this = Self::new(base_url);
                    this.middleware = Some(client);
                    this
                }
            },
            execute: self.with_middleware(
                quote! {
                    let response = match &self.middleware {
                        Some(m) => m.execute(request).await.map_err(|e| match e {
                            ::reqwest_middleware::Error::Reqwest(e) => Error::Transport(e),
                            ::reqwest_middleware::Error::Middleware(e) => Error::Middleware(e.into()),
                        })?,
                        None => self.http.execute(request).await.map_err(Error::Transport)?,
                    };
                },
                plain_send,
            ),
        }
    }

    fn auth(&mut self) -> AuthCode {
        let mut secret_fields: Vec<Ident> = Vec::new();
        let schemes = &self.api.security_schemes;
        let bearer = schemes
            .values()
            .any(|s| s.credential() == Credential::Bearer);
        let basic = schemes
            .values()
            .any(|s| s.credential() == Credential::Basic);
        let mut fields = TokenStream::new();
        let mut setters = TokenStream::new();
        let mut has_arms = Vec::new();
        let mut apply_arms = Vec::new();
        if bearer {
            fields.extend(quote! { bearer: Option<String>, });
            secret_fields.push(format_ident!("bearer"));
            setters.extend(quote! {
                /// Send `token` as `Authorization: Bearer …` where an operation accepts a bearer, OAuth 2 or OpenID Connect scheme.
                pub fn with_bearer_token(mut self, token: impl Into<String>) -> Self {
                    self.credentials.bearer = Some(token.into());
                    self
                }
            });
        }
        if basic {
            fields.extend(quote! { basic: Option<(String, Option<String>)>, });
            secret_fields.push(format_ident!("basic"));
            setters.extend(quote! {
                /// Send HTTP basic credentials where an operation accepts basic authentication.
                pub fn with_basic_auth(mut self, username: impl Into<String>, password: Option<String>) -> Self {
                    self.credentials.basic = Some((username.into(), password));
                    self
                }
            });
        }
        let key_setters = api_key_setters(self.api);
        let mut key_namer = Namer::default();
        for (name, s) in schemes {
            match s.credential() {
                Credential::Bearer => {
                    has_arms.push(quote! { #name => self.credentials.bearer.is_some(), });
                    apply_arms.push(quote! { if *scheme == #name { if let Some(t) = &self.credentials.bearer { req = req.bearer_auth(t); } } });
                }
                Credential::Basic => {
                    has_arms.push(quote! { #name => self.credentials.basic.is_some(), });
                    apply_arms.push(quote! { if *scheme == #name { if let Some((u, p)) = &self.credentials.basic { req = req.basic_auth(u, p.as_ref()); } } });
                }
                Credential::ApiKey {
                    name: key_name,
                    location,
                } => {
                    let base = snake(name);
                    let setter = ident(&key_setters[name]);
                    let field = format_ident!("api_key_{}", key_namer.unique(&base));
                    fields.extend(quote! { #field: Option<String>, });
                    secret_fields.push(field.clone());
                    let where_doc = format!(
                        " Send `key` as the `{key_name}` {} of the `{name}` security scheme.",
                        location.as_str()
                    );
                    setters.extend(quote! {
                        #[doc = #where_doc]
                        pub fn #setter(mut self, key: impl Into<String>) -> Self {
                            self.credentials.#field = Some(key.into());
                            self
                        }
                    });
                    has_arms.push(quote! { #name => self.credentials.#field.is_some(), });
                    let apply = match location {
                        ParamLocation::Header => {
                            quote! { req = req.header(#key_name, k.as_str()); }
                        }
                        ParamLocation::Query => {
                            quote! { req = req.query(&[(#key_name, k.as_str())]); }
                        }
                        ParamLocation::Cookie | ParamLocation::Path => {
                            quote! { req = req.header(::reqwest::header::COOKIE, format!("{}={}", #key_name, k)); }
                        }
                    };
                    apply_arms.push(quote! { if *scheme == #name { if let Some(k) = &self.credentials.#field { #apply } } });
                }
                Credential::Unsupported { .. } => {}
            }
        }
        if has_arms.is_empty() {
            // no scheme the client can send: no credentials at all
            return AuthCode {
                secret_fields: Vec::new(),
                fields: TokenStream::new(),
                setters,
                apply: TokenStream::new(),
            };
        }
        let apply = quote! {
            /// Apply the first security alternative whose credentials are all configured.
            #[allow(dead_code)]
            fn authorize(&self, mut req: ::reqwest::RequestBuilder, alternatives: &[&[&str]]) -> ::reqwest::RequestBuilder {
                let has = |scheme: &str| -> bool {
                    match scheme {
                        #(#has_arms)*
                        _ => false,
                    }
                };
                let Some(chosen) = alternatives.iter().find(|alt| alt.iter().all(|s| has(s))) else {
                    return req;
                };
                for scheme in chosen.iter() {
                    #(#apply_arms)*
                }
                req
            }
        };
        AuthCode {
            secret_fields,
            fields,
            setters,
            apply,
        }
    }

    /// The argument type of a required parameter.
    fn arg_type(&self, t: &TypeRef, prefix: &TokenStream) -> TokenStream {
        arg_type(self.types, t, prefix)
    }

    /// Statements adding one parameter held in `value` to the URL's query, `__req`
    /// or `__cookies`, encoded by the runtime codec the IR decided. For the query,
    /// `value` is an `Option<&T>`; elsewhere the value itself.
    fn add_param(&self, p: &Parameter, value: TokenStream) -> TokenStream {
        let codec = codec_tokens(p);
        match p.location {
            ParamLocation::Query => {
                quote! { push_query(&mut __url, #codec, #value); }
            }
            ParamLocation::Header => {
                let name = &p.name;
                quote! { __req = __req.header(#name, #codec.encode_value(&wire(&#value))); }
            }
            ParamLocation::Cookie => {
                quote! { add_cookie(&mut __cookies, #codec.encode_cookie(&wire(&#value))); }
            }
            ParamLocation::Path => TokenStream::new(),
        }
    }

    fn operation(&mut self, plan: &OperationPlan<'_>, prefix: &TokenStream) -> TokenStream {
        let op = plan.op;
        let method_name = ident(&plan.method);
        let mut args = Namer::with_reserved(&["self", "params", "body"]);
        let mut arg_decls = Vec::new();
        let mut stmts = Vec::new();
        let mut query_stmts: Vec<TokenStream> = Vec::new();
        let mut path_values: std::collections::HashMap<String, TokenStream> =
            std::collections::HashMap::new();
        let has_cookies = op
            .parameters
            .iter()
            .any(|p| p.location == ParamLocation::Cookie);
        let mut arg_names: Vec<Ident> = Vec::new();
        let mut arg_docs: Vec<String> = Vec::new();
        let described = |p: &Parameter| {
            p.description
                .as_deref()
                .map(|d| format!(": {}", super::docs::sanitize(d).replace('\n', " ")))
                .unwrap_or_default()
        };
        let mut stream_args: Vec<TokenStream> = Vec::new();
        for p in &plan.required {
            let a = ident(&args.snake(&p.name));
            let ty = self.arg_type(&p.schema, prefix);
            arg_decls.push(quote! { #a: #ty });
            let streamed = borrowed(self.types, &p.schema, prefix, &quote! { 'a });
            stream_args.push(quote! { #a: #streamed });
            arg_names.push(a.clone());
            arg_docs.push(format!(
                "- `{a}`: `{}` ({} parameter){}",
                p.name,
                p.location.as_str(),
                described(p)
            ));
            if p.location == ParamLocation::Path {
                let codec = codec_tokens(p);
                path_values.insert(
                    p.name.clone(),
                    quote! { push_path(&mut __url, #codec, &#a); },
                );
            } else if p.location == ParamLocation::Query {
                query_stmts.push(self.add_param(p, quote! { Some(&#a) }));
            } else {
                stmts.push(self.add_param(p, quote! { #a }));
            }
        }
        // optional parameters via a params struct
        let mut params_struct = TokenStream::new();
        let mut param_fields: std::collections::HashMap<String, Ident> =
            std::collections::HashMap::new();
        if let Some(sname) = &plan.client.params {
            let sname = format_ident!("{}", sname);
            let mut fnamer = Namer::default();
            let mut fields = Vec::new();
            for p in &plan.optional {
                let f = ident(&fnamer.snake(&p.name));
                param_fields.insert(p.name.clone(), f.clone());
                let ty = self.types.rust(p.schema.non_null(), prefix);
                let doc = format!(
                    " `{}` ({} parameter){}",
                    p.name,
                    p.location.as_str(),
                    described(p)
                );
                arg_docs.push(format!(
                    "- `params.{f}`: `{}` ({} parameter){}",
                    p.name,
                    p.location.as_str(),
                    described(p)
                ));
                fields.push(quote! { #[doc = #doc] pub #f: Option<#ty>, });
                if p.location == ParamLocation::Query {
                    query_stmts.push(self.add_param(p, quote! { params.#f.as_ref() }));
                } else {
                    let add = self.add_param(p, quote! { v });
                    stmts.push(quote! { if let Some(v) = &params.#f { #add } });
                }
            }
            let doc = format!(" Optional parameters of [`Client::{}`].", plan.method);
            params_struct = quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, Default)]
                pub struct #sname { #(#fields)* }
            };
            arg_decls.push(quote! { params: &#sname });
            stream_args.push(quote! { params: &#sname });
            arg_names.push(format_ident!("params"));
        }
        // body
        let mut body_stmt = TokenStream::new();
        if let Some(bp) = &plan.body {
            let b = format_ident!("body");
            let media = bp.media;
            let mt = &media.media_type;
            if !bp.others.is_empty() || bp.accepted.len() > 1 {
                let others: Vec<&str> = op
                    .request_body
                    .iter()
                    .flat_map(|rb| &rb.content)
                    .filter(|m| m.media_type != *mt)
                    .map(|m| m.media_type.as_str())
                    .collect();
                self.degraded.push(Degradation::op(
                    &op.name,
                    &op.pointer,
                    &format!(
                        "request body sent as {mt}; {} not offered",
                        others.join(", ")
                    ),
                ));
            }
            let model = || {
                bp.model()
                    .map(|s| self.types.rust(s, prefix))
                    .unwrap_or_else(|| quote! { ::serde_json::Value })
            };
            let (ty, send) = match (&bp.body, media.kind) {
                (BodyType::Model(_), MediaKind::Form) => {
                    let t = model();
                    (quote! { &#t }, quote! { __req = __req.form(#b); })
                }
                (BodyType::Model(_), _) => {
                    let t = model();
                    let set_ct = if mt != "application/json" {
                        quote! { .header(::reqwest::header::CONTENT_TYPE, #mt) }
                    } else {
                        TokenStream::new()
                    };
                    (quote! { &#t }, quote! { __req = __req.json(#b)#set_ct; })
                }
                (BodyType::Multipart, _) => (
                    quote! { ::reqwest::multipart::Form },
                    quote! { __req = __req.multipart(#b); },
                ),
                (BodyType::Text, _) => (
                    quote! { String },
                    quote! { __req = __req.header(::reqwest::header::CONTENT_TYPE, #mt).body(#b); },
                ),
                (BodyType::Bytes | BodyType::Unit, _) => {
                    if mt != "application/octet-stream" {
                        self.degraded.push(Degradation::op(
                            &op.name,
                            &op.pointer,
                            &format!("request body of media type {mt} is sent as raw bytes"),
                        ));
                    }
                    (
                        quote! { Vec<u8> },
                        quote! { __req = __req.header(::reqwest::header::CONTENT_TYPE, #mt).body(#b); },
                    )
                }
            };
            let body_doc = op
                .request_body
                .as_ref()
                .and_then(|rb| rb.description.as_deref())
                .map(|d| format!(": {}", super::docs::sanitize(d).replace('\n', " ")))
                .unwrap_or_default();
            if bp.required {
                arg_decls.push(quote! { #b: #ty });
                body_stmt = send;
                arg_docs.push(format!(
                    "- `body`: the request body, sent as `{mt}`{body_doc}"
                ));
            } else {
                arg_decls.push(quote! { #b: Option<#ty> });
                body_stmt = quote! { if let Some(#b) = #b { #send } };
                arg_docs.push(format!(
                    "- `body`: the request body, sent as `{mt}` (`None`: no body){body_doc}"
                ));
            }
            arg_names.push(b);
        }
        // URL: literal text as the template writes it, each parameter encoded for its place
        let mut url_stmts = vec![quote! { let mut __url = self.base_url.clone(); }];
        let push_literal = |l: &str| -> TokenStream {
            let mut chars = l.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => quote! { __url.push(#c); },
                _ => quote! { __url.push_str(#l); },
            }
        };
        let mut literal = String::new();
        for seg in &op.template.segments {
            literal.push('/');
            for part in &seg.parts {
                match part {
                    PathPart::Literal(l) => literal.push_str(l),
                    PathPart::Param(n) => {
                        if !literal.is_empty() {
                            url_stmts.push(push_literal(&literal));
                            literal.clear();
                        }
                        if let Some(push) = path_values.get(n) {
                            url_stmts.push(push.clone());
                        }
                    }
                }
            }
        }
        if op.template.trailing_slash || op.template.segments.is_empty() {
            literal.push('/');
        }
        if !literal.is_empty() {
            url_stmts.push(push_literal(&literal));
        }
        let method = format_ident!("{}", op.method.as_str());
        let security: Vec<TokenStream> = op
            .security
            .iter()
            .map(|req| {
                let names: Vec<&str> = req.schemes.iter().map(|(n, _)| n.as_str()).collect();
                quote! { &[#(#names),*] }
            })
            .collect();
        let has_credentials = self
            .api
            .security_schemes
            .values()
            .any(|s| !matches!(s.credential(), crate::ir::Credential::Unsupported { .. }));
        let authorize = if security.is_empty() || !has_credentials {
            TokenStream::new()
        } else {
            quote! { __req = self.authorize(__req, &[#(#security),*]); }
        };
        let cookies_decl = if has_cookies {
            quote! { let mut __cookies = String::new(); }
        } else {
            TokenStream::new()
        };
        let cookies_send = if has_cookies {
            quote! { if !__cookies.is_empty() { __req = __req.header(::reqwest::header::COOKIE, __cookies); } }
        } else {
            TokenStream::new()
        };
        // responses
        let ResponsesCode {
            success_ty,
            error_ty,
            decode,
            items: extra_items,
        } = self.responses(plan, prefix);
        let summary_line = format!("`{} {}{}`", op.method.as_str(), self.api.base_path, op.path);
        let docs = {
            let deprecated = op.deprecated.then_some("**Deprecated.**");
            let arguments =
                (!arg_docs.is_empty()).then(|| format!("# Arguments\n\n{}", arg_docs.join("\n")));
            doc_paragraphs(&[
                op.docs.summary.as_deref(),
                op.docs.description.as_deref(),
                Some(&summary_line),
                deprecated,
                arguments.as_deref(),
            ])
        };
        let raw_name = ident(&plan.client.raw);
        let raw_docs = doc_paragraphs(&[Some(&format!(
            "[`Client::{}`] without decoding: the status, headers and body bytes of \
             whatever the server answers ({summary_line}). For bodies the spec does not \
             document, or does not describe exactly.",
            plan.method
        ))]);
        let mutated =
            !stmts.is_empty() || has_cookies || !body_stmt.is_empty() || !authorize.is_empty();
        let req_binding = if mutated {
            quote! { mut __req }
        } else {
            quote! { __req }
        };
        let stream = self.stream(
            plan,
            prefix,
            &arg_decls,
            &stream_args,
            &arg_names,
            &param_fields,
            &success_ty,
            &error_ty,
        );
        let method_tokens = quote! {
            #docs
            pub async fn #method_name(&self, #(#arg_decls),*) -> Result<ApiResponse<#success_ty>, Error<#error_ty>> {
                let response = self.#raw_name(#(#arg_names),*).await.map_err(Error::widen)?;
                #decode
            }

            #raw_docs
            pub async fn #raw_name(&self, #(#arg_decls),*) -> Result<ApiResponse<Vec<u8>>, Error<::std::convert::Infallible>> {
                #(#url_stmts)*
                #(#query_stmts)*
                let #req_binding = self.http.request(::reqwest::Method::#method, __url);
                #cookies_decl
                #(#stmts)*
                #cookies_send
                #body_stmt
                #authorize
                self.execute(__req).await
            }

            #stream
        };
        self.support.push(quote! { #params_struct #extra_items });
        method_tokens
    }

    /// The `…_stream` method of an operation that pages: every item, page after
    /// page, as the IR's paging pattern says to move through the list.
    #[allow(clippy::too_many_arguments)]
    fn stream(
        &mut self,
        plan: &OperationPlan<'_>,
        prefix: &TokenStream,
        arg_decls: &[TokenStream],
        stream_args: &[TokenStream],
        arg_names: &[Ident],
        param_fields: &std::collections::HashMap<String, Ident>,
        success_ty: &TokenStream,
        error_ty: &TokenStream,
    ) -> TokenStream {
        use crate::ir::pagination::PageStyle;
        let op = plan.op;
        let (Some(name), Some(paging)) = (&plan.client.stream, &op.pagination) else {
            return TokenStream::new();
        };
        let skip = |this: &mut Self, why: &str| {
            this.degraded.push(Degradation::op(
                &op.name,
                &op.pointer,
                &format!("the operation pages, but has no `…_stream` method: {why}"),
            ));
            TokenStream::new()
        };
        if plan.client.success.is_some() {
            return skip(self, "its success responses differ in type");
        }
        if plan.body.is_some() {
            return skip(self, "it takes a request body");
        }
        let Some(cursor) = param_fields.get(paging.cursor_param()) else {
            return skip(self, "its paging parameter is required");
        };
        let size = paging.size_param().and_then(|p| param_fields.get(p));
        let Some(body_ty) = plan
            .successes()
            .first()
            .and_then(|r| r.media)
            .and_then(|m| m.schema.as_ref())
        else {
            return skip(self, "its success body has no schema");
        };
        let item = self.types.rust(&paging.item, prefix);
        // the items of `page` (the decoded body), as a Vec
        let items = match &paging.items {
            None => {
                if matches!(body_ty, TypeRef::Nullable { .. }) {
                    quote! { page.unwrap_or_default() }
                } else {
                    quote! { page }
                }
            }
            Some(field) => {
                let owner = match self.types.resolve(body_ty.non_null()) {
                    TypeRef::Named { name } => name.clone(),
                    _ => return skip(self, "its success body is not an object"),
                };
                let Some((f, optional)) = self.types.field(&owner, field) else {
                    return skip(self, "its items field has no Rust field");
                };
                if optional {
                    quote! { page.#f.unwrap_or_default() }
                } else {
                    quote! { page.#f }
                }
            }
        };
        let integer = |p: &str| {
            op.parameters
                .iter()
                .find(|x| x.name == p)
                .map(|x| match self.types.resolve(x.schema.non_null()) {
                    TypeRef::Primitive {
                        primitive: Primitive::Int32,
                    } => quote! { i32 },
                    _ => quote! { i64 },
                })
                .unwrap_or_else(|| quote! { i64 })
        };
        // a page shorter than the size asked for is the last
        let last = match size {
            Some(size) => quote! {
                items.is_empty() || params.#size.is_some_and(|s| items.len() < usize::try_from(s).unwrap_or(0))
            },
            None => quote! { items.is_empty() },
        };
        let (advance, how) = match &paging.style {
            PageStyle::Token { next, .. } => {
                let owner = match self.types.resolve(body_ty.non_null()) {
                    TypeRef::Named { name } => name.clone(),
                    _ => return skip(self, "its success body is not an object"),
                };
                let Some((next_field, optional)) = self.types.field(&owner, next) else {
                    return skip(self, "its next-token field has no Rust field");
                };
                let token = if optional {
                    quote! { page.#next_field }
                } else {
                    quote! { Some(page.#next_field) }
                };
                (
                    quote! {
                        let token: Option<String> = #token;
                        let items = #items;
                        let next = match token {
                            Some(t) if !t.is_empty() && params.#cursor.as_deref() != Some(t.as_str()) => {
                                let mut params = params;
                                params.#cursor = Some(t);
                                Some(params)
                            }
                            _ => None,
                        };
                    },
                    format!(
                        "sends each page's `{next}` back as `{}` until a page has none",
                        paging.cursor_param()
                    ),
                )
            }
            PageStyle::Page { first, .. } => {
                let ty = integer(paging.cursor_param());
                let first = proc_macro2::Literal::i64_unsuffixed(*first);
                (
                    quote! {
                        let items = #items;
                        let next = if #last {
                            None
                        } else {
                            let number: #ty = params.#cursor.unwrap_or(#first);
                            let mut params = params;
                            params.#cursor = Some(number + 1);
                            Some(params)
                        };
                    },
                    format!(
                        "asks for page after page (`{}`) until one is empty or short",
                        paging.cursor_param()
                    ),
                )
            }
            PageStyle::Offset { .. } => {
                let ty = integer(paging.cursor_param());
                (
                    quote! {
                        let items = #items;
                        let next = if #last {
                            None
                        } else {
                            let offset: #ty = params.#cursor.unwrap_or(0);
                            let step = #ty::try_from(items.len()).unwrap_or(#ty::MAX);
                            let mut params = params;
                            params.#cursor = Some(offset.saturating_add(step));
                            Some(params)
                        };
                    },
                    format!(
                        "moves `{}` past each page until one is empty or short",
                        paging.cursor_param()
                    ),
                )
            }
        };
        let method = ident(&plan.method);
        let name = ident(name);
        let doc = format!(
            " Every item of [`Client::{}`], page after page: the stream {how}. \
             It ends with the first error. `params` says where to start.",
            plan.method
        );
        let page = ident(plan.client.page.as_deref().unwrap_or_default());
        let page_doc = format!(
            " One page of [`Client::{name}`]: its items, and the parameters of the next \
             page (`None` after the last)."
        );
        let _ = success_ty;
        let Some(params_ty) = plan.client.params.as_deref().map(ident) else {
            return skip(self, "it has no optional parameters");
        };
        // the page method takes the parameters by value, the others as the method does
        let page_args = arg_decls.iter().zip(arg_names).map(|(decl, a)| {
            if a == "params" {
                quote! { params: #params_ty }
            } else {
                decl.clone()
            }
        });
        let call_args = arg_names.iter().map(|a| {
            if a == "params" {
                quote! { &params }
            } else {
                quote! { #a }
            }
        });
        quote! {
            #[doc = #doc]
            pub fn #name<'a>(&'a self, #(#stream_args),*) -> impl ::futures::Stream<Item = Result<#item, Error<#error_ty>>> + 'a {
                pages(params.clone(), move |params| self.#page(#(#arg_names),*))
            }
            #[doc = #page_doc]
            async fn #page(&self, #(#page_args),*) -> Result<(Vec<#item>, Option<#params_ty>), Error<#error_ty>> {
                let page = self.#method(#(#call_args),*).await?.body;
                #advance
                Ok((items, next))
            }
        }
    }

    /// The Rust type of a response body, and the expression decoding it from `__bytes`.
    fn response_body(&self, r: &ResponsePlan<'_>, prefix: &TokenStream) -> ResponseBodyCode {
        let code = |ty: TokenStream, decode: TokenStream| ResponseBodyCode { ty, decode };
        match &r.body {
            BodyType::Unit => code(quote! { () }, quote! { () }),
            BodyType::Model(t) => {
                let t = t
                    .as_ref()
                    .map(|s| self.types.rust(s, prefix))
                    .unwrap_or_else(|| quote! { ::serde_json::Value });
                // the type comes from where the value goes (the method's result)
                code(t, quote! { response.json()? })
            }
            BodyType::Multipart => {
                code(quote! { ::serde_json::Value }, quote! { response.json()? })
            }
            BodyType::Text => code(quote! { String }, quote! { response.text() }),
            // moved, not decoded: see `responses`
            BodyType::Bytes => code(quote! { Vec<u8> }, TokenStream::new()),
        }
    }

    /// The method's result types, the status match that decodes the response, and
    /// the `…Success`/`…Error` enums it needs.
    fn responses(&mut self, plan: &OperationPlan<'_>, prefix: &TokenStream) -> ResponsesCode {
        let mut items = TokenStream::new();
        let pattern = |s: StatusSpec| -> TokenStream {
            match s {
                StatusSpec::Code(c) => {
                    let c = proc_macro2::Literal::u16_unsuffixed(c);
                    quote! { #c }
                }
                StatusSpec::Range(r) => {
                    let lo = proc_macro2::Literal::u16_unsuffixed(u16::from(r) * 100);
                    let hi = proc_macro2::Literal::u16_unsuffixed(u16::from(r) * 100 + 99);
                    quote! { #lo..=#hi }
                }
                StatusSpec::Default => quote! { _ },
            }
        };
        // one enum of documented statuses (`…Success` or `…Error`)
        let mut status_enum = |name: &str, kind: &str, rows: &[&ResponsePlan<'_>]| -> Ident {
            let name = format_ident!("{}", name);
            let vs = rows.iter().map(|r| {
                let v = format_ident!("{}", r.variant);
                let ty = self.response_body(r, prefix).ty;
                let doc = format!(" Status {}.", r.response.status.label());
                if r.body == BodyType::Unit {
                    quote! { #[doc = #doc] #v, }
                } else {
                    quote! { #[doc = #doc] #v(#ty), }
                }
            });
            let doc = format!(
                " The documented {kind} responses of [`Client::{}`].",
                plan.method
            );
            items.extend(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone)]
                pub enum #name { #(#vs)* }
            });
            name
        };
        let successes = plan.successes();
        let success_enum = plan
            .client
            .success
            .as_deref()
            .map(|n| status_enum(n, "success", &successes));
        let error_enum = plan
            .client
            .error
            .as_deref()
            .map(|n| status_enum(n, "error", &plan.errors()));
        let success_ty = match (&success_enum, successes.first()) {
            (Some(e), _) => quote! { #e },
            (None, Some(first)) => self.response_body(first, prefix).ty,
            (None, None) => quote! { () },
        };
        let error_ty = match &error_enum {
            Some(e) => quote! { #e },
            None => quote! { ::std::convert::Infallible },
        };
        let mut arms = Vec::new();
        let mut has_wildcard = false;
        for r in plan.match_order() {
            let status = r.response.status;
            let pat = pattern(status);
            let decode = self.response_body(r, prefix).decode;
            let v = format_ident!("{}", r.variant);
            // the response with its body decoded (and wrapped in the status enum `e`);
            // raw bytes are moved into place, never copied
            let typed = |e: Option<&Ident>| match (e, &r.body) {
                (None, BodyType::Bytes) => quote! { response },
                (Some(e), BodyType::Bytes) => quote! { response.map(#e::#v) },
                (None, _) => quote! { typed(#decode, response) },
                (Some(e), BodyType::Unit) => quote! { typed(#e::#v, response) },
                (Some(e), _) => quote! { typed(#e::#v(#decode), response) },
            };
            let result = if status.is_success() {
                let body = typed(success_enum.as_ref());
                quote! { Ok(#body) }
            } else {
                let e = error_enum.as_ref().expect("the plan names an error enum");
                match &r.body {
                    BodyType::Bytes => {
                        let body = typed(Some(e));
                        quote! { Err(Error::Api(#body)) }
                    }
                    BodyType::Unit => quote! { api_error(#e::#v, response) },
                    _ => quote! { api_error(#e::#v(#decode), response) },
                }
            };
            if status == StatusSpec::Default {
                has_wildcard = true;
            }
            arms.push((pat, result));
        }
        let unexpected = quote! { Err(Error::UnexpectedStatus(response)) };
        if !has_wildcard {
            arms.push((quote! { _ }, unexpected));
        }
        let decode = if arms.len() == 1 {
            let (_, only) = arms.pop().expect("one arm");
            only
        } else {
            let arms = arms.iter().map(|(p, r)| quote! { #p => #r, });
            quote! { match response.status.as_u16() { #(#arms)* } }
        };
        ResponsesCode {
            success_ty,
            error_ty,
            decode,
            items,
        }
    }
}

/// The `Credentials` fields, the `with_…` setters and `authorize` of the client.
struct AuthCode {
    /// The credential fields, whose values `Debug` never prints.
    secret_fields: Vec<Ident>,
    fields: TokenStream,
    setters: TokenStream,
    apply: TokenStream,
}

/// The `reqwest_middleware` pieces of the client (empty without the feature).
#[derive(Default)]
struct MiddlewareCode {
    variant: TokenStream,
    status: TokenStream,
    widen: TokenStream,
    debug: TokenStream,
    display: TokenStream,
    source: TokenStream,
    field: TokenStream,
    init: TokenStream,
    ctor: TokenStream,
    execute: TokenStream,
}

/// A response body's Rust type and the expression decoding it from `__bytes`.
struct ResponseBodyCode {
    ty: TokenStream,
    decode: TokenStream,
}

/// What [`ClientEmitter::responses`] renders for one operation.
struct ResponsesCode {
    success_ty: TokenStream,
    error_ty: TokenStream,
    decode: TokenStream,
    items: TokenStream,
}
