//! Finding recursive types: a type is recursive when it can reach itself
//! through fields, variants or aliases (arrays and maps included).

use super::model::{TypeDef, TypeKind, TypeRef};
use indexmap::IndexMap;
use std::collections::HashSet;

/// Every named type `t` refers to, directly.
pub fn references(t: &TypeDef) -> Vec<&str> {
    let mut out = Vec::new();
    match &t.kind {
        TypeKind::Struct { fields, additional } => {
            for f in fields {
                named_in(&f.schema, &mut out);
            }
            if let Some(a) = additional {
                named_in(a, &mut out);
            }
        }
        TypeKind::Union { variants, .. } => {
            for v in variants {
                named_in(&v.schema, &mut out);
            }
        }
        TypeKind::Alias { target } => named_in(target, &mut out),
        TypeKind::Enum { .. } => {}
    }
    out
}

/// The named types a type reference mentions.
pub fn named_in<'t>(t: &'t TypeRef, out: &mut Vec<&'t str>) {
    match t {
        TypeRef::Named { name } => out.push(name),
        TypeRef::Array { items, .. } => named_in(items, out),
        TypeRef::Map { values } => named_in(values, out),
        TypeRef::Nullable { inner } => named_in(inner, out),
        TypeRef::Primitive { .. } | TypeRef::Any => {}
    }
}

/// Can `from` reach `to` through references?
pub fn reaches(types: &IndexMap<String, TypeDef>, from: &str, to: &str) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(cur) = stack.pop() {
        let Some(t) = types.get(&cur) else { continue };
        for r in references(t) {
            if r == to {
                return true;
            }
            if seen.insert(r.to_string()) {
                stack.push(r.to_string());
            }
        }
    }
    false
}

/// Set [`TypeDef::recursive`] on every type that can reach itself.
pub fn mark_recursive(types: &mut IndexMap<String, TypeDef>) {
    let names: Vec<String> = types.keys().cloned().collect();
    let flags: Vec<bool> = names.iter().map(|n| reaches(types, n, n)).collect();
    for (n, f) in names.iter().zip(flags) {
        if let Some(t) = types.get_mut(n) {
            t.recursive = f;
        }
    }
}
