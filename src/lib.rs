//! tracedoc: captured HTTP traffic between services -> documentation.
//!
//! The pipeline, one module per stage:
//!
//! `capture` (formats -> records) -> `model` -> `graph` (pairing, nesting)
//! -> `correlate` (tokens, ids, variables, api-ref) -> `render` (templates)
//! -> `site` (folders, nav, writing files only when changed).
//!
//! `cli` holds one small module per subcommand; `main.rs` only dispatches.

// No input may make the library panic: `unwrap`/`expect` are errors outside
// tests (see docs/robustness.md). A failure that truly cannot come from input
// gets a local `#[allow]` with a comment saying why.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod capture;
pub mod cli;
pub mod config;
pub mod correlate;
pub mod error;
pub mod graph;
pub mod model;
pub mod next;
pub mod pipeline;
pub mod render;
pub mod site;

pub use error::{Diagnostic, Error, Result};
