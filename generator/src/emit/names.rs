//! Rust identifiers from arbitrary spec names: transliterated to ASCII,
//! case-converted with `heck`, keywords escaped, leading digits prefixed, and
//! made unique within their scope.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};
use std::collections::HashSet;

/// Words that cannot be identifiers, even raw (`r#self` is not allowed).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "extern", "_"];

/// Strict and reserved keywords of Rust 2021.
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

fn ascii_words(s: &str) -> String {
    let t = deunicode::deunicode(s);
    t.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// snake_case identifier text (not yet escaped).
pub fn snake(s: &str) -> String {
    let mut out = ascii_words(s).to_snake_case();
    if out.is_empty() {
        out = "value".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("n{out}");
    }
    out
}

/// UpperCamelCase identifier text (not yet escaped).
pub fn camel(s: &str) -> String {
    let mut out = ascii_words(s).to_upper_camel_case();
    if out.is_empty() {
        out = "Value".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("N{out}");
    }
    out
}

/// An identifier for `text`, raw (`r#type`) when it is a keyword, suffixed
/// (`self_`) when it cannot be raw.
pub fn ident(text: &str) -> Ident {
    if NOT_RAW.contains(&text) {
        return Ident::new(&format!("{text}_"), Span::call_site());
    }
    if KEYWORDS.contains(&text) {
        return Ident::new_raw(text, Span::call_site());
    }
    Ident::new(text, Span::call_site())
}

/// Hands out unique names within one scope (a struct's fields, a function's arguments...).
#[derive(Debug, Default, Clone)]
pub struct Namer {
    used: HashSet<String>,
}

impl Namer {
    /// A namer with some names already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            used: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Take `name` without handing it out.
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_lowercase());
    }

    /// `base`, or `base_2`, `base_3`... (`Base2` for UpperCamel names) whichever is free.
    pub fn unique(&mut self, base: &str) -> String {
        let camel_case = base.starts_with(|c: char| c.is_ascii_uppercase());
        let mut name = base.to_string();
        let mut n = 2;
        while NOT_RAW.contains(&name.as_str()) || !self.used.insert(name.to_lowercase()) {
            name = if camel_case {
                format!("{base}{n}")
            } else {
                format!("{base}_{n}")
            };
            n += 1;
        }
        name
    }

    /// A unique snake_case name for `raw`.
    pub fn snake(&mut self, raw: &str) -> String {
        self.unique(&snake(raw))
    }

    /// A unique UpperCamelCase name for `raw`.
    pub fn camel(&mut self, raw: &str) -> String {
        self.unique(&camel(raw))
    }
}

/// Names every generated `Client` and `Api` already has, or that its users call on
/// them through std traits: an operation may not take one as its method name.
const RESERVED_METHODS: &[&str] = &[
    "new",
    "with_http_client",
    "base_url",
    "http_client",
    "authorize",
    "authenticate",
    "with_bearer_token",
    "with_basic_auth",
    "with_timeout",
    "timeout",
    "with_middleware",
    "execute",
    "clone",
    "clone_from",
    "fmt",
    "eq",
    "ne",
    "hash",
    "default",
    "into",
    "from",
    "try_into",
    "try_from",
    "borrow",
    "to_owned",
    "type_id",
];

/// The method name of each operation (by IR name), the same on the generated
/// `Client` and on the server's `Api` trait: the operation's snake_case name,
/// or `…_operation` where that is one of the types' own methods (reserved names
/// plus the API-key setters).
pub fn operation_methods(api: &crate::ir::Api) -> indexmap::IndexMap<String, String> {
    let setters = super::client::api_key_setters(api);
    let mut namer = Namer::with_reserved(RESERVED_METHODS);
    for s in setters.values() {
        namer.reserve(s);
    }
    api.operations
        .iter()
        .map(|op| {
            let base = snake(&op.name);
            let taken =
                RESERVED_METHODS.contains(&base.as_str()) || setters.values().any(|s| *s == base);
            let name = if taken {
                namer.unique(&format!("{base}_operation"))
            } else {
                namer.unique(&base)
            };
            (op.name.clone(), name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_identifiers() {
        assert_eq!(ident(&snake("type")).to_string(), "r#type");
        assert_eq!(ident(&snake("self")).to_string(), "self_");
        assert_eq!(snake("2fa-enabled"), "n2fa_enabled");
        assert_eq!(camel("2fa"), "N2fa");
        assert_eq!(snake("Café crème"), "cafe_creme");
        assert_eq!(camel("日本"), "RiBen");
        assert_eq!(snake("$$$"), "value");
        let mut n = Namer::default();
        assert_eq!(n.snake("fooBar"), "foo_bar");
        assert_eq!(n.snake("foo_bar"), "foo_bar_2");
        assert_eq!(n.camel("Foo"), "Foo");
        assert_eq!(n.camel("foo"), "Foo2");
    }
}
