//! Resources inferred from the paths alone, for a stateful mock (and any other
//! consumer that wants "create, then read what was created"): a collection path
//! with `POST` creates; the path one parameter segment below it is the item
//! (`GET` reads, `PUT` replaces, `PATCH` merges, `DELETE` removes); `GET` on the
//! collection lists. A nested collection (`/repos/{repo_id}/secrets`) is scoped by
//! its parents' path values.
//!
//! The item parameter is paired with a field of the created object: the same name
//! (`id`, `repository`), or its last word (`context-id` → `id`, `secretName` →
//! `name`), looked up in the create response's schema and then the request body's.
//! Operations that cannot be paired stay stateless, each with the reason.

use super::model::{Api, Method, Operation, TypeKind, TypeRef};
use super::pagination::{key, resolve, ITEMS_FIELDS};
use super::wire::preferred;
use super::{MediaKind, PathPart, PathSegment};
use serde::Serialize;

/// What each operation of a resource does to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `POST` on the collection.
    Create,
    /// `GET` on the collection.
    List,
    /// `GET` on the item.
    Read,
    /// `PUT` on the item.
    Replace,
    /// `PATCH` on the item.
    Merge,
    /// `DELETE` on the item.
    Delete,
}

/// One resource: a collection and (when paired) its items.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// The collection's path template (`/repos/{repo_id}/secrets`): its name.
    pub path: String,
    /// How many path parameters scope the collection (its parents).
    pub parents: usize,
    /// The operations, by role.
    pub operations: Vec<(Role, String)>,
    /// The item path's parameter, when items are paired.
    pub id_param: Option<String>,
    /// The field of a stored object that holds its id.
    pub id_field: Option<String>,
    /// Where a list response holds the items: `None` for a body that is the array,
    /// else the array property.
    pub list_items: Option<String>,
}

impl Resource {
    /// The operation playing `role`, by IR name.
    pub fn operation(&self, role: Role) -> Option<&str> {
        self.operations
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, o)| o.as_str())
    }
}

/// The resources of an API and the operations left stateless.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Resources {
    /// Resources, in document order of their create operation.
    pub resources: Vec<Resource>,
    /// Operations outside every resource, with why.
    pub stateless: Vec<(String, String)>,
    /// Operation name → (resource index, role).
    #[serde(skip)]
    roles: std::collections::HashMap<String, (usize, Role)>,
}

impl Resources {
    /// The resource `op` (IR name) belongs to, and its role there.
    pub fn role_of(&self, op: &str) -> Option<(&Resource, Role)> {
        self.roles
            .get(op)
            .map(|(i, role)| (&self.resources[*i], *role))
    }
}

/// The one parameter of a segment that is nothing else.
fn lone_param(s: &PathSegment) -> Option<&str> {
    match s.parts.as_slice() {
        [PathPart::Param(p)] => Some(p),
        _ => None,
    }
}

/// The words of a name (`context-id` → context, id; `secretName` → secret, name).
fn words(name: &str) -> Vec<String> {
    heck::ToSnakeCase::to_snake_case(name)
        .split('_')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The property names of a JSON body's object schema (through aliases).
fn object_fields(api: &Api, t: &TypeRef) -> Vec<String> {
    match resolve(t, &api.types) {
        TypeRef::Named { name } => match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Struct { fields, .. }) => {
                fields.iter().map(|f| f.name.clone()).collect()
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The JSON body schema of an operation's usual success response.
fn success_body(op: &Operation) -> Option<&TypeRef> {
    let (i, _) = op.usual_response()?;
    let m = preferred(&op.responses[i].content)?;
    matches!(m.kind, MediaKind::Json | MediaKind::JsonSuffix)
        .then_some(m.schema.as_ref())
        .flatten()
}

fn request_body(op: &Operation) -> Option<&TypeRef> {
    let rb = op.request_body.as_ref()?;
    let m = preferred(&rb.content)?;
    matches!(m.kind, MediaKind::Json | MediaKind::JsonSuffix)
        .then_some(m.schema.as_ref())
        .flatten()
}

/// Where a list body holds its items: the body itself (an array), or its one array
/// property (the paging decision's, when the operation pages).
fn list_items(api: &Api, op: &Operation) -> Option<Option<String>> {
    if let Some(p) = &op.pagination {
        return Some(p.items.clone());
    }
    let Some(body) = success_body(op) else {
        // a list whose body the spec does not document: the statuses still tell
        return op
            .usual_response()
            .filter(|(i, _)| op.responses[*i].content.is_empty())
            .map(|_| None);
    };
    match resolve(body, &api.types) {
        TypeRef::Array { .. } => Some(None),
        TypeRef::Named { name } => {
            let Some(TypeKind::Struct { fields, .. }) = api.types.get(name).map(|d| &d.kind) else {
                return None;
            };
            // an array property named as lists' items are, or after the collection
            let last: String = op
                .template
                .segments
                .iter()
                .rev()
                .find_map(|s| s.literal())
                .map(key)
                .unwrap_or_default()
                .chars()
                .take(5)
                .collect();
            fields
                .iter()
                .filter(|f| matches!(resolve(&f.schema, &api.types), TypeRef::Array { .. }))
                .find(|f| {
                    let k = key(&f.name);
                    ITEMS_FIELDS.contains(&k.as_str()) || (!last.is_empty() && k.starts_with(&last))
                })
                .map(|f| Some(f.name.clone()))
        }
        _ => None,
    }
}

/// A template's shape: its segments with parameters blanked (`/repos/{}/secrets`).
fn shape(segments: &[PathSegment]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        for p in &s.parts {
            match p {
                PathPart::Literal(l) => out.push_str(l),
                PathPart::Param(_) => out.push_str("{}"),
            }
        }
    }
    out
}

/// Infer the resources of `api`: linear in the operations (templates are grouped
/// by shape once, and each collection looks its list and items up by shape).
pub fn infer(api: &Api) -> Resources {
    let mut out = Resources::default();
    let mut claimed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut by_shape: std::collections::HashMap<String, Vec<&Operation>> =
        std::collections::HashMap::new();
    for op in &api.operations {
        by_shape
            .entry(shape(&op.template.segments))
            .or_default()
            .push(op);
    }
    let no_ops: Vec<&Operation> = Vec::new();
    for create in api.operations.iter().filter(|o| o.method == Method::Post) {
        if claimed.contains(&create.name) {
            continue;
        }
        let Some(body) = request_body(create) else {
            continue;
        };
        let collection = &create.template.segments;
        // the collection must not be an item of another collection being created
        let mut operations = vec![(Role::Create, create.name.clone())];
        let collection_shape = shape(collection);
        let list = by_shape
            .get(&collection_shape)
            .unwrap_or(&no_ops)
            .iter()
            .copied()
            .find(|o| o.method == Method::Get);
        let mut list_items_at = None;
        if let Some(l) = list {
            if let Some(items) = list_items(api, l) {
                operations.push((Role::List, l.name.clone()));
                list_items_at = Some(items);
            }
        }
        // the item path: one lone parameter segment below the collection
        let items: Vec<&Operation> = by_shape
            .get(&format!("{collection_shape}/{{}}"))
            .unwrap_or(&no_ops)
            .iter()
            .copied()
            .filter(|o| lone_param(&o.template.segments[collection.len()]).is_some())
            .collect();
        let mut id_param = None;
        let mut id_field = None;
        if let Some(first) = items.first() {
            let param = lone_param(&first.template.segments[collection.len()])
                .unwrap_or_default()
                .to_string();
            let mut fields = success_body(create)
                .map(|t| object_fields(api, t))
                .unwrap_or_default();
            fields.extend(object_fields(api, body));
            let wanted = {
                let mut w = vec![key(&param)];
                let ws = words(&param);
                if let Some(last) = ws.last() {
                    w.push(key(last));
                }
                w.push("id".to_string());
                w
            };
            // the same name, its last word, `id`; else the longest field name the
            // parameter ends with (`orgname` → `name`, `labelid` → `id`)
            let field = wanted
                .iter()
                .find_map(|k| fields.iter().find(|f| key(f) == *k))
                .or_else(|| {
                    let p = key(&param);
                    fields
                        .iter()
                        .filter(|f| key(f).len() >= 2 && p.ends_with(&key(f)))
                        .max_by_key(|f| key(f).len())
                })
                .cloned();
            match field {
                Some(f) => {
                    for o in &items {
                        let role = match o.method {
                            Method::Get => Role::Read,
                            Method::Put => Role::Replace,
                            Method::Patch => Role::Merge,
                            Method::Delete => Role::Delete,
                            _ => continue,
                        };
                        if operations.iter().all(|(r, _)| *r != role) {
                            operations.push((role, o.name.clone()));
                        }
                    }
                    id_param = Some(param);
                    id_field = Some(f);
                }
                None => {
                    for o in &items {
                        out.stateless.push((
                            o.name.clone(),
                            format!(
                                "its path parameter '{param}' matches no field of what {} creates",
                                create.name
                            ),
                        ));
                    }
                }
            }
        }
        if operations.len() == 1 {
            // nothing lists or reads what it would create
            continue;
        }
        // by name, not through Api::operation (a scan of every operation: once
        // per resource, that was quadratic)
        claimed.extend(operations.iter().map(|(_, o)| o.clone()));
        let parents = collection
            .iter()
            .flat_map(|s| &s.parts)
            .filter(|p| matches!(p, PathPart::Param(_)))
            .count();
        out.resources.push(Resource {
            path: create.path.clone(),
            parents,
            operations,
            id_param,
            id_field,
            list_items: list_items_at.flatten(),
        });
    }
    let paired: std::collections::HashSet<&str> = out
        .resources
        .iter()
        .flat_map(|r| r.operations.iter().map(|(_, o)| o.as_str()))
        .chain(out.stateless.iter().map(|(o, _)| o.as_str()))
        .collect();
    let mut rest = Vec::new();
    for op in &api.operations {
        if paired.contains(op.name.as_str()) {
            continue;
        }
        let why = match op.method {
            Method::Post if request_body(op).is_none() => "a POST without a JSON body",
            Method::Post => "nothing lists or reads what this POST creates",
            _ => "not under a collection that has a POST with a JSON body",
        };
        rest.push((op.name.clone(), why.to_string()));
    }
    out.stateless.extend(rest);
    out.roles = out
        .resources
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.operations
                .iter()
                .map(move |(role, o)| (o.clone(), (i, *role)))
        })
        .collect();
    out
}
