//! specforge turns OpenAPI documents (Swagger 2.0, OpenAPI 3.0 and 3.1) into
//! a typed Rust client, axum server stubs, and an IR that the mock server reads.
//!
//! The stages, in order: [`loader`] (formats, versions, `$ref`s) ->
//! [`ir`] (one intermediate representation) -> emitters.
#![deny(missing_docs)]

pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod ir;
pub mod loader;
pub mod normalize;

pub use diagnostics::{Diagnostic, LoadError, Severity};
pub use emit::options::{OperationFilter, Options, OptionsError, Replacements};
pub use emit::{Difference, GenerateError, Generated, Generator};
pub use ir::{load_api, Api};
