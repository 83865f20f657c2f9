//! One plan per operation, decided before any token is built: its names in
//! the client and server modules, its arguments, the request body it takes
//! and the responses it distinguishes, with body types compared as values.
//! The client, server and round-trip emitters render these plans.

use super::names::{camel, operation_methods, Namer};
use crate::ir::wire::preferred;
use crate::ir::{
    Api, MediaKind, MediaType, Operation, ParamLocation, Parameter, Response, TypeRef,
};
use indexmap::IndexMap;

/// What a body is in Rust terms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BodyType {
    /// No body.
    Unit,
    /// A serde model (JSON or form): the schema's type, or free-form JSON.
    Model(Option<TypeRef>),
    /// `reqwest::multipart::Form` in a client, raw bytes in a server.
    Multipart,
    /// UTF-8 text.
    Text,
    /// Raw bytes.
    Bytes,
}

impl BodyType {
    fn of(media: Option<&MediaType>) -> Self {
        match media {
            None => BodyType::Unit,
            Some(m) => match m.kind {
                MediaKind::Json | MediaKind::JsonSuffix | MediaKind::Form => {
                    BodyType::Model(m.schema.clone())
                }
                MediaKind::Multipart => BodyType::Multipart,
                MediaKind::Text | MediaKind::Xml | MediaKind::EventStream => BodyType::Text,
                MediaKind::Binary => BodyType::Bytes,
            },
        }
    }
}

/// The request body an operation takes.
pub(crate) struct RequestBodyPlan<'a> {
    /// The media type sent (the client's preference).
    pub media: &'a MediaType,
    /// Its Rust type.
    pub body: BodyType,
    /// Required by the spec.
    pub required: bool,
    /// Documented media types of the same kind: what a server stub accepts.
    pub accepted: Vec<String>,
    /// Documented media types of other kinds: neither sent nor accepted.
    pub others: Vec<&'a str>,
}

impl RequestBodyPlan<'_> {
    /// The model a client passes for a model body: the schema's type, without its
    /// nullability when the body is optional (`Option<&T>`, never `Option<&Option<T>>`:
    /// no body is the `None`). `None` for free-form JSON and for other body kinds.
    pub fn model(&self) -> Option<&TypeRef> {
        match &self.body {
            BodyType::Model(Some(t)) if self.required => Some(t),
            BodyType::Model(Some(t)) => Some(t.non_null()),
            _ => None,
        }
    }
}

/// One documented response.
pub(crate) struct ResponsePlan<'a> {
    /// The response.
    pub response: &'a Response,
    /// The enum variant naming it (`Status200`, `Status4xx`, `Default`).
    pub variant: String,
    /// The media type read or written.
    pub media: Option<&'a MediaType>,
    /// Its Rust type.
    pub body: BodyType,
}

/// Names in the client module.
pub(crate) struct ClientNames {
    /// `…Params`, when the operation has optional parameters.
    pub params: Option<String>,
    /// `…Success`, when success responses differ in type.
    pub success: Option<String>,
    /// `…Error`, when error responses are documented.
    pub error: Option<String>,
    /// The method that returns the response undecoded (`…_raw`).
    pub raw: String,
    /// The method that follows pages (`…_stream`), when the operation paginates.
    pub stream: Option<String>,
    /// The private method that asks for one page of the stream (`…_page`).
    pub page: Option<String>,
}

/// An operation's companion methods on the client.
struct Companions {
    raw: String,
    stream: Option<String>,
    page: Option<String>,
}

/// Names in the server module.
pub(crate) struct ServerNames {
    /// `…Path`, `…Query`, `…Headers` input structs (when there are such parameters).
    pub inputs: Vec<(&'static str, String)>,
    /// `…Response`.
    pub response: String,
    /// `…Response{status}Headers`, by status label, for responses with headers.
    pub response_headers: IndexMap<String, String>,
    /// The handler function.
    pub handler: String,
    /// The parameter parser function.
    pub parser: String,
    /// The template constant.
    pub template: String,
}

/// Everything the emitters need to know about one operation.
pub(crate) struct OperationPlan<'a> {
    /// The operation.
    pub op: &'a Operation,
    /// The method name on `Client` and on `Api`.
    pub method: String,
    /// Required parameters in argument order: path parameters in template order,
    /// then required query, header and cookie parameters.
    pub required: Vec<&'a Parameter>,
    /// Optional parameters (the `…Params` fields).
    pub optional: Vec<&'a Parameter>,
    /// The request body.
    pub body: Option<RequestBodyPlan<'a>>,
    /// Responses, in status order.
    pub responses: Vec<ResponsePlan<'a>>,
    /// Client-module names.
    pub client: ClientNames,
    /// Server-module names.
    pub server: ServerNames,
}

impl<'a> OperationPlan<'a> {
    /// Success responses.
    pub fn successes(&self) -> Vec<&ResponsePlan<'a>> {
        self.responses
            .iter()
            .filter(|r| r.response.status.is_success())
            .collect()
    }

    /// Error (non-2xx, default) responses.
    pub fn errors(&self) -> Vec<&ResponsePlan<'a>> {
        self.responses
            .iter()
            .filter(|r| !r.response.status.is_success())
            .collect()
    }

    /// Do all success responses carry the same body type (so a client returns it directly)?
    pub fn successes_share_type(&self) -> bool {
        self.successes().windows(2).all(|w| w[0].body == w[1].body)
    }

    /// Responses in the order a status is matched against them: codes, ranges, default.
    pub fn match_order(&self) -> Vec<&ResponsePlan<'a>> {
        let mut v: Vec<&ResponsePlan<'a>> = self.responses.iter().collect();
        v.sort_by_key(|r| r.response.status.precedence());
        v
    }
}

/// Names each generated module reserves for its own items.
const CLIENT_RESERVED: &[&str] = &[
    "client",
    "error",
    "apiresponse",
    "credentials",
    "default_base_url",
];
const SERVER_RESERVED: &[&str] = &["api", "router", "problem", "fromparam"];

/// The plans of every operation, in document order.
pub(crate) fn plans(api: &Api) -> Vec<OperationPlan<'_>> {
    let methods = operation_methods(api);
    // companion methods (`…_raw`, `…_stream`) never take an operation's own name
    let mut companions = Namer::default();
    for m in methods.values() {
        companions.reserve(m);
    }
    let companion_names: IndexMap<&str, Companions> = api
        .operations
        .iter()
        .map(|op| {
            let method = &methods[&op.name];
            let raw = companions.unique(&format!("{method}_raw"));
            let pages = op.pagination.is_some();
            let stream = pages.then(|| companions.unique(&format!("{method}_stream")));
            let page = pages.then(|| companions.unique(&format!("{method}_page")));
            (op.name.as_str(), Companions { raw, stream, page })
        })
        .collect();
    let mut client_namer = Namer::with_reserved(CLIENT_RESERVED);
    let mut server_namer = Namer::with_reserved(SERVER_RESERVED);
    api.operations
        .iter()
        .map(|op| {
            let method = methods[&op.name].clone();
            let op_camel = camel(&op.name);
            let required = super::client::required_params(op);
            let optional: Vec<&Parameter> = op
                .parameters
                .iter()
                .filter(|p| p.location != ParamLocation::Path && !p.required)
                .collect();
            let body = op.request_body.as_ref().and_then(|rb| {
                let media = preferred(&rb.content)?;
                let kind = super::client::BodyKind::of(media.kind);
                let same = |m: &MediaType| super::client::BodyKind::of(m.kind) == kind;
                Some(RequestBodyPlan {
                    media,
                    body: BodyType::of(Some(media)),
                    required: rb.required,
                    accepted: rb
                        .content
                        .iter()
                        .filter(|m| same(m))
                        .map(|m| m.media_type.to_ascii_lowercase())
                        .collect(),
                    others: rb
                        .content
                        .iter()
                        .filter(|m| !same(m))
                        .map(|m| m.media_type.as_str())
                        .collect(),
                })
            });
            let responses: Vec<ResponsePlan<'_>> = op
                .responses
                .iter()
                .map(|r| {
                    let media = preferred(&r.content);
                    ResponsePlan {
                        response: r,
                        variant: r.status.variant_name(),
                        media,
                        body: BodyType::of(media),
                    }
                })
                .collect();
            let mut plan = OperationPlan {
                op,
                method: method.clone(),
                required,
                optional,
                body,
                responses,
                client: ClientNames {
                    params: None,
                    success: None,
                    error: None,
                    raw: companion_names[op.name.as_str()].raw.clone(),
                    stream: companion_names[op.name.as_str()].stream.clone(),
                    page: companion_names[op.name.as_str()].page.clone(),
                },
                server: ServerNames {
                    inputs: Vec::new(),
                    response: String::new(),
                    response_headers: IndexMap::new(),
                    handler: format!("handle_{method}"),
                    parser: format!("parse_{method}"),
                    template: format!("TEMPLATE_{}", method.to_ascii_uppercase()),
                },
            };
            // client names, in the order the module declares them
            if !plan.optional.is_empty() {
                plan.client.params = Some(client_namer.camel(&format!("{op_camel}Params")));
            }
            if !plan.successes().is_empty() && !plan.successes_share_type() {
                plan.client.success = Some(client_namer.camel(&format!("{op_camel}Success")));
            }
            if !plan.errors().is_empty() {
                plan.client.error = Some(client_namer.camel(&format!("{op_camel}Error")));
            }
            // server names
            for (suffix, locations) in INPUT_GROUPS {
                if op
                    .parameters
                    .iter()
                    .any(|p| locations.contains(&p.location))
                {
                    let name = server_namer.camel(&format!("{op_camel}{suffix}"));
                    plan.server.inputs.push((suffix, name));
                }
            }
            plan.server.response = server_namer.camel(&format!("{op_camel}Response"));
            for r in &op.responses {
                if !r.headers.is_empty() {
                    let name = server_namer
                        .camel(&format!("{op_camel}Response{}Headers", r.status.label()));
                    plan.server.response_headers.insert(r.status.label(), name);
                }
            }
            plan
        })
        .collect()
}

/// The server's input structs and the parameter locations each holds.
pub(crate) const INPUT_GROUPS: [(&str, &[ParamLocation]); 3] = [
    ("Path", &[ParamLocation::Path]),
    ("Query", &[ParamLocation::Query]),
    ("Headers", &[ParamLocation::Header, ParamLocation::Cookie]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companion_methods_never_take_an_operations_name() {
        // `listThings` pages; two other operations are named what its companions
        // would be called
        let spec = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
  /things/page:
    get:
      operationId: listThingsPage
      responses: {"204": {description: none}}
  /things/stream:
    get:
      operationId: listThingsStream
      responses: {"204": {description: none}}
"#;
        let loaded = crate::loader::load_str(spec, None).expect("loads");
        let api = crate::ir::lower::lower(&loaded).expect("lowers");
        let plans = plans(&api);
        let things = &plans[0].client;
        assert!(things.stream.is_some() && things.page.is_some(), "it pages");
        let mut names: Vec<&str> = plans.iter().map(|p| p.method.as_str()).collect();
        names.extend(plans.iter().map(|p| p.client.raw.as_str()));
        names.extend(things.stream.as_deref());
        names.extend(things.page.as_deref());
        let unique: std::collections::HashSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(things.page.as_deref(), Some("list_things_page_2"));
    }
}
