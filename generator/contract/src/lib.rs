//! Contract testing on the specforge IR: what judges a request or a response,
//! and what makes one.
//!
//! - [`check`]: JSON Schema validators compiled from the IR's schemas, per direction.
//! - [`datagen`]: schema-valid sample values, deterministic under a seed.
//! - [`requests`]: a valid request for an operation, encoded as the IR's wire model says.
//! - [`contract`]: the response judge shared by `verify` and the mock's proxy.
//! - [`transport`]: why an exchange produced no response (refused, reset, timeout, …).
//! - [`verify`]: `specforge verify` against a live server.
#![deny(missing_docs)]

pub mod check;
pub mod contract;
pub mod datagen;
pub mod requests;
pub mod transport;
pub mod verify;
