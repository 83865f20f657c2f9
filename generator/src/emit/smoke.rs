//! A round-trip program for a generated crate: it calls every operation through
//! the generated client with arguments generated from the IR (valid by
//! construction) and reports, by operation, every call that fails to send or to
//! decode. Run against `specforge-mock` it shows that mock, client and spec agree.

use super::client::{api_key_setters, arg_type};
use super::names::ident;
use super::plan::BodyType;
use super::rust_types::RustTypes;
use crate::ir::{Api, Credential, Operation, ParamLocation, TypeRef};
use proc_macro2::Literal;
use quote::{format_ident, quote};
use serde_json::Value;

/// Where the program's argument values come from (the mock's tests use
/// `specforge-contract`'s data generator): each must be valid for its schema.
pub trait Samples {
    /// Called before the values of `op` are asked for.
    fn start(&mut self, op: &Operation);
    /// A value valid for the IR JSON Schema `schema`; `name` is the parameter's name.
    fn value(&mut self, schema: &Value, name: Option<&str>) -> Value;
}

/// `src/main.rs` of a program that takes the base URL as its first argument.
/// `crate_ident` is the generated crate's name as a Rust path (`woodpecker_api`).
pub fn smoke_program(
    api: &Api,
    crate_ident: &str,
    g: &mut dyn Samples,
) -> Result<String, super::GenerateError> {
    let types = RustTypes::new(api);
    let krate = format_ident!("{}", crate_ident);
    let prefix = quote! { #krate::types:: };
    let mut calls = Vec::new();
    for plan in super::plan::plans(api) {
        let op = plan.op;
        g.start(op);
        let mut lets = Vec::new();
        let mut args = Vec::new();
        for (i, p) in plan.required.iter().enumerate() {
            let v = format_ident!("a{}", i);
            let value = g.value(&p.json_schema, Some(&p.name));
            let json = Literal::string(&value.to_string());
            let what = format!("{} argument {}", op.name, p.name);
            let borrowed = arg_type(&types, &p.schema, &prefix).to_string();
            let owned = match types.resolve(&p.schema) {
                _ if types.is_text(&p.schema) => quote! { String },
                TypeRef::Primitive { .. } => types.rust(&p.schema, &prefix),
                TypeRef::Array { items, .. } => {
                    let i = types.rust(items, &prefix);
                    quote! { Vec<#i> }
                }
                _ => types.rust(&p.schema, &prefix),
            };
            lets.push(quote! { let #v: #owned = serde_json::from_str(#json).expect(#what); });
            args.push(if borrowed.starts_with('&') {
                quote! { &#v }
            } else {
                quote! { #v }
            });
        }
        if op
            .parameters
            .iter()
            .any(|p| !p.required && p.location != ParamLocation::Path)
        {
            args.push(quote! { &Default::default() });
        }
        if let Some(bp) = &plan.body {
            {
                let media = bp.media;
                let (decl, pass) = match &bp.body {
                    BodyType::Model(_) => {
                        let ty = bp
                            .model()
                            .map(|s| types.rust(s, &prefix))
                            .unwrap_or_else(|| quote! { serde_json::Value });
                        let value = media
                            .json_schema
                            .as_ref()
                            .map(|s| g.value(s, None))
                            .filter(|v| bp.required || !v.is_null())
                            .unwrap_or(serde_json::json!({}));
                        let json = Literal::string(&value.to_string());
                        let what = format!("{} body", op.name);
                        (
                            quote! { let body: #ty = serde_json::from_str(#json).expect(#what); },
                            quote! { &body },
                        )
                    }
                    BodyType::Multipart => (
                        quote! { let body = reqwest::multipart::Form::new().text("field", "value"); },
                        quote! { body },
                    ),
                    BodyType::Text => {
                        let text = media
                            .json_schema
                            .as_ref()
                            .map(|s| specforge_runtime::params::text(&g.value(s, None)))
                            .unwrap_or_else(|| "text".into());
                        (quote! { let body = String::from(#text); }, quote! { body })
                    }
                    BodyType::Bytes | BodyType::Unit => (
                        quote! { let body: Vec<u8> = vec![0, 1, 2, 3]; },
                        quote! { body },
                    ),
                };
                lets.push(decl);
                args.push(if bp.required {
                    pass
                } else {
                    quote! { Some(#pass) }
                });
            }
        }
        let method = ident(&plan.method);
        let name = &op.name;
        calls.push(quote! {
            {
                #(#lets)*
                total += 1;
                match client.#method(#(#args),*).await {
                    Ok(_) => ok += 1,
                    Err(e) => failures.push(format!("{}: {}", #name, e)),
                }
            }
        });
    }
    let mut setup = quote! { #krate::Client::new(base) };
    let kinds = api.credentials();
    if kinds.contains(&Credential::Bearer) {
        setup.extend(quote! { .with_bearer_token("specforge-token") });
    }
    if kinds.contains(&Credential::Basic) {
        setup.extend(quote! { .with_basic_auth("specforge", Some("secret".to_string())) });
    }
    for setter in api_key_setters(api).values() {
        let s = format_ident!("{}", setter);
        setup.extend(quote! { .#s("specforge-key") });
    }
    let tokens = quote! {
        //! Calls every operation through the generated client and reports what fails.

        #[tokio::main]
        async fn main() -> std::process::ExitCode {
            let base = std::env::args().nth(1).expect("usage: smoke BASE_URL");
            let client = #setup;
            let mut ok = 0usize;
            let mut total = 0usize;
            let mut failures: Vec<String> = Vec::new();
            #(#calls)*
            println!("round trip: {ok} of {total} operations sent and decoded");
            for f in &failures {
                println!("FAILED {f}");
            }
            if failures.is_empty() { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::FAILURE }
        }
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| super::GenerateError::Syntax {
        file: "smoke main.rs".into(),
        message: e.to_string(),
    })?;
    Ok(prettyplease::unparse(&file))
}
