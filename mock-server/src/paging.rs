//! Finite pages for list operations that page (the IR's [`Paging`]): a fixed
//! number of items per list, served page by page as the request's cursor and size
//! ask, the last page marked the way the spec's strictest reading allows.
//!
//! Items are generated from the item schema with a seed per list and position, so
//! the same item is at the same position on every request, and pages do not overlap.

use serde_json::Value;
use specforge::ir::pagination::{PageStyle, Paging, TokenEnd};
use specforge::ir::{Operation, ParamLocation};
use specforge_contract::check::Direction;
use specforge_contract::datagen::{stable_hash, Generator};

use crate::state::{CompiledMedia, MockState};

/// Page size when the request names none and the size parameter has no default.
const DEFAULT_PAGE_SIZE: u64 = 10;
/// Prefix of the page tokens the mock hands out (`sf` + the offset of the next page).
const TOKEN_PREFIX: &str = "sf";

/// Where a request is in a list.
struct Window {
    offset: u64,
    size: u64,
}

/// Rewrite `body` (a generated or example page of `op`) into the page the request
/// asks for. Returns `None` when the operation does not page, when the body is
/// not where the IR says the items are, or when the rewritten page would break the
/// response schema (then the caller serves `body` as it is).
pub fn page(
    state: &MockState,
    op: &Operation,
    media: &CompiledMedia,
    query: &[(String, String)],
    body: &Value,
    stored: Option<&[Value]>,
) -> Option<Value> {
    let paging = op.pagination.as_ref()?;
    let total = match stored {
        Some(items) => items.len() as u64,
        None => state.options.list_total as u64,
    };
    let window = window(op, paging, query);
    let start = window.offset.min(total);
    let end = window.offset.saturating_add(window.size).min(total);
    let mut out = body.clone();
    let seed = stable_hash(&[&state.options.seed.to_string(), &op.name, "list"]);
    let item_schema = media
        .schema
        .as_ref()
        .and_then(|s| item_schema(s, state.response_set.defs(), paging.items.as_deref()));
    let mut items = Vec::new();
    for i in start..end {
        if let Some(stored) = stored {
            items.push(stored[i as usize].clone());
            continue;
        }
        let item_seed = seed ^ stable_hash(&[&i.to_string()]);
        let item = match &item_schema {
            Some(schema) => {
                Generator::new(state.response_set.defs(), item_seed, Direction::Response)
                    .value(schema)
            }
            // no schema to generate from: reuse the body's own items in turn
            None => {
                let pool = items_of(body, paging)?.as_array()?.clone();
                let n = pool.len() as u64;
                if n == 0 {
                    return None;
                }
                pool[(i % n) as usize].clone()
            }
        };
        items.push(item);
    }
    *items_of_mut(&mut out, paging)? = Value::Array(items);
    if let PageStyle::Token {
        next, end: ends, ..
    } = &paging.style
    {
        let obj = out.as_object_mut()?;
        if end < total {
            obj.insert(next.clone(), Value::String(format!("{TOKEN_PREFIX}{end}")));
        } else {
            match ends {
                TokenEnd::Absent => {
                    obj.remove(next);
                }
                TokenEnd::Null => {
                    obj.insert(next.clone(), Value::Null);
                }
                TokenEnd::Empty => {
                    obj.insert(next.clone(), Value::String(String::new()));
                }
            }
        }
    }
    let valid = media.checker.as_ref().is_none_or(|c| c.is_valid(&out));
    if !valid {
        tracing::warn!(
            operation = %op.name,
            "a finite page would break the response schema; serving an unpaged body"
        );
        return None;
    }
    Some(out)
}

/// The offset and size the request asks for.
fn window(op: &Operation, paging: &Paging, query: &[(String, String)]) -> Window {
    let value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let param = |name: &str| op.params_in(ParamLocation::Query).find(|p| p.name == name);
    let size = match paging.size_param() {
        Some(name) => {
            let p = param(name);
            let schema_number =
                |k: &str| p.and_then(|p| p.json_schema.get(k)).and_then(Value::as_u64);
            let asked = value(name).and_then(|v| v.parse::<u64>().ok());
            let default = p.and_then(|p| p.default.as_ref()).and_then(Value::as_u64);
            let size = asked.or(default).unwrap_or(DEFAULT_PAGE_SIZE);
            let size = match schema_number("maximum") {
                Some(max) => size.min(max),
                None => size,
            };
            size.max(schema_number("minimum").unwrap_or(0))
        }
        None => DEFAULT_PAGE_SIZE,
    };
    let offset = match &paging.style {
        PageStyle::Token { param, .. } => match value(param) {
            None | Some("") => 0,
            // a token the mock did not hand out is past the end
            Some(t) => t
                .strip_prefix(TOKEN_PREFIX)
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(u64::MAX),
        },
        PageStyle::Page { param, first, .. } => {
            let number = value(param)
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(*first);
            let index = number.saturating_sub(*first).max(0) as u64;
            index.saturating_mul(size)
        }
        PageStyle::Offset { param, .. } => value(param)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0),
    };
    Window { offset, size }
}

fn items_of<'v>(body: &'v Value, paging: &Paging) -> Option<&'v Value> {
    match &paging.items {
        None => Some(body),
        Some(field) => body.get(field),
    }
}

fn items_of_mut<'v>(body: &'v mut Value, paging: &Paging) -> Option<&'v mut Value> {
    match &paging.items {
        None => Some(body),
        Some(field) => body.as_object_mut()?.get_mut(field),
    }
}

/// The JSON Schema of one item: `items` of the body, or of its property `field`,
/// through `$ref`s into `defs` and `allOf` branches.
fn item_schema(
    schema: &Value,
    defs: &indexmap::IndexMap<String, Value>,
    field: Option<&str>,
) -> Option<Value> {
    let array = match field {
        None => specforge::ir::deref(schema, defs),
        Some(f) => property(schema, defs, f, 0)?,
    };
    specforge::ir::deref(array, defs).get("items").cloned()
}

fn property<'s>(
    schema: &'s Value,
    defs: &'s indexmap::IndexMap<String, Value>,
    field: &str,
    depth: usize,
) -> Option<&'s Value> {
    if depth > 16 {
        return None;
    }
    let s = specforge::ir::deref(schema, defs);
    if let Some(p) = s.get("properties").and_then(|p| p.get(field)) {
        return Some(p);
    }
    s.get("allOf")?
        .as_array()?
        .iter()
        .find_map(|branch| property(branch, defs, field, depth + 1))
}
