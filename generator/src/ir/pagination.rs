//! Which list operations page, and how: decided once from the parameters and the
//! success response, so that the client's `…_stream` methods and the mock's
//! finite pages agree.
//!
//! Three patterns are recognised (names compared without case, `-` or `_`):
//! - **token**: an optional string query parameter (`page-token`, `cursor`,
//!   `after`, `next_page`, …) and a string field of the response object holding the
//!   next one (`next_page_token`, `next_cursor`, `next`, …);
//! - **page**: an optional integer query parameter `page` (`page_number`, …), with
//!   an optional size parameter (`per_page`, `page_size`, `limit`, …);
//! - **offset**: an optional integer query parameter `offset` (`skip`, `start`) with
//!   an optional `limit` (`count`, `page_size`, …).
//!
//! In every pattern the items are the response body itself (an array) or the one
//! array field of the response object (`items`, `data`, `results`… first).

use super::model::{Field, Method, Operation, ParamLocation, Primitive, TypeKind, TypeRef};
use indexmap::IndexMap;
use serde::Serialize;

/// How one list operation pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paging {
    /// The pattern, with the parameters it uses.
    pub style: PageStyle,
    /// The success status whose body carries the page.
    pub status: u16,
    /// The field of the response object holding the items; `None` when the body
    /// is the array of items.
    pub items: Option<String>,
    /// The type of one item.
    pub item: TypeRef,
}

/// A paging pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PageStyle {
    /// Each page names the next one with a token sent back in `param`. The last
    /// page says so as `end` describes.
    Token {
        /// The query parameter taking the token.
        param: String,
        /// The response field holding the next token.
        next: String,
        /// How a page says it is the last.
        end: TokenEnd,
    },
    /// Numbered pages; a page shorter than the size asked for (or empty) is the last.
    Page {
        /// The page number parameter.
        param: String,
        /// The number of the first page (the parameter's default or minimum, else 1).
        first: i64,
        /// The page size parameter, if there is one.
        size: Option<String>,
    },
    /// An offset into the list; a page shorter than the limit (or empty) is the last.
    Offset {
        /// The offset parameter.
        param: String,
        /// The page size parameter, if there is one.
        limit: Option<String>,
    },
}

/// How the last page of a token-paged list marks the end, in the strictest
/// reading of the next-token field's schema (what a server sends). Clients read
/// every one of them as the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenEnd {
    /// The field is left out (it is optional).
    Absent,
    /// The field is `null` (required, and nullable in the document's own version).
    Null,
    /// The field is the empty string (required and not nullable).
    Empty,
}

impl Paging {
    /// The query parameter whose value moves through the list.
    pub fn cursor_param(&self) -> &str {
        match &self.style {
            PageStyle::Token { param, .. }
            | PageStyle::Page { param, .. }
            | PageStyle::Offset { param, .. } => param,
        }
    }

    /// The page size parameter, if there is one.
    pub fn size_param(&self) -> Option<&str> {
        match &self.style {
            PageStyle::Token { .. } => None,
            PageStyle::Page { size, .. } => size.as_deref(),
            PageStyle::Offset { limit, .. } => limit.as_deref(),
        }
    }
}

const TOKEN_PARAMS: &[&str] = &[
    "pagetoken",
    "nextpagetoken",
    "nexttoken",
    "cursor",
    "pagecursor",
    "nextcursor",
    "after",
    "continuationtoken",
    "continuation",
    "marker",
    "starttoken",
    "nextpage",
    "token",
];
const TOKEN_FIELDS: &[&str] = &[
    "nextpagetoken",
    "nexttoken",
    "nextcursor",
    "cursor",
    "next",
    "nextpage",
    "continuationtoken",
    "nextmarker",
    "pagetoken",
];
const PAGE_PARAMS: &[&str] = &["page", "pagenumber", "pagenum", "pageno"];
const SIZE_PARAMS: &[&str] = &[
    "perpage",
    "pagesize",
    "limit",
    "size",
    "pagelen",
    "pagelength",
    "count",
    "maxresults",
];
const OFFSET_PARAMS: &[&str] = &["offset", "skip", "start", "startindex"];
/// Names lists give their items' array (compared by [`key`]).
pub(crate) const ITEMS_FIELDS: &[&str] = &[
    "items", "data", "results", "entries", "values", "records", "elements", "list", "nodes",
];

/// A name compared without case or separators (`page-token` = `pageToken`).
pub(crate) fn key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The structural type behind aliases and nullability.
pub(crate) fn resolve<'t>(
    t: &'t TypeRef,
    types: &'t IndexMap<String, super::TypeDef>,
) -> &'t TypeRef {
    let mut cur = t;
    for _ in 0..32 {
        match cur {
            TypeRef::Named { name } => match types.get(name).map(|d| &d.kind) {
                Some(TypeKind::Alias { target }) => cur = target,
                _ => return cur,
            },
            TypeRef::Nullable { inner } => cur = inner,
            _ => return cur,
        }
    }
    cur
}

fn is_string(t: &TypeRef, types: &IndexMap<String, super::TypeDef>) -> bool {
    matches!(
        resolve(t, types),
        TypeRef::Primitive {
            primitive: Primitive::String
        }
    )
}

fn is_integer(t: &TypeRef, types: &IndexMap<String, super::TypeDef>) -> bool {
    matches!(
        resolve(t, types),
        TypeRef::Primitive {
            primitive: Primitive::Int32 | Primitive::Int64
        }
    )
}

/// How `op` pages, if it does.
pub(crate) fn detect(op: &Operation, types: &IndexMap<String, super::TypeDef>) -> Option<Paging> {
    if op.method != Method::Get {
        return None;
    }
    // exactly one success response, with a JSON body
    let mut successes = op.responses.iter().filter(|r| r.status.is_success());
    let success = successes.next()?;
    if successes.next().is_some() {
        return None;
    }
    let status = success.status.representative();
    let media = super::wire::preferred(&success.content)?;
    if !matches!(
        media.kind,
        super::MediaKind::Json | super::MediaKind::JsonSuffix
    ) {
        return None;
    }
    let body = media.schema.as_ref()?;
    let query = |names: &[&str], want: &dyn Fn(&TypeRef) -> bool| {
        names.iter().find_map(|n| {
            op.params_in(ParamLocation::Query)
                .find(|p| !p.required && key(&p.name) == *n && want(&p.schema))
                .map(|p| p.name.clone())
        })
    };
    let string_param = |names: &[&str]| query(names, &|t| is_string(t, types));
    let int_param = |names: &[&str]| query(names, &|t| is_integer(t, types));
    // where the items are
    let (items, item, fields): (Option<String>, TypeRef, Option<&Vec<Field>>) =
        match resolve(body, types) {
            TypeRef::Array { items, .. } => (None, (**items).clone(), None),
            TypeRef::Named { name } => {
                let Some(TypeKind::Struct { fields, .. }) = types.get(name).map(|d| &d.kind) else {
                    return None;
                };
                let arrays: Vec<&Field> = fields
                    .iter()
                    .filter(|f| matches!(resolve(&f.schema, types), TypeRef::Array { .. }))
                    .collect();
                let chosen = ITEMS_FIELDS
                    .iter()
                    .find_map(|n| arrays.iter().find(|f| key(&f.name) == *n))
                    .or_else(|| (arrays.len() == 1).then(|| &arrays[0]))?;
                let TypeRef::Array { items, .. } = resolve(&chosen.schema, types) else {
                    return None;
                };
                (Some(chosen.name.clone()), (**items).clone(), Some(fields))
            }
            _ => return None,
        };
    // token: needs a next-token field in an object body
    if let (Some(fields), Some(param)) = (fields, string_param(TOKEN_PARAMS)) {
        let next = TOKEN_FIELDS.iter().find_map(|n| {
            fields
                .iter()
                .find(|f| key(&f.name) == *n && is_string(&f.schema, types))
        });
        if let Some(next) = next {
            let end = if !next.required {
                TokenEnd::Absent
            } else if next.nullable && !lenient_null(body, &next.name, types) {
                TokenEnd::Null
            } else {
                TokenEnd::Empty
            };
            return Some(Paging {
                style: PageStyle::Token {
                    param,
                    next: next.name.clone(),
                    end,
                },
                status,
                items,
                item,
            });
        }
    }
    if let Some(param) = int_param(PAGE_PARAMS) {
        let p = op
            .params_in(ParamLocation::Query)
            .find(|p| p.name == param)?;
        let number = |k: &str| p.json_schema.get(k).and_then(serde_json::Value::as_i64);
        let first = p
            .default
            .as_ref()
            .and_then(serde_json::Value::as_i64)
            .or_else(|| number("minimum"))
            .unwrap_or(1);
        return Some(Paging {
            style: PageStyle::Page {
                param,
                first,
                size: int_param(SIZE_PARAMS),
            },
            status,
            items,
            item,
        });
    }
    if let Some(param) = int_param(OFFSET_PARAMS) {
        return Some(Paging {
            style: PageStyle::Offset {
                param,
                limit: int_param(SIZE_PARAMS),
            },
            status,
            items,
            item,
        });
    }
    None
}

/// Is `field` of the response object nullable only leniently (a nullability the
/// document's version does not define, which a strict server never sends)?
fn lenient_null(body: &TypeRef, field: &str, types: &IndexMap<String, super::TypeDef>) -> bool {
    let TypeRef::Named { name } = resolve(body, types) else {
        return false;
    };
    types
        .get(name)
        .and_then(|d| d.json_schema.get("properties"))
        .and_then(|p| p.get(field))
        .and_then(|s| s.get(crate::loader::LENIENT_NULL))
        == Some(&serde_json::Value::Bool(true))
}
