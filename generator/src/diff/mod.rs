//! `specforge diff OLD NEW`: what changed between two versions of a spec, as
//! breaking or not for a client (code written against OLD calling a server of NEW)
//! and for a server (an implementation of OLD that must now serve NEW), and what
//! the change does to the generated Rust crate (its public items, compared, and the
//! semver bump that implies).
//!
//! Both versions go through the same loader and IR, so a Swagger 2.0 and an
//! OpenAPI 3.x version of one API compare. Operations are matched by method and
//! path (parameter names ignored); schemas are compared structurally through
//! their `$ref`s, one change per property and rule.

mod api;
mod report;
mod schema;

pub use api::{public_api, ApiChanges, Bump};
pub use report::{render, Format};

use crate::ir::{Api, Operation, ParamLocation, Parameter};
use schema::Dir;
use serde::Serialize;

/// How bad a change is, for one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Nothing to do.
    Info,
    /// Works, but worth a look (behaviour may differ).
    Warning,
    /// Existing code breaks.
    Breaking,
}

impl Level {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Breaking => "breaking",
        }
    }
}

/// One change.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The kind (`request-property-removed`, `operation-removed`…).
    pub id: String,
    /// For clients written against the old version.
    pub client: Level,
    /// For servers implementing the old version.
    pub server: Level,
    /// What changed, in words.
    pub message: String,
    /// The operation (`GET /repos/{}`), when the change is inside one.
    pub operation: Option<String>,
    /// Where in the old document.
    pub old: Option<String>,
    /// Where in the new document.
    pub new: Option<String>,
}

impl Change {
    /// The worse of the two sides.
    pub fn level(&self) -> Level {
        self.client.max(self.server)
    }
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Every change, in document order.
    pub changes: Vec<Change>,
    /// The generated crate's public items, compared.
    pub crate_api: ApiChanges,
}

/// The key an operation is matched by: method and path with parameter names blanked.
fn op_key(op: &Operation) -> String {
    let mut path = String::new();
    let mut depth = 0;
    for c in op.path.chars() {
        match c {
            '{' => {
                depth += 1;
                path.push_str("{}");
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            c => path.push(c),
        }
    }
    format!("{} {}", op.method.as_str(), path.trim_end_matches('/'))
}

struct Differ<'a> {
    old: &'a Api,
    new: &'a Api,
    out: Vec<Change>,
}

impl Differ<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        id: &str,
        client: Level,
        server: Level,
        message: String,
        operation: Option<&str>,
        old: Option<String>,
        new: Option<String>,
    ) {
        self.out.push(Change {
            id: id.to_string(),
            client,
            server,
            message,
            operation: operation.map(str::to_string),
            old,
            new,
        });
    }
}

/// Compare two IRs; the crate comparison generates both crates.
pub fn diff(old: &Api, new: &Api) -> Diff {
    let mut d = Differ {
        old,
        new,
        out: Vec::new(),
    };
    d.api_level();
    d.operations();
    let crate_api = api::compare(old, new);
    Diff {
        changes: d.out,
        crate_api,
    }
}

use Level::{Breaking, Info, Warning};

impl Differ<'_> {
    fn api_level(&mut self) {
        let (o, n) = (self.old, self.new);
        if o.base_path != n.base_path {
            self.push(
                "base-path-changed",
                Breaking,
                Warning,
                format!(
                    "the base path changed from {:?} to {:?}",
                    o.base_path, n.base_path
                ),
                None,
                Some("#/servers".into()),
                Some("#/servers".into()),
            );
        }
        if o.servers != n.servers && o.base_path == n.base_path {
            self.push(
                "server-url-changed",
                Warning,
                Info,
                format!("the server URLs changed: {:?} → {:?}", o.servers, n.servers),
                None,
                Some("#/servers".into()),
                Some("#/servers".into()),
            );
        }
        if o.version != n.version {
            self.push(
                "api-version-changed",
                Info,
                Info,
                format!("info.version {} → {}", o.version, n.version),
                None,
                Some("#/info/version".into()),
                Some("#/info/version".into()),
            );
        }
        if o.spec_version.label() != n.spec_version.label() {
            self.push(
                "spec-version-changed",
                Info,
                Info,
                format!(
                    "the document moved from {} to {}",
                    o.spec_version.label(),
                    n.spec_version.label()
                ),
                None,
                None,
                None,
            );
        }
        for name in o.security_schemes.keys() {
            if !n.security_schemes.contains_key(name) {
                self.push(
                    "security-scheme-removed",
                    Breaking,
                    Warning,
                    format!("the security scheme '{name}' was removed"),
                    None,
                    Some(format!("#/components/securitySchemes/{name}")),
                    None,
                );
            }
        }
        for (name, s) in &n.security_schemes {
            match o.security_schemes.get(name) {
                None => self.push(
                    "security-scheme-added",
                    Info,
                    Info,
                    format!("the security scheme '{name}' was added"),
                    None,
                    None,
                    Some(format!("#/components/securitySchemes/{name}")),
                ),
                Some(old) if old.credential() != s.credential() => self.push(
                    "security-scheme-changed",
                    Breaking,
                    Breaking,
                    format!(
                        "the security scheme '{name}' takes other credentials: {:?} → {:?}",
                        old.credential(),
                        s.credential()
                    ),
                    None,
                    Some(format!("#/components/securitySchemes/{name}")),
                    Some(format!("#/components/securitySchemes/{name}")),
                ),
                Some(_) => {}
            }
        }
        for (name, _) in &o.schema_defs {
            if !n.schema_defs.contains_key(name) {
                self.push(
                    "schema-removed",
                    Warning,
                    Info,
                    format!("the component schema '{name}' was removed"),
                    None,
                    Some(format!("#/components/schemas/{name}")),
                    None,
                );
            }
        }
        for (name, _) in &n.schema_defs {
            if !o.schema_defs.contains_key(name) {
                self.push(
                    "schema-added",
                    Info,
                    Info,
                    format!("the component schema '{name}' was added"),
                    None,
                    None,
                    Some(format!("#/components/schemas/{name}")),
                );
            }
        }
    }

    fn operations(&mut self) {
        let (o, n) = (self.old, self.new);
        for old_op in &o.operations {
            let key = op_key(old_op);
            match n.operations.iter().find(|x| op_key(x) == key) {
                None => self.push(
                    "operation-removed",
                    Breaking,
                    Info,
                    format!("{key} was removed"),
                    Some(&key),
                    Some(old_op.pointer.clone()),
                    None,
                ),
                Some(new_op) => self.operation(old_op, new_op, &key),
            }
        }
        for new_op in &n.operations {
            let key = op_key(new_op);
            if !o.operations.iter().any(|x| op_key(x) == key) {
                self.push(
                    "operation-added",
                    Info,
                    Warning,
                    format!("{key} was added (a server must implement it)"),
                    Some(&key),
                    None,
                    Some(new_op.pointer.clone()),
                );
            }
        }
    }

    fn operation(&mut self, o: &Operation, n: &Operation, key: &str) {
        let at = |op: &Operation| Some(op.pointer.clone());
        if !o.deprecated && n.deprecated {
            self.push(
                "operation-deprecated",
                Warning,
                Info,
                format!("{key} is deprecated"),
                Some(key),
                at(o),
                at(n),
            );
        }
        if o.operation_id != n.operation_id {
            self.push(
                "operation-id-changed",
                Warning,
                Warning,
                format!(
                    "the operationId changed: {:?} → {:?} (generated method names follow it)",
                    o.operation_id, n.operation_id
                ),
                Some(key),
                at(o),
                at(n),
            );
        }
        if o.tags != n.tags {
            self.push(
                "operation-tags-changed",
                Info,
                Info,
                format!("tags {:?} → {:?}", o.tags, n.tags),
                Some(key),
                at(o),
                at(n),
            );
        }
        self.security(o, n, key);
        self.parameters(o, n, key);
        self.request_body(o, n, key);
        self.responses(o, n, key);
    }

    fn security(&mut self, o: &Operation, n: &Operation, key: &str) {
        let open = |op: &Operation| {
            op.security.is_empty() || op.security.iter().any(|r| r.schemes.is_empty())
        };
        let at = |op: &Operation| Some(format!("{}/security", op.pointer));
        if open(o) && !open(n) {
            self.push(
                "security-added",
                Breaking,
                Warning,
                format!("{key} now requires credentials"),
                Some(key),
                at(o),
                at(n),
            );
        } else if !open(o) && open(n) {
            self.push(
                "security-removed",
                Info,
                Warning,
                format!("{key} no longer requires credentials"),
                Some(key),
                at(o),
                at(n),
            );
        } else if !open(o) {
            let names = |op: &Operation| {
                let mut v: Vec<Vec<String>> = op
                    .security
                    .iter()
                    .map(|r| {
                        let mut s: Vec<String> = r.schemes.iter().map(|(n, _)| n.clone()).collect();
                        s.sort();
                        s
                    })
                    .collect();
                v.sort();
                v
            };
            if names(o) != names(n) {
                self.push(
                    "security-requirement-changed",
                    Breaking,
                    Warning,
                    format!(
                        "{key} accepts other credentials: {:?} → {:?}",
                        names(o),
                        names(n)
                    ),
                    Some(key),
                    at(o),
                    at(n),
                );
            } else {
                let scopes = |op: &Operation| -> Vec<String> {
                    let mut v: Vec<String> = op
                        .security
                        .iter()
                        .flat_map(|r| r.schemes.iter().flat_map(|(_, s)| s.clone()))
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                };
                let (so, sn) = (scopes(o), scopes(n));
                if let Some(s) = sn.iter().find(|s| !so.contains(s)) {
                    self.push(
                        "security-scope-added",
                        Breaking,
                        Info,
                        format!("{key} needs the scope '{s}'"),
                        Some(key),
                        at(o),
                        at(n),
                    );
                }
                if let Some(s) = so.iter().find(|s| !sn.contains(s)) {
                    self.push(
                        "security-scope-removed",
                        Info,
                        Warning,
                        format!("{key} no longer needs the scope '{s}'"),
                        Some(key),
                        at(o),
                        at(n),
                    );
                }
            }
        }
    }

    fn parameters(&mut self, o: &Operation, n: &Operation, key: &str) {
        let find = |op: &'_ Operation, p: &Parameter| -> Option<(usize, Parameter)> {
            // path parameters by position (names may change), the others by name and place
            if p.location == ParamLocation::Path {
                let i = o.path_params().iter().position(|x| x.name == p.name)?;
                op.path_params().get(i).map(|x| (i, (*x).clone()))
            } else {
                op.parameters
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&p.name) && x.location == p.location)
                    .map(|i| (i, op.parameters[i].clone()))
            }
        };
        let at = |op: &Operation, p: &Parameter| {
            Some(format!(
                "{}/parameters/{}:{}",
                op.pointer,
                p.location.as_str(),
                p.name
            ))
        };
        for p in &o.parameters {
            let what = format!("{} parameter '{}'", p.location.as_str(), p.name);
            match find(n, p) {
                None => {
                    // moved to another place?
                    if let Some(moved) = n
                        .parameters
                        .iter()
                        .find(|x| x.name.eq_ignore_ascii_case(&p.name))
                    {
                        self.push(
                            "parameter-location-changed",
                            Breaking,
                            Breaking,
                            format!("{what} moved to {}", moved.location.as_str()),
                            Some(key),
                            at(o, p),
                            at(n, moved),
                        );
                    } else {
                        self.push(
                            "parameter-removed",
                            Warning,
                            Info,
                            format!("{what} was removed"),
                            Some(key),
                            at(o, p),
                            None,
                        );
                    }
                }
                Some((_, q)) => {
                    if !p.required && q.required {
                        self.push(
                            "parameter-became-required",
                            Breaking,
                            Info,
                            format!("{what} became required"),
                            Some(key),
                            at(o, p),
                            at(n, &q),
                        );
                    }
                    if p.required && !q.required {
                        self.push(
                            "parameter-became-optional",
                            Info,
                            Breaking,
                            format!("{what} became optional"),
                            Some(key),
                            at(o, p),
                            at(n, &q),
                        );
                    }
                    if p.style != q.style || p.explode != q.explode {
                        self.push(
                            "parameter-serialization-changed",
                            Breaking,
                            Breaking,
                            format!("{what} is serialized differently ({:?}/explode={} → {:?}/explode={})", p.style, p.explode, q.style, q.explode),
                            Some(key),
                            at(o, p),
                            at(n, &q),
                        );
                    }
                    if p.default != q.default {
                        self.push(
                            "parameter-default-changed",
                            Warning,
                            Warning,
                            format!(
                                "{what}'s default changed: {:?} → {:?}",
                                p.default, q.default
                            ),
                            Some(key),
                            at(o, p),
                            at(n, &q),
                        );
                    }
                    schema::compare(
                        self,
                        Dir::Request,
                        "parameter",
                        &what,
                        (&p.json_schema, &q.json_schema),
                        key,
                        (at(o, p), at(n, &q)),
                    );
                }
            }
        }
        for q in &n.parameters {
            let back = match q.location {
                ParamLocation::Path => None,
                _ => o
                    .parameters
                    .iter()
                    .find(|x| x.name.eq_ignore_ascii_case(&q.name)),
            };
            if q.location == ParamLocation::Path || back.is_some() {
                continue;
            }
            let what = format!("{} parameter '{}'", q.location.as_str(), q.name);
            if q.required {
                self.push(
                    "required-parameter-added",
                    Breaking,
                    Info,
                    format!("{what} was added, required"),
                    Some(key),
                    None,
                    at(n, q),
                );
            } else {
                self.push(
                    "optional-parameter-added",
                    Info,
                    Warning,
                    format!("{what} was added"),
                    Some(key),
                    None,
                    at(n, q),
                );
            }
        }
    }

    fn request_body(&mut self, o: &Operation, n: &Operation, key: &str) {
        let at = |op: &Operation| Some(format!("{}/requestBody", op.pointer));
        match (&o.request_body, &n.request_body) {
            (None, None) => {}
            (None, Some(b)) => {
                if b.required {
                    self.push(
                        "request-body-added-required",
                        Breaking,
                        Info,
                        format!("{key} takes a required body"),
                        Some(key),
                        None,
                        at(n),
                    );
                } else {
                    self.push(
                        "request-body-added-optional",
                        Info,
                        Warning,
                        format!("{key} takes an optional body"),
                        Some(key),
                        None,
                        at(n),
                    );
                }
            }
            (Some(_), None) => self.push(
                "request-body-removed",
                Warning,
                Info,
                format!("{key} takes no body any more"),
                Some(key),
                at(o),
                None,
            ),
            (Some(a), Some(b)) => {
                if !a.required && b.required {
                    self.push(
                        "request-body-became-required",
                        Breaking,
                        Info,
                        format!("{key}'s body became required"),
                        Some(key),
                        at(o),
                        at(n),
                    );
                }
                if a.required && !b.required {
                    self.push(
                        "request-body-became-optional",
                        Info,
                        Breaking,
                        format!("{key}'s body became optional"),
                        Some(key),
                        at(o),
                        at(n),
                    );
                }
                for m in &a.content {
                    match b
                        .content
                        .iter()
                        .find(|x| x.media_type.eq_ignore_ascii_case(&m.media_type))
                    {
                        None => self.push(
                            "request-media-type-removed",
                            Breaking,
                            Info,
                            format!("{key} no longer takes {}", m.media_type),
                            Some(key),
                            at(o),
                            at(n),
                        ),
                        Some(x) => {
                            if let (Some(s), Some(t)) = (&m.json_schema, &x.json_schema) {
                                schema::compare(
                                    self,
                                    Dir::Request,
                                    "request",
                                    "the body",
                                    (s, t),
                                    key,
                                    (at(o), at(n)),
                                );
                            }
                        }
                    }
                }
                for m in &b.content {
                    if !a
                        .content
                        .iter()
                        .any(|x| x.media_type.eq_ignore_ascii_case(&m.media_type))
                    {
                        self.push(
                            "request-media-type-added",
                            Info,
                            Warning,
                            format!("{key} also takes {}", m.media_type),
                            Some(key),
                            at(o),
                            at(n),
                        );
                    }
                }
            }
        }
    }

    fn responses(&mut self, o: &Operation, n: &Operation, key: &str) {
        let at = |op: &Operation, label: &str| Some(format!("{}/responses/{label}", op.pointer));
        for r in &o.responses {
            let label = r.status.label();
            let Some(s) = n.responses.iter().find(|x| x.status == r.status) else {
                self.push(
                    "response-status-removed",
                    Warning,
                    Info,
                    format!("{key} no longer documents status {label}"),
                    Some(key),
                    at(o, &label),
                    None,
                );
                continue;
            };
            for m in &r.content {
                match s
                    .content
                    .iter()
                    .find(|x| x.media_type.eq_ignore_ascii_case(&m.media_type))
                {
                    None => self.push(
                        "response-media-type-removed",
                        Breaking,
                        Info,
                        format!("{key} {label} no longer answers {}", m.media_type),
                        Some(key),
                        at(o, &label),
                        at(n, &label),
                    ),
                    Some(x) => {
                        if let (Some(a), Some(b)) = (&m.json_schema, &x.json_schema) {
                            schema::compare(
                                self,
                                Dir::Response,
                                "response",
                                &format!("the {label} body"),
                                (a, b),
                                key,
                                (at(o, &label), at(n, &label)),
                            );
                        }
                    }
                }
            }
            for m in &s.content {
                if !r
                    .content
                    .iter()
                    .any(|x| x.media_type.eq_ignore_ascii_case(&m.media_type))
                {
                    let id = if r.content.is_empty() {
                        "response-body-added"
                    } else {
                        "response-media-type-added"
                    };
                    self.push(
                        id,
                        Warning,
                        Breaking,
                        format!("{key} {label} may answer {}", m.media_type),
                        Some(key),
                        at(o, &label),
                        at(n, &label),
                    );
                }
            }
            if !r.content.is_empty() && s.content.is_empty() {
                self.push(
                    "response-body-removed",
                    Breaking,
                    Info,
                    format!("{key} {label} has no body any more"),
                    Some(key),
                    at(o, &label),
                    at(n, &label),
                );
            }
            for h in &r.headers {
                match s
                    .headers
                    .iter()
                    .find(|x| x.name.eq_ignore_ascii_case(&h.name))
                {
                    None => self.push(
                        "response-header-removed",
                        if h.required { Breaking } else { Warning },
                        Info,
                        format!("{key} {label} no longer sends the header {}", h.name),
                        Some(key),
                        at(o, &label),
                        at(n, &label),
                    ),
                    Some(x) => {
                        if h.required && !x.required {
                            self.push(
                                "response-header-became-optional",
                                Breaking,
                                Info,
                                format!("{key} {label}: the header {} became optional", h.name),
                                Some(key),
                                at(o, &label),
                                at(n, &label),
                            );
                        }
                        if !h.required && x.required {
                            self.push(
                                "response-header-became-required",
                                Info,
                                Breaking,
                                format!("{key} {label}: the header {} became required", h.name),
                                Some(key),
                                at(o, &label),
                                at(n, &label),
                            );
                        }
                    }
                }
            }
            for x in &s.headers {
                if !r
                    .headers
                    .iter()
                    .any(|h| h.name.eq_ignore_ascii_case(&x.name))
                {
                    self.push(
                        "response-header-added",
                        Info,
                        if x.required { Breaking } else { Info },
                        format!("{key} {label} sends the header {}", x.name),
                        Some(key),
                        at(o, &label),
                        at(n, &label),
                    );
                }
            }
        }
        for s in &n.responses {
            if !o.responses.iter().any(|x| x.status == s.status) {
                let label = s.status.label();
                let success = s.status.is_success();
                self.push(
                    if success {
                        "success-status-added"
                    } else {
                        "error-status-added"
                    },
                    if success { Breaking } else { Warning },
                    Info,
                    format!("{key} documents status {label}"),
                    Some(key),
                    None,
                    at(n, &label),
                );
            }
        }
    }
}
