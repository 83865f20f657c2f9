//! Spec prose as Rust doc attributes, made safe for rustdoc: fenced code blocks
//! are marked as text (never compiled as doctests), indented blocks are
//! dedented, and the text lands in `#[doc = "..."]` attributes, where no
//! character can end the comment early.

use proc_macro2::TokenStream;
use quote::quote;

/// Clean prose so that rustdoc renders it and never runs it.
pub fn sanitize(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    let text: String = text
        .replace('\t', "    ")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("```") {
            if in_fence {
                out.push("```".to_string());
            } else {
                let _ = rest;
                out.push("```text".to_string());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_string());
        } else {
            out.push(trimmed.trim_end().to_string());
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    // trim leading/trailing blank lines
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// `#[doc = "..."]` attributes, one per line (so prettyplease prints `///` lines).
pub fn doc_attrs(text: Option<&str>) -> TokenStream {
    let Some(text) = text.map(sanitize).filter(|t| !t.is_empty()) else {
        return TokenStream::new();
    };
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

/// Sanitized paragraphs joined by blank lines, empty ones skipped.
fn paragraphs(parts: &[Option<&str>]) -> String {
    let joined: Vec<String> = parts
        .iter()
        .flatten()
        .map(|p| sanitize(p))
        .filter(|p| !p.is_empty())
        .collect();
    joined.join("\n\n")
}

/// Doc attributes from several paragraphs, skipping empty ones.
pub fn doc_paragraphs(parts: &[Option<&str>]) -> TokenStream {
    doc_attrs(Some(&paragraphs(parts)))
}

/// Inner `#![doc = "..."]` attributes (module or crate docs) from several paragraphs.
pub fn inner_doc_attrs(parts: &[Option<&str>]) -> TokenStream {
    let text = paragraphs(parts);
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #![doc = #lines] )* }
}
