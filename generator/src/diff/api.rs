//! The generated crate's public API, compared between two versions of a spec:
//! both crates are generated (client and server stubs) and every public item is
//! written down with its signature, so the semver bump is measured, not guessed.

use crate::ir::Api;
use quote::ToTokens;
use serde::Serialize;
use std::collections::BTreeMap;

/// The semver bump a change of public API needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// Nothing public changed.
    Patch,
    /// Items were added, none removed or changed.
    Minor,
    /// Items were removed or changed, or existing structs gained fields and enums
    /// variants (struct literals and exhaustive matches break).
    Major,
}

impl Bump {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// Public items added, removed and changed (path → signature).
#[derive(Debug, Clone, Serialize)]
pub struct ApiChanges {
    /// New items.
    pub added: Vec<String>,
    /// Items that are gone.
    pub removed: Vec<String>,
    /// Items whose signature changed: (old, new).
    pub changed: Vec<(String, String)>,
    /// The bump this needs.
    pub bump: Bump,
}

/// Every public item of the crate generated from `api` (client and server stubs),
/// by path, with its signature.
pub fn public_api(api: &Api) -> BTreeMap<String, String> {
    let g = crate::Generator::from_api(api.clone())
        .server(true)
        .rustfmt(false);
    let mut out = BTreeMap::new();
    let Ok(generated) = g.generate_crate() else {
        return out;
    };
    for module in ["types", "client", "server"] {
        let Some(text) = generated.file(&format!("src/{module}.rs")) else {
            continue;
        };
        let Ok(file) = syn::parse_file(text) else {
            continue;
        };
        items(module, &file.items, &mut out);
    }
    out
}

/// Tokens as compact Rust text (`&self, params: &Params`, not `& self , params : & Params`).
fn sig(t: impl ToTokens) -> String {
    let mut s = t.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ,", ","),
        ("& ", "&"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        ("' a", "'a"),
        (" :", ":"),
    ] {
        s = s.replace(from, to);
    }
    s
}

fn public(v: &syn::Visibility) -> bool {
    matches!(v, syn::Visibility::Public(_))
}

fn items(module: &str, list: &[syn::Item], out: &mut BTreeMap<String, String>) {
    for item in list {
        match item {
            syn::Item::Struct(s) if public(&s.vis) => {
                let path = format!("{module}::{}", s.ident);
                out.insert(
                    path.clone(),
                    format!("struct {}{}", s.ident, sig(&s.generics)),
                );
                for (i, f) in s.fields.iter().enumerate() {
                    if public(&f.vis) {
                        let name = f
                            .ident
                            .as_ref()
                            .map(|i| i.to_string())
                            .unwrap_or(i.to_string());
                        out.insert(
                            format!("{path}::{name}"),
                            format!("field {name}: {}", sig(&f.ty)),
                        );
                    }
                }
            }
            syn::Item::Enum(e) if public(&e.vis) => {
                let path = format!("{module}::{}", e.ident);
                out.insert(
                    path.clone(),
                    format!("enum {}{}", e.ident, sig(&e.generics)),
                );
                for v in &e.variants {
                    out.insert(
                        format!("{path}::{}", v.ident),
                        format!("variant {}", sig(&v.fields)),
                    );
                }
            }
            syn::Item::Type(t) if public(&t.vis) => {
                out.insert(
                    format!("{module}::{}", t.ident),
                    format!("type = {}", sig(&t.ty)),
                );
            }
            syn::Item::Const(c) if public(&c.vis) => {
                out.insert(
                    format!("{module}::{}", c.ident),
                    format!("const: {}", sig(&c.ty)),
                );
            }
            syn::Item::Fn(f) if public(&f.vis) => {
                out.insert(format!("{module}::{}", f.sig.ident), sig(&f.sig));
            }
            syn::Item::Trait(t) if public(&t.vis) => {
                let path = format!("{module}::{}", t.ident);
                out.insert(path.clone(), "trait".into());
                for ti in &t.items {
                    if let syn::TraitItem::Fn(f) = ti {
                        out.insert(format!("{path}::{}", f.sig.ident), sig(&f.sig));
                    }
                }
            }
            syn::Item::Impl(i) if i.trait_.is_none() => {
                let ty = sig(&i.self_ty).replace(' ', "");
                for ii in &i.items {
                    if let syn::ImplItem::Fn(f) = ii {
                        if public(&f.vis) {
                            out.insert(format!("{module}::{ty}::{}", f.sig.ident), sig(&f.sig));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Compare the crates generated from `old` and `new`.
pub(super) fn compare(old: &Api, new: &Api) -> ApiChanges {
    let (a, b) = (public_api(old), public_api(new));
    let added: Vec<String> = b.keys().filter(|k| !a.contains_key(*k)).cloned().collect();
    let removed: Vec<String> = a.keys().filter(|k| !b.contains_key(*k)).cloned().collect();
    let changed: Vec<(String, String)> = a
        .iter()
        .filter_map(|(k, v)| {
            b.get(k)
                .filter(|w| *w != v)
                .map(|w| (format!("{k}: {v}"), format!("{k}: {w}")))
        })
        .collect();
    // a field of an existing struct or a variant of an existing enum breaks struct
    // literals and exhaustive matches: as breaking as a removal
    let grows_existing = added.iter().any(|k| {
        let member = b
            .get(k)
            .is_some_and(|s| s.starts_with("field ") || s.starts_with("variant "));
        member
            && k.rsplit_once("::").is_some_and(|(parent, _)| {
                a.get(parent)
                    .is_some_and(|s| s.starts_with("struct ") || s.starts_with("enum "))
            })
    });
    let bump = if !removed.is_empty() || !changed.is_empty() || grows_existing {
        Bump::Major
    } else if !added.is_empty() {
        Bump::Minor
    } else {
        Bump::Patch
    };
    ApiChanges {
        added,
        removed,
        changed,
        bump,
    }
}
